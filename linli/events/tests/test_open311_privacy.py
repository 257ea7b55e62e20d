"""Open311 publishes nothing a resident typed until it is redacted and (by default) reviewed by staff; the public
endpoints are rate limited per address; API keys are stored hashed and wrong keys are throttled."""

import hashlib
import re
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection

from linli.core.redaction import ID_MASK, PHONE_MASK, PLATE_MASK
from linli.events import services
from linli.events.demo import DEMO_OPEN311_KEY, ensure_demo_key
from linli.events.models import ApiKey, Event, EventTransition

BASE = "/open311/v2"
TYPED = "我身份证520402199001011234，电话138 1234 5678，贵G·D12345 天天堵在消防通道"
POINT = {"lat": "26.2456", "long": "105.9316"}


@pytest.fixture
def key(world):
    return ensure_demo_key(world.community)


def new_address() -> str:
    """A fresh client address, so counters in a shared cache (Redis in CI) never leak between tests."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@pytest.fixture
def address():
    return new_address()


def file_request(client, **extra):
    data = {"api_key": DEMO_OPEN311_KEY, "service_code": "0401", "description": TYPED, **POINT,
            "media_url": "https://example.org/p.jpg", **extra}  # fmt: skip
    r = client.post(f"{BASE}/requests.json", data)
    assert r.status_code == 200, r.content
    return r.json()[0]["service_request_id"]


def public_row(client, rid, fmt="json"):
    if fmt == "xml":
        root = ET.fromstring(client.get(f"{BASE}/requests/{rid}.xml").content)
        return {child.tag: child.text or "" for child in root.find("request")}
    return client.get(f"{BASE}/requests/{rid}.json").json()[0]


def test_a_new_request_is_listed_without_what_the_resident_typed(client, key):
    rid = file_request(client)
    rows = client.get(f"{BASE}/requests.json").json()
    row = next(r for r in rows if r["service_request_id"] == rid)
    assert row["service_code"] == "0401" and row["status"] == "open"
    assert row["description"] == "" and row["media_url"] == ""
    for fmt in ("json", "xml"):
        detail = public_row(client, rid, fmt)
        assert detail["description"] == "" and detail["media_url"] == ""
    body = client.get(f"{BASE}/requests.xml").content.decode()
    assert "520402" not in body and "1234 5678" not in body and "D12345" not in body
    # Staff still see every word on the console.
    assert Event.objects.get(number=rid).description == TYPED


def test_staff_review_publishes_the_redacted_text(client, key, world, login):
    rid = file_request(client)
    event = Event.objects.get(number=rid)
    page = login(world.users["staff"]).get(event.get_absolute_url()).content.decode()
    assert "对外公开内容（Open311）" in page and "待审核" in page
    proposed = re.search(r'<textarea id="public-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert ID_MASK in proposed and PHONE_MASK in proposed and PLATE_MASK in proposed and "520402" not in proposed
    # The reviewer edits the proposal; a phone added by mistake is masked again when stored.
    text = "有车长期占用消防通道，联系 13900001111"
    r = client.post(f"/console/events/{event.pk}/public-text/", {"text": text, "version": event.version})
    assert r.status_code == 302
    row = public_row(client, rid)
    assert row["description"] == f"有车长期占用消防通道，联系 {PHONE_MASK}"
    assert row["media_url"] == "https://example.org/p.jpg"
    assert public_row(client, rid, "xml")["description"] == row["description"]
    step = EventTransition.objects.get(event=event, action="public_review")
    assert step.public is False and step.actor == world.users["staff"]
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert all("审核" not in u["description"] for u in updates)


def test_only_dispatchers_in_scope_can_review(client, key, world, login):
    rid = file_request(client)
    event = Event.objects.get(number=rid)
    c = login(world.users["dept"])  # a department handler sees no review button and cannot post one
    assert c.post(f"/console/events/{event.pk}/public-text/", {"text": "x"}).status_code == 404
    event.refresh_from_db()
    assert event.public_reviewed_at is None and public_row(client, rid)["description"] == ""


def test_redacted_mode_publishes_the_masked_text_at_once(client, key, settings):
    settings.OPEN311_PUBLISH = "redacted"
    rid = file_request(client)
    row = public_row(client, rid)
    assert row["description"] == f"我身份证{ID_MASK}，电话{PHONE_MASK}，{PLATE_MASK} 天天堵在消防通道"
    assert row["media_url"] == "https://example.org/p.jpg"


def test_status_notes_address_and_updates_are_redacted(client, key, world):
    rid = file_request(client, address_string="彩虹花园门口 张三 13812345678")
    event = Event.objects.get(number=rid)
    services.event_reject(event=event, actor=world.users["staff"], reason="请直接拨打 0851-33221100 联系物业")
    row = public_row(client, rid)
    assert row["status"] == "closed" and "33221100" not in row["status_notes"] and PHONE_MASK in row["status_notes"]
    assert "13812345678" not in row["address"] and "张三" not in row["address"]  # typed: waits for review
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert any(PHONE_MASK in u["description"] for u in updates if u["service_request_id"] == rid)
    assert not any("33221100" in u["description"] for u in updates)


# --- throttling -----------------------------------------------------------------------------------------


def test_public_reads_are_throttled_per_address(client, db, settings, address):
    settings.OPEN311_RATES = {**settings.OPEN311_RATES, "read": "3/hour"}
    for _ in range(3):
        assert client.get(f"{BASE}/services.json", REMOTE_ADDR=address).status_code == 200
    r = client.get(f"{BASE}/requests.xml", REMOTE_ADDR=address)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert ET.fromstring(r.content).find("error/code").text == "429"
    r = client.get(f"{BASE}/services.json", REMOTE_ADDR=address)
    assert r.status_code == 429 and r.json()[0]["code"] == 429
    assert client.get(f"{BASE}/services.json", REMOTE_ADDR=new_address()).status_code == 200  # another address
    # The address itself is not in the cache keys (no personal data in cache keys).
    if isinstance(cache, LocMemCache):
        assert not any(address in key for key in cache._cache)


def test_posts_are_throttled_per_address(client, key, settings, address):
    settings.OPEN311_RATES = {**settings.OPEN311_RATES, "write": "2/hour"}
    form = {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", **POINT, "description": "垃圾"}
    for _ in range(2):
        assert client.post(f"{BASE}/requests.json", form, REMOTE_ADDR=address).status_code == 200
    r = client.post(f"{BASE}/requests.json", form, REMOTE_ADDR=address)
    assert r.status_code == 429 and r.json()[0]["code"] == 429
    assert Event.objects.filter(channel="open311").count() == 2


def test_wrong_keys_are_throttled_per_address(client, key, settings, address):
    settings.OPEN311_RATES = {**settings.OPEN311_RATES, "bad_key": "3/hour"}
    form = {"service_code": "0201", **POINT, "description": "垃圾"}
    for i in range(3):
        r = client.post(f"{BASE}/requests.json", {**form, "api_key": f"guess-{i}"}, REMOTE_ADDR=address)
        assert r.status_code == 403 and r.json()[0]["code"] == 403
    # Locked out: even the right key answers 429 from this address, so guessing cannot go on.
    r = client.post(f"{BASE}/requests.xml", {**form, "api_key": DEMO_OPEN311_KEY}, REMOTE_ADDR=address)
    assert r.status_code == 429 and ET.fromstring(r.content).find("error/code").text == "429"
    assert "Retry-After" in r
    # Other clients are not affected.
    r = client.post(f"{BASE}/requests.json", {**form, "api_key": DEMO_OPEN311_KEY}, REMOTE_ADDR=new_address())
    assert r.status_code == 200


# --- keys ----------------------------------------------------------------------------------------------


def test_api_keys_are_stored_hashed_and_the_demo_key_still_works(client, key):
    assert not any(f.name == "key" for f in ApiKey._meta.fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiKey._meta.db_table}")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert DEMO_OPEN311_KEY not in stored
    assert hashlib.sha256(DEMO_OPEN311_KEY.encode()).hexdigest() in stored
    assert key.prefix == DEMO_OPEN311_KEY[:8]
    assert client.post(f"{BASE}/requests.json", {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", **POINT,
                                                  "description": "垃圾"}).status_code == 200  # fmt: skip
    ApiKey.objects.filter(pk=key.pk).update(active=False)
    r = client.post(f"{BASE}/requests.json", {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", **POINT})
    assert r.status_code == 403


def test_admin_shows_a_new_key_once(client, world, login):
    admin = world.users["admin"]
    c = login(admin)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=admin, name="test", defaults={"confirmed": True})
    session = c.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    r = c.post("/admin/events/apikey/add/", {"name": "12345 平台", "region": world.community.pk, "active": "on"},
               follow=True)  # fmt: skip
    assert r.status_code == 200
    page = r.content.decode()
    shown = re.search(r"接口密钥：(\S+) —— 只显示这一次", page).group(1)
    row = ApiKey.objects.get(name="12345 平台")
    assert row.key_hash == hashlib.sha256(shown.encode()).hexdigest() and row.prefix == shown[:8]
    again = c.get(f"/admin/events/apikey/{row.pk}/change/").content.decode()
    assert shown not in again and row.prefix in again
    ok = client.post(f"{BASE}/requests.json", {"api_key": shown, "service_code": "0201", **POINT, "description": "x"})
    assert ok.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_typed_address_waits_for_review_like_the_description(client, key, world, settings, fmt):
    rid = file_request(client, address_string="张三家门口 13812345678")
    assert public_row(client, rid, fmt)["address"] == "彩虹花园3栋"  # the building the point resolved to
    listed = client.get(f"{BASE}/requests.{fmt}").content.decode()
    assert "张三" not in listed
    event = Event.objects.get(number=rid)
    services.event_review_public_text(
        event=event, actor=world.users["staff"], text="消防通道被占用", version=event.version
    )
    assert public_row(client, rid, fmt)["address"] == "彩虹花园3栋"  # the review was of the description only
    settings.OPEN311_PUBLISH = "redacted"
    other = file_request(client, address_string="李四家门口")
    assert public_row(client, other, fmt)["address"] == "彩虹花园3栋（李四家门口）"
