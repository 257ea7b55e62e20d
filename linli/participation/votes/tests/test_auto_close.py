"""Polls and owners' votes close on their own when their end time passes (the every-minute periodic jobs)."""

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from linli.core.errors import ConflictError, DomainError
from linli.core.models import AuditLog, Notification
from linli.participation.deliberation import services as deliberation
from linli.participation.deliberation.models import Matter, Poll
from linli.participation.deliberation.tasks import close_due_polls
from linli.participation.notices.models import Notice
from linli.participation.votes import services, tally
from linli.participation.votes.models import OwnerVote
from linli.participation.votes.tasks import close_due_owner_votes


def _past(model, obj, field):
    model.objects.filter(pk=obj.pk).update(**{field: timezone.now() - dt.timedelta(minutes=1)})


def _run(task):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return task.call_local()


def test_due_polls_close_with_their_tally_once_and_voters_and_the_organiser_are_told(world):
    staff, resident = world.users["staff"], world.users["resident"]
    matter = deliberation.matter_create(actor=staff, region=world.community, title="广场舞时间", description="d",
                                        proposer_kind="staff")  # fmt: skip
    deliberation.matter_review(matter=matter, actor=staff, approve=True, discussion_ends=timezone.localdate())
    soon = timezone.now() + dt.timedelta(hours=1)
    of_matter = deliberation.matter_start_poll(matter=matter, actor=staff, options=["21:00", "21:30"], closes_at=soon)
    alone = deliberation.poll_create(actor=staff, region=world.community, title="春节活动", options=["汇演", "游园"],
                                     closes_at=soon)  # fmt: skip
    later = deliberation.poll_create(actor=staff, region=world.community, title="明年的事", options=["是", "否"],
                                     closes_at=soon + dt.timedelta(days=3))  # fmt: skip
    chosen = of_matter.options.get(label="21:00")
    deliberation.ballot_cast(poll=of_matter, actor=resident, option_ids=[chosen.pk])
    _past(Poll, of_matter, "closes_at")
    _past(Poll, alone, "closes_at")

    assert _run(close_due_polls) == 2
    of_matter.refresh_from_db()
    assert of_matter.status == Poll.Status.CLOSED and of_matter.closed_at is not None
    other = of_matter.options.get(label="21:30")
    assert of_matter.tally == {"ballots": 1, "options": {str(chosen.pk): 1, str(other.pk): 0}}
    assert Poll.objects.get(pk=alone.pk).status == Poll.Status.CLOSED
    assert Poll.objects.get(pk=later.pk).status == Poll.Status.OPEN
    told = Notification.objects.get(recipient=resident, kind="poll_result", target_id=str(of_matter.pk))
    assert told.title == "投票结果已公布：广场舞时间" and told.url == f"/m/polls/{of_matter.pk}/"
    organiser = Notification.objects.get(recipient=staff, kind="poll_closed", target_id=str(of_matter.pk))
    assert "请到议题“广场舞时间”发布结果公告" in organiser.body
    assert AuditLog.objects.filter(field="结束投票", reason="截止时间已到，自动结束").count() == 2
    # the matter's results report can now be published from the stored tally
    deliberation.publish_results_notice(Matter.objects.get(pk=matter.pk), actor=staff)
    assert "21:00：1 票（100%）" in Matter.objects.get(pk=matter.pk).results_body

    # A second run changes nothing: no poll, no tally, no message.
    before = (Notification.objects.count(), of_matter.closed_at)
    assert _run(close_due_polls) == 0
    of_matter.refresh_from_db()
    assert (Notification.objects.count(), of_matter.closed_at) == before
    with pytest.raises(DomainError, match="已经结束"):
        deliberation.ballot_cast(poll=alone, actor=resident, option_ids=[alone.options.first().pk])
    with pytest.raises(ConflictError):  # and staff closing it by hand are told it is closed already
        deliberation.poll_close(poll=alone, actor=staff)


def test_due_owner_votes_are_counted_and_their_results_published_once(world, estate):
    staff = world.users["staff"]
    items = [{"title": "续聘彩虹物业", "matter": 4}, {"title": "改建小区停车场", "matter": 7}]
    vote = services.vote_create(actor=staff, compound=estate["compound"], title="2027年度业主表决", items=items,
                                deadline=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    undated = services.vote_create(actor=staff, compound=estate["compound"], title="不设截止", items=items)
    for house, choices in ((estate["h1"], ["yes", "yes"]), (estate["h2"], ["yes", "yes"]),
                           (estate["h3"], ["no", "yes"]), (world.house_a, ["yes", "abstain"])):  # fmt: skip
        services.ballot_cast(actor=staff, vote=vote, house_id=house.pk, channel="paper",
                             choices=[{"item": i, "choice": c} for i, c in enumerate(choices)])  # fmt: skip
    _past(OwnerVote, vote, "deadline")

    assert _run(close_due_owner_votes) == 1
    vote.refresh_from_db()
    assert vote.status == OwnerVote.Status.CLOSED and vote.closed_at is not None
    assert vote.result == tally.as_json(services.compute(vote))
    assert vote.result["turnout"] == {"area": "17/23", "owners": "3/4"}
    assert [i["passed"] for i in vote.result["items"]] == [True, False]
    assert OwnerVote.objects.get(pk=undated.pk).status == OwnerVote.Status.OPEN  # no deadline: closed by staff only
    # results published as when staff close it: the owners' inboxes and a public notice to the compound
    note = Notification.objects.get(recipient=world.users["resident"], kind="ownervote_result")
    assert "未通过" in note.body
    posted = Notice.objects.get(source_id=str(vote.pk), title="表决结果公告：2027年度业主表决")
    assert posted.audience == {"compounds": [estate["compound"].pk]}
    assert AuditLog.objects.filter(reason="截止时间已到，自动结束业主表决并计票").count() == 1

    before = (Notification.objects.count(), Notice.objects.count(), vote.closed_at)
    assert _run(close_due_owner_votes) == 0
    vote.refresh_from_db()
    assert (Notification.objects.count(), Notice.objects.count(), vote.closed_at) == before
