"""Reads with rules: everything a user sees goes through ``restrict(user, "<kind>.view")``."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from linli.core.masking import mask_name
from linli.core.scoping import has_action, restrict
from linli.volunteering.models import (
    Activity,
    Certificate,
    HoursCorrection,
    PointAccount,
    PointPosting,
    Redemption,
    Reward,
    ServiceRecord,
    Signup,
    Team,
    Volunteer,
    Wish,
    WishClaim,
    star_for,
)

# --- base rows (the generic views and viewsets restrict them) -------------------------------------------------------


def wish_rows() -> QuerySet[Wish]:
    return Wish.objects.select_related("region", "claimer", "assigned_team")


def volunteer_rows() -> QuerySet[Volunteer]:
    return Volunteer.objects.select_related("region", "user")


def team_rows() -> QuerySet[Team]:
    return (
        Team.objects.select_related("region", "leader")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("region_path", "name")
    )


def activity_rows() -> QuerySet[Activity]:
    return (
        Activity.objects.select_related("region", "team", "organiser")
        .annotate(
            signed_count=Count("signups", filter=Q(signups__status=Signup.Status.SIGNED), distinct=True),
            waiting_count=Count("signups", filter=Q(signups__status=Signup.Status.WAITING), distinct=True),
        )
        .order_by("-starts_at", "-pk")
    )


def signup_rows() -> QuerySet[Signup]:
    return Signup.objects.select_related("activity", "volunteer")


# --- wishes -------------------------------------------------------------------------------------------------------


def wish_for(*, user, pk, action: str = "wish.view") -> Wish | None:
    try:
        return restrict(user, action, wish_rows()).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def wall(*, user, status: str = Wish.Status.OPEN) -> QuerySet[Wish]:
    """The wish wall: published wishes the user may see, newest first."""
    return restrict(user, "wish.view", wish_rows()).filter(status=status).order_by("-published_at", "-pk")


def my_wishes(*, user) -> QuerySet[Wish]:
    return restrict(user, "wish.view", wish_rows()).filter(owner=user).order_by("-created_at", "-pk")


def my_claims(*, user) -> QuerySet[Wish]:
    return restrict(user, "wish.view", wish_rows()).filter(claimer=user).order_by("-created_at", "-pk")


def wish_photo_for(*, user, pk, console: bool = False) -> Wish | None:
    """The wish whose fulfilment photo ``user`` may see: staff in scope (console), otherwise only the resident whose
    wish it is and the claimer who took it, never the rest of the wall (it may show the resident or their home)."""
    wish = wish_for(user=user, pk=pk, action="wish.change" if console else "wish.view")
    if wish is None or not wish.fulfil_photo:
        return None
    if console or user.pk in (wish.owner_id, wish.claimer_id):
        return wish
    return None


def wish_history(*, wish: Wish):
    return list(wish.transitions.select_related("actor").order_by("at", "pk"))


def wish_dashboard(*, user) -> dict:
    """The community's wish dashboard: open, overdue, fulfilled this month, waiting for review."""
    now = timezone.now()
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    qs = restrict(user, "wish.view", Wish.objects.all())
    figures = qs.aggregate(
        pending=Count("pk", filter=Q(status=Wish.Status.PENDING_REVIEW)),
        open=Count("pk", filter=Q(status=Wish.Status.OPEN)),
        claimed=Count("pk", filter=Q(status=Wish.Status.CLAIMED)),
        overdue=Count("pk", filter=Q(status=Wish.Status.CLAIMED, claim_deadline__lt=now)),
        fulfilled_month=Count("pk", filter=Q(status__in=[Wish.Status.FULFILLED, Wish.Status.DONE], fulfilled_at__gte=month)),
        done=Count("pk", filter=Q(status=Wish.Status.DONE)),
    )  # fmt: skip
    figures["overdue_rows"] = list(
        qs.filter(status=Wish.Status.CLAIMED, claim_deadline__lt=now)
        .select_related("claimer")
        .order_by("claim_deadline")[:20]
    )
    return figures


