"""Daily work: classification of long notes by POST, immediate acceptance explained, deadline units told truthfully,
the resident told of 返工 in plain words, and the reporter's phone revealed for 回访 with a reason and a record."""

import datetime as dt

from django.urls import reverse

from linli.core.models import AuditLog
from linli.events import deadlines, services
from linli.events.models import Category, Event, Notification

LONG_NOTE = ("来电人反映：小区3栋2单元楼道内的声控灯已经坏了一个多星期，晚上老人上下楼看不清台阶，"
             "前天有位老人差点摔倒。物业说要等配件，一直没有来修。另外楼道里堆了不少纸箱杂物，") * 6  # fmt: skip


def test_classify_takes_a_490_character_call_note_by_post(world, login):
    text = (LONG_NOTE * 2)[:490]
    assert len(text) == 490
    c = login(world.users["staff"])
    response = c.post(reverse("events:classify_partial"), {"text": text})
    assert response.status_code == 200 and "data-pick-category" in response.content.decode()
    assert c.get(reverse("events:classify_partial"), {"text": "路灯坏了"}).status_code == 405


def test_classify_before_typing_invites_and_loads_the_model(world, login, monkeypatch):
    from linli.events import classifier

    monkeypatch.setattr(classifier, "_model", None)
    monkeypatch.setattr(classifier, "_pinned", False)
    c = login(world.users["staff"])
    body = c.post(reverse("events:classify_partial"), {"text": ""}).content.decode()
    assert "输入反映内容后显示" in body and "暂无建议" not in body
    assert classifier._model is not None  # loaded on the page's first (empty) request, not on the first note


def test_intake_asks_for_suggestions_by_post_on_typing_and_on_paste(world, login):
    page = login(world.users["staff"]).get(reverse("events:event_intake")).content.decode()
    assert 'hx-post="/console/events/classify/"' in page and "paste" in page and "hx-get" not in page


def test_immediate_acceptance_without_category_says_why_it_did_not_happen(world, login):
    c = login(world.users["staff"])
    response = c.post(reverse("events:event_intake"), {"channel": "phone", "text": "楼道灯坏了一周", "accept_now": "on",
                                                       "building": world.house_a.building_id}, follow=True)  # fmt: skip
    e = Event.objects.get()
    assert e.status == "pending"
    assert "未立即受理：没有选择分类" in response.content.decode()


def test_deadline_labels_say_their_unit():
    assert Category(deadline_value=24, deadline_unit="hours").deadline_label == "24 工作小时"
    assert Category(deadline_value=3, deadline_unit="days").deadline_label == "3 个工作日"
    assert Category(deadline_value=2, deadline_unit="clock").deadline_label == "2 自然小时"


def test_gas_leak_counts_clock_hours_and_a_blocked_exit_working_hours(world):
    gas, exit_ = Category.objects.get(code="0103"), Category.objects.get(code="0101")
    assert gas.deadline_label == "2 自然小时" and exit_.deadline_label == "24 工作小时"
    friday_evening = dt.datetime(2026, 3, 6, 19, 0, tzinfo=deadlines.TZ)
    assert deadlines.deadline_for(friday_evening, 2, "clock").due_at == friday_evening + dt.timedelta(hours=2)
    # 24 working hours from a Friday evening: three working days later, not the next evening.
    assert deadlines.deadline_for(friday_evening, 24, "hours").due_at.date() == dt.date(2026, 3, 11)


def test_console_shows_the_deadline_unit(world, open_event, login):
    e = open_event(category_code="0103", text="楼道里有很重的煤气味")
    services.event_accept(event=e, actor=world.users["staff"])
    page = login(world.users["staff"]).get(reverse("events:event_detail", args=[e.pk])).content.decode()
    assert "2 自然小时（昼夜连续计算）" in page
    intake = login(world.users["staff"]).get(reverse("events:event_intake")).content.decode()
    assert "0101 消防通道/安全出口堵塞（24 工作小时）" in intake


