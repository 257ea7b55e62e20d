"""Input that used to cause server errors, and photos that kept what the uploader sent (security review items
10 and 12): Open311 filters and NUL characters, the classifier's ``k``, decompression bombs on every photo upload
path, and photos re-encoded (no EXIF/GPS, upright, named by their real type)."""

import functools
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.events import services
from linli.events.demo import DEMO_OPEN311_KEY, ensure_demo_key
from linli.events.models import Event, EventPhoto, EventStatus
from linli.events.tests.conftest import png

BASE = "/open311/v2"


@pytest.fixture
def key(world):
    return ensure_demo_key(world.community)


# --- Open311: NUL characters and dates that do not exist ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_nul_in_a_query_is_a_400_in_the_specification_shape(client, key, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", {"service_code": "02\x0001"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "空字符" in body
    if fmt == "json":
        assert response.json()[0]["code"] == 400
    else:
        assert "<errors><error><code>400</code>" in body


def test_open311_nul_in_a_posted_field_is_a_400(client, key):
    data = {"api_key": DEMO_OPEN311_KEY, "service_code": "0201", "lat": "26.2456", "long": "105.9316",
            "description": "垃圾\x00没人清运"}  # fmt: skip
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == 400 and "空字符" in response.json()[0]["description"]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-02-30T00:00:00+08:00"},  # well-formed, but no such day
        {"end_date": "2026-13-01T00:00:00Z"},
        {"updated_after": "2026-04-31"},
        {"end_date": "0001-01-01T00:00:00"},  # the default window (end − 90 days) would leave the calendar
        {"start_date": "9999-12-31T23:59:59"},
    ],
)
def test_open311_impossible_dates_are_a_400_in_chinese(client, key, params):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    description = response.json()[0]["description"]
    assert "日期时间" in description or "超出范围" in description


def test_open311_updates_refuse_an_impossible_date(client, key):
    response = client.get(f"{BASE}/servicerequestupdates.json", {"start_date": "2026-02-29T00:00:00"})
    assert response.status_code == 400 and "日期时间" in response.json()[0]["description"]


def test_open311_page_size_must_be_ascii_digits(client, key):
    response = client.get(f"{BASE}/requests.json", {"page_size": "²"})
    assert response.status_code == 400 and "正整数" in response.json()[0]["description"]


def test_open311_valid_dates_still_work(client, key):
    response = client.get(f"{BASE}/requests.json", {"start_date": "2026-02-28T00:00:00+08:00"})
    assert response.status_code == 200


# --- the classifier's k ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", ["abc", "0", "11", "3.5", "-2"])
def test_classify_refuses_a_k_that_is_not_1_to_10(world, api, k):
    response = api(world.users["staff"]).post(f"/api/v1/events/classify?k={k}", {"text": "楼道灯坏了"}, format="json")
    assert response.status_code == 400
    assert response.json()["k"] == ["k：请填写 1–10 之间的整数（返回的建议条数）"]


def test_classify_k_in_range_limits_the_suggestions(world, api):
    response = api(world.users["staff"]).post("/api/v1/events/classify?k=2", {"text": "楼道灯坏了"}, format="json")
    assert response.status_code == 200 and 1 <= len(response.json()["suggestions"]) <= 2


# --- decompression bombs: every photo upload path -------------------------------------------------------------


