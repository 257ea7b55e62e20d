"""The event state machine: the full loop, illegal transitions with clear messages, and every side branch."""

import threading

import pytest
from django.db import connection

from linli.core.errors import ConflictError, DomainError
from linli.events import services
from linli.events.models import ClassificationFeedback, Event, EventTask

from .conftest import png


def _dispatched(world, open_event, **kw):
    u = world.users
    e = open_event(**kw)
    services.event_accept(event=e, actor=u["staff"])
    return services.event_dispatch(event=e, actor=u["staff"])


def test_full_loop_from_report_to_closed(world, open_event):
    u = world.users
    e = open_event(photos=[png()])
    assert e.status == "pending" and e.number.startswith("SJ") and e.region == world.grid_a
    e = services.event_accept(event=e, actor=u["staff"])
    assert e.due_at and e.warn_at and e.warn_at <= e.due_at
    e = services.event_dispatch(event=e, actor=u["staff"])
    assert e.status == "dispatched" and e.handler_user == u["grid1"]
    e = services.event_sign(event=e, actor=u["grid1"])
    e = services.event_resolve(event=e, actor=u["grid1"], result="已联系环卫清运完毕", photos=[png("after.png")])
    e = services.event_verify(event=e, actor=u["staff"])
    e = services.event_rate(event=e, actor=u["resident"], rating="satisfied")
    e.refresh_from_db()
    assert e.status == "closed" and e.rating == "satisfied"
    steps = list(e.transitions.values_list("action", "from_status", "to_status"))
    assert [s[0] for s in steps] == ["report", "accept", "dispatch", "sign", "resolve", "verify", "rate", "close"]
    assert e.photos.filter(kind="report").count() == 1 and e.photos.filter(kind="result").count() == 1


def test_numbers_are_per_day_and_sequential(world, open_event):
    a, b = open_event(), open_event(text="另一件事：路灯不亮")
    assert a.number[:10] == b.number[:10] and int(b.number[-4:]) == int(a.number[-4:]) + 1


def test_signing_a_pending_event_is_refused_with_a_clear_message(world, open_event):
    e = open_event()
    with pytest.raises(DomainError) as exc:
        services.event_sign(event=e, actor=world.users["grid1"])
    assert "事件当前为“待受理”，不能签收" in exc.value.message


def test_closing_an_unresolved_event_is_refused(world, open_event):
    e = _dispatched(world, open_event)
    with pytest.raises(DomainError) as exc:
        services.event_close(event=e, actor=world.users["staff"])
    assert "不能结案" in exc.value.message and "已核查" in exc.value.message


def test_only_the_handler_may_sign(world, open_event):
    e = _dispatched(world, open_event)
    with pytest.raises(DomainError) as exc:
        services.event_sign(event=e, actor=world.users["grid2"])
    assert "不是该事件的处置人" in exc.value.message


def test_accept_needs_a_category(world, open_event):
    e = open_event(category_code=None)
    with pytest.raises(DomainError) as exc:
        services.event_accept(event=e, actor=world.users["staff"])
    assert "分类" in exc.value.message
    e = services.event_accept(event=e, actor=world.users["staff"], category_code="0201")
    assert e.category.code == "0201"


def test_grid_worker_cannot_accept(world, open_event):
    with pytest.raises(DomainError) as exc:
        services.event_accept(event=open_event(), actor=world.users["grid1"])
    assert exc.value.code == "forbidden"


def test_reject_requires_a_reason_and_tells_the_reporter(world, open_event, django_capture_on_commit_callbacks):
    e = open_event()
    with pytest.raises(DomainError):
        services.event_reject(event=e, actor=world.users["staff"], reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_reject(event=e, actor=world.users["staff"], reason="不属于社区受理范围")
    assert e.status == "rejected"
    assert world.users["resident"].notifications.filter(kind="event_rejected").exists()


def test_stale_version_loses_with_a_conflict(world, open_event):
    e = open_event()
    stale = Event.objects.get(pk=e.pk)
    services.event_accept(event=e, actor=world.users["staff"])
    with pytest.raises(ConflictError):
        services.event_accept(event=stale, actor=world.users["staff"])


def test_handler_returns_event_to_dispatcher(world, open_event):
    e = _dispatched(world, open_event)
    e = services.event_return(event=e, actor=world.users["grid1"], reason="不在本网格，应由物业处理")
    assert e.status == "accepted" and e.handler_user is None


def test_reassign_to_the_property_company(world, open_event):
    e = _dispatched(world, open_event)
    e = services.event_reassign(
        event=e, actor=world.users["staff"], reason="属物业范围", handler_org=world.property_company
    )
    assert e.status == "dispatched" and e.handler_org == world.property_company and e.handler_kind == "property"
    services.event_sign(event=e, actor=world.users["property"])


def test_suspend_and_resume_moves_the_deadline(world, open_event):
    e = _dispatched(world, open_event)
    due = e.due_at
    e = services.event_suspend(event=e, actor=world.users["staff"], reason="业主不在家")
    assert e.status == "suspended"
    e = services.event_resume(event=e, actor=world.users["staff"])
    assert e.status == "dispatched" and e.due_at >= due


def test_extension_request_then_approval(world, open_event):
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=world.users["grid1"])
    old_due = e.due_at
    e = services.event_request_extension(event=e, actor=world.users["grid1"], days=2, reason="需要等配件")
    with pytest.raises(DomainError):
        services.event_request_extension(event=e, actor=world.users["grid1"], days=1, reason="再延")
    e = services.event_decide_extension(event=e, actor=world.users["staff"], approve=True)
    assert e.due_at > old_due and e.extension_requested_until is None


