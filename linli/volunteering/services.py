"""Writes: micro-wishes, volunteers and teams, activities and hours, the points ledger.

Every status change goes through ``core.workflow.transition`` (compare-and-set, a transition row, messages after
commit); every refusal is a ``DomainError`` in Chinese that names the field and says why.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from linli.core import notifications
from linli.core.errors import ConflictError, DomainError
from linli.core.models import Region, User
from linli.core.roles import Role
from linli.core.scoping import grant_reach, has_action
from linli.core.workflow import transition
from linli.volunteering.models import (
    Activity,
    Certificate,
    HoursCorrection,
    PointAccount,
    PointEntry,
    PointPosting,
    Redemption,
    Reward,
    ServiceRecord,
    Signup,
    Team,
    Volunteer,
    Wish,
    WishClaim,
    WishTransition,
    star_for,
)

CLAIM_DAYS = 7  # a claimer has a week to fulfil, unless the community says otherwise
UNCLAIMED_DAYS = 7  # an open wish nobody took for a week reminds the community
WISH_POINTS = Decimal("5")  # 爱心积分 for a confirmed wish
CONSENT_TEXT = "本人同意社区记录本人的志愿服务信息（身份、服务时间、地点、内容、时长），用于服务记录与证明。"
ONE_DECIMAL = Decimal("0.1")


def _now():
    return timezone.now()


def _in_reach(actor: User, action: str, region: Region) -> bool:
    return grant_reach(actor, action).covers_path(region.path)


def _text(value: str, *, label: str, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"{label}：请填写", field=field)
    if len(value) > max_length:
        raise DomainError(f"{label}：最多 {max_length} 个字（现在 {len(value)} 个）", field=field)
    return value


def _hours(value, *, label: str = "时长", field: str = "hours", allow_zero: bool = True) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    except Exception:
        raise DomainError(f"{label}：请填写数字（小时，如 2.5）", field=field) from None
    if hours < 0 or (hours == 0 and not allow_zero):
        raise DomainError(f"{label}：必须大于 0", field=field)
    if hours > 24:
        raise DomainError(f"{label}：一次服务最多记 24 小时", field=field)
    return hours


def _staff_of(region_path: str) -> list[User]:
    """The community staff and grid workers whose region covers ``region_path``: who a wish reminds."""
    from linli.core.models import Grant

    roles = (Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.GRID_LEADER)
    grants = Grant.objects.filter(role__in=roles, region__isnull=False).select_related("region", "user")
    return [g.user for g in grants if region_path.startswith(g.region.path)]


def _person_of(user: User):
    from linli.people import selectors as people_selectors

    return people_selectors.me(user=user)


# --- micro-wishes -------------------------------------------------------------------------------------------------


WISH_MOVES = {
    "create": "登记",
    "publish": "发布",
    "reject": "退回",
    "claim": "认领",
    "dispatch": "派单",
    "give_up": "放弃认领",
    "fulfil": "提交实现情况",
    "confirm": "确认实现",
    "withdraw": "撤回",
    "remind": "提醒",
}  # every move of a wish writes an audit row (core.audit) with one of these, shown as the wish's history


def _audit(wish: Wish, actor: User | None, op: str, *, note: str = "", old: str = "", new: str = "", **extra):
    """The audit row of one move of ``wish`` (``op`` one of ``WISH_MOVES``): who, when, from and to, the note."""
    from linli.core import audit
    from linli.core.models import AuditLog

    audit.record(
        actor=actor, action=AuditLog.Action.OTHER, target=wish, field=f"微心愿·{WISH_MOVES[op]}", reason=note[:500],
        extra={"op": op, "from": old, "to": new or wish.status, **extra},
    )  # fmt: skip


def _record(wish: Wish, actor: User | None, note: str = "", op: str = ""):
    """The transition row and the audit row of a status change (``transition(record=…)`` calls it with the old
    status)."""

    def write(old):
        WishTransition.objects.create(wish=wish, from_status=old, to_status=wish.status, actor=actor, note=note[:500])
        if op:
            _audit(wish, actor, op, note=note, old=old)

    return write


@transaction.atomic
def wish_create(
    *,
    actor: User,
    title: str,
    content: str = "",
    category: str = Wish.Category.OTHER,
    beneficiary_name: str = "",
    is_minor: bool = False,
    address: str = "",
    region: Region | None = None,
    beneficiary=None,
) -> Wish:
    """A resident posts a wish for themselves, or staff post one for a resident who cannot (老人、孩子)."""
    title = _text(title, label="心愿", field="title", max_length=60)
    content = _text(content, label="具体需求", field="content", max_length=500, required=False)
    address = _text(address, label="联系地址", field="address", max_length=100, required=False)
    if category not in Wish.Category.values:
        raise DomainError("类别：请从列表中选择", field="category")
    staff = actor.is_staff_role
    if staff:
        if region is None:
            raise DomainError("所属区域：请选择心愿人所在的社区或网格", field="region")
        if not _in_reach(actor, "wish.add", region):
            raise DomainError("所属区域：不在您的管辖范围内", field="region")
        name = _text(
            beneficiary_name or (beneficiary.name if beneficiary else ""),
            label="心愿人",
            field="beneficiary_name",
            max_length=50,
        )
        owner = beneficiary.user if beneficiary is not None and beneficiary.user_id else None
    else:
        person = _person_of(actor)
        if person is None or person.region_id is None:
            raise DomainError("您的账号尚未关联住户信息，请联系社区工作人员代为登记心愿。", field="title")
        region, beneficiary, owner = person.region, person, actor
        name = person.name
        age = person.age
        is_minor = is_minor or (age is not None and age < 18)
    wish = Wish.objects.create(
        title=title, content=content, category=category, region=region, region_path=region.path,
        beneficiary_name=name, beneficiary=beneficiary, is_minor=bool(is_minor), address=address, owner=owner,
        posted_by=actor, on_behalf=staff,
    )  # fmt: skip
    WishTransition.objects.create(wish=wish, from_status="", to_status=wish.status, actor=actor, note="登记心愿")
    _audit(wish, actor, "create", note="工作人员代居民登记" if staff else "居民登记")
    path = region.path
    transaction.on_commit(lambda: _tell_staff(path, wish, "wish_new", "新的微心愿待审核"))
    return wish


def _tell_staff(path: str, wish: Wish, kind: str, title: str) -> None:
    from django.urls import reverse

    notifications.inbox(_staff_of(path), target=wish, kind=kind, title=title, body=wish.title,
                        url=reverse("volunteering:wish_detail", args=[wish.pk]))  # fmt: skip


def _tell(users, wish: Wish, kind: str, title: str, body: str = "") -> None:
    from django.urls import reverse

    users = [u for u in users if u is not None]
    transaction.on_commit(
        lambda: notifications.inbox(
            users, target=wish, kind=kind, title=title, body=body or wish.title, url=reverse("volunteering:my_wishes")
        )  # fmt: skip
    )


@transaction.atomic
def wish_publish(*, wish: Wish, actor: User) -> Wish:
    """Staff in scope publish a reviewed wish to the wall (names masked there)."""
    transition(
        wish, to=Wish.Status.OPEN, allowed_from=(Wish.Status.PENDING_REVIEW,),
        record=_record(wish, actor, "审核通过并发布", "publish"),
        conflict=lambda w: f"该心愿当前为“{w.get_status_display()}”，不能发布。",
        published_at=_now(),
    )  # fmt: skip
    _tell([wish.owner], wish, "wish_published", "您的微心愿已发布到心愿墙")
    return wish


@transaction.atomic
def wish_reject(*, wish: Wish, actor: User, reason: str) -> Wish:
    reason = _text(reason, label="不通过原因", field="reason", max_length=200)
    transition(
        wish, to=Wish.Status.REJECTED, allowed_from=(Wish.Status.PENDING_REVIEW,),
        record=_record(wish, actor, reason, "reject"), conflict="该心愿已审核过，请刷新页面。",
    )  # fmt: skip
    _tell([wish.owner], wish, "wish_rejected", "您的微心愿未通过审核", reason)
    return wish


def _can_claim(user: User) -> bool:
    return has_action(user, "wish.claim")


@transaction.atomic
def wish_claim(
    *, wish: Wish, actor: User, days: int = CLAIM_DAYS, dispatched: bool = False, by: User | None = None,
    via: str = "",
) -> Wish:  # fmt: skip
    """One claimer wins: the status moves open → claimed by compare-and-set, and the database allows one active
    claim per wish; everybody else is told it was taken. ``via`` (dispatch only) says why the community chose this
    person (a 双报到 position they hold), which also stands in for the claimer role."""
    if not dispatched and not _can_claim(actor):
        # The holder of a 双报到 position in the wish's community (党建指导员, 便民服务员…) claims like a member.
        via = _holder_label(position_holders(region_path=wish.region_path), actor)
        if not via:
            raise DomainError("只有党员、志愿者或本社区双报到岗位上的党员可以认领微心愿。", code="forbidden")
    elif not (via and dispatched) and not _can_claim(actor):
        raise DomainError("只有党员或志愿者可以认领微心愿。", code="forbidden")
    if wish.owner_id and wish.owner_id == actor.pk:
        raise DomainError("不能认领自己的心愿。")
    deadline = _now() + dt.timedelta(days=days)
    conflict = "该心愿刚刚已被他人认领，请看看其他心愿。"
    transition(
        wish, to=Wish.Status.CLAIMED, allowed_from=(Wish.Status.OPEN,),
        record=_record(wish, by or actor, f"派单给 {actor.display_name}{via}" if dispatched else f"认领{via}",
                       "dispatch" if dispatched else "claim"),
        conflict=conflict, version_field="version", claimer=actor, claim_deadline=deadline,
        assigned_to=actor if dispatched else None,
    )  # fmt: skip
    try:
        with transaction.atomic():
            WishClaim.objects.create(wish=wish, claimer=actor, claimer_name=actor.display_name[:50],
                                     deadline=deadline, dispatched=dispatched)  # fmt: skip
    except IntegrityError:
        raise ConflictError(conflict) from None
    _tell([wish.owner], wish, "wish_claimed", "您的微心愿已被认领", "志愿者将尽快与您联系。")
    if dispatched:
        _tell([actor], wish, "wish_dispatched", "社区给您派了一个微心愿", wish.title)
    return wish


def position_holders(*, region_path: str, position: str = "") -> list[dict]:
    """The holders of 双报到 positions (党建指导员, 便民服务员, 民意收集员…) in the communities covering or under
    ``region_path``, as the party app answers them; ``[]`` without the party app."""
    from linli.core.modules import ask

    return ask("party.position_holders", region_path=region_path, position=position or None, default=None) or []


def _holder_label(holders: list[dict], user: User) -> str:
    positions = [h["position"] for h in holders if h.get("user_id") == user.pk]
    return f"（双报到岗位：{'、'.join(dict.fromkeys(positions))}）" if positions else ""


@transaction.atomic
def wish_dispatch(*, wish: Wish, actor: User, to_user: User | None = None, team: Team | None = None,
                  days: int = CLAIM_DAYS) -> Wish:  # fmt: skip
    """派单: the community gives a wish straight to a member or volunteer, to the holder of a 双报到 position in the
    wish's community (党建指导员, 便民服务员… from the party app), or to a team (its members are told; one of them
    claims it)."""
    if wish.status != Wish.Status.OPEN:
        raise ConflictError(f"该心愿当前为“{wish.get_status_display()}”，只能派发待认领的心愿。")
    if to_user is None and team is None:
        raise DomainError("派单对象：请选择党员、志愿者、岗位人员或服务队", field="to")
    if to_user is not None:
        via = _holder_label(position_holders(region_path=wish.region_path), to_user)
        if not via and not _can_claim(to_user):
            raise DomainError("派单对象：该账号不是党员、志愿者，也不在本社区的双报到岗位上", field="to")
        return wish_claim(wish=wish, actor=to_user, days=days, dispatched=True, by=actor, via=via)
    Wish.objects.filter(pk=wish.pk).update(assigned_team=team)
    wish.assigned_team = team
    WishTransition.objects.create(wish=wish, from_status=wish.status, to_status=wish.status, actor=actor,
                                  note=f"派单给 {team.name}")  # fmt: skip
    _audit(wish, actor, "dispatch", note=f"派单给 {team.name}", old=wish.status, team=team.pk)
    members = [v.user for v in team.members.select_related("user")]
    _tell(members, wish, "wish_dispatched", f"社区把一个微心愿派给了{team.name}", wish.title)
    return wish


def _end_claim(wish: Wish, end: str, reason: str = "") -> None:
    WishClaim.objects.filter(wish=wish, active=True).update(active=False, end=end, ended_at=_now(), reason=reason)


@transaction.atomic
def wish_give_up(*, wish: Wish, actor: User, reason: str) -> Wish:
    """The claimer gives up with a reason; the wish goes back on the wall."""
    reason = _text(reason, label="放弃原因", field="reason", max_length=200)
    if wish.claimer_id != actor.pk:
        raise DomainError("只有认领人可以放弃认领。", code="forbidden")
    transition(
        wish, to=Wish.Status.OPEN, allowed_from=(Wish.Status.CLAIMED,), record=_record(wish, actor, f"放弃：{reason}", "give_up"),
        conflict="该心愿的状态刚刚已变化，请刷新页面。", version_field="version",
        claimer=None, claim_deadline=None, assigned_to=None,
    )  # fmt: skip
    _end_claim(wish, WishClaim.End.GIVEN_UP, reason)
    path = wish.region_path
    transaction.on_commit(lambda: _tell_staff(path, wish, "wish_given_up", "有微心愿被放弃认领，已回到心愿墙"))
    return wish


@transaction.atomic
def wish_fulfil(*, wish: Wish, actor: User, note: str, photo=None, hours=None) -> Wish:
    """The claimer reports the wish fulfilled, with a note and optionally a photo and the hours it took."""
    if wish.claimer_id != actor.pk:
        raise DomainError("只有认领人可以提交实现情况。", code="forbidden")
    note = _text(note, label="实现情况", field="note", max_length=500)
    hours = _hours(hours if hours not in (None, "") else 0, label="服务时长")
    stored = ""
    if photo is not None:
        import secrets

        from linli.core import attachments
        from linli.core.images import clean_image

        clean = clean_image(photo, label="实现照片", field="photo")  # re-encoded, metadata (GPS) dropped
        key = f"volunteering/wishes/{wish.pk}/{secrets.token_hex(8)}.{clean.extension}"
        stored = attachments.save(key, clean.content, sealed=True)  # it may show the resident or their home
    extra = {"fulfil_photo": stored} if stored else {}
    transition(
        wish, to=Wish.Status.FULFILLED, allowed_from=(Wish.Status.CLAIMED,), record=_record(wish, actor, note, "fulfil"),
        conflict="该心愿的状态刚刚已变化，请刷新页面。", version_field="version",
        fulfil_note=note, fulfilled_at=_now(), service_hours=hours, **extra,
    )  # fmt: skip
    _end_claim(wish, WishClaim.End.FULFILLED)
    _tell([wish.owner], wish, "wish_fulfilled", "您的微心愿已实现，请确认", note)
    return wish


def can_confirm(user: User, wish: Wish) -> bool:
    if wish.owner_id and wish.owner_id == user.pk:
        return True
    return _in_reach(user, "wish.change", wish.region)


@transaction.atomic
def wish_confirm(*, wish: Wish, actor: User) -> Wish:
    """The resident (or staff for them) confirms: the hours and points are credited to the claimer."""
    if not can_confirm(actor, wish):
        raise DomainError("只有心愿人本人或社区工作人员可以确认。", code="forbidden")
    transition(
        wish, to=Wish.Status.DONE, allowed_from=(Wish.Status.FULFILLED,), record=_record(wish, actor, "确认心愿已实现", "confirm"),
        conflict="该心愿已确认过或状态已变化，请刷新页面。", version_field="version", done_at=_now(),
    )  # fmt: skip
    claimer = wish.claimer
    if claimer is not None:
        if wish.service_hours > 0:
            ServiceRecord.objects.create(
                user=claimer, name=_name_of(claimer), source=ServiceRecord.Source.WISH, wish=wish,
                content=f"微心愿：{wish.title}"[:120], served_on=timezone.localdate(wish.fulfilled_at or _now()),
                hours=wish.service_hours, recorded_by=actor,
            )  # fmt: skip
        points_award(user=claimer, amount=WISH_POINTS, memo=f"实现微心愿：{wish.title}"[:120], actor=actor, wish=wish)
        _tell([claimer], wish, "wish_done", "您实现的微心愿已被确认，感谢您的付出")
    return wish


@transaction.atomic
def wish_withdraw(*, wish: Wish, actor: User) -> Wish:
    if wish.owner_id != actor.pk and not _in_reach(actor, "wish.change", wish.region):
        raise DomainError("只有心愿人本人或社区工作人员可以撤回。", code="forbidden")
    transition(
        wish, to=Wish.Status.WITHDRAWN, allowed_from=(Wish.Status.PENDING_REVIEW, Wish.Status.OPEN),
        record=_record(wish, actor, "撤回", "withdraw"), conflict="该心愿已被认领或已处理，不能撤回。", version_field="version",
    )  # fmt: skip
    return wish


def remind_tick(now=None) -> dict:
    """Overdue claims and long-unclaimed wishes remind the community (and the claimer) once a day."""
    now = now or _now()
    day_ago = now - dt.timedelta(days=1)
    due_again = Wish.objects.filter(reminded_at__isnull=True) | Wish.objects.filter(reminded_at__lt=day_ago)
    overdue = list(due_again.filter(status=Wish.Status.CLAIMED, claim_deadline__lt=now).select_related("claimer"))
    unclaimed = list(
        due_again.filter(status=Wish.Status.OPEN, published_at__lt=now - dt.timedelta(days=UNCLAIMED_DAYS))
    )
    from django.urls import reverse

    for wish in overdue:
        url = reverse("volunteering:wish_detail", args=[wish.pk])
        notifications.inbox(_staff_of(wish.region_path), target=wish, kind="wish_overdue",
                            title="微心愿认领后逾期未实现", body=wish.title, url=url)  # fmt: skip
        notifications.inbox([wish.claimer], target=wish, kind="wish_overdue", title="您认领的微心愿已超过期限",
                            body=wish.title, url=reverse("volunteering:my_wishes"))  # fmt: skip
        _audit(wish, None, "remind", note="认领后逾期未实现，已提醒社区和认领人", old=wish.status)
    for wish in unclaimed:
        url = reverse("volunteering:wish_detail", args=[wish.pk])
        notifications.inbox(_staff_of(wish.region_path), target=wish, kind="wish_unclaimed",
                            title=f"微心愿发布超过 {UNCLAIMED_DAYS} 天无人认领", body=wish.title, url=url)  # fmt: skip
        _audit(wish, None, "remind", note=f"发布超过 {UNCLAIMED_DAYS} 天无人认领，已提醒社区", old=wish.status)
    Wish.objects.filter(pk__in=[w.pk for w in overdue + unclaimed]).update(reminded_at=now)
    return {"overdue": len(overdue), "unclaimed": len(unclaimed)}


# --- volunteers and teams -----------------------------------------------------------------------------------------


def _name_of(user: User) -> str:
    volunteer = Volunteer.objects.filter(user=user).only("name").first()
    return (volunteer.name if volunteer else user.display_name)[:50]


@transaction.atomic
def volunteer_register(*, user: User, consent: bool, skills: str = "", region: Region | None = None,
                       actor: User | None = None) -> Volunteer:  # fmt: skip
    """A resident registers as a volunteer, linked to their person record, with their consent on record."""
    if not consent:
        raise DomainError("请阅读并勾选同意记录志愿服务信息后再注册。", field="consent")
    skills = _text(skills, label="特长", field="skills", max_length=200, required=False)
    if Volunteer.objects.filter(user=user).exists():
        raise DomainError("您已经是注册志愿者了。")
    person = _person_of(user)
    region = (person.region if person is not None and person.region_id else None) or region
    if region is None:
        raise DomainError("您的账号尚未关联住户信息，请联系社区工作人员登记后再注册志愿者。", field="consent")
    if person is not None and Volunteer.objects.filter(person=person).exists():
        raise DomainError("该居民已登记为志愿者。")
    return Volunteer.objects.create(
        user=user, person=person, name=(person.name if person else user.display_name)[:50], region=region,
        region_path=region.path, skills=skills, is_party_member=user.has_role(Role.PARTY_MEMBER),
        consent_at=_now(), consent_text=CONSENT_TEXT,
    )  # fmt: skip


@transaction.atomic
def team_create(*, actor: User | None, region: Region, name: str, kind: str = Team.Kind.OTHER,
                leader: Volunteer | None = None, description: str = "") -> Team:  # fmt: skip
    name = _text(name, label="队名", field="name", max_length=60)
    if actor is not None and not _in_reach(actor, "team.add", region):
        raise DomainError("所属社区：不在您的管辖范围内", field="region")
    if Team.objects.filter(region=region, name=name).exists():
        raise DomainError(f"队名：本社区已有“{name}”", field="name")
    team = Team.objects.create(region=region, region_path=region.path, name=name, kind=kind, leader=leader,
                               description=description[:200])  # fmt: skip
    if leader is not None:
        team.members.add(leader)
    return team


def team_add_member(*, team: Team, volunteer: Volunteer, actor: User | None = None) -> None:
    team.members.add(volunteer)


# --- activities, sign-ups and hours ---------------------------------------------------------------------------------


@transaction.atomic
def activity_create(*, actor: User | None, region: Region, title: str, place: str, starts_at, ends_at, quota: int,
                    description: str = "", category: str = Activity.Category.SERVICE, team: Team | None = None,
                    publish: bool = True, points_per_hour=Decimal("10")) -> Activity:  # fmt: skip
    title = _text(title, label="活动名称", field="title", max_length=80)
    place = _text(place, label="地点", field="place", max_length=100)
    if starts_at is None or ends_at is None:
        raise DomainError("时间：请填写开始和结束时间", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("结束时间：必须晚于开始时间", field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise DomainError("结束时间：一次活动最长 24 小时，更长的请分次发布", field="ends_at")
    if not quota or int(quota) < 1:
        raise DomainError("名额：至少 1 人", field="quota")
    if actor is not None and not _in_reach(actor, "activity.add", region):
        raise DomainError("所属区域：不在您的管辖范围内", field="region")
    return Activity.objects.create(
        title=title, place=place, starts_at=starts_at, ends_at=ends_at, quota=int(quota), description=description[:500],
        category=category, team=team, organiser=actor, region=region, region_path=region.path,
        status=Activity.Status.OPEN if publish else Activity.Status.DRAFT, points_per_hour=points_per_hour,
    )  # fmt: skip


def _overlapping(volunteer: Volunteer, activity: Activity):
    return (
        Signup.objects.filter(volunteer=volunteer, status=Signup.Status.SIGNED)
        .exclude(activity=activity)
        .filter(activity__starts_at__lt=activity.ends_at, activity__ends_at__gt=activity.starts_at)
        .exclude(activity__status=Activity.Status.CANCELLED)
        .select_related("activity")
        .first()
    )


@transaction.atomic
def activity_signup(*, activity: Activity, volunteer: Volunteer) -> Signup:
    """一键报名: a place while the quota lasts, else the waiting list. Two activities at the same time cannot both
    be signed up for."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != Activity.Status.OPEN:
        raise DomainError(f"该活动{activity.get_status_display()}，不能报名。")
    if activity.ends_at <= _now():
        raise DomainError("该活动已结束，不能报名。")
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise DomainError("您的志愿者身份已退出，不能报名。")
    clash = _overlapping(volunteer, activity)
    if clash is not None:
        raise DomainError(
            f"时间冲突：您已报名同一时段的“{clash.activity.title}”"
            f"（{timezone.localtime(clash.activity.starts_at):%m-%d %H:%M}），请先取消那一项。"
        )
    signed = Signup.objects.filter(activity=activity, status=Signup.Status.SIGNED).count()
    status = Signup.Status.SIGNED if signed < activity.quota else Signup.Status.WAITING
    signup = Signup.objects.filter(activity=activity, volunteer=volunteer).first()
    if signup is not None:
        if signup.status != Signup.Status.CANCELLED:
            raise DomainError(
                "您已经报名了这个活动。" if signup.status == Signup.Status.SIGNED else "您已在候补名单中。"
            )
        Signup.objects.filter(pk=signup.pk).update(status=status, signed_at=_now())
        signup.status = status
        return signup
    return Signup.objects.create(activity=activity, volunteer=volunteer, status=status)


