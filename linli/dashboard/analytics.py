"""统计分析 · 热点: where and when events concentrate, read from the counters (``core.tallies``), never a scan.

Hot spots per building and per grid for a category over a period (seed 004: indoor e-bike charging), repeat
places (a house or building reported again and again), hour-of-day and weekday patterns. The handlers' on-time
and satisfaction league is the events module's own 统计分析 (by 处置机构 / 处置人), linked from the page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.http import Http404

from linli.core import tallies
from linli.core.models import Region
from linli.core.scoping import grant_reach

ACTION = "event.stats"
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def regions_for(user, region_id) -> tuple[Region | None, list[str]]:
    """(the region asked for, or None for all of the user's) and the region paths to add up; 404 outside."""
    reach = grant_reach(user, ACTION)
    if reach.nothing:
        raise Http404("您的账号不能查看统计分析。")
    if region_id:
        try:
            region = Region.objects.get(pk=int(region_id))
        except (Region.DoesNotExist, ValueError, TypeError):
            raise Http404("没有这个区域。") from None
        if not reach.covers_path(region.path):
            raise Http404("没有这个区域。")
        return region, [region.path]
    if reach.all:
        return None, list(Region.objects.filter(depth=1).values_list("path", flat=True))
    return None, list(reach.prefixes)


def _sum(paths, prefix, since, until) -> Counter:
    out: Counter = Counter()
    for path in paths:
        out.update(tallies.totals(path, prefix, since=since, until=until))
    return out


def hot_spots(paths, since: dt.date, until: dt.date, category: str = "", limit: int = 20) -> dict:
    from linli.housing.models import Building

    bldg = _sum(paths, "event.bldg:", since, until)
    per_building: Counter = Counter()
    for key, n in bldg.items():
        _, building_id, cat = key.split(":")
        if not category or cat == category:
            per_building[int(building_id)] += n
    top = per_building.most_common(limit)
    names = {b.pk: (str(b), b.region_path) for b in Building.objects.select_related("compound").filter(
        pk__in=[pk for pk, _ in top])}  # fmt: skip
    buildings = [{"name": names.get(pk, ("（已删除的楼栋）", ""))[0], "n": n, "grid": _grid_of(names.get(pk, ("", ""))[1])}
                 for pk, n in top]  # fmt: skip
    grids = Region.objects.filter(level__code="grid")
    grid_q = Region.objects.none()
    for path in paths:
        grid_q |= grids.filter(path__startswith=path)
    grid_rows = list(grid_q.order_by("path")[:3000])
    key = f"event.cat:{category}" if category else "event.new"
    counts = tallies.per_region([g.path for g in grid_rows], key, since, until)
    per_grid = sorted(({"id": g.pk, "name": g.name, "n": counts.get(g.path, 0)} for g in grid_rows),
                      key=lambda r: -r["n"])[:limit]  # fmt: skip
    return {"buildings": buildings, "grids": [g for g in per_grid if g["n"]]}


def _grid_of(path: str) -> dict | None:
    if not path:
        return None
    above = [path[:end] for end in range(Region.steplen, len(path) + 1, Region.steplen)]
    grid = Region.objects.filter(path__in=above, level__code="grid").values("pk", "name").first()
    return grid


def repeat_places(paths, since: dt.date, until: dt.date, limit: int = 20) -> list[dict]:
    from linli.housing.models import Building, House

    places = _sum(paths, "event.place:", since, until)
    repeated = [(k.split(":", 1)[1], n) for k, n in places.most_common() if n >= 2][:limit]
    houses = {h.pk: str(h) for h in House.objects.select_related("building__compound").filter(
        pk__in=[int(k[1:]) for k, _ in repeated if k.startswith("h")])}  # fmt: skip
    buildings = {b.pk: str(b) for b in Building.objects.select_related("compound").filter(
        pk__in=[int(k[1:]) for k, _ in repeated if k.startswith("b")])}  # fmt: skip
    out = []
    for key, n in repeated:
        table = houses if key.startswith("h") else buildings
        out.append({"name": table.get(int(key[1:]), "（已删除）"), "n": n})
    return out


def patterns(paths, since: dt.date, until: dt.date, category: str = "") -> dict:
    """Events per hour of the day and per weekday, of one top category or of all."""
    hours, days = [0] * 24, [0] * 7
    for prefix, out, first in (("event.hour:", hours, 0), ("event.wd:", days, 1)):
        for key, n in _sum(paths, prefix, since, until).items():
            _, slot, *cat = key.split(":")  # event.hour:HH:cat (counters before the split had no category)
            if category and (not cat or cat[0] != category):
                continue
            out[int(slot) - first] += n
    return {"hours": hours, "weekdays": days}


def categories() -> list[tuple[str, str]]:
    labels = tallies.labels("event")
    return [
        (k.split(":", 1)[1], v) for k, v in labels.items() if k.startswith("event.cat:") and not k.endswith(":none")
    ]
