"""Demo data for party building: each community gets a 社区党委 with branches on its grids, a 党小组 per compound,
members linked to the demo persons who are party members, a year of meetings with realistic gaps, 党务公开, study
materials, 双报到 units with positions and projects, and 下沉干部. Accounts: ``secretary`` (党组织书记 of the main
community) and ``partyoffice`` (组织部 of the district); the people step's ``member`` joins the first branch."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.core import services as core_services
from linli.core.models import Region
from linli.core.modules import ask
from linli.core.roles import Role
from linli.party import services
from linli.party.models import (
    Attendance,
    Meeting,
    MemberUnit,
    OrgKind,
    PartyMember,
    PartyOrganization,
    PositionClaim,
    Project,
    ServiceRecord,
    StudyRecord,
)
from linli.people.models import Person

MEMBERS_PER_COMMUNITY = 36
UNITS = [
    ("西秀区人民医院", "西秀区人民医院党委"),
    ("安顺市第二小学", "安顺市第二小学党支部"),
    ("国网西秀供电分局", "国网西秀供电分局党委"),
    ("西秀区税务局", "西秀区税务局机关党委"),
]
POSITIONS = [("党建指导员", "指导小区党小组开展组织生活", 2), ("便民服务员", "为老人代办、上门服务", 6),
             ("民意收集员", "收集居民意见建议，反馈社区", 4), ("文明劝导员", "劝导不文明行为", 3)]  # fmt: skip
TITLES = {
    "assembly": ["学习贯彻党的二十届四中全会精神", "讨论发展党员", "评议党员", "部署下半年工作", "民主评议党员"],
    "committee": ["研究本月支部工作", "研究困难党员慰问", "研究为民办实事项目", "讨论党费收缴"],
    "lecture": ["书记讲党课：坚持人民至上", "党史专题党课", "基层治理专题党课"],
    "theme_day": ["清洁家园志愿服务", "重温入党誓词", "走访慰问老党员", "垃圾分类宣传", "反诈宣传进小区"],
    "group": ["党小组学习", "楼栋议事"],
}


def run(ctx) -> None:
    """Write the party rows of every community (the main one most complete)."""
    rng = ctx.random("party")
    today = timezone.localdate()
    with transaction.atomic():
        district = ctx["district"]
        regional = services.organization_create(
            actor=None, name=f"{district.name}区域化党建大党委", kind=OrgKind.REGIONAL, region=district,
            secretary_name="区委组织部",
        )  # fmt: skip
        for name, category in [("西秀区人民医院党委", "enterprise"), ("西秀区税务局机关党委", "organ"),
                               ("安顺宜居物业党支部", "property"), ("新安商务楼宇党支部", "building"),
                               ("贵州黔城物业党支部", "property"), ("西秀区个私协会党委", "new")]:  # fmt: skip
            MemberUnit.objects.create(committee=regional, name=name, category=category)
        communities = list(Region.objects.filter(level__code="community").order_by("path"))
        main = ctx["main_community"]
        first_branch = None
        for community in communities:
            branch = _community(ctx, rng, community, regional, today, main=community.pk == main.pk)
            if community.pk == main.pk:
                first_branch = branch
        _accounts(ctx, main, district, first_branch)
    ctx.count("党组织", PartyOrganization.objects.count())
    ctx.count("党员", PartyMember.objects.count())
    ctx.count("组织生活会议", Meeting.objects.count())


def _community(ctx, rng, community, regional, today, *, main: bool):
    committee = services.organization_create(
        actor=None, name=f"{community.name}党委", kind=OrgKind.COMMITTEE, region=community, parent=regional,
        secretary_name="社区党委书记",
    )  # fmt: skip
    grids = list(Region.objects.filter(path__startswith=community.path, depth=community.depth + 1).order_by("path"))
    branches = []
    for i, grid in enumerate(grids[: 3 if main else 2]):
        branch = services.organization_create(
            actor=None, name=f"{community.name}第{'一二三四五'[i]}党支部", kind=OrgKind.BRANCH, region=grid,
            parent=committee, secretary_name=["陈", "刘", "杨", "黄", "周"][i] + "书记",
        )  # fmt: skip
        branches.append(branch)
        services.organization_create(
            actor=None, name=f"{grid.name}党小组", kind=OrgKind.GROUP, region=grid, parent=branch,
            leader_name=["吴", "郑", "孙"][i % 3] + "组长",
        )  # fmt: skip
    if main:
        services.organization_create(
            actor=None, name=f"{community.name}流动党员功能型党小组", kind=OrgKind.FUNCTIONAL_GROUP, region=community,
            parent=committee, secretary_name="赵组长",
        )  # fmt: skip
    per_branch = (MEMBERS_PER_COMMUNITY if main else MEMBERS_PER_COMMUNITY // 2) // max(len(branches), 1)
    persons = []
    for branch in branches:  # members of each branch live in its grid
        persons += list(
            Person.objects.filter(
                region_path__startswith=branch.region_path,
                political_status__in=(Person.Political.CPC, Person.Political.CPC_PROBATION),
                is_active=True,
            ).order_by("pk")[:per_branch]
        )
    members = []
    for person in persons:
        branch = next((b for b in branches if person.region_path.startswith(b.region_path)), branches[0])
        probationary = person.political_status == Person.Political.CPC_PROBATION
        work = rng.choices(["employed", "retired", "flowing"], [5, 4, 1])[0]
        members.append(
            PartyMember(
                person=person, organization=branch, region_path=branch.region_path,
                status="probationary" if probationary else "full",
                probation_start=today - dt.timedelta(days=rng.randint(30, 300)) if probationary else None,
                work_status=work, flowing_to="浙江省宁波市" if work == "flowing" else "",
                joined_on=dt.date(rng.randint(1975, 2023), rng.randint(1, 12), 1),
                is_central_household=rng.random() < 0.1,
                vanguard_post=rng.choice(["", "", "", "环境整治先锋岗", "邻里调解先锋岗", "为老服务先锋岗"]),
            )
        )  # fmt: skip
    for m in members:
        if m.probation_start:
            m.probation_end = m.probation_start.replace(year=m.probation_start.year + 1)
    PartyMember.objects.bulk_create(members)
    members = list(PartyMember.objects.filter(region_path__startswith=community.path))
    for i, branch in enumerate(branches):
        branch_members = [m for m in members if m.organization_id == branch.pk]
        _year_of_meetings(rng, branch, branch_members, today, skip=0 if main and i == 0 else (0.15 if main else 0.3))
    for group in PartyOrganization.objects.filter(parent__in=branches):
        _year_of_meetings(rng, group, [], today, skip=0.25)
    # 党务公开, learning
    for i, (title, audience) in enumerate([("2026年第三季度党费收缴情况", "members"),
                                            ("社区为民办实事项目进展公示", "residents")]):  # fmt: skip
        d = services.disclosure_create(
            actor=None,
            organization=committee,
            title=title,
            body=f"{title}：详见社区党群服务中心公示栏。",
            audience=audience,
        )
        if i == 0 or main:
            type(d).objects.filter(pk=d.pk).update(status="published", published_at=timezone.now())
    # Learning: assigned through participation's learning (when installed); members study there, a beat at a time.
    for branch in branches:
        for title, hours in [
            ("学习党的二十届四中全会公报", Decimal("1")),
            ("《中国共产党支部工作条例》", Decimal("0.5")),
        ]:
            material = services.material_assign(
                actor=None, organization=branch, title=title, hours=hours, body="请认真学习，学习时长计入学时。"
            )
            studying = [m for m in members if m.organization_id == branch.pk and rng.random() < (0.6 if main else 0.2)]
            for m in studying:
                day = today - dt.timedelta(days=rng.randint(1, 60))
                if material.learning_id:
                    beats = int(hours * 30) if rng.random() < 0.8 else rng.randint(1, int(hours * 30) - 1)
                    for _ in range(beats):  # two minutes a beat; most finish, some stop half-way
                        ask("learning.record_study", material.learning_id, m.person, 120, on=day)
                else:
                    StudyRecord.objects.create(
                        material=material, member=m, completed_at=timezone.now() - dt.timedelta(days=1), hours=hours
                    )
    # 双报到: units, positions, claims, projects, services; 下沉干部
    units = [
        services.unit_register(actor=None, name=name, unit_party_org=org, community=community, contact="联络员",
                               reported_on=dt.date(today.year, 2, 20))
        for name, org in (UNITS if main else UNITS[:2])
    ]  # fmt: skip
    positions = [
        services.position_create(actor=None, community=community, name=n, duties=d, quota=q) for n, d, q in POSITIONS
    ]
    employed = [m for m in members if m.work_status == "employed"]
    for i, m in enumerate(employed[:10]):
        position = positions[i % len(positions)]
        if position.claims.count() < position.quota:
            PositionClaim.objects.create(position=position, member=m, unit=units[i % len(units)], claimed_on=today)
            for _ in range(rng.randint(1, 4)):
                ServiceRecord.objects.create(
                    member=m, on=today - dt.timedelta(days=rng.randint(1, 150)), hours=Decimal(rng.choice([2, 3, 4])),
                    wishes=rng.randint(0, 1), activity=rng.choice(["敬老院志愿服务", "小区环境整治", "反诈宣传"]),
                )  # fmt: skip
    for u in units:
        Project.objects.create(
            unit=u, year=today.year, title=f"{u.name[:6]}共建：{rng.choice(['健康义诊进社区', '四点半课堂', '老旧小区电路改造', '办税便民服务'])}",
            agreement=f"{today.year}年度共建协议", progress=rng.choice([30, 60, 80, 100]),
            funds=Decimal(rng.choice([5000, 12000, 20000])), materials=rng.choice(["药品、器械", "图书 200 册", "电缆、开关"]),
            evidence="活动照片、签到表",
        )  # fmt: skip
        ServiceRecord.objects.create(
            unit=u, on=today - dt.timedelta(days=30), hours=Decimal(16), activity="进社区集中服务日"
        )
    # 结对帮扶: a few members each paired with a household of their grid, with a visit or two.
    from linli.people.models import Household

    for m in members[:4]:
        household = (
            Household.objects.filter(house__building__grid__path__startswith=m.region_path).exclude(pk=m.person.household_id)
            .order_by("pk").first()
        )  # fmt: skip
        if household is None:
            continue
        pairing = services.pairing_create(
            actor=None, member=m, household=household, need=rng.choice(["独居老人，行动不便", "低保家庭，子女上学", "残疾人家庭"]),
            start=dt.date(today.year, 1, 15),
        )  # fmt: skip
        for days in (25, 6):  # the visit log takes visits of the last 30 days
            services.pairing_visit(
                actor=None, pairing=pairing, on=today - dt.timedelta(days=days),
                help_given=rng.choice(["上门看望，送米面油", "代办医保报销", "辅导孩子作业", "联系维修燃气灶"]),
            )  # fmt: skip
    services.cadre_add(
        actor=None, name=rng.choice(["王建国", "李红梅", "张志强"]), unit="西秀区发展和改革局", community=community,
        assignment="包保网格，协助社区开展矛盾纠纷排查", start=dt.date(today.year, 3, 1),
    )  # fmt: skip
    if main:
        services.cadre_add(
            actor=None, name="陈志远", unit="西秀区住房和城乡建设局", community=community,
            assignment="老旧小区改造协调", start=dt.date(today.year, 1, 10), end=dt.date(today.year, 6, 30),
        )  # fmt: skip
        planned = Meeting.objects.filter(organization__in=branches, status="planned", starts_at__gt=timezone.now())
        first = planned.order_by("starts_at").first()
        if first is not None and planned.count() > 1:
            services.meeting_cancel(actor=None, meeting=planned.order_by("-starts_at").first(),
                                    reason="与街道集中培训时间冲突，改期另行通知")  # fmt: skip
    return branches[0] if branches else committee


def _year_of_meetings(rng, branch, members, today, *, skip: float) -> None:
    """Twelve months of meetings up to this one; some kinds skipped some months (the gaps the compliance view shows).

    With ``skip=0`` every meeting due was held, this month's before today; others plan this month's for later."""
    tz = timezone.get_current_timezone()
    cycles = services.default_cycles_for(branch)
    meetings, held_ids = [], []
    for back in range(11, -1, -1):
        n = today.year * 12 + today.month - 1 - back
        first = dt.date(n // 12, n % 12 + 1, 1)
        for kind, per_year in cycles.items():
            if per_year < 12 and first.month % (12 // per_year) != 0:
                continue
            if rng.random() < skip:
                continue
            if back == 0:
                day = rng.randint(1, today.day) if skip == 0 or today.day > 27 else rng.randint(today.day + 1, 28)
            else:
                day = rng.randint(5, 25)
            when = dt.datetime(first.year, first.month, day, 19, 30, tzinfo=tz)
            if back == 0 and skip == 0 and when > timezone.now():
                when = timezone.now() - dt.timedelta(hours=2)
            meetings.append(
                Meeting(
                    organization=branch, region_path=branch.region_path, kind=kind,
                    title=rng.choice(TITLES[kind]), starts_at=when, place="社区党群服务中心",
                    status="held" if when < timezone.now() else "planned",
                    minutes="会议议程逐项完成，参会党员发言踊跃。" if rng.random() < 0.85 else "",
                    follow_ups="落实楼栋联系责任" if rng.random() < 0.5 else "", follow_ups_done=rng.random() < 0.7,
                )
            )  # fmt: skip
    Meeting.objects.bulk_create(meetings)
    attendances = []
    for meeting in Meeting.objects.filter(organization=branch, status="held"):
        for m in members:
            r = rng.random()
            status = (
                "present"
                if r < 0.8
                else ("online" if m.work_status == "flowing" else ("leave" if r < 0.92 else "absent"))
            )
            attendances.append(
                Attendance(meeting=meeting, member=m, status=status, reason="外出务工" if status == "leave" else "",
                           via="code" if status == "present" else "secretary")
            )  # fmt: skip
        held_ids.append(meeting.pk)
    Attendance.objects.bulk_create(attendances, batch_size=1000)


def _accounts(ctx, main, district, first_branch) -> None:
    for username, role, region, full_name in (
        ("secretary", Role.PARTY_SECRETARY, main, "陈书记"),
        ("partyoffice", Role.PARTY_OFFICE, district, "区委组织部干事"),
    ):
        user = core_services.user_create(
            actor=None, username=username, password=ctx.password, full_name=full_name, otp_exempt=True
        )
        core_services.grant_add(actor=None, user=user, role=role, region=region)
        ctx.users[username] = user
        ctx.login(username, role, region.name)
    member_user = ctx.users.get("member")
    person = Person.objects.filter(user=member_user).first() if member_user else None
    if person is not None and first_branch is not None:
        existing = PartyMember.objects.filter(person=person, is_active=True).first()
        if existing is None:
            services.member_add(actor=None, person=person, organization=first_branch, joined_on=dt.date(2008, 7, 1),
                                vanguard_post="环境整治先锋岗")  # fmt: skip
        elif existing.organization_id != first_branch.pk:
            services.member_transfer(actor=None, member=existing, to_org=first_branch, reason="演示：转入第一党支部")
    if first_branch is not None:
        _holders(ctx, main, first_branch, member_user)


def _holders(ctx, main, first_branch, member_user) -> None:
    """Position holders with accounts, so volunteering's 派单 form lists a “双报到岗位” group and the holders can
    claim wishes: ``member`` holds 便民服务员 of the main community; ``holder`` (a resident account of an in-service
    member of the first branch, without the party-member role) holds 党建指导员; one claim was withdrawn."""
    from linli.core.errors import DomainError
    from linli.party.models import Position, ReportingUnit

    positions = {p.name: p for p in Position.objects.filter(community=main)}
    today = timezone.localdate()
    me = PartyMember.objects.filter(person__user=member_user, is_active=True).first() if member_user else None
    if me is not None and "便民服务员" in positions:
        if me.work_status != "employed":  # 双报到 is for in-service members: the demo ``member`` works at a unit
            PartyMember.objects.filter(pk=me.pk).update(work_status="employed", flowing_to="")
        unit = ReportingUnit.objects.filter(community=main).order_by("pk").first()
        try:
            services.position_claim(actor=None, position=positions["便民服务员"], member=me, unit=unit)
        except DomainError:  # already holds it, or the places are taken: free one (a withdrawn claim, as history)
            taken = PositionClaim.objects.filter(position=positions["便民服务员"], withdrawn_on__isnull=True)
            other = taken.exclude(member=me).order_by("-pk").first()
            if other is not None and not taken.filter(member=me).exists():
                services.position_withdraw(actor=None, claim=other, reason="工作调动到外区，演示：撤销认岗")
                services.position_claim(actor=None, position=positions["便民服务员"], member=me, unit=unit)
    # a claim withdrawn months ago (the member moved away): the position page keeps it as history
    civility = positions.get("文明劝导员")
    gone = (
        civility and PositionClaim.objects.filter(position=civility, withdrawn_on__isnull=True).order_by("-pk").first()
    )
    if gone:
        gone.claimed_on = today - dt.timedelta(days=120)
        PositionClaim.objects.filter(pk=gone.pk).update(claimed_on=gone.claimed_on)
        services.position_withdraw(
            actor=None, claim=gone, reason="搬离本社区，组织关系转往外区", on=today - dt.timedelta(days=45)
        )
    # ``holder``: an in-service member of the first branch who has no account yet
    candidate = (
        PartyMember.objects.filter(organization=first_branch, is_active=True, work_status="employed",
                                   person__user__isnull=True)
        .exclude(pk=me.pk if me else None).select_related("person").order_by("pk").first()
    )  # fmt: skip
    if candidate is None or "党建指导员" not in positions:
        return
    user = core_services.user_create(
        actor=None, username="holder", password=ctx.password, full_name=candidate.person.name, otp_exempt=True
    )
    core_services.grant_add(actor=None, user=user, role=Role.RESIDENT)
    Person.objects.filter(pk=candidate.person_id).update(user=user)
    ctx.users["holder"] = user
    ctx.login("holder", Role.RESIDENT, f"本人：{candidate.person.name}（双报到岗位：党建指导员）")
    guide = positions["党建指导员"]
    if not PositionClaim.objects.filter(position=guide, member=candidate, withdrawn_on__isnull=True).exists():
        taken = PositionClaim.objects.filter(position=guide, withdrawn_on__isnull=True).order_by("pk")
        if taken.count() >= guide.quota:
            services.position_withdraw(actor=None, claim=taken.first(), reason="搬离本社区")
        services.position_claim(actor=None, position=guide, member=candidate)
    PositionClaim.objects.filter(member=candidate, position=guide).update(claimed_on=today - dt.timedelta(days=40))
