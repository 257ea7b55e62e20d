"""Reads on events with their rules: scoped lists, queue counts, my tasks, similar events, statistics."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from linli.core.models import Grant, Notification, Organisation, Region, User
from linli.core.roles import Role
from linli.core.scoping import grant_reach, restrict
from linli.events import routing
from linli.events.models import (
    TIMED_STATUSES,
    Category,
    Channel,
    ClassificationFeedback,
    Event,
    EventPhoto,
    EventStatus,
    EventTask,
    EventTransition,
    Rating,
    Supervision,
)
from linli.events.similarity import jaccard

S = EventStatus


def base_queryset() -> QuerySet[Event]:
    return Event.objects.select_related(
        "category__parent",
        "region",
        "handler_user",
        "handler_org",
        "reporter_user",
        "house__building__compound",
        "house__unit",
        "building__compound",
    )


def page_rows(ids: list[int]) -> list[Event]:
    """The events of one list page, in the order of ``ids``, with what the list shows.

    Categories and regions come from the per-process caches (no join, no boundary polygons decoded per
    row); the long texts the list does not show are not read.
    """
    from linli.events import caches

    qs = Event.objects.select_related(
        "handler_user", "handler_org", "reporter_user", "house__building__compound", "house__unit", "building__compound"
    ).defer("description", "result", "contact_phone_enc")
    by_pk = qs.in_bulk(ids)
    rows = [by_pk[pk] for pk in ids if pk in by_pk]
    missing = []
    for event in rows:
        if event.category_id:
            event.category = caches.category_by_id(event.category_id) or event.category
        region = caches.region(event.region_id)
        if region is not None:
            event.region = region
        else:
            missing.append(event)
    if missing:
        regions = Region.objects.in_bulk({e.region_id for e in missing})
        for event in missing:
            event.region = regions[event.region_id]
    return rows


def as_created(event: Event) -> Event:
    """A just-opened event with its first rows installed as prefetched relations (to render it, no query)."""
    rows = getattr(event, "opening_rows", None)
    if rows is not None:
        cache = {}
        for name, items in rows.items():
            qs = getattr(event, name).all()
            qs._result_cache, qs._prefetch_done = list(items), True
            cache[name] = qs
        event._prefetched_objects_cache = cache
    return event


def event_list(*, user, action: str = "event.view", queryset: QuerySet | None = None) -> QuerySet[Event]:
    return restrict(user, action, queryset if queryset is not None else base_queryset())


def queue_counts(*, user) -> dict[str, int | str]:
    """Events per state in the dispatcher's area, and the overdue ones (key ``"overdue"``).

    When the dispatcher's reach is regions (community, street, district staff) the states come exact from the
    counters of current states (``core.tallies``: a handful of rows whatever the area, what was just written
    included) and only the overdue ones, which depend on the clock, are counted from the events. Otherwise (a
    department, a property company) every figure is counted from the events in one statement. A count from the
    events stops at COUNT_CAP ("10000+"), so its cost is bounded whatever the area.
    """
    from linli.core import tallies
    from linli.core.views.generic import COUNT_CAP

    scoped = restrict(user, "event.dispatch", Event.objects.all())
    parts = {"overdue": scoped.filter(status__in=TIMED_STATUSES, due_at__lt=timezone.now())}
    paths = tally_paths(user, "event.dispatch")
    if paths is None:
        parts.update({status: scoped.filter(status=status) for status in S.values})
    counts = {key: (f"{COUNT_CAP}+" if n > COUNT_CAP else n) for key, n in capped_counts(parts, COUNT_CAP).items()}
    if paths is not None:
        states = tallies.totals_over(paths, "event.status:", since=tallies.STATE_DAY, until=tallies.STATE_DAY)
        counts.update({status: states.get(f"event.status:{status}", 0) for status in S.values})
    return counts


def capped_counts(parts: dict[str, QuerySet], cap: int) -> dict[str, int]:
    """For each named queryset, its number of rows counted up to ``cap`` + 1, all in one statement."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    counts = {key: 0 for key in parts}
    sqls, params, db = [], [], "default"
    for i, (key, qs) in enumerate(parts.items()):
        db = qs.db
        try:
            sql, p = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # nothing in scope: zero without asking
            continue
        sqls.append(f"SELECT %s, (SELECT COUNT(*) FROM ({sql}) AS capped{i})")
        params += [key, *p]
    if sqls:
        with connections[db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(sqls), params)
            counts.update(cursor.fetchall())
    return counts


