"""What the platform holds about a person (本人数据副本) and how long (retention)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.core import attachments
from linli.core.modules import personal_data_sections, retention_kind
from linli.volunteering import services
from linli.volunteering.models import Wish

pytestmark = pytest.mark.django_db


def _done_wish(world, member):
    wish = services.wish_create(actor=world.users["resident"], title="想要一台收音机", address="3栋2单元501")
    services.wish_publish(wish=wish, actor=world.users["staff"])
    services.wish_claim(wish=wish, actor=member)
    services.wish_fulfil(wish=wish, actor=member, note="送到了", hours="1")
    return services.wish_confirm(wish=wish, actor=world.users["resident"])


def test_the_personal_data_copy_lists_the_volunteer_record_and_the_wishes(world, member):
    _done_wish(world, member)
    services.volunteer_register(user=world.users["resident"], consent=True, skills="理发")
    sections = {s.key: s for s in personal_data_sections()}
    volunteer = sections["volunteer"].collect(world.person_a)
    wishes = sections["wishes"].collect(world.person_a)
    assert volunteer["特长"] == "理发" and volunteer["同意记录时间"]
    assert [w["心愿"] for w in wishes] == ["想要一台收音机"] and wishes[0]["状态"] == "已完成"


def test_closed_wishes_lose_who_and_where_after_the_retention_period_but_keep_the_hours(world, member):
    wish = _done_wish(world, member)
    purge = retention_kind("closed_wish").purge
    assert purge(timezone.now() - dt.timedelta(days=1), []) == 0  # too recent
    assert purge(timezone.now() + dt.timedelta(days=1), [world.person_a.pk]) == 0  # under a legal hold
    assert purge(timezone.now() + dt.timedelta(days=1), []) == 1
    wish = Wish.objects.get(pk=wish.pk)
    assert (wish.beneficiary_name, wish.address, wish.beneficiary_id, wish.owner_id) == ("（已匿名）", "", None, None)
    assert wish.records.get().hours == 1


def test_the_fulfilment_photo_is_deleted_from_the_file_storage_after_the_retention_period(world, member):
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "green").save(out, "JPEG")
    wish = services.wish_create(actor=world.users["resident"], title="想要一台收音机")
    services.wish_publish(wish=wish, actor=world.users["staff"])
    services.wish_claim(wish=wish, actor=member)
    services.wish_fulfil(wish=wish, actor=member, note="送到了", photo=SimpleUploadedFile("p.jpg", out.getvalue()))
    services.wish_confirm(wish=wish, actor=world.users["resident"])
    key = Wish.objects.get(pk=wish.pk).fulfil_photo.name
    assert attachments.exists(key)
    assert retention_kind("closed_wish").purge(timezone.now() + dt.timedelta(days=1), []) == 1
    assert not attachments.exists(key) and not Wish.objects.get(pk=wish.pk).fulfil_photo