@functools.cache
def _bomb_bytes(side: int = 30000) -> bytes:
    """A real 30000 × 30000 PNG (9 × 10⁸ pixels, 1 bit each): 107 KB on the wire, gigabytes once decoded."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def bomb(name: str = "bomb.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _bomb_bytes(), content_type="image/png")


BOMB_MESSAGE = "尺寸过大"


def _in_hand(world, event):
    """Accepted, dispatched to grid1 (the dispatch rule for grid A) and signed for: ready to be resolved."""
    u = world.users
    event = services.event_accept(event=event, actor=u["staff"])
    event = services.event_dispatch(event=event, actor=u["staff"])
    return services.event_sign(event=event, actor=u["grid1"])


def test_api_report_with_a_decompression_bomb_is_a_400_in_chinese(world, api):
    response = api(world.users["resident"]).post(
        "/api/v1/events/", {"text": "楼道灯坏了一周", "house": world.house_a.pk, "photos": [bomb()]}, format="multipart"
    )
    assert response.status_code == 400
    assert BOMB_MESSAGE in response.json()["photos"][0]
    assert not Event.objects.exists()


def test_resident_report_form_with_a_decompression_bomb_shows_a_form_error(world, login):
    client = login(world.users["resident"])
    response = client.post("/m/events/new/", {"text": "楼道灯坏了一周", "place": "home", "house": str(world.house_a.pk),
                                              "photos": [bomb()]})  # fmt: skip
    assert response.status_code == 200 and BOMB_MESSAGE in response.content.decode()
    assert not Event.objects.exists()


def test_console_resolve_with_a_decompression_bomb_is_refused(world, open_event, login):
    u = world.users
    e = _in_hand(world, open_event())
    client = login(u["grid1"])
    response = client.post(f"/console/events/{e.pk}/act/resolve/", {"result": "已清运", "photos": [bomb()]},
                           follow=True)  # fmt: skip
    assert response.status_code == 200 and BOMB_MESSAGE in response.content.decode()
    assert Event.objects.get(pk=e.pk).status == EventStatus.PROCESSING


def test_api_resolve_with_a_decompression_bomb_is_a_400(world, open_event, api):
    u = world.users
    e = _in_hand(world, open_event())
    response = api(u["grid1"]).post(f"/api/v1/events/{e.pk}/resolve/", {"note": "已清运", "photos": [bomb()]},
                                    format="multipart")  # fmt: skip
    assert response.status_code == 400 and BOMB_MESSAGE in response.json()["photos"][0]


# --- photos are re-encoded: no EXIF/GPS, upright, named by their real type ------------------------------------


def _jpeg_with_gps_and_rotation() -> bytes:
    """A 60 × 20 JPEG whose EXIF says 'rotate 90°' (orientation 6) and carries a GPS position."""
    img = Image.new("RGB", (60, 20), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held upright
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (26.0, 14.0, 44.0), 3: "E", 4: (105.0, 55.0, 53.0)}  # GPSInfo: where the reporter stood
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _stored(photo: EventPhoto) -> Image.Image:
    with photo.image.open("rb") as handle:
        img = Image.open(io.BytesIO(handle.read()))
        img.load()
    return img


def test_uploaded_jpeg_loses_exif_and_gps_is_turned_upright_and_named_jpg(world, api):
    upload = SimpleUploadedFile("invoice.html", _jpeg_with_gps_and_rotation(), content_type="text/html")
    response = api(world.users["resident"]).post(
        "/api/v1/events/", {"text": "楼道灯坏了一周", "house": world.house_a.pk, "photos": [upload]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    photo = EventPhoto.objects.get()
    assert photo.image.name.endswith(".jpg") and "invoice" not in photo.image.name
    assert photo.content_type == "image/jpeg" and photo.size == photo.image.size
    img = _stored(photo)
    assert img.format == "JPEG" and img.size == (20, 60)  # rotated as the camera meant
    assert not img.getexif() and "exif" not in img.info  # no GPS, no make, no orientation left


def test_png_named_jpg_is_stored_as_png(world, open_event):
    e = open_event(photos=[png("screenshot.jpg")])
    photo = e.photos.get()
    assert photo.image.name.endswith(".png") and photo.content_type == "image/png"
    assert _stored(photo).format == "PNG"


def test_gif_becomes_png_and_webp_photo_becomes_jpeg(world, open_event):
    gif, webp = io.BytesIO(), io.BytesIO()
    Image.new("P", (10, 10)).save(gif, format="GIF")
    Image.new("RGB", (10, 10), (10, 200, 10)).save(webp, format="WEBP")
    e = open_event(photos=[SimpleUploadedFile("a.gif", gif.getvalue()), SimpleUploadedFile("b.webp", webp.getvalue())])
    assert sorted(p.image.name.rsplit(".", 1)[1] for p in e.photos.all()) == ["jpg", "png"]


def test_a_file_that_is_not_an_image_is_refused_in_chinese(world, api):
    upload = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = api(world.users["resident"]).post(
        "/api/v1/events/", {"text": "楼道灯坏了一周", "house": world.house_a.pk, "photos": [upload]}, format="multipart"
    )
    assert response.status_code == 400 and "不是有效的图片" in response.json()["photos"][0]


def test_resolve_with_a_photo_still_works(world, open_event):
    u = world.users
    e = _in_hand(world, open_event(photos=[png()]))
    e = services.event_resolve(event=e, actor=u["grid1"], result="已清运", photos=[png("after.png")])
    assert e.photos.filter(kind="result").get().image.name.endswith(".png")


def test_categorise_without_a_category_is_a_400_in_chinese(world, open_event, api):
    e = open_event()
    response = api(world.users["staff"]).post(f"/api/v1/events/{e.pk}/categorise/", {"category": ""}, format="json")
    assert response.status_code == 400 and response.json()["category"] == ["分类：请选择小类"]


def test_console_event_list_with_an_impossible_date_says_which_filter(world, login):
    response = login(world.users["staff"]).get("/console/events/", {"created_after": "2026-02-30"})
    assert response.status_code == 400 and "筛选条件有误：上报起：" in response.content.decode()


@pytest.mark.parametrize("ident", ["²", "١٢", "99999999999999999999"])
def test_ids_in_non_ascii_digits_or_beyond_bigint_are_no_server_error(world, open_event, api, ident):
    """ "²".isdigit() is true but int("²") fails: every id taken from input goes through parse_pk."""
    e = open_event()
    client = api(world.users["staff"])
    dispatch = client.post(f"/api/v1/events/{e.pk}/dispatch/", {"handler": f"user:{ident}"}, format="json")
    assert dispatch.status_code == 400 and "处置人不存在" in dispatch.json()["detail"]
    merge = client.post(f"/api/v1/events/{e.pk}/merge/", {"parent": ident}, format="json")
    assert merge.status_code == 400 and "目标事件不存在" in merge.json()["detail"]
    residencies = client.get("/api/v1/residencies/", {"person": ident})
    assert residencies.status_code == 200 and residencies.json()["results"] == []
    assert client.get(f"/api/v1/imports/{ident}/").status_code == 404
