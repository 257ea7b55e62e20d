"""What events register with privacy: the resident's own events in their data copy, and the phone's time limit."""

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from linli.core import services as core_services
from linli.core.roles import Role
from linli.events.models import Event
from linli.people.models import Person
from linli.privacy import services as privacy_services
from linli.privacy.models import LegalHold

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(world):
    """A second resident (person B, grid B) with an account of their own."""
    user = core_services.user_create(actor=None, username="neighbour", password="x-Linli-2026!", full_name="李四")
    core_services.grant_add(actor=None, user=user, role=Role.RESIDENT)
    Person.objects.filter(pk=world.person_b.pk).update(user=user)
    return user


def test_data_copy_holds_the_residents_own_events_and_not_a_neighbours(world, login, open_event, neighbour):
    mine = open_event(address="3栋楼下垃圾桶旁", contact_phone="13912345678")
    theirs = open_event(reporter=neighbour, actor=neighbour, house=world.house_b, text="楼道灯坏了好几天，晚上很黑")
    client = login(world.users["resident"])

    html = client.get("/m/me/data/").content.decode()
    assert "我上报的事件" in html and mine.number in html
    assert theirs.number not in html

    data = json.loads(client.get("/m/me/data/export.json").content)
    events = data["我上报的事件"]
    assert [e["事件编号"] for e in events] == [mine.number]
    assert events[0]["分类"] == mine.category.name and events[0]["上报时间"] and events[0]["状态"]
    assert events[0]["地址"] == mine.location_label
    assert "13912345678" not in json.dumps(events, ensure_ascii=False)

    book = load_workbook(io.BytesIO(client.get("/m/me/data/export.xlsx").content), read_only=True)
    cells = {str(v) for row in book["我上报的事件"].iter_rows(values_only=True) for v in row if v is not None}
    assert mine.number in cells and theirs.number not in cells

    other = json.loads(login(neighbour).get("/m/me/data/export.json").content)
    assert [e["事件编号"] for e in other["我上报的事件"]] == [theirs.number]


def test_closed_events_lose_the_reporters_phone_after_the_retention_period_unless_held(world, open_event, neighbour):
    old = timezone.now() - dt.timedelta(days=400)
    closed = open_event(contact_phone="13912345678")
    held = open_event(reporter=neighbour, actor=neighbour, house=world.house_b, contact_phone="13712345678")
    recent = open_event(contact_phone="13812345670")
    Event.objects.filter(pk__in=[closed.pk, held.pk]).update(status="closed", closed_at=old)
    Event.objects.filter(pk=recent.pk).update(status="closed", closed_at=timezone.now())
    LegalHold.objects.create(person=world.person_b, reason="信访复查 2026-07")

    counts = privacy_services.retention_purge()

    assert counts["closed_event_phone"] == 1
    closed.refresh_from_db()
    assert (closed.contact_phone_enc, closed.contact_phone_hash, closed.contact_phone_masked) == ("", "", "")
    assert Event.objects.get(pk=held.pk).contact_phone_enc and Event.objects.get(pk=recent.pk).contact_phone_enc
    assert Event.objects.filter(pk=closed.pk).exists()  # the event itself is kept
