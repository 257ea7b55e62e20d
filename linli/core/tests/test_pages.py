"""Pages that speak Chinese and tell the truth: error pages per screen, menu ⇒ 200, times in Asia/Shanghai."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import path
from django.utils import timezone

import linli.urls
from linli.core.models import ObjectChange
from linli.core.timefmt import local_display


def _boom(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf: the project's URLs plus pages that fail, so the real handlers answer.
urlpatterns = [
    path("console/boom/", _boom),
    path("m/boom/", _boom),
    path("api/v1/boom/", _boom),
    *linli.urls.urlpatterns,
]
handler400 = linli.urls.handler400
handler403 = linli.urls.handler403
handler404 = linli.urls.handler404
handler500 = linli.urls.handler500

STAFF = ["admin", "auditor", "leader", "street", "staff", "grid1", "grid2", "unitleader", "dept", "property"]
ENGLISH = ("Not Found", "Server Error", "Forbidden", "Bad Request", "The requested resource")


def _text(response) -> str:
    return response.content.decode()


def test_console_404_is_chinese_in_the_console_frame(world, login):
    client = login(world.users["staff"])
    response = client.get("/console/no-such-page/")
    assert response.status_code == 404
    body = _text(response)
    assert "页面不存在" in body and "没有找到您要的页面" in body
    assert "sidebar-menu" in body and "实有人口" in body  # the console's menu is there
    assert not any(word in body for word in ENGLISH)


def test_console_404_shows_the_views_own_chinese_reason(world, login):
    client = login(world.users["grid1"])
    response = client.get("/console/events/999999/")
    assert response.status_code == 404
    assert "没有找到该事件" in _text(response)


def test_anonymous_404_is_chinese_without_the_console(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = _text(response)
    assert "页面不存在" in body and "登录" in body and "sidebar-menu" not in body


def test_resident_app_404_is_in_the_phone_frame(world, login):
    client = login(world.users["resident"])
    response = client.get("/m/no-such-page/")
    assert response.status_code == 404
    body = _text(response)
    assert "页面不存在" in body and "linli-tabbar" in body and "sidebar-menu" not in body


def test_api_404_is_json_with_a_chinese_detail(world, api):
    response = api(world.users["staff"]).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


def test_people_list_refused_with_a_chinese_403(world, login):
    client = login(world.users["dept"])
    response = client.get("/console/people/persons/")
    assert response.status_code == 403
    body = _text(response)
    assert "没有权限" in body and "sidebar-menu" in body
    assert "403 Forbidden" not in body


def test_csrf_failure_is_a_chinese_403(world):
    from linli.testing import PASSWORD

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 403
    body = _text(response)
    assert "CSRF" in body and "请刷新页面后重新提交" in body
    assert "Forbidden" not in body


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_500_is_chinese_on_every_screen(world, failing_urls):
    client = Client(raise_request_exception=False)
    console = client.get("/console/boom/")
    assert console.status_code == 500 and "系统出错了" in _text(console)
    resident = client.get("/m/boom/")
    assert resident.status_code == 500 and "系统出错了" in _text(resident)
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500 and "服务器处理这个请求时出了错" in api.json()["detail"]
    for response in (console, resident):
        assert "Server Error" not in _text(response)


def test_400_is_chinese(world):
    from django.test import RequestFactory

    from linli.core.views.errors import bad_request

    response = bad_request(RequestFactory().get("/console/"))
    assert response.status_code == 400 and "请求有误" in _text(response)


# --- the menu shows what opens -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", STAFF)
def test_every_menu_item_of_every_role_opens(world, login, username):
    client = login(world.users[username])
    home = client.get("/console/")
    assert home.status_code == 200
    menu = home.context["nav_menu"]
    assert menu, f"{username} has an empty menu"
    for group in menu:
        for item in group["items"]:
            response = client.get(item["url"])
            assert response.status_code == 200, f"{username}: {group['label']} › {item['label']}"


def test_patrol_is_not_in_the_menu_of_departments_and_property(world, login):
    for username in ("dept", "property"):
        body = _text(login(world.users[username]).get("/console/"))
        assert "巡查上报" not in body
    assert "巡查上报" in _text(login(world.users["grid1"]).get("/console/"))


def test_search_box_only_where_search_can_find_something(world, login):
    for username in ("dept", "auditor"):
        client = login(world.users[username])
        assert 'role="search"' not in _text(client.get("/console/"))
        assert client.get("/console/search/?q=张三").status_code == 404
    for username in ("staff", "property", "leader"):
        assert 'role="search"' in _text(login(world.users[username]).get("/console/"))


def test_resident_tabs_all_open(world, login):
    client = login(world.users["resident"])
    home = client.get("/m/")
    assert home.status_code == 200
    tabs = re.findall(r'<nav class="linli-tabbar[^>]*>(.*?)</nav>', _text(home), re.S)[0]
    for url in re.findall(r'href="([^"]+)"', tabs):
        assert client.get(url).status_code == 200, url


# --- landing pages -----------------------------------------------------------------------------------------------


def test_department_landing_shows_its_tasks_overdue_and_satisfaction(world, login):
    from linli.events import demo
    from linli.events.models import Event

    demo.build(2026, count=60)
    body = _text(login(world.users["dept"]).get("/console/"))
    for label in ("待办任务", "超时待办", "满意度", "城市管理局", "待办任务（按时限）"):
        assert label in body
    assert "实有人口" not in body
    assert Event.objects.filter(handler_org=world.department, status__in=["dispatched", "processing"]).exists()
    assert re.search(r'data-testid="home-list".*href="/console/events/\d+/"', body, re.S)


def test_dispatcher_landing_shows_what_waits_for_the_community(world, login):
    from linli.events import demo
    from linli.events.models import Event

    demo.build(2026, count=60)
    from linli.core.scoping import restrict

    pending = restrict(world.users["staff"], "event.dispatch", Event.objects.filter(status="pending")).count()
    assert pending
    body = _text(login(world.users["staff"]).get("/console/"))
    card = re.search(r'href="/console/events/queue/\?status=pending".*?</a>', body, re.S)
    assert card and "待受理" in card.group(0) and f">{pending}<" in card.group(0)
    assert "待核查、结案" in body
    assert "待受理" not in _text(login(world.users["dept"]).get("/console/"))


def test_landing_without_ratings_says_so(world, login):
    body = _text(login(world.users["dept"]).get("/console/"))
    assert "近30天暂无评价" in body and "评价 0 条" not in body


def test_leader_landing_shows_the_areas_event_figures(world, login):
    body = _text(login(world.users["leader"]).get("/console/"))
    for label in ("近30天事件", "超时未办", "办结率", "满意度"):
        assert label in body


# --- times -------------------------------------------------------------------------------------------------------


def test_change_log_shows_local_time_without_microseconds(world, login):
    change = ObjectChange.objects.order_by("-pk").first()  # building the world logged its changes
    moment = dt.datetime(2026, 5, 1, 2, 3, 4, 567890, tzinfo=dt.UTC)
    ObjectChange.objects.filter(pk=change.pk).update(
        created_at=moment,
        before={"active": True},
        after={"valid_from": "2026-05-01T02:03:04.567890+00:00", "active": False},
    )
    body = _text(login(world.users["admin"]).get("/console/changes/"))
    assert "2026-05-01 10:03" in body  # 02:03 UTC is 10:03 in Asia/Shanghai
    assert ".567890" not in body and "+00:00" not in body and "02:03:04" not in body
    assert "是 → 否" in body and "False" not in body


def test_audit_list_shows_local_time(world, login):
    from linli.core import audit
    from linli.core.models import AuditLog

    audit.record(actor=world.users["staff"], action=AuditLog.Action.UNMASK, target=world.person_a, field="身份证号",
                 reason="核实身份")  # fmt: skip
    moment = dt.datetime(2026, 5, 1, 17, 30, 0, 123456, tzinfo=dt.UTC)
    AuditLog.objects.update(created_at=moment)
    body = _text(login(world.users["auditor"]).get("/console/audit/"))
    assert "2026-05-02 01:30" in body and ".123456" not in body
    assert "成功" in body and ">ok<" not in body


def test_local_display_formats_for_people():
    assert local_display(dt.datetime(2026, 12, 6, 7, 4, 5, 123, tzinfo=dt.UTC)) == "2026-12-06 15:04"
    assert local_display("2026-12-06T07:04:05.123456+00:00") == "2026-12-06 15:04"
    assert local_display("2026-12-06") == "2026-12-06"
    assert local_display("3栋2单元") == "3栋2单元"
    assert local_display(None) is None
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_api_times_carry_the_shanghai_offset(world, api):
    from linli.events import services
    from linli.events.models import Event

    event = services.event_open(channel="phone", category_code="0201", text="楼下垃圾堆了好几天", building=world.house_a.building,
                                actor=world.users["staff"])  # fmt: skip
    Event.objects.filter(pk=event.pk).update(created_at=dt.datetime(2026, 5, 1, 2, 3, 4, tzinfo=dt.UTC))
    row = api(world.users["staff"]).get(f"/api/v1/events/{event.pk}/").json()
    assert row["created_at"].startswith("2026-05-01T10:03:04") and row["created_at"].endswith("+08:00")


def test_download_names_use_local_time(world, login):
    from urllib.parse import unquote

    from linli.dataio.models import ExportJob

    client = login(world.users["grid1"])
    client.post("/console/exports/new/", {"list": "/console/people/persons/", "mode": "masked", "reason": ""})
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(created_at=dt.datetime(2026, 5, 1, 18, 30, tzinfo=dt.UTC))
    response = client.get(f"/console/exports/{job.pk}/download/")
    assert response.status_code == 200
    assert "20260502-0230" in unquote(response["Content-Disposition"])  # 18:30 UTC is 02:30 next day in Shanghai
