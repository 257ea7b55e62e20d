"""Per-process caches of the small tables every event write reads: taxonomy, dispatch rules, the holiday
calendar, the region tree (grids with their boundaries) and the dispatchers of each community.

A cache is built from the database on first use and kept in the process (a gunicorn worker keeps it for its
life). A change to one of its tables (``linli/events/signals.py``) drops it at once in the process that made
the change, and bumps a generation number in Django's shared cache after the change commits; every other
process compares its generation with the shared one at most every ``CHECK_SECONDS`` and rebuilds when it
moved. ``max_age`` bounds the age in any case: it covers a per-process cache backend (locmem, several
workers) and changes that bypass model signals (SQL, treebeard moves). Cached model instances are shared by
every request of the process: read them, never modify them.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache as shared
from django.db import transaction

CHECK_SECONDS = 2.0
_MISSING = object()
_registry: dict[str, "ProcessCache"] = {}


class ProcessCache:
    """One value built by ``build()`` and kept per process until its tables change."""

    def __init__(self, name: str, build: Callable[[], object], *, max_age: float = 300.0):
        self.name, self.build, self.max_age = name, build, max_age
        self._value: object = _MISSING
        self._generation = None
        self._built_at = self._checked_at = 0.0
        self._lock = threading.Lock()
        _registry[name] = self

    @property
    def key(self) -> str:
        return f"linli:events:cache-generation:{self.name}"

    def _shared_generation(self):
        try:
            return shared.get(self.key, 0)
        except Exception:  # a cache server that is down must not stop event intake: max_age still applies
            return None

    def get(self):
        now = time.monotonic()
        value = self._value
        if value is not _MISSING:
            if now - self._built_at > self.max_age:
                value = _MISSING
            elif now - self._checked_at > CHECK_SECONDS:
                self._checked_at = now
                if self._shared_generation() != self._generation:
                    value = _MISSING
        if value is _MISSING:
            with self._lock:
                generation = self._shared_generation()  # read before building: a change during the build is seen
                value = self.build()
                self._value, self._generation = value, generation
                self._built_at = self._checked_at = time.monotonic()
        return value

    def clear(self) -> None:
        """Drop the value in this process only."""
        self._value = _MISSING

    def invalidate(self) -> None:
        """Drop the value here now, and in every process once the current transaction commits."""
        self.clear()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        self.clear()
        try:
            try:
                shared.incr(self.key)
            except ValueError:
                shared.set(self.key, 1, None)
        except Exception:
            pass


def invalidate(*names: str) -> None:
    for name in names:
        _registry[name].invalidate()


def clear_all() -> None:
    """Drop every events cache of this process (tests call it between tests: their data is rolled back)."""
    for c in _registry.values():
        c.clear()


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


TAXONOMY = ProcessCache("taxonomy", _build_taxonomy)


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


RULES = ProcessCache("dispatch_rules", _build_rules)


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
REGIONS = ProcessCache("regions", _build_regions, max_age=60.0)


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

PEOPLE = ProcessCache("people", dict)  # {(roles, paths, org_ids): [User, ...]}, filled on demand
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


# --- holidays ---------------------------------------------------------------------------------------------


def _build_calendar():
    from linli.events.deadlines import build_calendar

    return build_calendar()


CALENDAR = ProcessCache("calendar", _build_calendar)
