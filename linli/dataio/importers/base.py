"""What every import shares: the report, scope checks by region path, grid and house resolution, traces."""

import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from linli.core.bulk import change_rows, snapshot
from linli.core.models import ObjectChange, Region, User
from linli.core.scoping import grant_reach
from linli.dataio import cells
from linli.dataio.cells import CellError
from linli.housing.models import Building, Compound, House, Unit
from linli.housing.selectors import parse_address, region_names, unknown_place_text

MAX_STORED_PROBLEMS = 1000
MAX_STORED_CHANGES = 300
CHUNK = 2000

__all__ = ["change_rows", "snapshot"]  # written once in core.bulk; importers name them from here


class ImportAborted(Exception):
    """The plan has problems: nothing is written (raised inside the commit transaction to roll it back)."""


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    warnings: list[dict] = field(default_factory=list)
    details: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    changes: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    # Every problem of every row, unmasked and uncapped, for the problem-rows file (never stored in the report).
    by_row: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    _seen: set = field(default_factory=set)

    def error(self, row: int | None, column: str, message: str) -> None:
        key = (row, column, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.error_count += 1
        if row is not None:
            self.by_row[row].append(f"{column}：{message}" if column else message)
        if len(self.errors) < MAX_STORED_PROBLEMS:
            self.errors.append({"row": row, "column": column, "message": cells.redact(message)})

    def warning(self, row: int | None, column: str, message: str) -> None:
        if len(self.warnings) < MAX_STORED_PROBLEMS:
            self.warnings.append({"row": row, "column": column, "message": cells.redact(message)})

    def change(self, row: int, name: str, fields: list[str]) -> None:
        if len(self.changes) < MAX_STORED_CHANGES:
            self.changes.append({"row": row, "name": name, "fields": fields})

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_dict(self) -> dict:
        self.errors.sort(key=lambda e: (e["row"] or 0, e["column"]))
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rows": self.rows,
            "errors": self.errors,
            "error_count": self.error_count,
            "warnings": self.warnings,
            "details": dict(self.details),
            "changes": self.changes,
            **self.meta,
        }


def strip_label(message: str) -> str:
    """'身份证号：校验位错误' → '校验位错误' (the report names the user's own column instead)."""
    head, sep, rest = message.partition("：")
    return rest if sep and len(head) <= 12 else message


def path_checker(user: User | None, action: str) -> Callable[[str], bool]:
    """A fast in-memory ``allows_in_region`` for region paths (system imports, user=None, may do anything)."""
    if user is None:
        return lambda path: True
    return grant_reach(user, action).covers_path


def scope_prefixes(user: User | None, action: str) -> list[str] | None:
    """Region paths where ``action`` is allowed (None: everywhere)."""
    if user is None:
        return None
    reach = grant_reach(user, action)
    return None if reach.all else list(reach.prefixes)


def prefix_q(prefixes: list[str] | None, column: str = "region_path") -> Q:
    if prefixes is None:
        return Q()
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(**{f"{column}__startswith": p})
    return q


@dataclass
class Context:
    user: User | None
    action: str  # e.g. "person.import"
    create_houses: bool = False
    commit: bool = False
    batch_id: int | None = None
    progress: Callable[[int, int], None] = lambda done, total: None
    skip_invalid: bool = False  # write the valid rows even when others have problems

    def writes(self, report: "Report") -> bool:
        """Whether this run writes: a commit with no problems, or with problems when only valid rows go in."""
        return self.commit and (report.ok or self.skip_invalid)

    @property
    def request_id(self) -> str:
        return f"import-{self.batch_id}" if self.batch_id else "import"


class Traces:
    """Collects what a commit created and changed, then writes ImportTrace rows in chunks."""

    def __init__(self):
        self.items: list[tuple[str, str, list[int], dict]] = []

    def add(
        self, model: str, op: str, ids: list[int], before: dict | None = None, prints: list[str] | None = None
    ) -> None:
        """Record ``ids``; ``prints`` (their fingerprints, see rollback.FINGERPRINT_FIELDS) saves reading them back."""
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            known = prints[start : start + 1000] if prints is not None else None
            self.items.append((model, op, chunk, {str(i): before[i] for i in chunk} if before else {}, known))

    def save(self, batch) -> None:
        from linli.dataio.models import ImportTrace
        from linli.dataio.rollback import fingerprints

        rows = []
        for seq, (model, op, ids, before, known) in enumerate(self.items):
            if known is None:
                found = fingerprints(model, ids)
                known = [found.get(i, "") for i in ids]
            rows.append(
                ImportTrace(batch_id=batch, seq=seq, model=model, op=op, ids=ids, versions=known, before=before)
            )
        ImportTrace.objects.bulk_create(rows, batch_size=200)


