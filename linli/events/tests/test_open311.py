"""Open311 GeoReport v2: every resource in XML and JSON, errors per the specification, and real clients:
the PyPI ``georeport`` client reading a live server in both formats, and a FixMyStreet-style form POST."""

import xml.etree.ElementTree as ET

import pytest

from linli.events import services
from linli.events.demo import DEMO_OPEN311_KEY, ensure_demo_key
from linli.events.models import Event

BASE = "/open311/v2"


@pytest.fixture
def key(world):
    return ensure_demo_key(world.community)


def post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_discovery_in_both_formats(client, db):
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    xml = client.get(f"{BASE}/discovery.xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format").text == "text/xml"


def test_services_list_groups_and_keywords(client, db):
    rows = client.get(f"{BASE}/services.json").json()
    first = rows[0]
    assert first["service_code"] == "0101" and first["group"] == "安全隐患" and first["type"] == "realtime"
    assert first["metadata"] is False and isinstance(first["keywords"], str)
    assert "1004" not in {r["service_code"] for r in rows}  # sensitive categories are not offered publicly
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and root.find("service/metadata").text == "false"


def test_service_definition_and_unknown_service(client, db):
    assert client.get(f"{BASE}/services/0201.json").json() == {"service_code": "0201", "attributes": []}
    r = client.get(f"{BASE}/services/9999.xml")
    assert r.status_code == 404
    root = ET.fromstring(r.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_post_requires_a_valid_api_key(client, key):
    r = post(client, service_code="0201", lat="26.2456", long="105.9316", description="垃圾")
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    r = post(client, "xml", api_key="wrong", service_code="0201", lat="26.2456", long="105.9316")
    assert r.status_code == 403 and ET.fromstring(r.content).find("error/code").text == "403"


def test_post_validation_errors_are_400(client, key):
    assert post(client, api_key=DEMO_OPEN311_KEY, lat="26.2", long="105.9").status_code == 400
    assert post(client, api_key=DEMO_OPEN311_KEY, service_code="0201").json()[0]["description"].startswith("a location")
    assert post(client, api_key=DEMO_OPEN311_KEY, service_code="nope", lat="26.2", long="105.9").status_code == 400
    long_text = "很" * 4001
    r = post(client, api_key=DEMO_OPEN311_KEY, service_code="0201", lat="26.2", long="105.9", description=long_text)
    assert r.status_code == 400


def test_post_creates_an_event_in_the_grid_of_the_point(client, key, world):
    r = post(client, api_key=DEMO_OPEN311_KEY, service_code="0201", lat="26.245600", long="105.931600",
             description="3栋楼下垃圾没人清运", first_name="三", last_name="张", phone="13812345678",
             media_url="https://example.org/p.jpg")  # fmt: skip
    assert r.status_code == 200
    row = r.json()[0]
    event = Event.objects.get(number=row["service_request_id"])
    assert event.channel == "open311" and event.region == world.grid_a and event.contact_phone_masked == "138****5678"
    assert event.reporter_name == "张 三" and event.media_url == "https://example.org/p.jpg"


def test_jurisdiction_unknown_is_404_and_empty_is_ignored(client, key):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=elsewhere").status_code == 404


def test_requests_list_filters_and_detail(client, key, world):
    a = post(client, api_key=DEMO_OPEN311_KEY, service_code="0201", lat="26.2456", long="105.9316",
             description="垃圾").json()[0]["service_request_id"]  # fmt: skip
    b = post(client, api_key=DEMO_OPEN311_KEY, service_code="0303", address_string="彩虹花园3栋",
             description="路灯不亮").json()[0]["service_request_id"]  # fmt: skip
    e = Event.objects.get(number=b)
    services.event_accept(event=e, actor=world.users["staff"])
    services.event_reject(event=Event.objects.get(number=a), actor=world.users["staff"], reason="重复")
    rows = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in rows} == {a, b}
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=closed").json()] == [a]
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?service_code=0303").json()] == [b]
    assert [
        r["service_request_id"] for r in client.get(f"{BASE}/requests.json?service_request_id={a}&status=open").json()
    ] == [a]
    detail = client.get(f"{BASE}/requests/{b}.json").json()
    assert len(detail) == 1 and detail[0]["status"] == "open" and detail[0]["expected_datetime"].endswith("+08:00")
    assert client.get(f"{BASE}/requests/SJ0.json").status_code == 404
    assert client.get(f"{BASE}/requests.json?start_date=notadate").status_code == 400
    assert client.get(f"{BASE}/tokens/{b}.json").json() == [{"service_request_id": b, "token": b}]
    root = ET.fromstring(client.get(f"{BASE}/requests/{b}.xml").content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == b


def test_other_channels_are_never_published(client, key, world, open_event):
    open_event()
    assert client.get(f"{BASE}/requests.json").json() == []


def test_service_request_updates(client, key, world):
    rid = post(client, api_key=DEMO_OPEN311_KEY, service_code="0201", lat="26.2456", long="105.9316",
               description="垃圾").json()[0]["service_request_id"]  # fmt: skip
    services.event_accept(event=Event.objects.get(number=rid), actor=world.users["staff"])
    rows = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert rows[-1]["service_request_id"] == rid and rows[-1]["status"] == "open" and rows[-1]["update_id"]


@pytest.mark.django_db(transaction=True)
def test_georeport_client_reads_our_live_server_in_both_formats(live_server):
    import requests
    from georeport import GeoReport

    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    ensure_demo_key(world.community)
    root = f"{live_server.url}{BASE}"
    # A FixMyStreet-style form POST (application/x-www-form-urlencoded, attribute[...] fields).
    r = requests.post(f"{root}/requests.xml", data={
        "api_key": DEMO_OPEN311_KEY, "service_code": "0303", "lat": "26.245600", "long": "105.931600",
        "description": "路灯不亮，晚上很黑", "email": "a@example.org", "first_name": "三", "last_name": "张",
        "attribute[asset_id]": "L-12", "jurisdiction_id": "", "device_id": "fms-1",
    }, timeout=10)  # fmt: skip
    assert r.status_code == 200, r.text
    rid = ET.fromstring(r.content).find("request/service_request_id").text
    assert Event.objects.get(number=rid).region == world.grid_a
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        services_list = client.get_service_list()
        assert any(s["service_code"] == "0303" for s in services_list)
        assert client.get_service_definition("0303")["service_code"] == "0303"
        rows = client.get_service_requests(status="open")
        rows = rows if isinstance(rows, list) else [rows]  # xmltodict gives a dict for a single element
        assert rid in {row["service_request_id"] for row in rows}
        one = client.get_service_request(rid)
        assert one["service_request_id"] == rid and one["status"] == "open"
