"""Demo notices and learning materials for 彩虹社区: each kind of notice, partly read; materials with progress."""

import datetime as dt

from django.db.models import DurationField, ExpressionWrapper, F, IntegerField, Q
from django.utils import timezone

from linli.core.models import Grant, Region, User
from linli.core.roles import Role
from linli.housing.models import Building
from linli.participation.notices import services
from linli.participation.notices.models import Notice, NoticeDelivery, StudyProgress
from linli.people.models import Person


def _staff(community: Region) -> User | None:
    grant = Grant.objects.filter(role=Role.COMMUNITY_STAFF, region=community).select_related("user").first()
    return grant.user if grant else None


def _read_some(notice: Notice, rng, share: float, hours: int = 30) -> None:
    """Mark about ``share`` of the notice's deliveries read, at times after publication; demo accounts read all.

    One UPDATE whatever the audience (the city's demo sends notices to a million people): who read and when are
    drawn from each row's id and a seed from ``rng`` (integer hashing, the same on SQLite and PostgreSQL), so the
    demo stays reproducible."""
    seed = rng.randint(1, 999_983)

    def mixed():
        return ExpressionWrapper((F("pk") * 2_654_435_761 + seed) % 1_000_003, output_field=IntegerField())

    picked = (
        NoticeDelivery.objects.filter(notice=notice)
        .annotate(mixed=mixed())
        .filter(Q(user__isnull=False) | Q(mixed__lt=int(share * 1_000_003)))
    )
    after = ExpressionWrapper((mixed() % (hours * 60 - 4) + 5) * dt.timedelta(minutes=1), output_field=DurationField())
    NoticeDelivery.objects.filter(pk__in=picked.values("pk")).update(read_at=F("delivered_at") + after)


def _back(notice: Notice, days: int) -> None:
    shift = dt.timedelta(days=days)
    Notice.objects.filter(pk=notice.pk).update(published_at=F("published_at") - shift)
    NoticeDelivery.objects.filter(notice=notice).update(delivered_at=F("delivered_at") - shift)


def run(ctx) -> None:
    """The ``notices`` demo step."""
    rng = ctx.random("notices")
    community = ctx["main_community"]
    author = _staff(community)
    grids = list(Region.objects.filter(depth=community.depth + 1, path__startswith=community.path).order_by("code"))
    grid1 = grids[0]
    resident = Person.objects.filter(user__username="resident").first()
    home = resident.residencies.filter(end__isnull=True).select_related("house__building").first() if resident else None
    building = home.house.building if home else Building.objects.filter(grid=grid1).order_by("pk").first()
    now = timezone.now()
    made = 0

    policy = services.publish_notice(
        author=author, region=community, kind="policy", title="关于开展2026年度城乡居民医保参保缴费的通知",
        body="2026年度城乡居民基本医疗保险集中缴费期为即日起至12月31日。个人缴费标准为每人每年400元，"
        "可通过“贵州医保”微信小程序、社区服务站或银行网点缴纳。低保、特困等困难群众由政府全额或部分资助，"
        "请符合条件的居民携带身份证到社区服务站办理。\n\n咨询电话：社区服务站 0851-33221100。",
    )  # fmt: skip
    _back(policy, 6)
    _read_some(policy, rng, 0.55)
    made += 1

    water = services.publish_notice(
        author=author, region=grid1, kind="emergency", title="明日8:00—18:00第一网格计划停水",
        body="因市政供水管网改造，明日8:00至18:00第一网格范围内暂停供水，请居民提前储水。"
        "如遇老人、病人用水困难，请联系网格员，我们将上门送水。",
        expires_at=now + dt.timedelta(days=2),
    )  # fmt: skip
    _read_some(water, rng, 0.35, hours=6)
    made += 1

    if building is not None:
        lift = services.publish_notice(
            author=author, region=community, title=f"{building}电梯年检及暂停使用安排",
            body="本楼电梯将于本周六9:00—12:00进行年度检验，期间暂停使用，给您带来不便敬请谅解。",
            audience={"buildings": [building.pk]}, pinned=True, expires_at=now + dt.timedelta(days=5),
        )  # fmt: skip
        _back(lift, 1)
        _read_some(lift, rng, 0.4)
        made += 1

    party = services.publish_notice(
        author=author, region=community, title="12月主题党日活动通知",
        body="请全体党员于12月15日（周一）19:30到社区党群服务中心参加主题党日活动，学习全会精神，开展组织生活会。",
        audience={"party_members": True},
    )  # fmt: skip
    _back(party, 2)
    _read_some(party, rng, 0.7)
    made += 1

    old = services.publish_notice(
        author=author, region=community, title="秋季消防安全检查结果公示",
        body="社区已完成秋季消防安全检查，共排查问题12处，已全部整改完毕。感谢各位居民的支持配合。",
        expires_at=now + dt.timedelta(days=1),
    )  # fmt: skip
    _back(old, 20)
    Notice.objects.filter(pk=old.pk).update(expires_at=now - dt.timedelta(days=3))
    _read_some(old, rng, 0.8)
    made += 1

    services.publish_notice(
        author=author, region=community, title="元旦社区迎新联欢会报名",
        body="社区将于12月31日晚举办迎新联欢会，欢迎居民报名表演节目，报名截止12月25日。",
        publish_at=now + dt.timedelta(days=1),
    )  # fmt: skip
    made += 1
    ctx.count("通知公告", made)

    article = services.material_create(
        author=author, region=community, title="《民法典》物业管理相关条款解读", kind="article", minutes_required=5,
        body="一、业主的建筑物区分所有权……\n二、业主共同决定事项及表决规则（第二百七十八条）……\n"
        "三、物业服务合同的订立与解除……\n\n本资料供社区居民学习，帮助大家依法参与小区事务。",
        audience={"party_members": True},
    )  # fmt: skip
    video = services.material_create(
        author=author, region=grid1, title="家庭消防安全常识（视频）", kind="video", minutes_required=3,
        url="https://www.119.gov.cn/", body="观看视频后请完成学习打卡。",
    )  # fmt: skip
    for material in (article, video):
        rows = list(StudyProgress.objects.filter(material=material).select_related("person").order_by("pk")[:80])
        for p in rows:
            if rng.random() < 0.5:
                minutes = rng.randint(1, material.minutes_required + 3)
                for _ in range(minutes // 2 + 1):
                    services.record_study(p.person, material, 120, on=ctx.today - dt.timedelta(days=rng.randint(0, 9)))
    ctx.count("学习资料", 2)