def overdue_count(*, user, action: str = "event.dispatch") -> int:
    """Events in the user's area past their deadline (the queue page gets it from ``queue_counts``)."""
    now = timezone.now()
    return restrict(user, action, Event.objects.filter(status__in=TIMED_STATUSES, due_at__lt=now)).count()


def my_tasks_q(user: User) -> Q:
    """Events where the user is (one of) the handlers: by name, by organisation, or by grid/community duty."""
    q = Q(handler_user=user)
    org_ids = list(grant_reach(user).org_ids)
    if org_ids:
        q |= Q(handler_org_id__in=org_ids) | Q(
            pk__in=EventTask.objects.filter(organisation_id__in=org_ids).values("event_id")
        )
    for grant in user.active_grants():
        if not grant.region_id:
            continue
        if grant.role in (Role.GRID_WORKER, Role.GRID_LEADER):
            q |= Q(handler_kind="grid", handler_user__isnull=True, region_path__startswith=grant.region.path)
        if grant.role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF):
            q |= Q(
                handler_kind__in=["care", "service_centre"],
                handler_org__isnull=True,
                handler_user__isnull=True,
                region_path__startswith=grant.region.path,
            )
    return q


def my_tasks(*, user) -> QuerySet[Event]:
    active = [S.DISPATCHED, S.PROCESSING, S.SUSPENDED]
    return restrict(user, "event.view", base_queryset().filter(my_tasks_q(user), status__in=active))


def similar_events(*, event: Event, user, limit: int = 5) -> list[tuple[Event, float]]:
    """Recent events of the same category nearby with similar text (candidates for merging)."""
    from linli.events.services import DUPLICATE_HOURS, _near

    since = event.created_at - dt.timedelta(hours=DUPLICATE_HOURS)
    until = event.created_at + dt.timedelta(hours=DUPLICATE_HOURS)
    qs = base_queryset().filter(created_at__range=(since, until)).exclude(pk=event.pk).exclude(status=S.MERGED)
    if event.category_id:
        qs = qs.filter(category_id=event.category_id)
    qs = restrict(user, "event.view", qs).select_related("building")
    out = []
    for other in qs[:200]:
        if not _near(event, other):
            continue
        score = jaccard(event.description, other.description)
        if score >= 0.2:
            out.append((other, score))
    out.sort(key=lambda pair: -pair[1])
    return out[:limit]


def timeline(*, event: Event, public: bool = False) -> list[EventTransition]:
    qs = EventTransition.objects.filter(event=event).select_related("actor")
    if public:
        qs = qs.filter(public=True)
    return list(qs.order_by("created_at", "pk"))


def public_timeline(*, event: Event) -> list[EventTransition]:
    """What a reporter sees: their own report's public steps, then the steps of the event it was merged into."""
    rows = timeline(event=event, public=True)
    if event.parent_id:
        merged_at = rows[-1].created_at if rows else event.created_at
        rows += [t for t in timeline(event=event.parent, public=True) if t.created_at >= merged_at]
    return rows


def suggestions(text: str, k: int = 3) -> list[dict]:
    """The classifier's top-k categories (code, name, confidence); empty while no classifier is installed."""
    try:
        from linli.events.classifier import suggest
    except ImportError:
        return []
    if not (text or "").strip():
        return []
    try:
        return list(suggest(text, k=k))
    except Exception:  # a broken model must never stop an intake
        import logging

        logging.getLogger(__name__).exception("classifier failed")
        return []