@transaction.atomic
def signup_cancel(*, signup: Signup, actor: User) -> Signup:
    """Cancelling frees a place: the first on the waiting list moves up and is told."""
    activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
    if signup.checked_in_at is not None:
        raise DomainError("已签到，不能取消报名。")
    was = signup.status
    if (
        not Signup.objects.filter(pk=signup.pk, status=was)
        .exclude(status=Signup.Status.CANCELLED)
        .update(status=Signup.Status.CANCELLED)
    ):
        raise ConflictError("该报名已取消，请刷新页面。")
    signup.status = Signup.Status.CANCELLED
    if was == Signup.Status.SIGNED:
        nxt = (
            Signup.objects.filter(activity=activity, status=Signup.Status.WAITING)
            .select_related("volunteer__user")
            .order_by("signed_at", "pk")
            .first()
        )
        if nxt is not None and not _overlapping(nxt.volunteer, activity):
            Signup.objects.filter(pk=nxt.pk).update(status=Signup.Status.SIGNED)
            user = nxt.volunteer.user
            transaction.on_commit(
                lambda: notifications.inbox(
                    [user],
                    target=activity,
                    kind="signup_promoted",
                    title="候补成功：您已获得活动名额",
                    body=activity.title,
                )  # fmt: skip
            )
    return signup


