"""议事协商 and polls as residents and staff meet them: proposal → discussion → poll → results → follow-up."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core import services as core_services
from linli.core.errors import ConflictError, DomainError
from linli.core.models import Notification
from linli.core.roles import Role
from linli.participation.deliberation import personal_data, selectors, services
from linli.participation.deliberation.models import Matter, Poll, PollChoice, PollVoter
from linli.participation.notices.models import Notice
from linli.people.models import Person

S = Matter.Status


def _resident_b(world):
    """李四 (grid B, same community) with an account."""
    user = core_services.user_create(actor=None, username="lisi", password="x-Pass-2026!", full_name="李四")
    core_services.grant_add(actor=None, user=user, role=Role.RESIDENT)
    Person.objects.filter(pk=world.person_b.pk).update(user=user)
    return user


def _matter_in_discussion(world) -> Matter:
    staff = world.users["staff"]
    matter = services.matter_create(actor=staff, region=world.community, title="主干道路面改造",
                                    description="坑洼积水，建议翻新。", proposer_kind="staff")  # fmt: skip
    services.matter_review(matter=matter, actor=staff, approve=True,
                           discussion_ends=timezone.localdate() + dt.timedelta(days=7))  # fmt: skip
    return matter


def _poll(world, matter=None, **kw) -> Poll:
    fields = {"options": ["同意", "不同意"], "closes_at": timezone.now() + dt.timedelta(days=2)} | kw
    if matter is not None:
        return services.matter_start_poll(matter=matter, actor=world.users["staff"], **fields)
    return services.poll_create(actor=world.users["staff"], region=world.community, title="测试投票", **fields)


def test_resident_proposal_waits_for_review_and_is_hidden_from_neighbours_until_approved(world, login):
    client = login(world.users["resident"])
    response = client.post("/m/matters/new/", {"title": "增设充电桩", "description": "东门停车场增设 10 个充电桩"})
    matter = Matter.objects.get(title="增设充电桩")
    assert response.status_code == 302 and matter.status == S.REVIEW
    assert matter.region == world.community and matter.proposer_kind == "resident"
    neighbour = _resident_b(world)
    assert selectors.matter_get(user=neighbour, pk=matter.pk) is None
    services.matter_review(matter=matter, actor=world.users["staff"], approve=True,
                           discussion_ends=timezone.localdate() + dt.timedelta(days=3))  # fmt: skip
    assert selectors.matter_get(user=neighbour, pk=matter.pk) == matter
    # a resident of another community never sees it
    assert selectors.matter_get(user=world.users["outsider"], pk=matter.pk) is None


def test_empty_proposal_is_refused_in_chinese_and_nothing_is_saved(world, login):
    response = login(world.users["resident"]).post("/m/matters/new/", {"title": " ", "description": "x"})
    assert response.status_code == 200 and "议题：请填写议题" in response.content.decode()
    assert not Matter.objects.exists()


def test_rejecting_needs_a_reason_and_a_stale_second_review_conflicts(world):
    staff = world.users["staff"]
    matter = services.matter_create(actor=staff, region=world.community, title="t", description="d",
                                    proposer_kind="committee")  # fmt: skip
    assert matter.proposer_name == "业主委员会"
    with pytest.raises(DomainError, match="不通过时请写明原因"):
        services.matter_review(matter=matter, actor=staff, approve=False)
    stale = Matter.objects.get(pk=matter.pk)
    services.matter_review(matter=matter, actor=staff, approve=False, note="不属于议事范围")
    with pytest.raises(ConflictError, match="当前状态：未通过审核"):
        services.matter_review(matter=stale, actor=staff, approve=True, discussion_ends=timezone.localdate())


def test_neighbour_sees_a_masked_name_and_hidden_comments_disappear(world, login):
    matter = _matter_in_discussion(world)
    author = world.users["resident"]
    author.full_name = "张三"
    author.save(update_fields=["full_name"])
    services.comment_add(matter=matter, actor=author, body="早该修了")
    neighbour = _resident_b(world)
    page = login(neighbour).get(f"/m/matters/{matter.pk}/").content.decode()
    assert "早该修了" in page and "张*" in page and "张三" not in page
    shown = selectors.comments_for(user=neighbour, matter=matter)
    comment = shown[0]
    services.comment_report(comment=comment, actor=neighbour, reason="广告")
    with pytest.raises(ConflictError, match="已经举报过"):
        services.comment_report(comment=comment, actor=neighbour, reason="广告")
    services.comment_hide(comment=comment, actor=world.users["staff"], reason="与议题无关")
    assert selectors.comments_for(user=neighbour, matter=matter) == []
    staff_view = selectors.comments_for(user=world.users["staff"], matter=matter)
    assert staff_view[0].hidden and staff_view[0].report_count == 1 and staff_view[0].shown_name == "张三"
    services.comment_restore(comment=comment, actor=world.users["staff"])
    assert len(selectors.comments_for(user=neighbour, matter=matter)) == 1


def test_comment_name_is_masked_for_a_chinese_name(world):
    matter = _matter_in_discussion(world)
    user = world.users["resident"]
    user.full_name = "张三"
    user.save(update_fields=["full_name"])
    services.comment_add(matter=matter, actor=user, body="支持")
    neighbour = _resident_b(world)
    assert selectors.comments_for(user=neighbour, matter=matter)[0].shown_name == "张*"
    assert selectors.comments_for(user=user, matter=matter)[0].shown_name == "张三"


def test_comments_close_with_the_discussion(world):
    matter = _matter_in_discussion(world)
    _poll(world, matter)
    with pytest.raises(DomainError, match="不在协商讨论阶段"):
        services.comment_add(matter=matter, actor=world.users["resident"], body="还能说吗")


def test_ballot_api_one_per_person_409_and_403_when_not_eligible(world, api):
    poll = _poll(world)
    yes = poll.options.get(label="同意")
    client = api(world.users["resident"])
    url = f"/api/v1/polls/{poll.pk}/ballots/"
    assert client.post(url, {"options": [yes.pk]}, format="json").status_code == 201
    second = client.post(url, {"options": [yes.pk]}, format="json")
    assert second.status_code == 409 and "只能投一次" in second.json()["detail"]
    assert PollVoter.objects.filter(poll=poll).count() == 1
    # a poll limited to party members: the resident sees it but may not vote
    members = _poll(world, role="party_member")
    refused = client.post(f"/api/v1/polls/{members.pk}/ballots/", {"options": [members.options.first().pk]},
                          format="json")  # fmt: skip
    assert refused.status_code == 403 and "党员" in refused.json()["detail"]
    # a resident of another community does not even see the poll
    assert api(world.users["outsider"]).post(url, {"options": [yes.pk]}, format="json").status_code in (403, 404)


def test_household_poll_takes_one_ballot_per_household(world):
    poll = _poll(world, per="household")
    resident = world.users["resident"]
    services.ballot_cast(poll=poll, actor=resident, option_ids=[poll.options.first().pk])
    a = Person.objects.get(pk=world.person_a.pk)
    assert a.household_id is not None
    spouse = Person.objects.create(
        name="张太太", household_id=a.household_id, region=a.region, region_path=a.region_path
    )
    user = core_services.user_create(actor=None, username="spouse", password="x-Pass-2026!")
    core_services.grant_add(actor=None, user=user, role=Role.RESIDENT)
    Person.objects.filter(pk=spouse.pk).update(user=user)
    with pytest.raises(ConflictError, match="您家已经投过票"):
        services.ballot_cast(poll=poll, actor=user, option_ids=[poll.options.first().pk])
    # 李四 has no household: refused with the reason
    with pytest.raises(DomainError, match="每户一票"):
        services.ballot_cast(poll=poll, actor=_resident_b(world), option_ids=[poll.options.first().pk])


def test_choices_are_validated(world):
    poll = _poll(world, options=["A", "B", "C"], multiple=True, max_choices=2)
    other = _poll(world)
    resident = world.users["resident"]
    ids = list(poll.options.values_list("pk", flat=True))
    with pytest.raises(DomainError, match="最多只能选 2 项"):
        services.ballot_cast(poll=poll, actor=resident, option_ids=ids)
    with pytest.raises(DomainError, match="不属于本次投票"):
        services.ballot_cast(poll=poll, actor=resident, option_ids=[other.options.first().pk])
    assert not PollVoter.objects.filter(poll=poll).exists()
    services.ballot_cast(poll=poll, actor=resident, option_ids=ids[:2])
    assert PollChoice.objects.filter(poll=poll).count() == 2


def test_anonymous_choices_do_not_point_at_the_voter_and_tally_is_hidden_until_close(world, api):
    poll = _poll(world, anonymous=True)
    yes = poll.options.get(label="同意")
    services.ballot_cast(poll=poll, actor=world.users["resident"], option_ids=[yes.pk])
    services.ballot_cast(poll=poll, actor=_resident_b(world), option_ids=[poll.options.get(label="不同意").pk])
    assert PollVoter.objects.filter(poll=poll).count() == 2
    assert set(PollChoice.objects.filter(poll=poll).values_list("voter", flat=True)) == {None}
    from linli.core.models import AuditLog

    votes = AuditLog.objects.filter(field="社区投票", target_id=str(poll.pk))
    assert votes.count() == 2 and all(str(yes.pk) not in str(v.extra) for v in votes)  # who voted, never what
    running = api(world.users["resident"]).get(f"/api/v1/polls/{poll.pk}/").json()
    assert running["ballots"] is None and {o["count"] for o in running["options"]} == {None}
    services.poll_close(poll=poll, actor=world.users["staff"])
    poll.refresh_from_db()
    assert poll.tally == selectors.poll_result(poll) == {"ballots": 2, "options": {str(yes.pk): 1, str(
        poll.options.get(label="不同意").pk): 1}}  # fmt: skip
    closed = api(world.users["resident"]).get(f"/api/v1/polls/{poll.pk}/").json()
    assert closed["ballots"] == 2 and sorted(o["count"] for o in closed["options"]) == [1, 1]
    with pytest.raises(DomainError, match="已经结束"):
        services.ballot_cast(poll=poll, actor=world.users["resident"], option_ids=[yes.pk])


def test_results_notice_follow_up_chase_and_rating(world, login):
    matter = _matter_in_discussion(world)
    resident, staff = world.users["resident"], world.users["staff"]
    services.comment_add(matter=matter, actor=resident, body="支持")
    poll = _poll(world, matter)
    services.ballot_cast(poll=poll, actor=resident, option_ids=[poll.options.get(label="同意").pk])
    with pytest.raises(DomainError, match="还有投票没有结束"):
        services.publish_results_notice(matter, actor=staff)
    services.poll_close(poll=poll, actor=staff)
    with pytest.raises(DomainError, match="议题进入落实阶段后才能评价"):
        services.follow_up_rate(matter=matter, actor=resident, score=5)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.publish_results_notice(matter, actor=staff, summary="将报街道审批")
    matter.refresh_from_db()
    assert matter.status == S.RESULTS and "同意：1 票（100%）" in matter.results_body
    # 汇报 goes out as a notice of the notices part, about this matter, and reaches the resident who voted
    notice = Notice.objects.get(source_id=str(matter.pk), title=f"议事结果公告：{matter.title}")
    assert "将报街道审批" in notice.body and notice.status == Notice.Status.PUBLISHED
    assert Notification.objects.filter(recipient=resident, kind="notice", title=notice.title).exists()
    late = services.follow_up_add(matter=matter, actor=staff, title="提交资金申请", owner_name="居委会",
                                  deadline=timezone.localdate() - dt.timedelta(days=1))  # fmt: skip
    soon = services.follow_up_add(matter=matter, actor=staff, title="施工", owner_name="城建办",
                                  deadline=timezone.localdate() + dt.timedelta(days=9))  # fmt: skip
    assert Matter.objects.get(pk=matter.pk).status == S.FOLLOW_UP
    assert list(selectors.overdue_follow_ups(user=staff)) == [late]
    assert list(selectors.overdue_follow_ups(user=world.users["street"])) == [late]
    assert list(selectors.overdue_follow_ups(user=world.users["outsider"])) == []
    with pytest.raises(DomainError, match="还没有超期"):
        services.follow_up_chase(item=soon, actor=staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.follow_up_chase(item=late, actor=staff)
    assert Notification.objects.filter(recipient=staff, kind="follow_up_chase").exists()
    matter.refresh_from_db()
    with pytest.raises(DomainError, match="1 到 5"):
        services.follow_up_rate(matter=matter, actor=resident, score=6)
    response = login(resident).post(f"/m/matters/{matter.pk}/do/rate/", {"score": "4", "comment": "进度可以"})
    assert response.status_code == 302
    with pytest.raises(ConflictError, match="只能评价一次"):
        services.follow_up_rate(matter=matter, actor=resident, score=5)
    assert selectors.rating_summary(matter) == {"count": 1, "average": 4.0}
    with pytest.raises(DomainError, match="还有落实事项没有完成"):
        services.matter_close(matter=matter, actor=staff)
    services.follow_up_done(item=late, actor=staff, result="已提交")
    services.follow_up_done(item=soon, actor=staff, result="已完工")
    services.matter_close(matter=matter, actor=staff)
    assert Matter.objects.get(pk=matter.pk).status == S.CLOSED


def test_meeting_records_attendance_of_residents_of_the_region_only(world):
    matter = _matter_in_discussion(world)
    held = timezone.now() - dt.timedelta(hours=2)
    meeting = services.meeting_record(matter=matter, actor=world.users["staff"], kind="bench", held_at=held,
                                      place="3栋凉亭", minutes="同意分段施工", attendee_ids=[world.person_a.pk])  # fmt: skip
    assert [a.person for a in meeting.attendance.all()] == [world.person_a]
    with pytest.raises(DomainError, match="参会人"):
        services.meeting_record(matter=matter, actor=world.users["staff"], kind="bench", held_at=held, place="x",
                                minutes="y", attendee_ids=[world.person_c.pk])  # fmt: skip
    rows = personal_data.collect(world.person_a)
    assert any(r["类型"] == "参加协商会议" for r in rows)


def test_console_pages_for_staff_and_api_list_scoped(world, login, api):
    matter = _matter_in_discussion(world)
    poll = _poll(world, matter)
    client = login(world.users["staff"])
    for url in ("/console/participation/matters/", f"/console/participation/matters/{matter.pk}/",
                "/console/participation/polls/", f"/console/participation/polls/{poll.pk}/",
                "/console/participation/follow-ups/overdue/", "/console/participation/matters/new/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    body = client.get(f"/console/participation/polls/{poll.pk}/").content.decode()
    assert "结束后公布各选项票数" in body
    assert api(world.users["outsider"]).get("/api/v1/matters/").status_code == 403
    leader = api(world.users["leader"]).get("/api/v1/matters/").json()
    assert [row["id"] for row in leader["results"]] == [matter.pk]


def test_api_creates_a_resident_matter_for_their_community(world, api):
    response = api(world.users["resident"]).post("/api/v1/matters/", {"title": "加装电梯", "description": "7 层无电梯"},
                                                 format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "review" and response.json()["region"] == world.community.pk
    bad = api(world.users["resident"]).post("/api/v1/matters/", {"title": "", "description": "x"}, format="json")
    assert bad.status_code == 400
    matter = Matter.objects.get()
    world.users["resident"].full_name = "张三"
    Matter.objects.filter(pk=matter.pk).update(proposer_name="张三")
    services.matter_review(
        matter=matter, actor=world.users["staff"], approve=True, discussion_ends=timezone.localdate()
    )
    neighbour = api(_resident_b(world)).get(f"/api/v1/matters/{matter.pk}/").json()
    assert neighbour["proposer_name"] == "张*"
    assert api(world.users["staff"]).get(f"/api/v1/matters/{matter.pk}/").json()["proposer_name"] == "张三"


def test_a_resident_cannot_use_staff_actions_or_pages(world, login):
    matter = _matter_in_discussion(world)
    client = login(world.users["resident"])
    refused = client.post(f"/console/participation/matters/{matter.pk}/do/start_owner_vote/")
    assert refused.status_code in (302, 403) and refused.get("Location", "/m/") == "/m/"
    assert client.get("/console/participation/matters/new/").status_code in (302, 403)
    # a leader reads but does not act
    assert login(world.users["leader"]).post(f"/console/participation/matters/{matter.pk}/do/close/").status_code == 403
    assert Matter.objects.get(pk=matter.pk).status == S.DISCUSSION
    # and a neighbour's staff action on a matter outside the grid worker's grid is a 404
    assert login(world.users["grid2"]).post(f"/console/participation/matters/{matter.pk}/do/close/").status_code == 404


def test_console_list_filters_by_status(world, login):
    discussed = _matter_in_discussion(world)
    waiting = services.matter_create(actor=world.users["staff"], region=world.community, title="待审的议题",
                                     description="d", proposer_kind="staff")  # fmt: skip
    body = login(world.users["staff"]).get("/console/participation/matters/?status=review").content.decode()
    assert waiting.title in body and discussed.title not in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_ballots_of_one_household_at_once_leave_one():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrency (SQLite serialises all writers)")
    from linli.testing import build_world

    world = build_world()
    poll = _poll(world, per="household")
    a = Person.objects.get(pk=world.person_a.pk)
    spouse = Person.objects.create(
        name="张太太", household_id=a.household_id, region=a.region, region_path=a.region_path
    )
    other = core_services.user_create(actor=None, username="spouse", password="x-Pass-2026!")
    core_services.grant_add(actor=None, user=other, role=Role.RESIDENT)
    Person.objects.filter(pk=spouse.pk).update(user=other)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def vote(user):
        try:
            barrier.wait(timeout=10)
            services.ballot_cast(poll=poll, actor=user, option_ids=[poll.options.first().pk])
            results.append("won")
        except ConflictError:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(u,)) for u in (world.users["resident"], other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "won"]
    assert PollVoter.objects.filter(poll=poll).count() == 1 and PollChoice.objects.filter(poll=poll).count() == 1


def test_console_home_shows_matters_to_review(world, login):
    services.matter_create(actor=world.users["resident"], region=world.community, title="加装电梯",
                           description="d", proposer_kind="resident")  # fmt: skip
    body = login(world.users["staff"]).get("/console/").content.decode()
    assert "待审核议题" in body and "超期落实事项" in body
    cards = {c.label: c.value for c in selectors.home_cards(world.users["staff"])}
    assert cards == {"待审核议题": 1, "超期落实事项": 0}
    assert selectors.home_cards(world.users["street"])[0].value == 1
    assert selectors.home_cards(world.users["leader"]) == []


def test_console_search_finds_a_matter_in_scope_only(world):
    matter = _matter_in_discussion(world)
    assert selectors.search_matters(world.users["staff"], "路面", 10) == [
        {"text": "主干道路面改造（协商讨论中）", "url": matter.get_absolute_url()}
    ]
    assert selectors.search_matters(world.users["outsider"], "路面", 10) == []