def warm_classifier() -> None:
    """Load the classifier now (a few seconds the first time in a process), so the first suggestion is quick."""
    try:
        from linli.events.classifier import get_model
    except ImportError:
        return
    try:
        get_model()
    except Exception:  # a broken model must never stop an intake
        import logging

        logging.getLogger(__name__).exception("classifier failed")


def training_feedback() -> Iterable[tuple[str, str]]:
    """(text, code) pairs from dispatchers' corrections, for the classifier's retrain job."""
    active = set(Category.objects.filter(active=True, parent__isnull=False).values_list("code", flat=True))
    for text, code in ClassificationFeedback.objects.order_by("pk").values_list("text", "chosen_code").iterator():
        if code in active and text:
            yield text, code


def handler_choices(*, event: Event | None, user) -> list[tuple[str, str]]:
    """Options for a dispatch form: grid workers of the community, departments, property companies, centres."""
    from linli.core.scoping import region_prefixes

    paths: list[str] | None = None
    org_q = Q()
    if event is not None:
        community = routing.community_of(event.region)
        paths = routing.ancestor_paths(community.path)
        # Only grid workers whose grid covers the event: the others could not open it (services._check_handler).
        grid_q = Q(region__path__in=routing.ancestor_paths(event.region_path))
        org_q = Q(region__path__in=paths) | Q(region__path__startswith=community.path)
    else:
        # Bulk dispatch from a queue: the grid workers and organisations of the dispatcher's own area.
        prefixes = region_prefixes(user) if user is not None else None
        grid_q = org_q = Q()
        if prefixes is not None:
            grid_q = org_q = Q(pk__in=[])
            above = {a for p in prefixes for a in routing.ancestor_paths(p)}
            for prefix in prefixes:
                grid_q |= Q(region__path__startswith=prefix)
                org_q |= Q(region__path__startswith=prefix)
            org_q |= Q(region__path__in=sorted(above))
    options: list[tuple[str, str]] = []
    grants = (
        Grant.objects.filter(grid_q, role=Role.GRID_WORKER, user__is_active=True)
        .order_by("region__path", "user_id")
        .values_list("user_id", "user__full_name", "user__username", "region__name")
    )
    for user_id, full_name, username, region_name in grants[:200]:  # User.display_name, without a user per row
        options.append((f"user:{user_id}", f"网格员 · {full_name or username}（{region_name}）"))
    orgs = Organisation.objects.filter(org_q).order_by("kind", "name")
    for org in orgs[:200]:
        options.append((f"org:{org.pk}", f"{org.get_kind_display()} · {org.name}"))
    options += [("kind:grid", "属地网格（由网格员签收）"), ("kind:care", "社区关爱（社工）"),
                ("kind:service_centre", "社区服务中心")]  # fmt: skip
    return options


def parse_handler(value: str) -> dict:
    """'user:3' / 'org:2' / 'kind:grid' → keyword arguments for the dispatch services."""
    from linli.core.errors import DomainError
    from linli.core.http import parse_pk

    kind, _, ident = (value or "").partition(":")
    if kind == "user" and ident.isdigit():
        target = User.objects.filter(pk=parse_pk(ident) or 0, is_active=True).first()
        if target is None:
            raise DomainError("处置方：该处置人不存在", field="handler")
        return {"handler_user": target, "handler_kind": "grid"}
    if kind == "org" and ident.isdigit():
        org = Organisation.objects.filter(pk=parse_pk(ident) or 0).first()
        if org is None:
            raise DomainError("处置方：该机构不存在", field="handler")
        return {"handler_org": org}
    if kind == "kind" and ident in ("grid", "care", "service_centre"):
        return {"handler_kind": ident}
    if not value:
        return {}
    raise DomainError("处置方：请选择处置人或处置机构", field="handler")


def handler_value(event: Event) -> str:
    if event.handler_user_id:
        return f"user:{event.handler_user_id}"
    if event.handler_org_id:
        return f"org:{event.handler_org_id}"
    return f"kind:{event.handler_kind}" if event.handler_kind else ""