CHECKIN_EARLY = dt.timedelta(hours=1)


def _my_signup(activity: Activity, user: User) -> Signup:
    signup = Signup.objects.filter(activity=activity, volunteer__user=user).select_related("volunteer").first()
    if signup is None or signup.status != Signup.Status.SIGNED:
        raise DomainError("您没有报名这个活动（或仍在候补），不能签到。请联系组织者。")
    return signup


@transaction.atomic
def check_in(*, activity: Activity, token: str, user: User, now=None) -> Signup:
    """Scan the activity's QR code at the place: from an hour before the start until the end."""
    now = now or _now()
    if token != activity.checkin_token:
        raise DomainError("签到码无效或已过期，请重新扫描现场的二维码。")
    signup = _my_signup(activity, user)
    if signup.checked_in_at is not None:
        return signup  # scanning twice is harmless
    if now < activity.starts_at - CHECKIN_EARLY:
        raise DomainError(
            f"还没到签到时间：活动开始前 1 小时（{timezone.localtime(activity.starts_at - CHECKIN_EARLY):%m-%d %H:%M}）起可签到。"
        )
    if now > activity.ends_at:
        raise DomainError("活动已结束，不能再签到。如实际参加了，请向组织者申请补录时长。")
    elsewhere = (
        Signup.objects.filter(volunteer=signup.volunteer, checked_in_at__isnull=False, checked_out_at__isnull=True)
        .exclude(pk=signup.pk)
        .filter(activity__ends_at__gt=now)
        .select_related("activity")
        .first()
    )
    if elsewhere is not None:
        raise DomainError(f"您在“{elsewhere.activity.title}”还没有签退，请先签退再签到。")
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=now)
    signup.checked_in_at = now
    return signup


