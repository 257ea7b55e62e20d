"""Reads on places: address parsing, house lookup by address, and coordinate → grid/building."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from linli.core.geo import distance_m, point_in_polygon
from linli.core.identity import normalise_text
from linli.core.models import Region
from linli.core.scoping import restrict
from linli.housing.models import Building, House

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