def suggested_handler_value(event: Event) -> tuple[str, str]:
    choice = routing.suggest_handler(event)
    if choice is None:
        return "", ""
    if choice.user is not None:
        return f"user:{choice.user.pk}", choice.label
    if choice.organisation is not None:
        return f"org:{choice.organisation.pk}", choice.label
    return f"kind:{choice.kind}", choice.label


def supervision_list(*, user) -> QuerySet[Event]:
    """挂牌督办: events a leader flagged, and events escalated to 督办 by the timer."""
    qs = (
        base_queryset()
        .filter(Q(flagged=True) | Q(supervision=Supervision.SUPERVISED))
        .exclude(status__in=[S.CLOSED, S.REJECTED, S.MERGED])
    )
    return restrict(user, "event.view", qs).order_by("due_at", "pk")


def inbox(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own messages (a personal inbox: the recipient is the scope)."""
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- statistics -------------------------------------------------------------------------------------------

STAT_DIMENSIONS = {
    "category": ("category__parent__name", "大类"),
    "subcategory": ("category__name", "小类"),
    "region": ("region__name", "网格/社区"),
    "channel": ("channel", "渠道"),
    "handler": ("handler_org__name", "处置机构"),
    "handler_user": ("handler_user__full_name", "处置人"),
}


def tally_paths(user, action: str = "event.stats") -> list[str] | None:
    """The region subtrees that are exactly what ``user`` may ``action`` on events, or None when their reach is
    not only regions (a department or property company sees what was sent to it; a resident their own): those
    figures cannot come from per-region counters and are counted from the events."""
    reach = grant_reach(user, action)
    if reach.org_ids or reach.own:
        return None
    if reach.all:
        return list(Region.objects.filter(depth=1).values_list("path", flat=True))
    return list(reach.prefixes)


def _paths_within(paths: list[str] | None, region: Region | None) -> list[str] | None:
    """The part of the subtrees ``paths`` that lies under ``region`` (all of them without a region)."""
    if paths is None or region is None:
        return paths
    if region.path.startswith(tuple(paths)):
        return [region.path]
    return [p for p in paths if p.startswith(region.path)]


def counted_by_status(
    user, statuses: list[str], region: Region | None = None, *, action: str = "event.view"
) -> int | None:
    """How many events in ``statuses`` (all when empty) ``user`` may ``action``, under ``region`` if given, from the
    counters of current states; None when the viewer's reach is not regions (then count the rows)."""
    from linli.core import tallies

    paths = _paths_within(tally_paths(user, action), region)
    if paths is None:
        return None
    kept = tallies.totals_over(paths, "event.status:", since=tallies.STATE_DAY, until=tallies.STATE_DAY)
    return sum(kept.get(f"event.status:{s}", 0) for s in (statuses or EventStatus.values))


def statistics(*, user, dimension: str = "category", since: dt.date | None = None, until: dt.date | None = None):
    """Per group: counts, on-time rate, closure rate, satisfaction rate, average handling hours, of the events
    reported in [since, until] (counted from the events: see docs/decisions/0003-statistics-from-counters.md)."""
    field, _ = STAT_DIMENSIONS.get(dimension, STAT_DIMENSIONS["category"])
    qs = restrict(user, "event.stats", Event.objects.exclude(status__in=[S.MERGED]))
    if since:  # from the start of the local day: an index range on created_at, not a cast of every row
        qs = qs.filter(created_at__gte=_day_start(since))
    if until:
        qs = qs.filter(created_at__lt=_day_start(until + dt.timedelta(days=1)))
    handled = ExpressionWrapper(F("resolved_at") - F("accepted_at"), output_field=DurationField())
    rows = (
        qs.values(field)
        .annotate(
            total=Count("pk"),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            on_time=Count("pk", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("due_at"))),
            closed=Count("pk", filter=Q(status=S.CLOSED)),
            rejected=Count("pk", filter=Q(status=S.REJECTED)),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASIC, Rating.DEFAULT])),
            overdue=Count("pk", filter=Q(status__in=TIMED_STATUSES, due_at__lt=timezone.now())),
            avg_handling=Avg(handled, filter=Q(resolved_at__isnull=False, accepted_at__isnull=False)),
        )
        .order_by("-total")
    )
    out = []
    for row in rows[:100]:
        label = row[field]
        if dimension == "channel" and label:
            from linli.events.models import Channel

            label = Channel(label).label if label in Channel.values else label
        total = row["total"]
        accepted = total - row["rejected"]
        avg = row["avg_handling"]
        if isinstance(avg, int | float):  # SQLite returns microseconds
            avg = dt.timedelta(microseconds=avg)
        out.append(
            {
                "label": label or "（未定）",
                "total": total,
                "resolved": row["resolved"],
                "closed": row["closed"],
                "overdue": row["overdue"],
                "on_time_rate": _rate(row["on_time"], row["resolved"]),
                "closure_rate": _rate(row["closed"], accepted),
                "satisfaction_rate": _rate(row["satisfied"], row["rated"]),
                "avg_hours": round(avg.total_seconds() / 3600, 1) if avg else None,
            }
        )
    return out


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def grids_for(user) -> QuerySet[Region]:
    return restrict(user, "region.view", Region.objects.filter(level__code__in=["grid", "community"])).order_by("path")