def computed_hours(activity: Activity, checked_in_at, checked_out_at) -> Decimal:
    """Actual service time within the activity's hours (no credit before the start or after the end), to 0.1 h."""
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    seconds = max((end - start).total_seconds(), 0)
    return (Decimal(seconds) / Decimal(3600)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@transaction.atomic
def check_out(*, activity: Activity, token: str, user: User, now=None) -> Signup:
    now = now or _now()
    if token != activity.checkin_token:
        raise DomainError("签退码无效，请重新扫描现场的二维码。")
    signup = _my_signup(activity, user)
    if signup.checked_in_at is None:
        raise DomainError("您还没有签到，不能签退。")
    if signup.checked_out_at is not None:
        raise DomainError("您已经签退过了。")
    if now < signup.checked_in_at:
        raise DomainError("签退时间早于签到时间，请检查手机时间。")
    hours = computed_hours(activity, signup.checked_in_at, now)
    Signup.objects.filter(pk=signup.pk).update(checked_out_at=now, hours=hours, hours_status=Signup.Hours.PENDING)
    signup.checked_out_at, signup.hours, signup.hours_status = now, hours, Signup.Hours.PENDING
    return signup


@transaction.atomic
def activity_finish(*, activity: Activity, actor: User | None) -> int:
    """The organiser closes the activity: who checked in but never out waits for the organiser's hours."""
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.FINISHED)
    activity.status = Activity.Status.FINISHED
    return Signup.objects.filter(
        activity=activity, checked_in_at__isnull=False, checked_out_at__isnull=True, hours_status=Signup.Hours.NONE
    ).update(hours_status=Signup.Hours.PENDING, hours_note="未签退：请组织者核定实际服务时长")


