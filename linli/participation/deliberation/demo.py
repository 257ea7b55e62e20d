"""Demo 议事协商 for the main community: matters in several states, a poll with ballots, a meeting, follow-ups."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.models import Grant, User
from linli.core.roles import Role
from linli.participation.deliberation import services
from linli.participation.deliberation.models import Matter, MatterComment, MatterTransition, Poll
from linli.participation.votes.models import OwnerVote
from linli.people.models import Person


def run(ctx) -> None:
    """The ``deliberation`` demo step."""
    community = ctx["main_community"]
    staff = _staff(community) or User.objects.filter(is_superuser=True).order_by("pk").first()
    residents = list(
        Person.objects.filter(region_path__startswith=community.path, user__isnull=False).select_related("user")[:3]
    )
    neighbours = list(Person.objects.filter(region_path__startswith=community.path, user__isnull=True)[:40])
    resident = residents[0].user if residents else staff
    today = timezone.localdate()
    now = timezone.now()

    def matter(title, description, kind=Matter.ProposerKind.STAFF, actor=staff, name=""):
        return services.matter_create(actor=actor, region=community, title=title, description=description,
                                      proposer_kind=kind, proposer_name=name)  # fmt: skip

    def open_discussion(m, days=10):
        services.matter_review(matter=m, actor=staff, approve=True, note="符合议事范围，进入协商",
                               discussion_ends=today + dt.timedelta(days=days))  # fmt: skip

    def comments(m, texts):
        people = neighbours[: len(texts)]
        MatterComment.objects.bulk_create([
            MatterComment(matter=m, author=None, author_name=p.name, body=t) for p, t in zip(people, texts, strict=False)
        ])  # fmt: skip

    # 1. 道路改造: the whole loop, from proposal to poll to follow-up with ratings.
    road = matter("彩虹花园主干道路面改造", "小区主干道多处坑洼、雨天积水，建议整体翻新路面并增设排水沟。"
                  "方案由社区联系街道城建办初步测算，预算约 38 万元，拟申请街道民生项目资金。")  # fmt: skip
    open_discussion(road)
    comments(road, ["早该修了，下雨天老人出门很不方便。", "施工期间要安排好车辆进出，最好分段施工。",
                    "希望同时把路灯也换一下。"])  # fmt: skip
    services.meeting_record(
        matter=road, actor=staff, kind="bench", held_at=now - dt.timedelta(days=2), place="3栋楼下凉亭",
        minutes="与会居民一致同意改造；建议分两段施工，每段不超过 15 天；施工期间临时停车点设在小区东门。",
        attendee_ids=[p.pk for p in neighbours[:8]],
    )  # fmt: skip
    plan = "彩虹花园主干道路面改造方案（征求意见稿）\n一、分两段施工，每段不超过 15 天。\n二、预算约 38 万元。\n"
    services.document_add(matter=road, actor=staff, upload=SimpleUploadedFile("路面改造方案.txt", plan.encode(),
                                                                              content_type="text/plain"))  # fmt: skip
    poll = services.matter_start_poll(
        matter=road, actor=staff, options=["同意分段施工方案", "同意改造，但希望一次性施工", "暂不改造"],
        closes_at=now + dt.timedelta(days=3), per=Poll.Per.HOUSEHOLD,
    )  # fmt: skip
    seen: set[str] = set()
    for p in residents + neighbours[:25]:
        key = f"h{p.household_id}" if p.household_id else f"p{p.pk}"
        if key not in seen:
            seen.add(key)
            _vote(poll, p, key, p.pk % 5)
    services.poll_close(poll=poll, actor=staff)
    services.publish_results_notice(road, actor=staff, summary="社区将按分段施工方案报街道审批。")
    services.follow_up_add(matter=road, actor=staff, title="向街道提交民生项目资金申请", owner_name="彩虹社区居委会",
                           deadline=today - dt.timedelta(days=3))  # fmt: skip
    services.follow_up_add(matter=road, actor=staff, title="第一段（北段）施工", owner_name="街道城建办",
                           deadline=today + dt.timedelta(days=30))  # fmt: skip

    # 2. 新能源车充电桩: in discussion, proposed by a resident.
    ev = matter("增设电动汽车充电桩", "小区电动汽车越来越多，建议在东门停车场增设 10 个充电桩，由物业统一管理。",
                kind=Matter.ProposerKind.RESIDENT, actor=resident)  # fmt: skip
    open_discussion(ev, days=14)
    comments(ev, ["支持，现在只能拉飞线充电，很危险。", "费用怎么算？希望公开收费标准。"])

    # 3. 电梯加装: the owners' committee, put to the owners' vote.
    lift = matter("老旧楼栋加装电梯", "5 栋、6 栋为 7 层无电梯住宅，业主委员会提议加装电梯，费用按楼层分摊。",
                  kind=Matter.ProposerKind.COMMITTEE, name="彩虹花园业主委员会")  # fmt: skip
    open_discussion(lift, days=5)
    vote = (
        OwnerVote.objects.filter(region_path__startswith=community.path, status=OwnerVote.Status.OPEN)
        .filter(matter__isnull=True)
        .order_by("-created_at")
        .first()
    )  # the open vote of the votes demo (加装电梯及楼道改造), if the community has owners registered
    if vote is not None:
        services.matter_start_owner_vote(matter=lift, actor=staff, owner_vote=vote)

    # 4. 健身器材: waiting for review; 5. 广场舞时间: a closed one.
    matter("更新小广场健身器材", "小广场健身器材老化，建议更换并增加适合老人的器材。", kind=Matter.ProposerKind.RESIDENT,
           actor=resident)  # fmt: skip
    dance = matter("规范广场舞活动时间", "晚间广场舞音响影响休息，建议每晚 21:00 前结束并控制音量。")
    open_discussion(dance, days=1)
    Matter.objects.filter(pk=dance.pk).update(discussion_ends=today - dt.timedelta(days=20))
    dance_poll = services.matter_start_poll(matter=dance, actor=staff, options=["21:00 前结束", "21:30 前结束"],
                                            closes_at=now + dt.timedelta(days=1))  # fmt: skip
    for i, p in enumerate(neighbours[25:37]):
        _vote(dance_poll, p, f"p{p.pk}", 0 if i % 4 else 3)
    services.poll_close(poll=dance_poll, actor=staff)
    services.publish_results_notice(dance, actor=staff, summary="经协商，活动于每晚 21:00 前结束。")
    item = services.follow_up_add(matter=dance, actor=staff, title="在广场张贴活动时间公示", owner_name="网格员",
                                  deadline=today - dt.timedelta(days=10))  # fmt: skip
    services.follow_up_done(item=item, actor=staff, result="已张贴公示牌，并与两支舞蹈队签订文明公约。")
    services.matter_close(matter=dance, actor=staff)
    for p in residents[:2]:
        services.follow_up_rate(matter=dance, actor=p.user, score=5 - p.pk % 2, comment="效果很好")
    # A community-wide poll outside any matter.
    services.poll_create(
        actor=staff, region=community, title="2027 年社区春节联欢活动形式", options=["文艺汇演", "游园猜灯谜", "百家宴"],
        closes_at=now + dt.timedelta(days=7), multiple=True, max_choices=2, anonymous=True,
    )  # fmt: skip
    MatterTransition.objects.filter(matter__region=community).update(created_at=now)
    ctx.count("议事协商议题", Matter.objects.filter(region=community).count())


def _vote(poll, person, key, n):
    from linli.participation.deliberation.models import PollChoice, PollVoter

    options = list(poll.options.values_list("pk", flat=True))
    voter = PollVoter.objects.create(poll=poll, voter_key=key, user=person.user, person=person)
    PollChoice.objects.create(poll=poll, option_id=options[0 if n < 3 else 1 if n == 3 else 2], voter=voter)


def _staff(community):
    grant = Grant.objects.filter(role=Role.COMMUNITY_STAFF, region=community).select_related("user").first()
    return grant.user if grant else None