# --- regions by name ---------------------------------------------------------------------------------------


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ORDINAL = re.compile(r"第?([0-9]+|[零〇一二两三四五六七八九十百]+)号?(?=网格|十联户|联户|片区)")


def _cn_number(text: str) -> int:
    """'3' → 3, '十二' → 12, '二十' → 20, '一百零五' → 105."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGIT[ch]
    return total + current


def region_key(text) -> str:
    """Grid names as users write them: "第一网格", "一网格", "第1网格", "1号网格" → "1网格"."""
    return _ORDINAL.sub(lambda m: str(_cn_number(m.group(1))), cells.compact(text))


class RegionResolver:
    """Grid / 十联户 names → regions the user may import into.

    Understood as users write them within their community: "第一网格", "一网格", "1网格" or "第1网格" for the grid
    named "第一网格" or "彩虹社区第一网格" (demo grids carry their community's name); "彩虹社区第一网格" when the
    short name repeats in the user's scope.
    """

    def __init__(self, user: User | None, action: str):
        prefixes = scope_prefixes(user, action)
        qs = Region.objects.filter(level__code__in=("grid", "unit")).select_related("level")
        if prefixes is not None:
            qs = qs.filter(prefix_q(prefixes, "path"))
        self.by_name: dict[str, list[Region]] = defaultdict(list)
        regions = list(qs)
        paths = {r.path[: -Region.steplen] for r in regions if r.depth > 1}
        parents = {p.path: p for p in Region.objects.filter(path__in=paths)}
        for region in regions:
            keys = {region_key(region.name)}
            parent = parents.get(region.path[: -Region.steplen])
            if parent is not None:
                keys.add(region_key(parent.name + region.name))
                if region.name.startswith(parent.name) and len(region.name) > len(parent.name):
                    keys.add(region_key(region.name[len(parent.name) :]))
            for key in keys:
                self.by_name[key].append(region)

    def resolve(self, value, *, level: str | None = None) -> Region:
        name = cells.compact(value)
        found = [r for r in self.by_name.get(region_key(name), []) if level is None or r.level.code == level]
        if not found:
            raise CellError(f"未找到“{name}”（或不在您的管辖范围内）")
        if len({r.pk for r in found}) > 1:
            raise CellError(f"有多个“{name}”，请写上社区名称，如“彩虹社区{name}”")
        return found[0]


# --- houses by address -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressRef:
    compound: str  # compound (or community) text, may be empty
    building: str
    unit: str
    room: str


def address_from_row(values: dict) -> AddressRef | None:
    """The row's address from 小区/楼栋/单元/房号 columns, or parsed from one 住址 column; None if no address."""
    if values.get("building") not in (None, "") or values.get("room") not in (None, ""):
        return AddressRef(
            compound=sys.intern(cells.compact(values.get("compound"))),
            building=sys.intern(cells.building_number(values.get("building"))),
            unit=sys.intern(cells.unit_number(values.get("unit"))),
            room=sys.intern(cells.room_number(values.get("room"))),
        )
    text = values.get("address")
    if text in (None, ""):
        return None
    compound_text = cells.compact(values.get("compound"))
    parts = parse_address(cells.text(text))
    if parts is None:
        raise CellError(f"无法识别地址“{cells.text(text)}”，请写成“小区名3栋2单元501室”或“3-2-501”")
    return AddressRef(
        compound=sys.intern(compound_text or parts.prefix),
        building=sys.intern(parts.building),
        unit=sys.intern(parts.unit),
        room=sys.intern(parts.room),
    )


@dataclass
class HouseHit:
    id: int | None
    region_path: str
    region_id: int
    label: str
    planned_key: tuple | None = None  # set when the house is to be created
    household_unit_id: int | None = None
    version: int = 0


class HouseResolver:
    """Resolves addresses to houses in the user's scope, loading only the buildings the file names.

    With ``create`` on, a missing house in a known building (or a missing building when the row names its grid)
    is planned and created in bulk at commit.
    """

    def __init__(self, ctx: Context, refs: list[AddressRef], *, house_action: str = "house.add"):
        self.ctx = ctx
        self.can_import = path_checker(ctx.user, ctx.action)
        self.can_add_house = path_checker(ctx.user, house_action)
        numbers = {r.building for r in refs if r.building}
        prefixes = scope_prefixes(ctx.user, ctx.action)
        qs = Building.objects.filter(number__in=numbers).select_related("compound__community", "grid")
        if prefixes is not None:
            qs = qs.filter(prefix_q(prefixes))
        self.buildings = list(qs)
        self.by_number: dict[str, list[Building]] = defaultdict(list)
        for b in self.buildings:
            self.by_number[b.number.upper()].append(b)
        self.compound_names = sorted({b.compound.name for b in self.buildings if b.compound_id}, key=len, reverse=True)
        self.community_names = sorted(
            {b.compound.community.name for b in self.buildings if b.compound_id}
            | set(Region.objects.filter(level__code="community").values_list("name", flat=True)[:5000]),
            key=len,
            reverse=True,
        )
        self.houses: dict[tuple, HouseHit] = {}
        self.units: dict[tuple[int, str], Unit] = {}
        ids = [b.pk for b in self.buildings]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for unit in Unit.objects.filter(building_id__in=chunk):
                self.units[(unit.building_id, unit.number)] = unit
            rows = House.objects.filter(building_id__in=chunk).values(
                "pk", "building_id", "unit__number", "number", "region_path", "household_unit_id", "version"
            )
            for h in rows:
                key = (h["building_id"], h["unit__number"] or "", h["number"].upper())
                self.houses[key] = HouseHit(
                    h["pk"], h["region_path"], 0, "", household_unit_id=h["household_unit_id"], version=h["version"]
                )
        self.building_by_id = {b.pk: b for b in self.buildings}
        self.region_names: set[str] | None = None
        self.planned: dict[tuple, dict] = {}
        self.planned_buildings: dict[tuple, dict] = {}

    def _label(self, building: Building, unit: str, room: str) -> str:
        return f"{building}{unit + '单元' if unit else ''}{room}室"

    def building_for(self, ref: AddressRef, *, grid: Region | None = None) -> Building | dict:
        candidates = self.by_number.get(ref.building.upper(), [])
        if ref.compound:
            compound = next((n for n in self.compound_names if n in ref.compound), None)
            if compound is not None:
                candidates = [b for b in candidates if b.compound_id and b.compound.name == compound]
            else:
                community = next((n for n in self.community_names if n in ref.compound), None)
                if self.region_names is None:
                    self.region_names = region_names()
                if community is not None and unknown_place_text(ref.compound, [community], self.region_names):
                    # "彩虹社区幸福小区" where the community has no 幸福小区: not some other compound's building.
                    if not self.ctx.create_houses:
                        raise CellError(f"未找到小区“{ref.compound}”（或不在您的管辖范围内）")
                    candidates = []
                elif community is not None:
                    candidates = [b for b in candidates if b.compound_id and b.compound.community.name == community]
                elif candidates and not self.ctx.create_houses:
                    raise CellError(f"未找到小区“{ref.compound}”（或不在您的管辖范围内）")
                else:
                    candidates = []
        if len(candidates) > 1:
            names = "、".join(sorted({b.compound.name if b.compound_id else "无小区" for b in candidates}))
            raise CellError(f"有多个“{ref.building}栋”（{names}），请填写小区名称")
        if candidates:
            return candidates[0]
        if self.ctx.create_houses and grid is not None:
            if not self.can_add_house(grid.path):
                raise CellError(f"网格“{grid.name}”不在您的管辖范围内，不能新建楼栋")
            key = (ref.compound, ref.building.upper(), grid.pk)
            self.planned_buildings.setdefault(key, {"compound": ref.compound, "number": ref.building, "grid": grid})
            return self.planned_buildings[key]
        where = f"{ref.compound}" if ref.compound else ""
        hint = (
            "；如需新建楼栋，请勾选“自动新建缺失房屋”并填写“网格”列"
            if grid is None or not self.ctx.create_houses
            else ""
        )
        raise CellError(f"未找到楼栋“{where}{ref.building}栋”（或不在您的管辖范围内）{hint}")

    def resolve(self, ref: AddressRef, *, grid: Region | None = None) -> HouseHit:
        if not ref.building or not ref.room:
            raise CellError("地址不完整：至少需要楼栋和房号")
        building = self.building_for(ref, grid=grid)
        if isinstance(building, dict):  # a building to be created
            key = ("new", ref.compound, ref.building.upper(), building["grid"].pk, ref.unit, ref.room)
            label = f"{ref.compound}{ref.building}栋{ref.unit + '单元' if ref.unit else ''}{ref.room}室"
            self.planned.setdefault(key, {"building": building, "unit": ref.unit, "room": ref.room, "label": label})
            return HouseHit(None, building["grid"].path, building["grid"].pk, label, planned_key=key)
        key = (building.pk, ref.unit, ref.room.upper())
        hit = self.houses.get(key)
        if hit is None and not ref.unit:
            # "3栋501" written without the unit: accept when exactly one unit of the building has room 501.
            matches = [h for k, h in self.houses.items() if k[0] == building.pk and k[2] == ref.room.upper()]
            if len(matches) == 1:
                hit = matches[0]
        if hit is not None:
            if not self.can_import(hit.region_path):
                raise CellError(f"房屋“{self._label(building, ref.unit, ref.room)}”不在您的管辖范围内")
            hit.label = hit.label or self._label(building, ref.unit, ref.room)
            hit.region_id = hit.region_id or (hit.household_unit_id or building.grid_id)
            return hit
        label = self._label(building, ref.unit, ref.room)
        if not self.ctx.create_houses:
            raise CellError(f"未找到房屋“{label}”（勾选“自动新建缺失房屋”可一并新建）")
        if not self.can_add_house(building.region_path):
            raise CellError(f"楼栋“{building}”不在您的管辖范围内，不能新建房屋")
        self.planned.setdefault(key, {"building": building, "unit": ref.unit, "room": ref.room, "label": label})
        return HouseHit(None, building.region_path, building.grid_id, label, planned_key=key)

    def grid_path_of(self, hit: HouseHit) -> str:
        if hit.planned_key is not None:
            building = self.planned[hit.planned_key]["building"]
            return building["grid"].path if isinstance(building, dict) else building.grid.path
        return Region.objects.filter(buildings__houses=hit.id).values_list("path", flat=True).first() or ""

    def create_planned(self, traces: Traces, changes: list, extra_fields: dict | None = None) -> dict[tuple, House]:
        """Create the planned buildings, units and houses in bulk; return planned key → House."""
        from linli.housing import services as housing_services

        ctx = self.ctx
        buildings: dict[tuple, Building] = {}
        created_buildings, created_compounds = [], []
        for key, plan in self.planned_buildings.items():
            grid = plan["grid"]
            compound = None
            if plan["compound"]:
                community = (
                    Region.objects.get_parent(grid)
                    if grid.level.code == "grid"
                    else Region.objects.get_parent(Region.objects.get_parent(grid))
                )
                compound = Compound.objects.filter(name=plan["compound"], community=community).first()
                if compound is None:
                    compound = housing_services.compound_create(
                        actor=ctx.user, name=plan["compound"], community=community
                    )
                    created_compounds.append(compound.pk)
            existing = Building.objects.filter(compound=compound, number=plan["number"]).first()
            if existing is None:
                existing = housing_services.building_create(
                    actor=ctx.user, grid=grid, number=plan["number"], compound=compound
                )
                created_buildings.append(existing.pk)
            buildings[key] = existing
        traces.add("housing.Compound", "create", created_compounds)
        traces.add("housing.Building", "create", created_buildings)
        new_units = []
        for plan in self.planned.values():
            building = plan["building"]
            if isinstance(building, dict):
                building = buildings[(building["compound"], building["number"].upper(), building["grid"].pk)]
                plan["building"] = building
            if plan["unit"] and (building.pk, plan["unit"]) not in self.units:
                unit = Unit(building=building, number=plan["unit"])
                self.units[(building.pk, plan["unit"])] = unit
                new_units.append(unit)
        Unit.objects.bulk_create(new_units, batch_size=1000)
        traces.add("housing.Unit", "create", [u.pk for u in new_units])
        houses = []
        out: dict[tuple, House] = {}
        for key, plan in self.planned.items():
            building = plan["building"]
            unit = self.units.get((building.pk, plan["unit"])) if plan["unit"] else None
            room = plan["room"]
            floor = int(room[:-2]) if room.isdigit() and len(room) >= 3 else None
            fields = dict(extra_fields.get(key, {})) if extra_fields else {}
            household_unit = fields.pop("household_unit", None)
            house = House(
                building=building,
                unit=unit,
                number=room,
                floor=fields.pop("floor", floor),
                household_unit=household_unit,
                region_path=household_unit.path if household_unit else building.region_path,
                **fields,
            )
            houses.append(house)
            out[key] = house
        House.objects.bulk_create(houses, batch_size=1000)
        traces.add("housing.House", "create", [h.pk for h in houses])
        changes.extend(
            change_rows(actor=ctx.user, objs=houses, action=ObjectChange.Action.CREATE, request_id=ctx.request_id)
        )
        return out


def household_unit_number(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))