def _credit(signup: Signup, hours: Decimal, actor: User, source: str, content: str) -> None:
    activity = signup.activity
    volunteer = signup.volunteer
    ServiceRecord.objects.create(
        user_id=volunteer.user_id, name=volunteer.name, source=source, signup=signup, content=content[:120],
        place=activity.place, served_on=timezone.localdate(activity.starts_at), hours=hours, recorded_by=actor,
    )  # fmt: skip
    points = (hours * activity.points_per_hour).quantize(Decimal("0.01"))
    if points:
        points_award(user=volunteer.user, amount=points, memo=f"{content}（{hours} 小时）"[:120], actor=actor,
                     signup=signup)  # fmt: skip


@transaction.atomic
def signup_confirm(*, signup: Signup, actor: User, hours=None, note: str = "") -> Signup:
    """The organiser confirms the hours (computed from the QR scans, or entered when there was no check-out)."""
    if signup.hours_status == Signup.Hours.CONFIRMED:
        raise ConflictError("该时长已确认过；如需更改，请走更正申请。")
    if signup.checked_in_at is None and hours in (None, ""):
        raise DomainError("该志愿者没有签到记录：请填写核定时长并说明原因", field="hours")
    if hours in (None, ""):
        if signup.hours is None:
            raise DomainError("未签退：请填写核定的实际服务时长", field="hours")
        hours = signup.hours
    hours = _hours(hours)
    if signup.checked_in_at is None and not note.strip():
        raise DomainError("说明：没有签到记录的时长须写明依据", field="note")
    if not Signup.objects.filter(pk=signup.pk).exclude(hours_status=Signup.Hours.CONFIRMED).update(
        hours=hours, hours_status=Signup.Hours.CONFIRMED, confirmed_by=actor, confirmed_at=_now(),
        hours_note=note[:200] or signup.hours_note,
    ):  # fmt: skip
        raise ConflictError("该时长刚刚已被确认，请刷新页面。")
    signup.hours, signup.hours_status = hours, Signup.Hours.CONFIRMED
    if hours > 0:
        _credit(signup, hours, actor, ServiceRecord.Source.ACTIVITY, f"志愿活动：{signup.activity.title}")
    return signup


