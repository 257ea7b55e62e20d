"""What events tell the big screen, through core only (the dashboard never imports events).

- ``facts``: the counters one event counts in (``linli.core.tallies``), recomputed after each write commits;
- ``opened``: after a new event commits, its counters and one live message (number, category, place — never the
  reporter) for the screens of its region (``linli.core.live``).
"""

from __future__ import annotations

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
    out += [(path, day, f"event.hour:{local.hour:02d}"), (path, day, f"event.wd:{local.isoweekday()}")]
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
    return {
        "number": event.number,
        "category": category.name if category else "未分类",
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
