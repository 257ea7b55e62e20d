"""12345 hotline orders: import from CSV/XLSX/JSON, idempotent by order number; status sent back (contract)."""

import io
import json

from linli.events import hotline, services
from linli.events.models import Category, Event, ExternalCode, OutboundMessage

CSV = "工单编号,来电人,联系电话,诉求内容,分类代码,地址\n" \
      "GZ2026-1,李女士,13812345678,3栋楼下垃圾没人清运,0201,彩虹花园3栋\n" \
      "GZ2026-2,王先生,13900001111,路灯不亮,H-0303,\n" \
      ",无编号,13900001111,缺编号,0201,彩虹花园3栋\n"  # fmt: skip


def test_csv_import_is_idempotent(world):
    ExternalCode.objects.create(category=Category.objects.get(code="0303"), system="12345", code="H-0303")
    first = hotline.import_orders(data=CSV.encode(), filename="orders.csv", region=world.community)
    assert first.created == ["GZ2026-1", "GZ2026-2"] and first.errors[0][0] == 4
    again = hotline.import_orders(data=CSV.encode(), filename="orders.csv", region=world.community)
    assert again.created == [] and again.existing == ["GZ2026-1", "GZ2026-2"]
    a = Event.objects.get(external_id="GZ2026-1")
    b = Event.objects.get(external_id="GZ2026-2")
    assert a.region == world.grid_a and a.contact_phone_masked == "138****5678" and a.channel == "hotline_import"
    assert b.category.code == "0303" and b.needs_triage and b.region == world.community


def test_gbk_csv_json_and_xlsx(world):
    r = hotline.import_orders(data=CSV.encode("gbk"), filename="orders.csv", region=world.community)
    assert len(r.created) == 2
    payload = {"orders": [{"order_no": "J-1", "content": "井盖缺失", "category": "0302", "address": "彩虹花园3栋"}]}
    assert hotline.import_orders(
        data=json.dumps(payload).encode(), filename="o.json", region=world.community
    ).created == ["J-1"]
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["工单编号", "诉求内容", "分类代码", "地址"])
    book.active.append(["X-1", "油烟扰民", "0702", "彩虹花园3栋"])
    buf = io.BytesIO()
    book.save(buf)
    assert hotline.import_orders(data=buf.getvalue(), filename="o.xlsx", region=world.community).created == ["X-1"]


def test_status_goes_back_to_the_hotline(world, django_capture_on_commit_callbacks):
    hotline.import_orders(data=CSV.encode(), filename="orders.csv", region=world.community)
    e = Event.objects.get(external_id="GZ2026-1")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_accept(event=e, actor=world.users["staff"])
        services.event_dispatch(event=e, actor=world.users["staff"])
        services.event_sign(event=e, actor=world.users["grid1"])
        services.event_resolve(event=e, actor=world.users["grid1"], result="已清运")
    rows = list(OutboundMessage.objects.filter(channel="hotline").order_by("pk").values_list("template", "params"))
    assert [t for t, _ in rows] == ["hotline_accepted", "hotline_resolved"]
    assert rows[1][1]["order_no"] == "GZ2026-1" and rows[1][1]["note"] == "已清运"


def test_backend_contract(world):
    e = Event.objects.create(number="SJ1", channel="12345", title="t", description="d", region=world.grid_a,
                             region_path=world.grid_a.path, external_source="12345", external_id="O-1")  # fmt: skip
    msg = hotline.backend().send_status(event=e, order_no="O-1", status="closed", note="已办结")
    assert msg.pk and msg.channel == "hotline" and msg.params["status"] == "closed"