@transaction.atomic
def correction_request(*, signup: Signup, actor: User, hours, reason: str) -> HoursCorrection:
    if signup.volunteer.user_id != actor.pk:
        raise DomainError("只能为自己的服务记录申请更正。", code="forbidden")
    hours = _hours(hours, label="申请时长")
    reason = _text(reason, label="理由", field="reason", max_length=300)
    if HoursCorrection.objects.filter(signup=signup, status=HoursCorrection.Status.PENDING).exists():
        raise DomainError("这条记录已有一份待处理的更正申请。")
    return HoursCorrection.objects.create(signup=signup, requested_hours=hours, reason=reason)


@transaction.atomic
def correction_decide(*, correction: HoursCorrection, actor: User, approve: bool, note: str = "") -> HoursCorrection:
    """Approving changes the hours; after confirmation the record is never edited: the difference is a new row."""
    if not HoursCorrection.objects.filter(pk=correction.pk, status=HoursCorrection.Status.PENDING).update(
        status=HoursCorrection.Status.APPROVED if approve else HoursCorrection.Status.REJECTED,
        decided_by=actor, decided_at=_now(), decision_note=note[:300],
    ):  # fmt: skip
        raise ConflictError("该更正申请已处理过，请刷新页面。")
    correction.status = HoursCorrection.Status.APPROVED if approve else HoursCorrection.Status.REJECTED
    if approve:
        signup = Signup.objects.select_related("activity", "volunteer").get(pk=correction.signup_id)
        if signup.hours_status == Signup.Hours.CONFIRMED:
            delta = correction.requested_hours - (signup.hours or Decimal("0"))
            if delta:
                _credit(signup, delta, actor, ServiceRecord.Source.CORRECTION,
                        f"时长更正：{signup.activity.title}")  # fmt: skip
            Signup.objects.filter(pk=signup.pk).update(hours=correction.requested_hours)
        else:
            Signup.objects.filter(pk=signup.pk).update(hours=correction.requested_hours,
                                                       hours_status=Signup.Hours.PENDING)  # fmt: skip
    return correction


