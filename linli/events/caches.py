"""The events' per-process caches (``linli.core.cache``) of the small tables every event write reads: taxonomy,
dispatch rules, the region tree (grids with their boundaries) and the people who hear of events. Each names the
models it is built from; core drops it in every process when their rows change. Cached model instances are
shared by every request of the process: read them, never modify them. (The holiday calendar is
``linli.core.calendar``.)
"""

from collections.abc import Callable
from dataclasses import dataclass

from linli.core.cache import ProcessCache, clear_all, invalidate

__all__ = ["PEOPLE", "REGIONS", "RULES", "TAXONOMY", "ProcessCache", "clear_all", "invalidate"]


# --- taxonomy ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taxonomy:
    by_code: dict
    by_id: dict


def _build_taxonomy() -> Taxonomy:
    from linli.events.models import Category

    rows = list(Category.objects.all())
    by_id = {c.pk: c for c in rows}
    for c in rows:
        if c.parent_id:
            c.parent = by_id[c.parent_id]  # parents preloaded: category.parent never queries
    return Taxonomy(by_code={c.code: c for c in rows}, by_id=by_id)


TAXONOMY = ProcessCache("taxonomy", _build_taxonomy, models=["events.Category"])


def category(code: str):
    """The Category with this code (active or not), or None."""
    return TAXONOMY.get().by_code.get(code)


def category_by_id(pk: int | None):
    return TAXONOMY.get().by_id.get(pk) if pk else None


def top_categories() -> list:
    return sorted((c for c in TAXONOMY.get().by_id.values() if c.parent_id is None), key=lambda c: c.code)


# --- dispatch rules --------------------------------------------------------------------------------------


def _build_rules() -> list:
    from linli.events.models import DispatchRule

    return list(DispatchRule.objects.filter(active=True).select_related("organisation", "user"))


RULES = ProcessCache("dispatch_rules", _build_rules, models=["events.DispatchRule", "core.Organisation", "core.User"])


# --- regions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionIndex:
    """Regions from the district down to the grids (not the many 十联户 units), by path, and the grids' boxes."""

    by_path: dict
    by_id: dict
    grids: list  # (min_lng, min_lat, max_lng, max_lat, depth, region) for every region with a boundary


def _build_regions() -> RegionIndex:
    from linli.core.geo import bbox
    from linli.core.models import Region

    rows = list(
        Region.objects.filter(level__code__in=["district", "street", "community", "grid"]).select_related("level")
    )
    rows += list(
        Region.objects.filter(boundary__isnull=False).exclude(pk__in=[r.pk for r in rows]).select_related("level")
    )
    grids = []
    for r in rows:
        if r.boundary:
            try:
                grids.append((*bbox(r.boundary), r.depth, r))
            except (TypeError, ValueError, IndexError):
                continue
    return RegionIndex(by_path={r.path: r for r in rows}, by_id={r.pk: r for r in rows}, grids=grids)


# Region moves (treebeard) change paths by bulk UPDATE without signals: a short max_age bounds that case.
REGIONS = ProcessCache("regions", _build_regions, models=["core.Region", "core.RegionLevel"], max_age=60.0)


def region(pk: int | None):
    return REGIONS.get().by_id.get(pk) if pk else None


def grid_for_point(lat: float, lng: float):
    """The deepest region with a boundary that contains the point (bounding boxes first), or None."""
    from linli.core.geo import point_in_polygon

    best = None
    for x0, y0, x1, y1, depth, r in REGIONS.get().grids:
        if x0 <= lng <= x1 and y0 <= lat <= y1 and (best is None or depth > best.depth):
            if point_in_polygon(lng, lat, r.boundary):
                best = r
    return best


# --- people who hear of events ------------------------------------------------------------------------------

PEOPLE = ProcessCache(
    "people", dict, models=["core.Grant", "core.User"]
)  # {(roles, paths, org_ids): [User, ...]}, filled on demand
PEOPLE_MAX_KEYS = 5000


def users_with(roles: tuple, paths: tuple | None, org_ids: tuple | None, load: Callable[[], list]) -> list:
    """Active users holding one of ``roles`` at ``paths`` / in ``org_ids``, cached per process (see routing)."""
    table = PEOPLE.get()
    key = (roles, paths, org_ids)
    users = table.get(key)
    if users is None:
        users = load()
        if len(table) >= PEOPLE_MAX_KEYS:
            table.clear()
        table[key] = users
    return users