AREA_DAYS = 30
HOME_TASKS = 6


def home_cards(user) -> list:
    """The console start page's event figures: open and overdue tasks for handlers, the area's last 30 days.

    Handlers (grid workers, departments, property companies, community staff) see their open tasks and how many
    are overdue; whoever sees events of an area (leaders, staff, and a department or property company for what was
    sent to it) sees that area's events of the last 30 days: how many, how many are overdue, the closure rate and
    the satisfaction rate.
    """
    from django.urls import reverse

    from linli.core.home import HomeCard, HomeList, HomeListRow
    from linli.core.scoping import has_action
    from linli.core.timefmt import local_display
    from linli.core.views.generic import COUNT_CAP

    cards: list[HomeCard | HomeList] = []
    now = timezone.now()

    def shown(n: int) -> str | int:
        return f"{COUNT_CAP}+" if n > COUNT_CAP else n

    if has_action(user, "event.dispatch"):
        queue = restrict(user, "event.dispatch", Event.objects.all())
        waiting = capped_counts(
            {"pending": queue.filter(status=S.PENDING), "check": queue.filter(status__in=[S.RESOLVED, S.VERIFIED])},
            COUNT_CAP,
        )
        queue_url = reverse("events:event_queue")
        cards.append(HomeCard("待受理", shown(waiting["pending"]), f"{queue_url}?status={S.PENDING}",
                              "居民、热线和巡查报来，等社区受理", "warning" if waiting["pending"] else ""))  # fmt: skip
        cards.append(HomeCard("待核查、结案", shown(waiting["check"]), queue_url, "已办结或已核查，等社区核查结案"))
    if has_action(user, "event.handle"):
        tasks = my_tasks(user=user)
        counts = capped_counts({"open": tasks, "overdue": tasks.filter(due_at__lt=now)}, COUNT_CAP)
        url = reverse("events:my_tasks")
        cards.append(HomeCard("待办任务", shown(counts["open"]), url, "派给我或本单位、尚未办结"))
        cards.append(
            HomeCard("超时待办", shown(counts["overdue"]), f"{url}?overdue=true", "已过办理时限",
                     "danger" if counts["overdue"] else "")
        )  # fmt: skip
        first = tasks.order_by(F("due_at").asc(nulls_last=True), "pk")[:HOME_TASKS]
        rows = [
            HomeListRow(
                f"{e.title}（{e.category.name if e.category_id else '待分类'}）",
                e.get_absolute_url(),
                f"时限 {local_display(e.due_at)}" if e.due_at else "",
                "danger" if e.due_at and e.due_at < now else "",
            )
            for e in first
        ]
        cards.append(HomeList("待办任务（按时限）", rows, url, "没有待办任务"))
    org_scoped = bool(grant_reach(user).org_ids)
    if has_action(user, "event.stats") or (org_scoped and has_action(user, "event.view")):
        action = "event.stats" if has_action(user, "event.stats") else "event.view"
        figures = recent_figures(user, action, now)
        closure = _rate(figures["closed"], figures["total"] - figures["rejected"])
        satisfaction = _rate(figures["satisfied"], figures["rated"])
        where = "本单位承办" if org_scoped and action == "event.view" else "辖区"
        events_url = reverse("events:event_list")
        stats_url = reverse("events:stats") if action == "event.stats" else events_url
        cards.append(HomeCard("近30天事件", figures["total"], events_url, f"{where}新受理的事件"))
        if not has_action(user, "event.handle"):
            cards.append(
                HomeCard("超时未办", figures["overdue"], f"{events_url}?overdue=true", f"{where}近30天、已过时限",
                         "danger" if figures["overdue"] else "")
            )  # fmt: skip
        cards.append(HomeCard("办结率", "—" if closure is None else f"{closure}%", stats_url, "近30天已结案 / 已受理"))
        cards.append(
            HomeCard("满意度", "—" if satisfaction is None else f"{satisfaction}%", stats_url,
                     f"近30天评价 {figures['rated']} 条中满意与基本满意" if figures["rated"] else "近30天暂无评价")
        )  # fmt: skip
    return cards