def confirmed_hours(user: User) -> Decimal:
    total = ServiceRecord.objects.filter(user=user).aggregate(s=Sum("hours"))["s"]
    return Decimal(str(total or 0)).quantize(ONE_DECIMAL)  # SQLite sums decimals as floats


@transaction.atomic
def certificate_issue(*, user: User) -> Certificate:
    hours = confirmed_hours(user)
    if hours <= 0:
        raise DomainError("您还没有经确认的志愿服务时长，暂不能开具证明。")
    return Certificate.objects.create(user=user, name=_name_of(user), hours=hours, star=star_for(hours))


# --- 爱心积分 ledger ----------------------------------------------------------------------------------------------


def _system_account(kind: str) -> PointAccount:
    account, _ = PointAccount.objects.get_or_create(
        kind=kind, user=None, defaults={"name": PointAccount.Kind(kind).label}
    )
    return account


def person_account(user: User) -> PointAccount:
    account, _ = PointAccount.objects.get_or_create(
        user=user, defaults={"kind": PointAccount.Kind.PERSON, "name": user.display_name[:50]}
    )
    return account


def post(*, memo: str, lines: list[tuple[PointAccount, Decimal]], actor: User | None, **links) -> PointEntry:
    """Write one balanced entry. Amounts are Decimal; an unbalanced entry is a bug and is refused."""
    if any(not isinstance(amount, Decimal) for _, amount in lines):
        raise TypeError("point amounts must be Decimal")
    if sum((amount for _, amount in lines), Decimal("0")) != 0:
        raise ValueError("unbalanced point entry")
    entry = PointEntry.objects.create(memo=memo[:120], actor=actor, **links)
    PointPosting.objects.bulk_create([PointPosting(entry=entry, account=a, amount=amount) for a, amount in lines])
    return entry


