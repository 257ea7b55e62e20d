"""What the big screen shows: aggregates of a region the viewer may open on the screen, read from counters.

Events' figures come from ``core.tallies`` (kept by events after each commit, one row per region, key and day:
a district is as cheap as a grid); people and houses, and every other module's figures, from the statistics the
modules registered (``m.stat``), counted for the region and cached for a minute. Nothing here names a person.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from linli.core import tallies
from linli.core.models import Region
from linli.core.modules import ask, statistics
from linli.core.scoping import grant_reach

ACTION = "screen.view"
KIND = "event"
HEADLINE = {"persons": "people.population", "households": "people.households", "houses": "housing.houses"}
STAT_TTL = 60  # seconds a people/house figure is fresh; older, it is shown while it is counted again
STAT_KEEP = 24 * 3600  # how long a figure may be shown at all
MONTH_KEYS = ("new", "closed", "closed_on_time", "rated", "satisfied")


class _Aggregates:
    """The principal a registered statistic is counted as on the screen: everything, then cut to the one region
    the viewer may open (``region_for``). Only counts leave the screen, never a row."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff_role = True
    pk = None

    def active_grants(self):
        return []


AGGREGATES = _Aggregates()


def region_for(user, region_id) -> Region | None:
    """The region the screen shows: the one asked for if the viewer's screen grants cover it (else 404), or the
    viewer's own region when they have one grant; None: all the viewer's regions together."""
    reach = grant_reach(user, ACTION)
    if reach.nothing:
        raise Http404("您的账号不能打开大屏。")
    if region_id not in (None, ""):
        try:
            region = Region.objects.select_related("level").get(pk=int(region_id))
        except (Region.DoesNotExist, ValueError, TypeError):
            raise Http404("没有这个区域。") from None
        if not reach.covers_path(region.path):
            raise Http404("没有这个区域。")
        return region
    if not reach.all and len(reach.prefixes) == 1:
        return Region.objects.select_related("level").get(path=reach.prefixes[0])
    return None


def _paths(user, region: Region | None) -> list[str]:
    if region is not None:
        return [region.path]
    reach = grant_reach(user, ACTION)
    if reach.all:
        return list(Region.objects.filter(depth=1).order_by("path").values_list("path", flat=True))
    return list(reach.prefixes)


def _sum(paths: list[str], prefix: str, **period) -> Counter:
    out: Counter = Counter()
    for path in paths:
        out.update(tallies.totals(path, prefix, **period))
    return out


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _count(key: str, path: str) -> int | float:
    """Count registered statistic ``key`` for the region at ``path`` now, and keep it (value, when) for the screen."""
    stat = next((s for s in statistics() if s.key == key), None)
    region = Region.objects.filter(path=path).first()
    value = stat.compute(AGGREGATES, region) if stat is not None and region is not None else 0
    cache.set(f"screen:figure:{key}:{path}", (value, time.time()), STAT_KEEP)
    return value


def _stats(keys: list[str], paths: list[str]) -> dict[str, int | float]:
    """{key: value} of registered statistics summed over ``paths`` (a statistic not installed counts 0).

    One cache read for all of them. A figure older than ``STAT_TTL`` is still shown while the job queue counts it
    again (``dashboard.tasks.count_stat``, asked once per region and minute): a screen never waits for a count of a
    million persons except the very first time a region is opened."""
    registered = {s.key for s in statistics() if s.key in keys}
    wanted = {f"screen:figure:{key}:{path}": (key, path) for key in registered for path in paths}
    found = cache.get_many(list(wanted))
    now = time.time()
    out = dict.fromkeys(keys, 0)
    for cache_key, (key, path) in wanted.items():
        kept = found.get(cache_key)
        if kept is None:
            out[key] += _count(key, path)
            continue
        value, when = kept
        if now - when > STAT_TTL and cache.add(f"{cache_key}:counting", 1, STAT_TTL):
            from linli.dashboard.tasks import count_stat

            count_stat(key, path)
        out[key] += value
    return out