def test_extension_refusal_needs_a_reason(world, open_event):
    e = _dispatched(world, open_event)
    services.event_request_extension(event=e, actor=world.users["grid1"], days=1, reason="人手不足")
    with pytest.raises(DomainError):
        services.event_decide_extension(event=e, actor=world.users["staff"], approve=False)
    e = services.event_decide_extension(event=e, actor=world.users["staff"], approve=False, note="时限内可完成")
    assert e.extension_requested_until is None


def test_failed_check_sends_it_back_for_rework(world, open_event):
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=world.users["grid1"])
    services.event_resolve(event=e, actor=world.users["grid1"], result="已处理完毕")
    e = services.event_verify(event=e, actor=world.users["staff"], passed=False, note="现场仍有垃圾")
    assert e.status == "processing" and e.rework_count == 1


def test_unsatisfied_rating_leads_to_revisit_and_rework(world, open_event):
    u = world.users
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=u["grid1"])
    services.event_resolve(event=e, actor=u["grid1"], result="已处理完毕")
    services.event_verify(event=e, actor=u["staff"])
    with pytest.raises(DomainError):
        services.event_rate(event=e, actor=u["resident"], rating="unsatisfied")  # a reason is required
    e = services.event_rate(event=e, actor=u["resident"], rating="unsatisfied", comment="还是很脏")
    assert e.needs_revisit and e.status == "verified"
    with pytest.raises(DomainError):
        services.event_close(event=e, actor=u["staff"])  # closing after 不满意 needs an explanation
    e = services.event_revisit(event=e, actor=u["staff"], note="电话回访，居民反映仍有残留", outcome="rework")
    assert e.status == "processing" and not e.needs_revisit


def test_only_the_reporter_can_rate(world, open_event):
    u = world.users
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=u["grid1"])
    services.event_resolve(event=e, actor=u["grid1"], result="已处理完毕")
    services.event_verify(event=e, actor=u["staff"])
    with pytest.raises(DomainError):
        services.event_rate(event=e, actor=u["outsider"], rating="satisfied")


def test_escalation_creates_lead_and_assist_tasks(world, open_event):
    from linli.core import services as core_services

    u = world.users
    water = core_services.organisation_create(actor=None, name="水务局", kind="department", region=world.district)
    e = open_event()
    services.event_accept(event=e, actor=u["staff"])
    e = services.event_escalate(
        event=e, actor=u["staff"], lead=world.department, assists=[water], note="多部门联合处置"
    )
    assert e.handler_org == world.department
    assert set(EventTask.objects.filter(event=e).values_list("organisation__name", "role")) == {
        ("城市管理局", "lead"),
        ("水务局", "assist"),
    }
    services.event_sign(event=e, actor=u["dept"])
    with pytest.raises(DomainError) as exc:
        services.event_resolve(event=e, actor=u["dept"], result="已联合执法拆除")
    assert "水务局" in exc.value.message
    task = EventTask.objects.get(event=e, role="assist")
    services.task_complete(task=task, actor=None, result="已关闭阀门配合处置")
    services.event_resolve(event=e, actor=u["dept"], result="已联合执法拆除")


def test_patrol_self_resolved_is_closed_at_once(world):
    u = world.users
    b = world.house_a.building
    e = services.event_patrol(actor=u["grid1"], category_code="0204", text="单元门口小广告", building=b,
                              self_resolve=True, result="已当场清除小广告", result_photos=[png()])  # fmt: skip
    assert e.status == "closed" and e.handler_user == u["grid1"] and e.channel == "patrol"