def recent_figures(user, action: str, now: dt.datetime) -> dict[str, int]:
    """The area's events reported in the last 30 days (today and the 29 days before): how many, closed, rejected,
    rated, satisfied and overdue now (from the local day's start: an index range on ``created_at``)."""
    first = timezone.localdate(now) - dt.timedelta(days=AREA_DAYS - 1)
    recent = restrict(user, action, Event.objects.exclude(status=S.MERGED)).filter(created_at__gte=_day_start(first))
    return recent.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=S.CLOSED)),
        rejected=Count("pk", filter=Q(status=S.REJECTED)),
        overdue=Count("pk", filter=Q(status__in=TIMED_STATUSES, due_at__lt=now)),
        rated=Count("pk", filter=~Q(rating="")),
        satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASIC, Rating.DEFAULT])),
    )


# --- statistics for the big screen (registered in apps.py, each restricted to the viewer) --------------------------


def open_count(user, region=None, *, cap: int | None = None) -> int:
    """Events not yet closed (pending, accepted, dispatched, processing, suspended) in the user's area: from the
    counters of current states when the user's reach is regions (exact, whatever the area), else counted."""
    from linli.core.statistics import scoped_count
    from linli.events.models import OPEN_STATUSES

    kept = counted_by_status(user, list(OPEN_STATUSES), region, action="event.stats")
    if kept is not None:
        return kept
    return scoped_count(user, "event.stats", Event.objects.filter(status__in=OPEN_STATUSES), region=region, cap=cap)


def overdue_stat(user, region=None, *, cap: int | None = None) -> int:
    """Events past their deadline while the clock runs, in the user's area."""
    from linli.core.statistics import scoped_count

    late = Event.objects.filter(status__in=TIMED_STATUSES, due_at__lt=timezone.now())
    return scoped_count(user, "event.stats", late, region=region, cap=cap)


def recent_count(user, region=None, *, cap: int | None = None) -> int:
    """Events reported in the last 30 days (today and the 29 days before; merged duplicates left out), in the
    user's area."""
    from linli.core.statistics import scoped_count

    first = timezone.localdate() - dt.timedelta(days=AREA_DAYS - 1)
    recent = Event.objects.exclude(status=S.MERGED).filter(created_at__gte=_day_start(first))
    return scoped_count(user, "event.stats", recent, region=region, cap=cap)


# --- reads behind the console, resident and API pages -------------------------------------------------------


def unfiltered_rows() -> QuerySet[Event]:
    """Events without relations joined in: the list pages read a page of ids first, then the rows (``page_rows``)."""
    return Event.objects.all()


def org_open_tasks(*, user, limit: int = 50) -> list[EventTask]:
    """Open tasks (协办) of the user's organisations, by deadline."""
    org_ids = list(grant_reach(user).org_ids)
    return list(
        EventTask.objects.filter(organisation_id__in=org_ids).exclude(status=EventTask.Status.DONE)
        .select_related("event", "organisation").order_by("due_at")[:limit]
    )  # fmt: skip


