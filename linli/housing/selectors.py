"""Reads on places: address parsing, house lookup by address, and coordinate → grid/building."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from linli.core.compiled import CompiledQuery
from linli.core.geo import distance_m, point_in_polygon
from linli.core.identity import normalise_text
from linli.core.models import Region
from linli.core.scoping import Reach, grant_reach, restrict, scope_for
from linli.housing.models import Building, Compound, House, natural

CN_DIGITS = {
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "十": "10",
}


@dataclass
class AddressParts:
    prefix: str = ""  # community / compound / street text before the building
    building: str = ""
    unit: str = ""
    room: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.building or self.room)


_BUILDING = r"(?P<building>[0-9]+|[A-Za-z][0-9]*)"
_PATTERNS = [
    # 彩虹社区3栋2单元501室 / 3号楼2单元501 / A座501 / 3栋501
    re.compile(
        rf"^(?P<prefix>.*?){_BUILDING}(?:栋|幢|号楼|座|楼|#)(?:(?P<unit>[0-9]+)(?:单元|门))?-?(?:(?P<room>[0-9]+[A-Za-z]?)(?:室|号|户)?)?$"
    ),
    # 3-2-501
    re.compile(rf"^(?P<prefix>.*?){_BUILDING}-(?P<unit>[0-9]+)-(?P<room>[0-9]+[A-Za-z]?)(?:室|号)?$"),
    # 3-501 (no unit)
    re.compile(rf"^(?P<prefix>.*?[^0-9A-Za-z]|){_BUILDING}-(?P<room>[0-9]{{3,5}}[A-Za-z]?)(?:室|号)?$"),
]


def parse_address(text: str) -> AddressParts | None:
    """Parse "3栋2单元501", "3-2-501", "彩虹社区3栋2单元501室" into parts; None when it is not an address."""
    raw = normalise_text(text)
    if not raw:
        return None
    raw = re.sub(r"[一二三四五六七八九十](?=单元)", lambda m: CN_DIGITS[m.group(0)], raw)
    raw = raw.replace("—", "-").replace("－", "-").replace("_", "-")
    for pattern in _PATTERNS:
        m = pattern.match(raw)
        if m:
            parts = m.groupdict()
            return AddressParts(
                prefix=(parts.get("prefix") or "").strip("-"),
                building=(parts.get("building") or "").upper(),
                unit=parts.get("unit") or "",
                room=(parts.get("room") or "").upper(),
            )
    return None


def houses_at_address(*, user, text: str) -> QuerySet[House]:
    """Houses the user may see that match an address text (empty queryset if it does not parse)."""
    parts = parse_address(text)
    qs = restrict(user, "house.view", House.objects.select_related("building__compound", "unit"))
    if parts is None or parts.is_empty:
        return qs.none()
    return filter_by_address(qs, parts)


def filter_by_address(qs: QuerySet[House], parts: AddressParts) -> QuerySet[House]:
    if parts.building:
        qs = qs.filter(building__number__iexact=parts.building)
    if parts.unit:
        qs = qs.filter(unit__number=parts.unit)
    if parts.room:
        qs = qs.filter(number__iexact=parts.room)
    prefix = parts.prefix
    if prefix:
        # The prefix may name the compound, the community, or a street above it: match on any.
        names = _known_place_names_in(prefix)
        if unknown_place_text(prefix, names):
            # "幸福小区1栋" with no 幸福小区 in the register: not a match on some other compound's 1栋.
            return qs.none()
        if names:
            q = Q()
            for name in names:
                q |= Q(building__compound__name=name) | Q(building__compound__community__name=name)
            qs = qs.filter(q)
    return qs


_PROVINCE_CITY = re.compile(r"^(?:.{1,8}?(?:省|自治区))?(?:.{1,8}?(?:市|自治州|州|盟))?")
_ROAD_NUMBER = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:大道|路|街|巷|道)[0-9]+号(?:院)?")
_FILLER = re.compile(r"[\s,，、。·/\\()（）\-#]+")


def unknown_place_text(prefix: str, known: list[str], regions: set[str] | None = None) -> str:
    """What is left of an address's text before the building once known places are taken out.

    ``known`` are the compound/community names found in it; region names of any level (区, 街道, 社区, 网格),
    a leading province/city and a "XX路12号" are taken out too. Anything left names a place the register does
    not know (an unknown compound), and the address must not match a building of the same number elsewhere.
    """
    rest = normalise_text(prefix)
    names = set(known) | (region_names() if regions is None else regions)
    for name in sorted((n for n in names if n and n in rest), key=len, reverse=True):
        rest = rest.replace(name, " ")
    rest = _PROVINCE_CITY.sub("", rest.strip())
    rest = _ROAD_NUMBER.sub(" ", rest)
    return _FILLER.sub("", rest)


def region_names() -> set[str]:
    """Names of every region (区, 街道, 社区, 网格…), to take out of address texts."""
    return set(Region.objects.values_list("name", flat=True)[:20000])


def _known_place_names_in(prefix: str) -> list[str]:
    from linli.housing.models import Compound

    candidates = set(Compound.objects.values_list("name", flat=True).distinct()[:5000])
    candidates |= set(Region.objects.filter(level__code="community").values_list("name", flat=True))
    found = [n for n in candidates if n and n in prefix]
    # The most specific (longest) names win: "彩虹花园" over "彩虹".
    found.sort(key=len, reverse=True)
    return found[:3]


def grid_for_point(lat, lng) -> Region | None:
    """The grid (the deepest region with a boundary) that contains the point, or None."""
    lat, lng = float(lat), float(lng)
    best = None
    for region in Region.objects.filter(boundary__isnull=False).select_related("level"):
        ring = region.boundary
        if ring and point_in_polygon(lng, lat, ring) and (best is None or region.depth > best.depth):
            best = region
    return best


def nearest_building(lat, lng, *, within: Region | None = None, max_m: float = 500.0) -> Building | None:
    lat, lng = float(lat), float(lng)
    delta = Decimal("0.01")  # about 1 km: a cheap box before exact distances
    qs = Building.objects.filter(
        lat__range=(Decimal(str(lat)) - delta, Decimal(str(lat)) + delta),
        lng__range=(Decimal(str(lng)) - delta, Decimal(str(lng)) + delta),
    )
    if within is not None:
        qs = qs.filter(region_path__startswith=within.path)
    best, best_d = None, max_m
    for building in qs:
        d = distance_m(lat, lng, float(building.lat), float(building.lng))
        if d <= best_d:
            best, best_d = building, d
    return best


def locate(lat, lng) -> tuple[Region | None, Building | None]:
    grid = grid_for_point(lat, lng)
    return grid, nearest_building(lat, lng, within=grid)


# --- points, outlines and the own-geometry base map --------------------------------------------------------

COMPOUND_MARGIN_M = 40.0  # a compound without a drawn outline: the hull of its buildings grown by this much
BUILDING_NEAR_M = 150.0  # "彩虹花园 3栋 附近": the nearest building of the compound the point is in, within this
LONE_BUILDING_M = 30.0  # a building in no compound: only a point on it or right beside it names it
SEARCH_M = 600.0  # buildings and compounds looked at around a point
FOOTPRINT_M = (36.0, 14.0)  # the rectangle drawn for a building whose footprint was never entered


def _box(lat: float, lng: float, metres: float) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    import math

    d_lat = metres / 111_320.0
    d_lng = metres / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    q = Decimal("0.000001")
    return (
        Decimal(lat - d_lat).quantize(q),
        Decimal(lat + d_lat).quantize(q),
        Decimal(lng - d_lng).quantize(q),
        Decimal(lng + d_lng).quantize(q),
    )


def compound_outline(compound, points: list[list[float]]) -> list[list[float]]:
    """The compound's drawn outline, or the hull of its buildings' points ([lng, lat]) grown by a margin."""
    from linli.core.geo import buffered_hull

    if compound.boundary:
        return compound.boundary
    return buffered_hull(points, COMPOUND_MARGIN_M)


def building_footprint(building: Building) -> list[list[float]]:
    from linli.core.geo import rectangle

    if building.footprint:
        return building.footprint
    if building.lat is None:
        return []
    return rectangle(float(building.lng), float(building.lat), *FOOTPRINT_M)


@dataclass
class PointPlace:
    """What a point on the map is: inside which compound, next to which building (both may be None)."""

    compound: "object | None" = None
    building: Building | None = None
    distance_m: float | None = None

    @property
    def label(self) -> str:
        if self.building is not None and self.compound is not None:
            return f"{self.compound.name} {self.building.name} 附近"
        if self.building is not None:
            return f"{self.building.name} 附近"
        if self.compound is not None:
            return f"{self.compound.name}内"
        return ""


BUILDINGS_NEAR = CompiledQuery(
    Building,
    lambda lat0, lat1, lng0, lng1: (
        Building.objects.filter(lat__range=(lat0, lat1), lng__range=(lng0, lng1)).select_related("compound").order_by()
    ),
    lat0=(Building, "lat"),
    lat1=(Building, "lat"),
    lng0=(Building, "lng"),
    lng1=(Building, "lng"),
)


def place_at_point(lat, lng) -> PointPlace:
    """The compound a point lies in and its nearest building there; never a building of another compound.

    A point outside every compound outline names no building (only a building in no compound that the point is
    on or right beside). One query: the buildings within ``SEARCH_M`` of the point, with their compounds. A
    compound without a drawn outline is judged by the hull of those of its buildings (a part of its full hull,
    so a point inside is inside; only a compound wider than ``SEARCH_M`` could be missed).
    """
    from linli.core.geo import distance_m

    lat, lng = float(lat), float(lng)
    lat0, lat1, lng0, lng1 = _box(lat, lng, SEARCH_M)
    near = BUILDINGS_NEAR.fetch(lat0=lat0, lat1=lat1, lng0=lng0, lng1=lng1)
    compounds = {b.compound_id: b.compound for b in near if b.compound_id}
    points: dict[int, list[list[float]]] = {}
    for b in near:
        if b.compound_id and not b.compound.boundary:
            points.setdefault(b.compound_id, []).append([float(b.lng), float(b.lat)])
    inside = {pk for pk, c in compounds.items() if point_in_polygon(lng, lat, compound_outline(c, points.get(pk, [])))}
    best, best_d = None, None
    for b in near:
        if b.lat is None:
            continue
        d = distance_m(lat, lng, float(b.lat), float(b.lng))
        limit = BUILDING_NEAR_M if b.compound_id in inside else (LONE_BUILDING_M if not b.compound_id else -1)
        if d <= limit and (best_d is None or d < best_d):
            best, best_d = b, d
    if best is not None:
        return PointPlace(compound=best.compound if best.compound_id else None, building=best, distance_m=best_d)
    if inside:
        # In a compound with no building near: name the compound (the smallest outline when they overlap).
        from linli.core.geo import bbox

        def size(pk):
            x0, y0, x1, y1 = bbox(compound_outline(compounds[pk], points.get(pk, [])))
            return (x1 - x0) * (y1 - y0)

        return PointPlace(compound=compounds[min(inside, key=size)])
    return PointPlace()


def base_map(*, community: Region) -> dict:
    """GeoJSON of one community's own geometry for a map without tiles: the community and grid outlines,
    compound outlines with names, building footprints with their numbers. Places only: no person, no house."""
    from linli.housing.models import Compound

    features = []

    def feature(kind: str, ring, **props) -> None:
        if ring and len(ring) >= 3:
            closed = ring if ring[0] == ring[-1] else [*ring, ring[0]]
            features.append({"type": "Feature", "properties": {"kind": kind, **props},
                             "geometry": {"type": "Polygon", "coordinates": [closed]}})  # fmt: skip

    feature("community", community.boundary, name=community.name)
    for grid in Region.objects.filter(path__startswith=community.path, depth=community.depth + 1).order_by("path"):
        feature("grid", grid.boundary, name=grid.name)
    buildings = list(
        Building.objects.filter(region_path__startswith=community.path, lat__isnull=False)
        .select_related("compound")
        .order_by("compound_id", "number")
    )
    points: dict[int, list[list[float]]] = {}
    for b in buildings:
        if b.compound_id:
            points.setdefault(b.compound_id, []).append([float(b.lng), float(b.lat)])
    seen = {b.compound_id for b in buildings if b.compound_id}
    for c in Compound.objects.filter(Q(community=community) | Q(pk__in=seen)).order_by("name"):
        feature("compound", compound_outline(c, points.get(c.pk, [])), name=c.name, id=c.pk)
    for b in buildings:
        feature("building", building_footprint(b), name=b.name, number=b.number, id=b.pk,
                compound=b.compound.name if b.compound_id else "")  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


# --- what housing shows on core's pages (registered in apps.py) --------------------------------------------------


def region_buildings(*, user, region: Region) -> dict:
    """The region page's part from housing: the buildings of a grid, red points on the map, the community's base
    map, and how many buildings each child region has ("12 栋楼")."""
    from django.db.models import Count
    from django.urls import reverse

    buildings = list(
        restrict(user, "building.view", Building.objects.filter(region_path__startswith=region.path))[:300]
    )
    children = Region.objects.get_children(region).values("pk")
    per_child = Building.objects.filter(grid__in=children).order_by().values("grid_id").annotate(n=Count("pk"))
    community = region if region.level.code == "community" else None
    if community is None:
        above = Region.objects.get_ancestors(region).select_related("level")
        community = next((a for a in above if a.level.code == "community"), None)
    return {
        "buildings": [b for b in buildings if b.grid_id == region.pk],
        # The own-geometry base (compounds, building footprints) of the community the region is in.
        "map_base": reverse("housing:base_map", args=[community.pk]) if community is not None else None,
        "map_points": [
            {"lat": float(b.lat), "lng": float(b.lng), "name": str(b), "url": b.get_absolute_url()}
            for b in buildings
            if b.lat is not None
        ],
        "child_notes": {row["grid_id"]: f"{row['n']} 栋楼" for row in per_child if row["n"]},
    }


def house_count(user, region=None, *, cap: int | None = None) -> int:
    """Houses the user may see (under ``region``): the 房屋 statistic."""
    from linli.core.statistics import scoped_count

    return scoped_count(user, "house.view", House.objects.all(), region=region, cap=cap)


def building_count(user, region=None, *, cap: int | None = None) -> int:
    """Buildings the user may see (under ``region``): the 楼栋 statistic."""
    from linli.core.statistics import scoped_count

    return scoped_count(user, "building.view", Building.objects.all(), region=region, cap=cap)


def houses_by_region(user, region) -> dict[str, int]:
    """{child region path: houses the user may see} one level below ``region``."""
    from linli.core.statistics import scoped_breakdown

    return scoped_breakdown(user, "house.view", House.objects.all(), region=region)


# --- querysets behind the console pages and the API (the generic views pass them through restrict()) -------


def house_rows(*, detail: bool = False) -> QuerySet[House]:
    """Houses with what a list row (or, ``detail``, the detail page) shows joined in; not yet restricted."""
    if detail:
        return House.objects.select_related("building__compound__community", "building__grid", "unit", "household_unit")
    return House.objects.select_related("building__compound", "unit", "household_unit")


def building_rows() -> QuerySet[Building]:
    return Building.objects.select_related("compound", "grid")


def compound_rows() -> QuerySet[Compound]:
    return Compound.objects.select_related("community", "property_company")


def houses_in_building(*, user, building: Building) -> QuerySet[House]:
    """The houses of a building the user may see, in door order (unit, floor, number)."""
    qs = House.objects.filter(building=building).select_related("unit")
    return restrict(user, "house.view", qs).order_by(*natural("unit__number"), "floor", *natural("number"))


def buildings_in_compound(*, user, compound: Compound) -> QuerySet[Building]:
    return restrict(user, "building.view", Building.objects.filter(compound=compound).select_related("grid"))


def community_for_map(*, user, pk: int) -> Region | None:
    """The community whose base map ``user`` may see: staff who see it, residents whose home is in it."""
    community = Region.objects.filter(pk=pk, level__code="community").first()
    if community is None:
        return None
    if restrict(user, "region.view", Region.objects.filter(pk=community.pk)).exists():
        return community
    if restrict(user, "house.view", House.objects.filter(region_path__startswith=community.path)).exists():
        return community
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    region = getattr(person, "region", None) if person is not None else None
    return community if region is not None and region.path.startswith(community.path) else None


def buildings_with_compound(*, user) -> QuerySet[Building]:
    """Buildings the user may see, with their compound joined in (pickers on forms and the workbench)."""
    return restrict(user, "building.view", Building.objects.select_related("compound"))


def buildings_in_community(community: Region | None) -> QuerySet[Building]:
    """Every building of a community in address order: a resident picks where a problem is (places, no people)."""
    if community is None:
        return Building.objects.none()
    return (
        Building.objects.filter(region_path__startswith=community.path)
        .select_related("compound")
        .order_by("compound__name", *natural("number"))
    )


def place_for_report(*, user, house_id: int | None = None, building_id: int | None = None):
    """The house or building a report names, by primary key without the default ordering's joins.

    A house must lie in the user's scope; a building too, except that a resident may name any building (a
    problem seen in the street). Returns None when there is no such place for the user.
    """
    if house_id is not None:
        if grant_reach(user, "house.view") == OWN_REACH:  # a resident: one query, compiled once per process
            return OWN_HOUSE.first(user_id=user.pk, pk=house_id)
        houses = House.objects.select_related("building__compound", "unit").order_by()
        return restrict(user, "house.view", houses).filter(pk=house_id).first()
    buildings = Building.objects.select_related("compound").order_by()
    if not user.is_staff_role and grant_reach(user, "building.view").nothing:
        return BUILDING.first(pk=building_id)  # a resident may name any building; restrict() would find none
    found = restrict(user, "building.view", buildings).filter(pk=building_id).first()
    if found is None and not user.is_staff_role:
        found = buildings.filter(pk=building_id).first()
    return found


OWN_REACH = Reach(own=True)


def _own_house(user_id, pk):
    """``restrict(resident, "house.view", …).filter(pk=pk).first()`` for a user whose reach is only their own."""
    from linli.core.models import User

    own = scope_for("house").own
    q = Q(pk__in=[]) | own(User(pk=user_id)) if own is not None else Q(pk__in=[])
    houses = House.objects.select_related("building__compound", "unit").order_by().filter(q).filter(pk=pk)
    return houses.order_by("pk")[:1]


OWN_HOUSE = CompiledQuery(House, _own_house, user_id=(House, "id"), pk=(House, "id"))
BUILDING = CompiledQuery(
    Building,
    lambda pk: Building.objects.select_related("compound").order_by().filter(pk=pk).order_by("pk")[:1],
    pk=(Building, "id"),
)


def building_in_region(*, pk, region_path: str) -> Building | None:
    """A building under ``region_path`` (an Open311 key's region): another region's building is as if missing."""
    return (
        Building.objects.select_related("compound")
        .order_by()
        .filter(pk=pk, region_path__startswith=region_path)
        .first()
    )