def balance(account: PointAccount) -> Decimal:
    total = PointPosting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))  # SQLite sums decimals as floats


def points_award(*, user: User, amount: Decimal, memo: str, actor: User | None, **links) -> PointEntry:
    """Credit ``user`` (a negative amount takes points back: an hours correction downwards)."""
    return post(memo=memo, lines=[(_system_account(PointAccount.Kind.ISSUE), -amount), (person_account(user), amount)],
                actor=actor, **links)  # fmt: skip


@transaction.atomic
def points_reverse(*, entry: PointEntry, actor: User, memo: str = "") -> PointEntry:
    """A reversal is a new entry with every posting negated, pointing at the one it reverses (never a delete)."""
    if PointEntry.objects.filter(reverses=entry).exists():
        raise ConflictError("该笔积分已冲正过。")
    lines = [(p.account, -p.amount) for p in entry.postings.select_related("account")]
    try:
        with transaction.atomic():
            reversal = post(memo=memo or f"冲正：{entry.memo}", lines=lines, actor=actor, reverses=entry)
    except IntegrityError:
        raise ConflictError("该笔积分已冲正过。") from None
    redemption = Redemption.objects.filter(entry=entry).first()
    if redemption is not None:
        Reward.objects.filter(pk=redemption.reward_id).update(stock=F("stock") + 1)
    return reversal


@transaction.atomic
def redeem(*, user: User, reward: Reward) -> Redemption:
    """Spend points on a service or a voucher: the balance and the stock are checked under a row lock."""
    account = PointAccount.objects.select_for_update().filter(pk=person_account(user).pk).get()
    if not reward.active:
        raise DomainError("该兑换项目已下架。")
    have = balance(account)
    if have < reward.cost:
        raise DomainError(f"积分不足：需要 {reward.cost}，您现有 {have}。")
    if not Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1):
        raise DomainError("该项目已兑完，请选择其他项目。")
    entry = post(
        memo=f"兑换：{reward.name}"[:120], lines=[(account, -reward.cost), (_system_account(PointAccount.Kind.REDEEM), reward.cost)],
        actor=user,
    )  # fmt: skip
    return Redemption.objects.create(user=user, reward=reward, entry=entry)


@transaction.atomic
def reward_create(*, region: Region, name: str, kind: str, cost, stock: int, provider: str = "") -> Reward:
    name = _text(name, label="名称", field="name", max_length=60)
    return Reward.objects.create(region=region, region_path=region.path, name=name, kind=kind, cost=Decimal(str(cost)),
                                 stock=stock, provider=provider)  # fmt: skip


def purge_closed_wishes(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Wishes closed before ``cutoff``: keep the wish and its hours, drop who it was for and where they live."""
    closed = (Wish.Status.DONE, Wish.Status.REJECTED, Wish.Status.WITHDRAWN)
    qs = (
        Wish.objects.filter(status__in=closed, created_at__lt=cutoff)
        .exclude(beneficiary_name="（已匿名）")
        .exclude(beneficiary_id__in=held_person_ids)
    )
    for wish in qs.exclude(fulfil_photo=""):
        wish.fulfil_photo.delete(save=False)
    return qs.update(beneficiary_name="（已匿名）", beneficiary=None, address="", owner=None, fulfil_photo="")
