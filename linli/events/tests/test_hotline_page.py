"""12345 工单导入 page: upload → events, idempotent, all-or-nothing with row messages, audited, scoped."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from linli.core.models import AuditLog, Region
from linli.events.models import Event

URL = reverse("events:hotline_import")
HEAD = "工单编号,来电人,联系电话,诉求内容,分类代码,地址\n"
GOOD = HEAD + "GZ-1,李女士,13812345678,3栋楼下垃圾没人清运,0201,彩虹花园3栋\nGZ-2,王先生,13900001111,小区路灯不亮,,\n"
BAD = HEAD + "GZ-7,李女士,13812345678,井盖缺失,0302,彩虹花园3栋\nGZ-8,王先生,13900001111,,0201,\n,张女士,,噪音扰民,,\n"


def _csv(text: str, name: str = "orders.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _post(client, world, text: str, community=None, name: str = "orders.csv"):
    community = community or world.community
    return client.post(URL, {"community": community.pk, "file": _csv(text, name)})


def test_staff_imports_a_csv_and_sees_the_events(world, login):
    c = login(world.users["staff"])
    page = _post(c, world, GOOD)
    assert page.status_code == 200
    events = {e.external_id: e for e in Event.objects.filter(external_source="12345")}
    assert set(events) == {"GZ-1", "GZ-2"}
    html = page.content.decode()
    assert 'data-testid="hotline-saved"' in html
    assert events["GZ-1"].get_absolute_url() in html and events["GZ-2"].get_absolute_url() in html
    assert c.get(events["GZ-1"].get_absolute_url()).status_code == 200
    log = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert log.actor == world.users["staff"] and log.result == "ok" and log.target_repr == "彩虹社区"
    assert log.extra["file"] == "orders.csv" and log.extra["created"] == 2 and log.extra["existing"] == 0


def test_importing_the_same_file_again_creates_nothing(world, login):
    c = login(world.users["staff"])
    _post(c, world, GOOD)
    page = _post(c, world, GOOD).content.decode()
    assert Event.objects.filter(external_source="12345").count() == 2
    assert "新增 0 件，已导入过 2 件" in page
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT).order_by("-pk")[0].extra["existing"] == 2


def test_a_file_with_bad_rows_lists_them_and_imports_nothing(world, login):
    c = login(world.users["staff"])
    page = _post(c, world, BAD).content.decode()
    assert "第 3 行 · 诉求内容：请说明发生了什么" in page
    assert "第 4 行 · 工单编号：不能为空" in page
    assert "本次没有导入任何工单" in page
    assert not Event.objects.filter(external_source="12345").exists()
    log = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert log.result == "rejected" and log.extra["created"] == 0 and log.extra["problems"] == 2


def test_an_unreadable_file_is_refused(world, login):
    c = login(world.users["staff"])
    page = _post(c, world, "{not json", name="orders.json").content.decode()
    assert "工单文件：无法读取" in page and not Event.objects.filter(external_source="12345").exists()
    page = _post(c, world, GOOD, name="orders.txt").content.decode()
    assert "只接受 .csv、.xlsx 或 .json 文件" in page


def test_the_only_community_is_preselected_and_the_template_downloads(world, login):
    c = login(world.users["staff"])
    page = c.get(URL).content.decode()
    assert f'<option value="{world.community.pk}" selected>' in page and "塔西社区" not in page
    assert f'href="{URL}"' in page  # the menu item under 事件
    template = c.get(reverse("events:hotline_template"))
    assert template.status_code == 200 and template.content.decode("utf-8-sig").startswith("工单编号,")


def test_grid1_cannot_open_the_page(world, login):
    c = login(world.users["grid1"])
    assert c.get(URL).status_code == 403
    assert c.get(reverse("events:hotline_template")).status_code == 403
    assert "12345 工单导入" not in c.get(reverse("events:my_tasks")).content.decode()


def test_staff_cannot_import_into_another_community(world, login):
    other = Region.objects.get(name="塔西社区")
    page = _post(login(world.users["staff"]), world, GOOD, community=other).content.decode()
    assert "导入社区：不在您的管辖范围内" in page
    assert not Event.objects.filter(external_source="12345").exists()
    assert not AuditLog.objects.filter(action=AuditLog.Action.IMPORT).exists()