def _resolved(world, open_event):
    u = world.users
    e = open_event()
    services.event_accept(event=e, actor=u["staff"])
    services.event_dispatch(event=e, actor=u["staff"], handler_user=u["grid1"])
    services.event_sign(event=e, actor=u["grid1"])
    services.event_resolve(event=e, actor=u["grid1"], result="已清运")
    return e


def test_resident_is_told_of_rework_in_plain_words(world, open_event, login, django_capture_on_commit_callbacks):
    e = _resolved(world, open_event)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_verify(event=Event.objects.get(pk=e.pk), actor=world.users["staff"], passed=False,
                              note="现场仍有垃圾")  # fmt: skip
    resident = world.users["resident"]
    assert Notification.objects.filter(recipient=resident, kind="event_rework").exists()
    page = login(resident).get(reverse("events:my_event_detail", args=[e.pk])).content.decode()
    assert "返工处理中" in page and 'data-testid="rework-notice"' in page
    assert "处置中" not in page  # the workflow's term stays in the console


def test_rework_after_unsatisfied_rating_tells_the_resident(world, open_event, django_capture_on_commit_callbacks):
    u = world.users
    e = _resolved(world, open_event)
    services.event_verify(event=Event.objects.get(pk=e.pk), actor=u["staff"])
    services.event_rate(event=Event.objects.get(pk=e.pk), actor=u["resident"], rating="unsatisfied", comment="没清干净")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_rework(event=Event.objects.get(pk=e.pk), actor=u["staff"], reason="回访后返工")
    assert Notification.objects.filter(recipient=u["resident"], kind="event_rework").count() == 1
    assert Event.objects.get(pk=e.pk).resident_status == "返工处理中"


def test_plain_status_words_for_residents(world, open_event, login):
    e = open_event()
    assert e.resident_status == "待社区受理"
    page = login(world.users["resident"]).get(reverse("events:my_events")).content.decode()
    assert "待社区受理" in page and "待受理" not in page


def test_staff_reveal_the_reporters_phone_with_a_reason_and_a_record(world, open_event, login):
    e = open_event(contact_phone="13912345678")
    c = login(world.users["staff"])
    url = reverse("events:reveal_reporter_phone", args=[e.pk])
    detail = c.get(reverse("events:event_detail", args=[e.pk])).content.decode()
    assert 'data-testid="reveal-phone"' in detail and "139****5678" in detail
    refused = c.post(url, {"reason": ""}).content.decode()
    assert "请填写查看报告人电话的事由" in refused and "13912345678" not in refused
    shown = c.post(url, {"reason": "回访不满意件"}).content.decode()
    assert "13912345678" in shown
    row = AuditLog.objects.get(action="unmask", target_id=str(e.pk), result="ok")
    assert row.actor == world.users["staff"] and row.reason == "回访不满意件" and row.field == "报告人电话"


def test_reveal_needs_the_permission_and_is_recorded_when_refused(world, open_event, login):
    e = open_event(contact_phone="13912345678")
    services.event_accept(event=e, actor=world.users["staff"])
    services.event_dispatch(event=e, actor=world.users["staff"], handler_user=world.users["grid1"])
    c = login(world.users["grid1"])  # sees the event, may not reveal the phone
    body = c.post(reverse("events:reveal_reporter_phone", args=[e.pk]), {"reason": "想问问"}).content.decode()
    assert "13912345678" not in body and "没有查看该事件报告人电话的权限" in body
    assert AuditLog.objects.filter(action="unmask", target_id=str(e.pk), result="denied").exists()


def test_reveal_of_an_event_out_of_scope_is_not_found(world, login):
    e = services.event_open(channel="app", category_code="0201", text="塔西小区垃圾", reporter=world.users["resident"],
                            actor=world.users["resident"], house=world.house_c, contact_phone="13912345678")  # fmt: skip
    response = login(world.users["staff"]).post(
        reverse("events:reveal_reporter_phone", args=[e.pk]), {"reason": "回访"}
    )
    assert response.status_code == 404
