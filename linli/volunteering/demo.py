"""Demo: a wish wall in several states, three teams, a season of activities with confirmed hours, and points.

Everything is written through the services (so claims, ledger entries and transition rows are what the real flow
leaves), then dated back where a season needs it. The accounts ``member`` (党员), ``volunteer`` and ``resident``
each find something of their own: claims to fulfil, activities to sign up for, a wish waiting for confirmation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.core.errors import DomainError
from linli.core.models import Grant, Region, User
from linli.core.roles import Role
from linli.people.models import Person
from linli.volunteering import services
from linli.volunteering.models import Reward, Signup, Team, Volunteer, Wish, WishClaim, WishTransition

WISHES = [
    # (title, category, content, minor)
    ("想要一台能听戏的收音机", "daily", "独居老人，眼睛不好，想听黔剧和花灯戏。", False),
    ("希望有人陪我去医院复查", "company", "每月 15 号去区人民医院复查，子女在外地。", False),
    ("想要一套初中数学辅导书", "study", "孩子上初二，家里条件困难。", True),
    ("楼道灯坏了，想请人帮忙换个灯泡", "repair", "老人腿脚不便，不敢登高。", False),
    ("想学用智能手机视频通话", "company", "想和在外打工的儿子视频。", False),
    ("希望有一辆二手儿童自行车", "daily", "孩子 8 岁，想骑车上学。", True),
    ("想要一副老花镜", "daily", "看报纸看不清了。", False),
    ("家里水龙头漏水，想请人修一下", "repair", "一直滴水，水费涨了不少。", False),
    ("希望有人帮忙代买每周的药", "help", "高血压药，每周一次。", False),
    ("想要一个新书包和文具", "study", "开学要用。", True),
    ("想请人帮忙理发", "help", "行动不便，出不了门。", False),
    ("希望有人教我做康复操", "company", "中风后在家康复。", False),
    ("想要一个电饭煲", "daily", "旧的坏了。", False),
    ("想给孙女买本字典", "study", "孙女上三年级。", True),
]

ACTIVITIES = [
    # (title, category, place, hour, hours, quota)
    ("楼道堆物清理", "environment", "彩虹花园 3 栋", 9, 2, 12),
    ("敬老院陪伴送温暖", "care", "新安街道敬老院", 14, 3, 10),
    ("夜间平安巡逻", "safety", "社区党群服务中心集合", 20, 3, 8),
    ("文明交通劝导", "service", "彩虹路口", 7, 2, 10),
    ("社区广场舞联欢", "culture", "社区文化广场", 19, 2, 30),
    ("反诈宣传进小区", "service", "彩虹花园大门", 9, 3, 8),
    ("义务理发进家门", "care", "社区卫生服务站", 9, 3, 6),
    ("垃圾分类宣传", "environment", "社区文化广场", 15, 2, 12),
]

REWARDS = [
    ("社区理发一次", "service", "社区志愿理发队", "30", 40),
    ("家电小修一次", "service", "社区便民服务站", "50", 20),
    ("超市 10 元代金券", "voucher", "彩虹便利店", "80", 50),
    ("洗衣店 20 元代金券", "voucher", "洁净洗衣", "150", 10),
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _volunteer_user(person: Person, n: int) -> User:
    """A demo account for a volunteer registered at the service centre (no password: they never log in)."""
    user = User(username=f"demo-vol-{n:03d}", full_name=person.name)
    user.set_unusable_password()
    user.save()
    Grant.objects.create(user=user, role=Role.VOLUNTEER)
    return user


def run(ctx) -> None:
    community: Region = ctx["main_community"]
    counts = build(community, ctx.random("volunteering"), today=ctx.today)
    for label, value in counts.items():
        ctx.count(label, value)


@transaction.atomic
def build(community: Region, rng, *, today: dt.date | None = None) -> dict[str, int]:
    now = timezone.now()
    staff = Grant.objects.filter(role=Role.COMMUNITY_STAFF, region=community).select_related("user").first()
    staff = staff.user if staff else User.objects.filter(is_superuser=True).first()
    grids = list(Region.objects.filter(path__startswith=community.path, level__code="grid").order_by("path"))
    here = Person.objects.filter(region_path__startswith=community.path, is_active=True)

    # Volunteers: the demo accounts, then some thirty residents of working age and retirees.
    volunteers: list[Volunteer] = []
    for username in ("member", "volunteer"):
        user = _user(username)
        if user is not None and not Volunteer.objects.filter(user=user).exists():
            try:
                volunteers.append(services.volunteer_register(user=user, consent=True, region=grids[0],
                                                              skills="党员先锋岗" if username == "member" else "摄影"))  # fmt: skip
            except DomainError:  # an account without a person still gets the rest of the demo
                pass
    taken = set(Volunteer.objects.exclude(person=None).values_list("person_id", flat=True))
    pool = list(here.filter(user__isnull=True).exclude(pk__in=taken).order_by("pk")[:400])
    rng.shuffle(pool)
    skills = ["理发", "维修家电", "摄影", "心理疏导", "书法", "驾驶", "医护", "法律咨询", "", "", ""]
    for n, person in enumerate(pool[:30]):
        user = _volunteer_user(person, n)
        grid = person.region if person.region_id else grids[0]
        volunteers.append(Volunteer.objects.create(
            user=user, person=person, name=person.name, region=grid, region_path=grid.path,
            is_party_member=person.political_status == Person.Political.CPC, skills=rng.choice(skills),
            consent_at=now - dt.timedelta(days=rng.randint(100, 700)), consent_text=services.CONSENT_TEXT,
        ))  # fmt: skip

    # Teams: 党员、青年、老年.
    by_kind = {
        Team.Kind.PARTY: [v for v in volunteers if v.is_party_member] or volunteers[:6],
        Team.Kind.YOUTH: volunteers[2:14],
        Team.Kind.ELDER: volunteers[14:26],
    }
    names = {Team.Kind.PARTY: "党员先锋服务队", Team.Kind.YOUTH: "青春志愿服务队", Team.Kind.ELDER: "银发志愿服务队"}
    teams = []
    for kind, members in by_kind.items():
        team = services.team_create(actor=None, region=community, name=names[kind], kind=kind,
                                    leader=members[0] if members else None,
                                    description={"party": "在职党员双报到、亮身份作表率", "youth": "周末活动主力",
                                                 "elder": "退休老同志发挥余热"}[kind])  # fmt: skip
        team.members.add(*members)
        teams.append(team)

    # A season of activities: two a week for the last twelve weeks, finished with confirmed hours; three upcoming.
    season = 0
    for week in range(12, 0, -1):
        for slot in range(2):
            title, category, place, hour, length, quota = ACTIVITIES[(week * 2 + slot) % len(ACTIVITIES)]
            day = timezone.localtime(now).date() - dt.timedelta(days=week * 7 - slot * 3)
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
            activity = services.activity_create(
                actor=staff, region=rng.choice(grids), title=title, place=place, starts_at=start,
                ends_at=start + dt.timedelta(hours=length), quota=quota, category=category,
                team=teams[(week + slot) % 3],
            )  # fmt: skip
            people = rng.sample(volunteers, k=min(len(volunteers), rng.randint(4, quota)))
            for v in people:
                if services._overlapping(v, activity) is not None:
                    continue
                s = Signup.objects.create(activity=activity, volunteer=v, status=Signup.Status.SIGNED)
                arrive = start + dt.timedelta(minutes=rng.choice([-20, -10, -5, 0, 5, 15]))
                services.check_in(activity=activity, token=activity.checkin_token, user=v.user, now=arrive)
                if rng.random() < 0.92:
                    leave = start + dt.timedelta(hours=length, minutes=rng.choice([-30, -15, 0, 0, 10]))
                    services.check_out(activity=activity, token=activity.checkin_token, user=v.user, now=leave)
            services.activity_finish(activity=activity, actor=staff)
            for s in Signup.objects.filter(activity=activity).select_related("activity", "volunteer__user"):
                hours = None if s.hours is not None else Decimal(length)
                note = "" if s.hours is not None else "现场核实在岗至活动结束"
                if week > 1:  # last week's hours are still waiting for the organiser
                    services.signup_confirm(signup=s, actor=staff, hours=hours, note=note)
            season += 1
    upcoming = []
    for k, (title, category, place, hour, length, quota) in enumerate(ACTIVITIES[:3]):
        day = timezone.localtime(now).date() + dt.timedelta(days=2 + k * 3)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        activity = services.activity_create(actor=staff, region=grids[k % len(grids)], title=title, place=place,
                                            starts_at=start, ends_at=start + dt.timedelta(hours=length),
                                            quota=quota if k else 4, category=category, team=teams[k])  # fmt: skip
        for v in volunteers[5 : 5 + (5 if k == 0 else 3)]:
            services.activity_signup(activity=activity, volunteer=v)
        upcoming.append(activity)

    # The wish wall.
    beneficiaries = list(here.exclude(pk__in=taken).order_by("-pk")[:60])
    rng.shuffle(beneficiaries)
    member, volunteer_user, resident = _user("member"), _user("volunteer"), _user("resident")
    claimers = [u for u in (member, volunteer_user) if u is not None] + [v.user for v in volunteers[2:8]]
    plan = ["done"] * 5 + ["fulfilled", "claimed", "claimed", "open", "open", "open", "open", "pending", "pending"]
    wishes = 0
    for n, (title, category, content, minor) in enumerate(WISHES):
        person = beneficiaries[n % len(beneficiaries)]
        region = person.region or grids[0]
        wish = services.wish_create(actor=staff, title=title, content=content, category=category,
                                    beneficiary_name=person.name, beneficiary=person, is_minor=minor, region=region,
                                    address="")  # fmt: skip
        state = plan[n % len(plan)]
        posted = now - dt.timedelta(days=rng.randint(3, 60))
        if state != "pending":
            services.wish_publish(wish=wish, actor=staff)
        claimer = claimers[n % len(claimers)]
        if state in ("done", "fulfilled", "claimed"):
            services.wish_claim(wish=wish, actor=claimer)
        if state in ("done", "fulfilled"):
            services.wish_fulfil(wish=wish, actor=claimer, note="已上门送达，老人很满意" if not minor else "已送到孩子家中",
                                 hours=rng.choice(["1", "1.5", "2"]))  # fmt: skip
        if state == "done":
            services.wish_confirm(wish=wish, actor=staff)
        # Date the season back: posted, published a day later, claimed two days later, fulfilled within the week.
        claimed = min(posted + dt.timedelta(days=2), now)
        Wish.objects.filter(pk=wish.pk).update(created_at=posted, published_at=posted + dt.timedelta(days=1))
        if state in ("done", "fulfilled", "claimed"):
            deadline = claimed + dt.timedelta(days=services.CLAIM_DAYS)
            if state == "claimed":  # still running (one is made overdue below)
                deadline = max(deadline, now + dt.timedelta(days=1))
            Wish.objects.filter(pk=wish.pk).update(claim_deadline=deadline)
            WishClaim.objects.filter(wish=wish).update(claimed_at=claimed, deadline=deadline)
        if state in ("done", "fulfilled"):
            Wish.objects.filter(pk=wish.pk).update(fulfilled_at=claimed + dt.timedelta(days=1))
        if state == "done":
            Wish.objects.filter(pk=wish.pk).update(done_at=claimed + dt.timedelta(days=2))
        WishTransition.objects.filter(wish=wish).update(at=posted)
        _date_history(wish, posted, claimed)
        wishes += 1
    # One claim is overdue (the dashboard shows it); the resident has a wish of their own to confirm.
    overdue = Wish.objects.filter(region_path__startswith=community.path, status=Wish.Status.CLAIMED).first()
    if overdue is not None:
        past = now - dt.timedelta(days=2)
        Wish.objects.filter(pk=overdue.pk).update(claim_deadline=past)
        WishClaim.objects.filter(wish=overdue, active=True).update(deadline=past)
    if resident is not None and member is not None:
        try:
            own = services.wish_create(actor=resident, title="想请人帮忙修一下阳台晾衣架", category="repair",
                                       content="晾衣架摇不下来了。")  # fmt: skip
            services.wish_publish(wish=own, actor=staff)
            services.wish_claim(wish=own, actor=member)
            services.wish_fulfil(wish=own, actor=member, note="已更换钢丝绳，晾衣架可以正常升降", hours="1",
                                 photo=_demo_photo())  # fmt: skip
            services.wish_create(actor=resident, title="想要几盆绿植装点楼道", category="daily")
            wishes += 2
        except DomainError:  # the resident account has no person in a tiny demo
            pass

    for name, kind, provider, cost, stock in REWARDS:
        Reward.objects.create(region=community, region_path=community.path, name=name, kind=kind, provider=provider,
                              cost=Decimal(cost), stock=stock)  # fmt: skip
    return {"志愿者": len(volunteers), "志愿活动": season + len(upcoming), "微心愿": wishes}


def _date_history(wish: Wish, posted, claimed) -> None:
    """Date a demo wish's audited history back with it: registered and published when posted, the claim and what
    followed from the day it was claimed."""
    from django.contrib.contenttypes.models import ContentType

    from linli.core.models import AuditLog

    rows = AuditLog.objects.filter(target_type=ContentType.objects.get_for_model(Wish), target_id=str(wish.pk))
    rows.filter(extra__op__in=["create", "publish"]).update(created_at=posted)
    for days, op in enumerate(("claim", "fulfil", "confirm")):
        rows.filter(extra__op=op).update(created_at=claimed + dt.timedelta(days=days, hours=2))


def _demo_photo():
    """A small drawn picture standing in for the claimer's photo of a mended clothes rack on a balcony."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 360), (214, 232, 245))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 250, 480, 360), fill=(188, 170, 150))  # the balcony floor
    draw.rectangle((40, 40, 440, 56), fill=(150, 150, 160))  # the rack's bar
    for x in (90, 390):
        draw.line((x, 0, x, 40), fill=(110, 110, 120), width=3)  # the new steel wires
    for k, colour in enumerate(((230, 90, 80), (90, 150, 220), (250, 200, 80), (120, 190, 120))):
        x = 70 + k * 95
        draw.polygon([(x, 56), (x + 70, 56), (x + 80, 170), (x - 10, 170)], fill=colour)  # washing
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("balcony.jpg", out.getvalue(), content_type="image/jpeg")