def event_figures(paths: list[str], today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    first = today.replace(day=1)
    labels = tallies.labels(KIND)
    cat_keys = [k for k in labels if k.startswith(f"{KIND}.cat:")]
    status_keys = [k for k in labels if k.startswith(f"{KIND}.status:")]
    # exact keys in one statement (index range reads), never a LIKE that would take in the analytics' keys
    sums = tallies.windows(
        paths,
        {
            "month": ([f"{KIND}.{k}" for k in MONTH_KEYS] + cat_keys, first, today),
            "day": ([f"{KIND}.new"], today, today),
            "state": (status_keys, tallies.STATE_DAY, tallies.STATE_DAY),
        },
    )
    month, day, state = sums["month"], sums["day"], sums["state"]
    statuses = [k.split(":", 1)[1] for k in status_keys]
    by_status = {s: state.get(f"{KIND}.status:{s}", 0) for s in statuses}
    by_status.update({k.split(":", 1)[1]: n for k, n in state.items() if n})
    by_category = {k.split(":", 1)[1]: n for k, n in sorted(month.items()) if k.startswith(f"{KIND}.cat:") and n}
    return {
        "today": day.get(f"{KIND}.new", 0),
        "month": month.get(f"{KIND}.new", 0),
        "by_status": by_status,
        "by_category": by_category,
        "on_time_rate": _rate(month.get(f"{KIND}.closed_on_time", 0), month.get(f"{KIND}.closed", 0)),
        "satisfaction_rate": _rate(month.get(f"{KIND}.satisfied", 0), month.get(f"{KIND}.rated", 0)),
    }


def summary(user, region: Region | None) -> dict:
    """``GET /api/v1/screen/summary``: the contract of issue 14, numbers only."""
    paths = _paths(user, region)
    stats = _stats(list(HEADLINE.values()), paths)
    return {
        "region": region.pk if region is not None else None,
        **{name: stats[key] for name, key in HEADLINE.items()},
        "events": event_figures(paths),
    }


def panels(user, region: Region | None) -> dict:
    """Everything else the screen draws: labels, 30-day trends, 挂牌督办, sub-regions, other modules' figures."""
    paths = _paths(user, region)
    today = timezone.localdate()
    since = today - dt.timedelta(days=29)
    days = [(since + dt.timedelta(days=i)).isoformat() for i in range(30)]
    trend = Counter()
    for path in paths:
        for key, by_day in tallies.by_day(path, [f"{KIND}.new", f"{KIND}.closed"], since, today).items():
            for day, n in by_day.items():
                trend[(key, day)] += n
    state = _sum(paths, f"{KIND}.flagged")
    children = []
    for child in child_regions(region, paths):
        month = tallies.totals(child.path, f"{KIND}.new", since=today.replace(day=1), until=today)
        open_now = tallies.totals(child.path, f"{KIND}.status:")
        still_open = sum(n for k, n in open_now.items() if k.split(":", 1)[1] not in ("closed", "rejected", "merged"))
        children.append({"id": child.pk, "name": child.name, "month": month.get(f"{KIND}.new", 0), "open": still_open})
    shown = {*HEADLINE.values(), "events.open", "events.overdue", "events.recent"}
    rest = [s for s in statistics() if s.key not in shown]
    values = _stats([s.key for s in rest], paths)
    others = [{"key": s.key, "label": s.label, "unit": s.unit, "value": values[s.key]} for s in rest]
    labels = tallies.labels(KIND)
    return {
        "labels": {
            "status": {k.split(":", 1)[1]: v for k, v in labels.items() if k.startswith(f"{KIND}.status:")},
            "category": {k.split(":", 1)[1]: v for k, v in labels.items() if k.startswith(f"{KIND}.cat:")},
        },
        "trend": {
            "days": days,
            "new": [trend[(f"{KIND}.new", d)] for d in days],
            "closed": [trend[(f"{KIND}.closed", d)] for d in days],
        },
        "flagged": state.get(f"{KIND}.flagged", 0),
        # the items: place, category, deadline, handling organisation; a link only for who may open the event
        "flagged_items": ask("events.flagged_items", user, paths, default=[]),
        "children": children,
        "stats": others,
    }


def child_regions(region: Region | None, paths: list[str]) -> list[Region]:
    if region is None:
        return list(Region.objects.filter(path__in=paths).order_by("path"))
    return list(Region.objects.filter(path__startswith=region.path, depth=region.depth + 1).order_by("path")[:40])


def scope_choices(user, region: Region | None) -> dict:
    """The scope selector: the viewer's top regions, the way up (within their grants) and the way down."""
    reach = grant_reach(user, ACTION)
    if reach.all:
        tops = list(Region.objects.filter(depth=1).order_by("path"))
    else:
        tops = list(Region.objects.filter(path__in=reach.prefixes).order_by("path"))
    up = []
    if region is not None:
        step = Region.steplen
        above = [region.path[:end] for end in range(step, len(region.path), step)]
        up = [a for a in Region.objects.filter(path__in=above).order_by("path") if reach.covers_path(a.path)]
    down = child_regions(region, [t.path for t in tops]) if region is not None else tops
    return {"tops": tops, "up": up, "down": down}


def map_data(user, region: Region | None) -> dict:
    """GeoJSON for the screen's map from the platform's own geometry, with this month's events per area.

    A community or a grid: the community's own map (grids, compounds, buildings); above that: the outlines of
    the regions one level down. Places only: no person, no house."""
    from linli.housing.selectors import base_map

    today = timezone.localdate()
    paths = _paths(user, region)
    if region is not None and region.level.code in ("community", "grid", "unit"):
        above = [region.path[:end] for end in range(Region.steplen, len(region.path) + 1, Region.steplen)]
        community = Region.objects.filter(path__in=above, level__code="community").first()
        geo = base_map(community=community) if community else {"type": "FeatureCollection", "features": []}
        grids = {g.name: g for g in Region.objects.filter(path__startswith=community.path, depth=community.depth + 1)}
    else:  # above a community: every grid's outline under the region (communities and streets have none)
        tops = [region.path] if region is not None else paths
        q = Region.objects.none()
        for top in tops:
            q |= Region.objects.filter(path__startswith=top, level__code="grid")
        areas = list(q.exclude(boundary=None).order_by("path")[:2000])
        features = []
        for area in areas:
            if area.boundary and len(area.boundary) >= 3:
                ring = area.boundary if area.boundary[0] == area.boundary[-1] else [*area.boundary, area.boundary[0]]
                features.append({"type": "Feature", "properties": {"kind": "grid", "name": area.name},
                                 "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
        geo = {"type": "FeatureCollection", "features": features}
        grids = {a.name: a for a in areas}
    counts = tallies.per_region([a.path for a in grids.values()], f"{KIND}.new", today.replace(day=1), today)
    values = {name: counts.get(area.path, 0) for name, area in grids.items()}
    for feature in geo["features"]:
        props = feature["properties"]
        if props.get("kind") == "building":  # unique names: ECharts keys regions by name
            props["name"] = f"{props.get('compound', '')}{props.get('name', '')}"
        props.pop("id", None)
    return {"geo": geo, "values": values}
