"""What events tell the big screen, through core only (the dashboard never imports events).

- ``facts``: the counters one event counts in (``linli.core.tallies``), recomputed when the queue is folded;
- ``announce``: after a new event commits, one live message (number, category, place — never the reporter) for the
  screens of its region (``linli.core.live``);
- ``flagged_items``: the 挂牌督办 panel's open flagged events.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from linli.core import live, tallies
from linli.events.models import FINAL_STATUSES, Category, Event, EventStatus, Rating

KIND = "event"
SATISFIED = (Rating.SATISFIED, Rating.BASIC, Rating.DEFAULT)
_FIELDS = ("pk", "region_path", "status", "created_at", "closed_at", "resolved_at", "due_at", "rating", "rated_at",
           "flagged", "category__code", "category__parent__code", "building_id", "house_id")  # fmt: skip


def _day(value) -> str | None:
    return timezone.localdate(value).isoformat() if value else None


def _facts(row: dict) -> list[tallies.Fact]:
    path = row["region_path"]
    top = row["category__parent__code"] or row["category__code"] or "none"
    out = [(path, None, f"event.status:{row['status']}"), (path, _day(row["created_at"]), "event.new"),
           (path, _day(row["created_at"]), f"event.cat:{top}")]  # fmt: skip
    # The console's analytics: hot spots per building and category, repeat places, hour of day and weekday.
    day, local = _day(row["created_at"]), timezone.localtime(row["created_at"])
    # Hour and weekday per top category, so the patterns follow the analytics' category filter.
    out += [(path, day, f"event.hour:{local.hour:02d}:{top}"), (path, day, f"event.wd:{local.isoweekday()}:{top}")]
    if row["building_id"]:
        out.append((path, day, f"event.bldg:{row['building_id']}:{top}"))
    if row["house_id"] or row["building_id"]:
        out.append((path, day, f"event.place:{'h' if row['house_id'] else 'b'}{row['house_id'] or row['building_id']}"))
    if row["closed_at"] and row["status"] not in ("rejected", "merged"):
        closed = _day(row["closed_at"])
        out.append((path, closed, "event.closed"))
        done = row["resolved_at"] or row["closed_at"]
        if not row["due_at"] or done <= row["due_at"]:
            out.append((path, closed, "event.closed_on_time"))
    if row["rating"]:
        out.append((path, _day(row["rated_at"] or row["closed_at"] or row["created_at"]), "event.rated"))
        if row["rating"] in SATISFIED:
            out.append((path, _day(row["rated_at"] or row["closed_at"] or row["created_at"]), "event.satisfied"))
    if row["flagged"] and row["status"] not in FINAL_STATUSES:
        out.append((path, None, "event.flagged"))
    return out


def facts(ids: list[int] | None):
    rows = Event.objects.order_by().values(*_FIELDS)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    else:  # a recount: region by region, so each of its flushes adds mostly counters no other flush touches
        rows = rows.order_by("region_path", "pk")
    for row in rows.iterator(chunk_size=5000):
        yield row["pk"], _facts(row)


def labels() -> dict[str, str]:
    """Every key the screen may show, with its Chinese name: each state (also at 0) and each top category."""
    out = {f"event.status:{s.value}": s.label for s in EventStatus}
    tops = Category.objects.filter(parent__isnull=True).order_by("sort", "code").values_list("code", "name")
    out.update({f"event.cat:{code}": name for code, name in tops})
    out["event.cat:none"] = "未分类"
    return out


def message(event: Event) -> dict:
    """The live feed's line: place and category, never the reporter, never a house number."""
    category = event.category
    place = event.region.name if event.region_id else ""
    if event.building_id:
        place = f"{place} · {event.building}"
    # The dot on the screen's map: the building's point, else the event's own point to about 100 m (a place, not a
    # doorstep); none without either.
    lat = lng = None
    if event.building_id and event.building.lat is not None:
        lat, lng = float(event.building.lat), float(event.building.lng)
    elif event.lat is not None and event.lng is not None:
        lat, lng = round(float(event.lat), 3), round(float(event.lng), 3)
    return {
        "number": event.number,
        "category": category.name if category else "未分类",
        "alarm": event.channel == "device",  # 设备告警: a red dot
        "lat": lat,
        "lng": lng,
        "category_code": (category.parent.code if category and category.parent_id else getattr(category, "code", "")),
        "place": place,
        "status": event.get_status_display(),
        "urgent": bool(event.emergency),
        "region_path": event.region_path,
        "at": timezone.localtime(event.created_at).strftime("%H:%M:%S"),
    }


def announce(event: Event) -> None:
    """After a new event commits: one live message for the screens of its region, built from the instance the
    create already holds (its counters were queued with it, see ``linli.core.tallies``)."""
    live.publish("events.new", message(event))


def flagged_items(user, paths: list[str], limit: int = 8) -> list[dict]:
    """The big screen's 挂牌督办 panel (``ask("events.flagged_items", user, paths)``): the open flagged events under
    ``paths`` (the regions the screen shows; the dashboard checked the viewer may open them), most overdue first.

    Place, category, deadline and the handling organisation — never the reporter, never a house number, never a
    person's name (a handler who is a person shows as their kind, e.g. 网格员). ``url`` is the event's page only
    for a viewer whose ``event.view`` covers that event; the kiosk gets none."""
    from django.db.models import Q

    from linli.core.scoping import restrict

    if not paths:
        return []
    where = Q()
    for path in paths:
        where |= Q(region_path__startswith=path)
    qs = (
        Event.objects.filter(where, flagged=True)
        .exclude(status__in=FINAL_STATUSES)
        .select_related("category__parent", "region", "building__compound", "handler_org")
        .order_by(models.F("due_at").asc(nulls_last=True), "pk")
    )
    rows = list(qs[:limit])
    openable = set(
        restrict(user, "event.view", Event.objects.filter(pk__in=[e.pk for e in rows])).values_list("pk", flat=True)
    )
    now = timezone.now()
    out = []
    for event in rows:
        place = event.region.name if event.region_id else ""
        if event.building_id:
            place = f"{place} · {event.building}"
        overdue = 0
        if event.due_at and now > event.due_at:
            overdue = max(1, (now - event.due_at).days + (1 if (now - event.due_at).seconds else 0))
        if event.handler_org_id:
            handler = event.handler_org.name
        elif event.handler_kind:
            handler = event.get_handler_kind_display()
        else:
            handler = "待派遣"
        out.append(
            {
                "number": event.number,
                "category": event.category.name if event.category_id else "未分类",
                "place": place,
                "status": event.get_status_display(),
                "due": timezone.localtime(event.due_at).strftime("%m-%d %H:%M") if event.due_at else "",
                "overdue_days": overdue,
                "handler": handler,
                "url": event.get_absolute_url() if event.pk in openable else "",
            }
        )
    return out
