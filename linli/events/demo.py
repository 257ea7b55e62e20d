"""Demo events for 彩虹社区: ~300 realistic events across channels, states and categories, and the Open311 demo key.

The ``events`` demo step (:func:`run`, registered in ``apps.py``) runs after people's: it needs the community, its
grids, buildings, houses, organisations and personas. ``build(seed)`` goes through the real services (so every
event has a true timeline), then moves each event back in time to spread the reports over the last 60 days. What
residents report, the results, and the weights of channels and outcomes are data: ``events/data/demo_events.json``.
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from linli.core.demo import load
from linli.core.models import Grant, Organisation, Region, User
from linli.core.roles import Role
from linli.events import deadlines, services
from linli.events.models import ApiKey, Category, Channel, DispatchRule, Event, EventTransition, Notification
from linli.housing.models import Building, House

DEMO_OPEN311_KEY = "demo-open311-key"

# Reports a demo resident account (resident, member, volunteer) made: a handful, about their own home or compound.
# The app's other reports come from neighbours without a demo login.
PERSONA_REPORTS = 4
SELF_SERVICE_ROLES = (Role.RESIDENT, Role.PARTY_MEMBER, Role.VOLUNTEER)


def _data() -> dict:
    return load("linli.events", "demo_events.json")


def run(ctx) -> None:
    """The ``events`` demo step."""
    ctx.count("事件", build(ctx.seed))
    flag_some()


def flag_some(n: int = 4) -> None:
    """挂牌督办 for the big screen and the supervision list: the district leader flags the oldest events in hand."""
    leader = _first_user(Role.LEADER)
    if leader is None:
        return
    notes = [
        "群众反映强烈，限期办结",
        "多次投诉未解决，挂牌督办",
        "涉及安全隐患，区领导督办",
        "跨部门事项，督促协同办理",
    ]
    events = Event.objects.filter(status__in=["dispatched", "processing"], flagged=False).order_by("due_at", "pk")[:n]
    for event, note in zip(events, notes, strict=False):
        services.event_flag(event=event, actor=leader, note=note)


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def _first_user(role: str, paths: list[str] | None = None, org: Organisation | None = None) -> User | None:
    qs = Grant.objects.filter(role=role)
    if paths is not None:
        qs = qs.filter(region__path__in=paths)
    if org is not None:
        qs = qs.filter(organisation=org)
    grant = qs.select_related("user").order_by("pk").first()
    return grant.user if grant else None


def ensure_demo_key(community: Region) -> ApiKey:
    key, _ = ApiKey.objects.get_or_create(
        key_hash=ApiKey.hash(DEMO_OPEN311_KEY),
        defaults={"name": "演示 Open311 客户端（FixMyStreet 等）", "region": community,
                  "prefix": DEMO_OPEN311_KEY[: ApiKey.PREFIX_LENGTH]},
    )  # fmt: skip
    return key


def ensure_rules(community: Region) -> None:
    """Community-wide dispatch rules: each department category goes to the department that handles it.

    Gas, unsafe houses and utilities to 住建, hazardous goods to 消防, traffic and public order to the police station,
    consumer disputes to 市场监管, labour disputes to the street's 综治中心; the rest (city management, environment)
    to 城市管理局, which is also the fallback when a named department does not exist.
    """
    dept = (
        Organisation.objects.filter(kind="department", name__contains="城市管理").first()
        or Organisation.objects.filter(kind="department").order_by("pk").first()
    )
    if dept is None:
        return
    departments = list(Organisation.objects.filter(kind="department").order_by("pk"))
    for cat in Category.objects.filter(parent__isnull=False, handler_kind="department"):
        handler = _department_for(cat.code, departments) or dept
        DispatchRule.objects.get_or_create(
            category=cat, region=community, defaults={"handler_kind": "department", "organisation": handler,
                                                      "note": f"演示：{cat.name}由{handler.name}办理"},
        )  # fmt: skip


def _department_for(code: str, departments: list[Organisation]) -> Organisation | None:
    """The department whose name carries the keyword for this category (by 小类 code, else by 大类 code)."""
    department_of = _data()["department_of"]
    keyword = department_of.get(code) or department_of.get(code[:2])
    if keyword is None:
        return None
    return next((d for d in departments if keyword in d.name), None)


def build(seed: int = 2026, *, count: int = 300, community_name: str = "彩虹社区") -> int:
    """Create ``count`` demo events in the community; returns how many were created."""
    rng = random.Random(seed)
    times = random.Random(f"{seed}:times")  # the spacing of each timeline's steps
    data = _data()
    phrases, surnames = [tuple(p) for p in data["phrases"]], data["surnames"]
    channels, outcomes = [tuple(c) for c in data["channels"]], [tuple(o) for o in data["outcomes"]]
    community = Region.objects.filter(name=community_name, level__code="community").first()
    if community is None:
        return 0
    ensure_demo_key(community)
    ensure_rules(community)
    buildings = list(Building.objects.filter(region_path__startswith=community.path).select_related("grid", "compound"))
    if not buildings:
        return 0
    houses = list(House.objects.filter(region_path__startswith=community.path).select_related("building__grid")[:2000])
    staff = _first_user(Role.COMMUNITY_STAFF, [community.path]) or User.objects.filter(is_superuser=True).first()
    personas = _personas(community)
    quota = {user.pk: PERSONA_REPORTS for user in personas}
    leaves = {c.code: c for c in Category.objects.filter(parent__isnull=False, active=True).select_related("parent")}
    now = timezone.now()
    created = 0
    made: list[Event] = []
    skipped: list[str] = []
    for i in range(count):
        code, phrase = rng.choice(phrases)
        cat = leaves.get(code) or rng.choice(list(leaves.values()))
        channel = _pick(rng, channels)
        outcome = _pick(rng, outcomes)
        building = rng.choice(buildings)
        house = rng.choice(houses) if houses and rng.random() < 0.4 else None
        reporter = None
        if channel == Channel.RESIDENT_APP:
            waiting = [user for user in personas if quota[user.pk]]
            if waiting and rng.random() < 0.5:
                reporter = rng.choice(waiting)
                quota[reporter.pk] -= 1
                home_houses, compound_buildings = personas[reporter]
                house = rng.choice(home_houses) if rng.random() < 0.6 else None
                building = rng.choice(compound_buildings)
        if house is not None:
            building = house.building
        grid_worker = _first_user(Role.GRID_WORKER, [building.grid.path])
        text = f"{building}{'' if house is None else house.number + '室'}：{phrase}。"
        kwargs = dict(channel=channel, category_code=cat.code if channel != Channel.RESIDENT_APP else None, text=text,
                      building=building if house is None else None, house=house)  # fmt: skip
        if reporter is not None:
            kwargs.update(reporter=reporter, actor=reporter)
        elif channel == Channel.RESIDENT_APP:
            kwargs.update(actor=None, reporter_name=rng.choice(surnames) + rng.choice(["先生", "女士", "阿姨", "师傅"]))
        elif channel in (Channel.HOTLINE_12345, Channel.HOTLINE_12319, Channel.PHONE, Channel.WALK_IN):
            kwargs.update(actor=staff, reporter_name=rng.choice(surnames) + rng.choice(["先生", "女士", "阿姨", "师傅"]),
                          contact_phone=f"13{rng.randint(5, 9)}{rng.randint(10000000, 99999999)}",
                          anonymous=rng.random() < 0.15)  # fmt: skip
            if channel == Channel.HOTLINE_12345:
                kwargs.update(external_source="12345", external_id=f"GZ12345-{seed}-{i:05d}")
        elif channel == Channel.PATROL and grid_worker is not None:
            kwargs.update(actor=grid_worker, reporter_name=grid_worker.display_name)
        else:
            kwargs.update(actor=None, reporter_name="系统")
        try:
            with transaction.atomic():
                event = services.event_open(**kwargs)
                if outcome == "merged":
                    target = next((m for m in reversed(made) if m.status not in ("merged", "rejected")), None)
                    if target is not None:
                        services.event_merge(event=event, parent=target, actor=staff, note="同一问题重复反映")
                elif outcome == "rejected":
                    services.event_reject(
                        event=event, actor=staff, reason="经核实不属于社区受理范围，已告知来电人向相关部门反映"
                    )
                elif outcome != "pending":
                    _advance(event, outcome, staff, rng, cat, data["results"])
        except Exception as exc:  # a demo row that does not fit the data at hand is skipped, never half-made
            from linli.core.errors import DomainError

            if not isinstance(exc, DomainError):
                raise
            skipped.append(exc.message)
            continue
        made.append(event)
        created += 1
        if outcome in ("pending", "accepted"):
            age = rng.uniform(0.02, 3)
        elif outcome in ("dispatched", "processing", "suspended", "resolved"):
            age = rng.uniform(0.1, 9)  # most are on time, some are late: 预警/催办/督办 all show
        else:
            age = rng.uniform(0.5, 60)
        _backdate(event, now - dt.timedelta(days=age), outcome, times)
    services.supervise_tick()
    # A resident has read the messages of past days; only the last two days' are still unread.
    Notification.objects.filter(
        recipient__in=list(personas), read_at__isnull=True, created_at__lt=now - dt.timedelta(days=2)
    ).update(read_at=F("created_at") + dt.timedelta(hours=2))
    build.skipped = skipped  # type: ignore[attr-defined]
    return created


def _personas(community: Region) -> dict[User, tuple[list[House], list[Building]]]:
    """Self-service demo accounts living in the community: their homes there and the buildings of their compound."""
    from linli.people.models import Residency

    out: dict[User, tuple[list[House], list[Building]]] = {}
    users = User.objects.filter(grants__role__in=SELF_SERVICE_ROLES).distinct().order_by("pk")
    for user in users:
        homes = [
            r.house
            for r in Residency.objects.filter(
                person__user=user, end__isnull=True, house__region_path__startswith=community.path
            ).select_related("house__building__grid", "house__building__compound", "house__unit")
        ]
        if not homes:
            continue
        compound = homes[0].building.compound_id
        near = list(Building.objects.filter(compound_id=compound).select_related("grid", "compound").order_by("pk"))
        out[user] = (homes, near or [homes[0].building])
    return out


def _advance(event: Event, outcome: str, staff, rng: random.Random, cat: Category, results: list[str]) -> None:
    order = ["accepted", "dispatched", "processing", "resolved", "verified", "closed"]
    target = {"suspended": "processing", "unsatisfied": "verified"}.get(outcome, outcome)
    services.event_accept(event=event, actor=staff, category_code=event.category.code if event.category else cat.code)
    if order.index(target) >= 1:
        services.event_dispatch(event=event, actor=staff)
    handler = _handler_user(event)
    if order.index(target) >= 2:
        services.event_sign(event=event, actor=handler)
    if outcome == "suspended":
        services.event_suspend(event=event, actor=staff, reason="业主长期不在家，等待入户")
        return
    if order.index(target) >= 3:
        services.event_resolve(event=event, actor=handler, result=rng.choice(results))
    if order.index(target) >= 4:
        # 核查 is by someone other than the handler (community staff, or the street when staff handled it).
        checker = (
            staff
            if event.handler_user_id != staff.pk
            else (_first_user(Role.STREET_STAFF) or User.objects.filter(is_superuser=True).first())
        )
        services.event_verify(event=event, actor=checker, note="现场核查属实")
    if outcome == "unsatisfied" and event.reporter_user_id:
        services.event_rate(event=event, actor=event.reporter_user, rating="unsatisfied", comment="问题没有彻底解决")
        return
    if target == "closed":
        if event.reporter_user_id and rng.random() < 0.7:
            services.event_rate(
                event=event, actor=event.reporter_user, rating=rng.choice(["satisfied"] * 4 + ["basic"])
            )
        else:
            services.event_close(event=event, actor=staff, note="已电话回访，来电人表示认可")


def _handler_user(event: Event):
    if event.handler_user_id:
        return event.handler_user
    if event.handler_kind in ("care", "service_centre") and not event.handler_org_id:
        from linli.events.routing import dispatchers_for

        staff = dispatchers_for(event)
        return staff[0] if staff else User.objects.filter(is_superuser=True).first()
    if event.handler_kind == "grid":
        return _first_user(Role.GRID_WORKER, [event.region_path]) or User.objects.filter(is_superuser=True).first()
    if event.handler_org_id:
        role = Role.PROPERTY_STAFF if event.handler_org.kind == "property" else Role.DEPT_STAFF
        return _first_user(role, org=event.handler_org) or User.objects.filter(is_superuser=True).first()
    return User.objects.filter(is_superuser=True).first()


def _backdate(event: Event, created: dt.datetime, outcome: str, rng: random.Random) -> None:
    """Move the event and its timeline so that it was reported at ``created``; steps keep their spacing + hours."""
    rows = list(EventTransition.objects.filter(event=event).order_by("pk"))
    t = created
    times = []
    for _ in rows:
        times.append(t)
        t = t + dt.timedelta(hours=rng.uniform(0.3, 20))
    times = [min(x, timezone.now()) for x in times]
    for row, when in zip(rows, times, strict=True):
        EventTransition.objects.filter(pk=row.pk).update(created_at=when)
    stamp = {r.action: w for r, w in zip(rows, times, strict=True)}
    fields = {"created_at": created}
    for action, field in (("accept", "accepted_at"), ("dispatch", "dispatched_at"), ("sign", "signed_at"),
                          ("resolve", "resolved_at"), ("verify", "verified_at"), ("close", "closed_at"),
                          ("rate", "rated_at"), ("suspend", "suspended_at")):  # fmt: skip
        if action in stamp and getattr(event, field, None):
            fields[field] = stamp[action]
    if "accept" in stamp and event.category_id:
        dl = deadlines.deadline_for(stamp["accept"], event.category.deadline_value, event.category.deadline_unit)
        fields.update(due_at=dl.due_at, warn_at=dl.warn_at, deadline_estimated=dl.estimated)
    Event.objects.filter(pk=event.pk).update(**fields)
    Notification.objects.filter(event=event).update(created_at=F("created_at") - (timezone.now() - created))