def merged_into(*, user, event: Event) -> list[Event]:
    """The reports merged into ``event`` that the user may see."""
    return list(restrict(user, "event.view", Event.objects.filter(parent=event)).order_by("pk"))


def event_by_number_or_pk(*, user, number: str = "", pk: int | None = None) -> Event | None:
    """An event in the user's scope named by its number (SJ…) or id: the target of a merge."""
    return restrict(user, "event.view").filter(Q(number=number.strip().upper()) | Q(pk=pk or 0)).first()


def task_with_event(*, pk: int) -> EventTask | None:
    """A task with its event and organisation; the caller checks the event is in scope."""
    return EventTask.objects.select_related("event", "organisation").filter(pk=pk).first()


def photo_for(*, user, pk: int) -> EventPhoto | None:
    """A photo, only to someone who may see its event (staff in scope), or to the reporter of a report merged
    into that event (they see its result photos too); None otherwise, as if missing."""
    photo = EventPhoto.objects.filter(pk=pk).first()
    if photo is None:
        return None
    if restrict(user, "event.view", Event.objects.filter(pk=photo.event_id)).exists():
        return photo
    if user.is_authenticated and Event.objects.filter(parent_id=photo.event_id, reporter_user=user).exists():
        return photo
    return None


def leaf_categories() -> QuerySet[Category]:
    """Active sub-categories by code (what a form offers)."""
    return Category.objects.filter(active=True, parent__isnull=False).order_by("code")


def active_categories() -> QuerySet[Category]:
    """The active taxonomy with parents joined in, by code."""
    return Category.objects.filter(active=True).select_related("parent").order_by("code")


def events_for_orders(*, user, source: str, orders: list[str]) -> QuerySet[Event]:
    """Events imported from a hotline ``source`` with these order numbers, within the user's scope."""
    return restrict(user, "event.view", Event.objects.filter(external_source=source, external_id__in=orders))


def own_event(*, user, pk) -> Event | None:
    """An event the user reported (with what the resident page shows), or None."""
    qs = Event.objects.filter(reporter_user=user).select_related(
        "category", "parent", "region", "house", "building__compound"
    )
    try:
        return qs.filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


def own_events(*, user, limit: int = 100) -> list[Event]:
    """The events a resident reported, newest first."""
    return list(
        Event.objects.filter(reporter_user=user).select_related("category", "parent").order_by("-created_at")[:limit]
    )


def photos_of(events: list[Event]) -> list[EventPhoto]:
    return list(EventPhoto.objects.filter(event__in=events).order_by("kind", "pk"))


# --- Open311: public reads (no user; the platform decides what the public may see) ------------------------------


def open311_services(*, private_codes) -> QuerySet[Category]:
    """Active sub-categories offered to Open311 clients, without the private ones (people, not places)."""
    return (
        Category.objects.filter(active=True, parent__isnull=False)
        .exclude(code__in=private_codes)
        .select_related("parent")
        .order_by("code")
    )


def open311_public_events(*, private_codes) -> QuerySet[Event]:
    """Requests that arrived through Open311 in a public category, with what a public answer shows."""
    return (
        Event.objects.filter(channel=Channel.OPEN311)
        .exclude(category__code__in=private_codes)
        .select_related("category", "handler_org", "region", "building__compound", "house__building__compound")
    )


def open311_public_updates(*, events: QuerySet[Event], start, end, limit: int) -> QuerySet[EventTransition]:
    """Public steps (not the report itself) of ``events`` between ``start`` and ``end``, oldest first."""
    return (
        EventTransition.objects.filter(event__in=events, public=True, created_at__gte=start, created_at__lte=end)
        .exclude(action="report")
        .select_related("event")
        .order_by("created_at", "pk")[:limit]
    )


def event_content_type_id() -> int:
    """The content type of Event: notifications point at any record, an event's carry this type."""
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Event).pk  # cached by ContentType's manager