def _one_decimal(value) -> Decimal:
    """SQLite sums decimals as floats: 19.3000000000000 → 19.3."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


def ranking(*, user, limit: int = 10) -> dict:
    """Rankings by fulfilled (confirmed) wishes and by confirmed hours; claims never count. Names masked."""
    wishes = (
        restrict(user, "wish.view", Wish.objects.all())
        .filter(status=Wish.Status.DONE, claimer__isnull=False)
        .values("claimer_id", "claimer__full_name", "claimer__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "claimer_id")[:limit]
    )
    by_wishes = [
        {"name": mask_name(r["claimer__full_name"] or r["claimer__username"]), "value": r["n"]} for r in wishes
    ]
    hours = (
        ServiceRecord.objects.filter(
            user__in=restrict(user, "volunteer.view", Volunteer.objects.all()).values("user_id")
        )
        .values("user_id", "name")
        .annotate(total=Sum("hours"))
        .filter(total__gt=0)
        .order_by("-total", "user_id")[:limit]
    )
    by_hours = [{"name": mask_name(r["name"]), "value": _one_decimal(r["total"])} for r in hours]
    return {"wishes": by_wishes, "hours": by_hours}


def public_ranking(*, limit: int = 10) -> dict:
    """The wall's ranking for residents: aggregates with masked names only (no personal data)."""
    wishes = (
        Wish.objects.filter(status=Wish.Status.DONE, claimer__isnull=False)
        .values("claimer_id", "claimer__full_name", "claimer__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "claimer_id")[:limit]
    )
    hours = ServiceRecord.objects.values("user_id", "name").annotate(total=Sum("hours")).filter(total__gt=0)
    return {
        "wishes": [
            {"name": mask_name(r["claimer__full_name"] or r["claimer__username"]), "value": r["n"]} for r in wishes
        ],
        "hours": [
            {"name": mask_name(r["name"]), "value": r["total"]} for r in hours.order_by("-total", "user_id")[:limit]
        ],
    }


# --- volunteers, activities, hours ----------------------------------------------------------------------------------


def volunteer_of(*, user) -> Volunteer | None:
    return Volunteer.objects.filter(user=user).select_related("region").first()


def volunteer_for(*, user, pk) -> Volunteer | None:
    return restrict(user, "volunteer.view", volunteer_rows()).filter(pk=pk).first()


def team_for(*, user, pk) -> Team | None:
    return restrict(user, "team.view", team_rows()).filter(pk=pk).first()


def team_members(*, team: Team) -> list[Volunteer]:
    return list(team.members.order_by("name"))


def activity_for(*, user, pk, action: str = "activity.view") -> Activity | None:
    return restrict(user, action, activity_rows()).filter(pk=pk).first()


def activity_by_token(*, token: str) -> Activity | None:
    return Activity.objects.filter(checkin_token=token).first()


def open_activities(*, user) -> QuerySet[Activity]:
    now = timezone.now()
    return (
        restrict(user, "activity.view", activity_rows())
        .filter(status=Activity.Status.OPEN, ends_at__gt=now)
        .order_by("starts_at", "pk")
    )


def activity_signups(*, activity: Activity) -> list[Signup]:
    return list(
        Signup.objects.filter(activity=activity).select_related("volunteer").order_by("status", "signed_at", "pk")
    )


def my_signups(*, user) -> list[Signup]:
    return list(
        Signup.objects.filter(volunteer__user=user)
        .exclude(status=Signup.Status.CANCELLED)
        .select_related("activity")
        .order_by("-activity__starts_at")
    )


def my_signup(*, user, pk) -> Signup | None:
    return Signup.objects.filter(volunteer__user=user, pk=pk).select_related("activity", "volunteer").first()


def signup_for_organiser(*, user, pk) -> Signup | None:
    """A sign-up whose activity the user may change (the organiser's community)."""
    activities = restrict(user, "activity.change", Activity.objects.all())
    return Signup.objects.filter(pk=pk, activity__in=activities).select_related("activity", "volunteer__user").first()


def my_records(*, user) -> list[ServiceRecord]:
    return list(ServiceRecord.objects.filter(user=user).order_by("-served_on", "-pk"))


def my_hours(*, user) -> dict:
    total = ServiceRecord.objects.filter(user=user).aggregate(s=Sum("hours"))["s"] or Decimal("0")
    total = _one_decimal(total)
    return {"confirmed_hours": total, "star": star_for(total)}


def my_corrections(*, user) -> list[HoursCorrection]:
    return list(HoursCorrection.objects.filter(signup__volunteer__user=user).select_related("signup__activity"))


def pending_corrections(*, user) -> list[HoursCorrection]:
    activities = restrict(user, "activity.change", Activity.objects.all())
    return list(
        HoursCorrection.objects.filter(status=HoursCorrection.Status.PENDING, signup__activity__in=activities)
        .select_related("signup__activity", "signup__volunteer")
        .order_by("created_at")
    )


def correction_for(*, user, pk) -> HoursCorrection | None:
    activities = restrict(user, "activity.change", Activity.objects.all())
    return HoursCorrection.objects.filter(pk=pk, signup__activity__in=activities).select_related("signup").first()


def certificate_by_code(*, code: str) -> Certificate | None:
    return Certificate.objects.filter(code=code).first()


def my_certificate(*, user, pk) -> Certificate | None:
    return Certificate.objects.filter(user=user, pk=pk).first()


def my_certificates(*, user) -> list[Certificate]:
    return list(Certificate.objects.filter(user=user)[:10])


# --- points ---------------------------------------------------------------------------------------------------------


def my_points(*, user) -> dict:
    account = PointAccount.objects.filter(user=user).first()
    if account is None:
        return {"balance": Decimal("0"), "postings": []}
    postings = list(
        PointPosting.objects.filter(account=account).select_related("entry").order_by("-entry__created_at", "-pk")[:50]
    )
    total = PointPosting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return {"balance": Decimal(str(total or 0)).quantize(Decimal("0.01")), "postings": postings}


def rewards_for(*, user) -> list[Reward]:
    """The catalogue of the user's community (a reward is public: a service or a voucher, no personal data)."""
    from linli.people import selectors as people_selectors

    person = people_selectors.me(user=user)
    qs = Reward.objects.filter(active=True, stock__gt=0)
    if person is not None and person.region_path:
        paths = [person.region_path[:n] for n in range(4, len(person.region_path) + 1, 4)]
        qs = qs.filter(region_path__in=paths)
    return list(qs.order_by("cost", "pk"))


def reward_for(*, pk) -> Reward | None:
    return Reward.objects.filter(pk=pk, active=True).first()


def my_redemptions(*, user) -> list[Redemption]:
    return list(Redemption.objects.filter(user=user).select_related("reward", "entry")[:20])


# --- statistics (the big screen, the console start page) ---------------------------------------------------------------


def _under(qs, region):
    return qs.filter(region_path__startswith=region.path) if region is not None else qs


def wishes_open_count(user, region=None, *, cap: int | None = None) -> int:
    return _under(restrict(user, "wish.view", Wish.objects.all()), region).filter(status=Wish.Status.OPEN).count()


def wishes_done_month_count(user, region=None, *, cap: int | None = None) -> int:
    month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    qs = _under(restrict(user, "wish.view", Wish.objects.all()), region)
    return qs.filter(status=Wish.Status.DONE, done_at__gte=month).count()


def volunteer_count(user, region=None, *, cap: int | None = None) -> int:
    qs = _under(restrict(user, "volunteer.view", Volunteer.objects.all()), region)
    return qs.filter(status=Volunteer.Status.ACTIVE).count()


def hours_confirmed_total(user, region=None, *, cap: int | None = None) -> float:
    volunteers = _under(restrict(user, "volunteer.view", Volunteer.objects.all()), region).values("user_id")
    total = ServiceRecord.objects.filter(user__in=volunteers).aggregate(s=Sum("hours"))["s"] or Decimal("0")
    return float(total)


def activities_open_count(user, region=None, *, cap: int | None = None) -> int:
    qs = _under(restrict(user, "activity.view", Activity.objects.all()), region)
    return qs.filter(status=Activity.Status.OPEN, ends_at__gt=timezone.now()).count()


# --- personal data (本人数据副本) ---------------------------------------------------------------------------------------


def personal_data_volunteer(person) -> dict | None:
    v = Volunteer.objects.filter(person=person).first()
    if v is None:
        return None
    records = ServiceRecord.objects.filter(user_id=v.user_id).order_by("-served_on")
    return {
        "姓名": v.name,
        "状态": v.get_status_display(),
        "特长": v.skills,
        "同意记录时间": timezone.localtime(v.consent_at).strftime("%Y-%m-%d %H:%M"),
        "服务记录": [
            {"日期": r.served_on.isoformat(), "内容": r.content, "地点": r.place, "时长（小时）": str(r.hours)}
            for r in records
        ],
    }


def _steps(wish: Wish) -> str:
    """The wish's 办理进度 as its resident sees it: dates and steps, no names, no notes."""
    return "；".join(f"{timezone.localtime(step['at']):%Y-%m-%d %H:%M} {step['op']}" for step in wish_audit(wish=wish))


def _photo(wish: Wish) -> str:
    from django.urls import reverse

    if not wish.fulfil_photo:
        return "无"
    return f"有，登录后查看：{reverse('volunteering:resident_wish_photo', args=[wish.pk])}"


def personal_data_wishes(person) -> list[dict]:
    """The wishes posted by or for ``person``: what they asked, where, how it went (the 办理进度), what the claimer
    reported and the fulfilment photo (a link: the picture is kept sealed and shown to them after login)."""
    rows = Wish.objects.filter(Q(beneficiary=person) | Q(owner__person=person)).order_by("-created_at")
    return [
        {
            "心愿": w.title,
            "类别": w.get_category_display(),
            "具体需求": w.content,
            "联系地址": w.address,
            "登记方式": "社区工作人员代登记" if w.on_behalf else "本人登记",
            "状态": w.get_status_display(),
            "登记时间": timezone.localtime(w.created_at).strftime("%Y-%m-%d"),
            "实现情况": w.fulfil_note,
            "实现照片": _photo(w),
            "办理进度": _steps(w),
        }
        for w in rows
    ]


def personal_data_claims(person) -> list[dict]:
    """The wishes ``person`` claimed (as a party member, volunteer or position holder): when, how it ended, what
    they reported and whether they attached a photo."""
    if not person.user_id:
        return []
    rows = WishClaim.objects.filter(claimer_id=person.user_id).select_related("wish").order_by("-claimed_at", "-pk")
    return [
        {
            "心愿": c.wish.title,
            "认领方式": "社区派单" if c.dispatched else "自己认领",
            "认领时间": timezone.localtime(c.claimed_at).strftime("%Y-%m-%d %H:%M"),
            "完成期限": timezone.localtime(c.deadline).strftime("%Y-%m-%d"),
            "结果": c.get_end_display() if c.end else "进行中",
            "放弃原因": c.reason,
            "我提交的实现情况": c.wish.fulfil_note if c.wish.claimer_id == person.user_id else "",
            "服务时长（小时）": str(c.wish.service_hours) if c.end == WishClaim.End.FULFILLED else "",
            "实现照片": _photo(c.wish) if c.wish.claimer_id == person.user_id else "",
        }
        for c in rows
    ]


def claimer_candidate(*, user, pk, region_path: str = ""):
    """A party member or volunteer the community may dispatch a wish to (by account id), or the holder of a 双报到
    position in the wish's community (``region_path``)."""
    from linli.core.models import User
    from linli.core.roles import Role

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    holder_ids = {h["user_id"] for h in holder_choices(region_path=region_path)} if region_path else set()
    roles = Q(grants__role__in=[Role.PARTY_MEMBER, Role.VOLUNTEER])
    return User.objects.filter(Q(pk=pk, is_active=True) & (roles | Q(pk__in=holder_ids))).distinct().first()


def holder_choices(*, region_path: str, position: str = "") -> list[dict]:
    """The holders of 双报到 positions (党建指导员, 便民服务员…) the wish's community may dispatch to, from the party
    app (``[]`` without it); only those with an account, since a dispatch is a claim made for someone."""
    from linli.core.modules import ask

    holders = ask("party.position_holders", region_path=region_path, position=position or None, default=None) or []
    return [h for h in holders if h.get("user_id")]


def claimable(*, user, wishes) -> set[int]:
    """Ids of the open ``wishes`` that ``user`` may claim: all of them for a party member or volunteer; for anyone
    else those in a community where they hold a 双报到 position (asked once per region, not per wish)."""
    from linli.core.modules import ask

    wishes = [w for w in wishes if w.status == Wish.Status.OPEN and w.owner_id != user.pk]
    if has_action(user, "wish.claim"):
        return {w.pk for w in wishes}
    holds: dict[str, bool] = {}
    out = set()
    for w in wishes:
        if w.region_path not in holds:
            holders = ask("party.position_holders", region_path=w.region_path, default=None) or []
            holds[w.region_path] = any(h.get("user_id") == user.pk for h in holders)
        if holds[w.region_path]:
            out.add(w.pk)
    return out


def holder_groups(*, region_path: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """The holders grouped by position, for the dispatch form: [("便民服务员", [(user id, "王建国"), …]), …]."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for h in holder_choices(region_path=region_path):
        groups.setdefault(h["position"], []).append((h["user_id"], h["name"]))
    return sorted(groups.items())


def wish_audit(*, wish: Wish) -> list[dict]:
    """The wish's history from the audit trail: every move (publish, claim, give up, fulfil, confirm, dispatch,
    remind…) with who, when, from and to, and the note."""
    from django.contrib.contenttypes.models import ContentType

    from linli.core.models import AuditLog
    from linli.volunteering.services import WISH_MOVES

    ct = ContentType.objects.get_for_model(Wish)
    rows = (
        AuditLog.objects.filter(target_type=ct, target_id=str(wish.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    labels = dict(Wish.Status.choices)
    return [
        {
            "at": row.created_at,
            "op": WISH_MOVES.get(row.extra.get("op"), row.field),
            "actor": row.actor.display_name if row.actor else "系统",
            "from": labels.get(row.extra.get("from"), ""),
            "to": labels.get(row.extra.get("to"), ""),
            "note": row.reason,
        }
        for row in rows
    ]


def claimer_choices(*, user, region_path: str) -> list:
    """Party members and volunteers to dispatch to: the volunteers of the wish's community, then party members."""
    from linli.core.models import User
    from linli.core.roles import Role

    community = region_path[:12]
    volunteers = list(
        Volunteer.objects.filter(region_path__startswith=community, status=Volunteer.Status.ACTIVE)
        .select_related("user")
        .order_by("name")[:200]
    )
    seen = {v.user_id for v in volunteers}
    members = [
        u
        for u in User.objects.filter(grants__role=Role.PARTY_MEMBER, is_active=True).distinct().order_by("pk")[:200]
        if u.pk not in seen
    ]
    return [(v.user_id, f"{v.name}（志愿者{'·党员' if v.is_party_member else ''}）") for v in volunteers] + [
        (u.pk, f"{u.display_name}（党员）") for u in members
    ]


def teams_near(*, user, region_path: str) -> list[Team]:
    return list(restrict(user, "team.view", Team.objects.all()).order_by("name")[:100])


def regions_for(*, user, action: str) -> list:
    """The communities and grids where ``user`` may ``action`` (for a form's region choice)."""
    from linli.core.models import Region
    from linli.core.scoping import grant_reach

    reach = grant_reach(user, action)
    qs = Region.objects.filter(level__code__in=("community", "grid")).select_related("level").order_by("path")
    q = reach.path_q("path")
    if q is not None:
        qs = qs.filter(q)
    return list(qs[:300])


def region_for(*, user, action: str, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return next((r for r in regions_for(user=user, action=action) if r.pk == pk), None)


def team_choices(*, user) -> list[Team]:
    return list(restrict(user, "team.view", Team.objects.all()).order_by("name")[:200])


def wish_claims(*, wish: Wish) -> list:
    return list(wish.claims.order_by("-claimed_at", "-pk"))


def redemptions_for(*, user, limit: int = 200) -> list[Redemption]:
    """Redemptions of the rewards of the communities the user manages (the staff's 积分兑换 page)."""
    from linli.core.scoping import grant_reach

    reach = grant_reach(user, "volunteer.change")
    qs = Redemption.objects.select_related("reward", "entry__reversed_by", "user").order_by("-created_at", "-pk")
    q = reach.path_q("reward__region_path")
    if q is not None:
        qs = qs.filter(q)
    return list(qs[:limit])


def redemption_for(*, user, pk) -> Redemption | None:
    return next((r for r in redemptions_for(user=user, limit=1000) if str(r.pk) == str(pk)), None)