def test_patrol_self_resolve_outside_own_grid_is_refused(world):
    with pytest.raises(DomainError):
        services.event_patrol(actor=world.users["grid2"], category_code="0204", text="小广告",
                              building=world.house_a.building, self_resolve=True, result="已清除")  # fmt: skip


def test_category_correction_is_kept_as_training_feedback(world, open_event):
    from linli.events.selectors import training_feedback

    e = open_event(category_code="0203")
    services.event_set_category(event=e, actor=world.users["staff"], category_code="0201", suggested_code="0203")
    fb = ClassificationFeedback.objects.get()
    assert (fb.suggested_code, fb.chosen_code, fb.actor) == ("0203", "0201", world.users["staff"])
    assert list(training_feedback()) == [(fb.text, "0201")]


def test_bad_photo_is_refused_and_nothing_is_saved(world, open_event):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = Event.objects.count()
    with pytest.raises(DomainError) as exc:
        open_event(photos=[SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")])
    assert "不是有效的图片" in exc.value.message
    with pytest.raises(DomainError) as exc:
        open_event(photos=[png(f"{i}.png") for i in range(10)])
    assert "最多 9 张" in exc.value.message
    assert Event.objects.count() == before


def test_location_outside_every_grid_goes_to_the_community_triage(world, open_event):
    e = open_event(house=None, lat="26.260000", lng="105.900000")
    assert e.needs_triage and e.region == world.community


def test_a_point_resolves_to_its_grid_and_nearest_building(world, open_event):
    e = open_event(house=None, lat="26.245510", lng="105.931510")
    assert e.region == world.grid_a and e.building == world.house_a.building


def test_an_address_text_resolves_to_the_house(world, open_event):
    e = open_event(house=None, address="彩虹花园3栋2单元501室")
    assert e.house == world.house_a and e.region == world.grid_a


def test_hotline_order_number_is_unique_per_source(world, open_event):
    open_event(channel="12345", external_source="12345", external_id="GZ-1")
    open_event(channel="12319", external_source="12319", external_id="GZ-1")
    with pytest.raises(DomainError) as exc:
        open_event(channel="12345", external_source="12345", external_id="GZ-1")
    assert exc.value.code == "duplicate"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_accepting_at_once_exactly_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks under real concurrency (SQLite serialises all writers)")
    from linli.events.taxonomy import ensure_seeded
    from linli.testing import build_world

    ensure_seeded()
    world = build_world()
    e = services.event_open(channel="app", category_code="0201", text="垃圾没人清运", reporter=world.users["resident"],
                            actor=world.users["resident"], house=world.house_a)  # fmt: skip
    from linli.core import services as core_services
    from linli.core.roles import Role

    other = core_services.user_create(actor=None, username="staff2", password="x" * 14)
    core_services.grant_add(actor=None, user=other, role=Role.COMMUNITY_STAFF, region=world.community)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def accept(user):
        from django.db import connections

        try:
            stale = Event.objects.get(pk=e.pk)
            barrier.wait(timeout=10)
            services.event_accept(event=stale, actor=user)
            results.append("won")
        except ConflictError:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (world.users["staff"], other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["conflict", "won"]
    assert Event.objects.get(pk=e.pk).transitions.filter(action="accept").count() == 1


def test_the_handler_cannot_verify_their_own_work(world, open_event):
    e = _dispatched(world, open_event)
    services.event_sign(event=e, actor=world.users["grid1"])
    services.event_resolve(event=e, actor=world.users["grid1"], result="已处理完毕")
    assert "verify" not in services.allowed_actions(e, world.users["grid1"])
    with pytest.raises(DomainError) as exc:
        services.event_verify(event=e, actor=world.users["grid1"])
    assert "不能核查自己" in exc.value.message


def test_signing_from_todays_work_stays_on_todays_work(world, open_event, login):
    e = _dispatched(world, open_event)
    c = login(world.users["grid1"])
    page = c.get("/console/m/").content.decode()
    assert 'name="next" value="/console/m/"' in page
    response = c.post(f"/console/events/{e.pk}/act/sign/", {"version": e.version, "next": "/console/m/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/console/m/"
    assert f"已签收：{e.number}" in response.content.decode()
    e.refresh_from_db()
    assert e.status == "processing"
    outside = c.post(f"/console/events/{e.pk}/act/suspend/", {"version": e.version, "next": "https://evil.example/"})
    assert outside.url == e.get_absolute_url()
