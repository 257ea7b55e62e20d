"""The demo town's plan: communities, grids, 十联户, compounds, buildings and flats, in memory, before any row exists.

One seeded stream draws the whole map, so the region tree (core's demo step) and the houses (housing's step) are
cut from the same plan and agree: a 十联户 is the houses it holds, a grid's polygon holds its buildings. The plan
imports no app; flats carry ``housing.House.Use`` values as plain strings. Names and building types are data
(``core/data/demo_layout.json``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from linli.core.demo import cn_number, load

# 彩虹社区 as counted: 5 grids, 115 十联户, 45 buildings, 1,305 households, 6,908 persons.
BASE_PERSONS, BASE_HOUSEHOLDS, BASE_UNITS = 6908, 1305, 115
HOUSEHOLDS_PER_BUILDING = 29
BUILDINGS_PER_GRID = 9
M_PER_DEG_LAT = 110_574.0

# Household sizes 1–6: how often each occurs among owners and tenants.
OWNER_SIZE_WEIGHTS = [10, 20, 30, 50, 150, 740]
TENANT_SIZE_WEIGHTS = [200, 300, 250, 170, 80, 0]

# housing.House.Use values (the plan cannot import housing).
OWNER_OCCUPIED, RENTED, VACANT, COMMERCIAL = "owner", "rented", "vacant", "commercial"


def layout() -> dict:
    """The reference data of the plan: building types, compound names, the communities."""
    return load("linli.core", "demo_layout.json")


@dataclass(slots=True)
class HousePlan:
    building: int
    unit: int
    floor: int
    number: str
    area: Decimal
    use: str
    hh_unit: int = 0  # index of the 十联户 within the community
    kind: str = ""  # household kind: owner / tenant / overseas; "" when nobody lives here
    size: int = 0
    pk: int = 0


@dataclass
class BuildingPlan:
    number: int
    grid: int
    compound: int
    kind: str
    floors: int
    units: int
    lng: float
    lat: float
    pk: int = 0
    address: str = ""


@dataclass
class GridPlan:
    name: str
    ring: list
    lng: float
    lat: float
    pk: int = 0


@dataclass
class CommunityPlan:
    name: str
    code: str
    lng: float
    lat: float
    ring: list
    grids: list[GridPlan]
    buildings: list[BuildingPlan]
    houses: list[HousePlan]
    compounds: list[str]
    unit_names: list[tuple[int, str]]  # (grid index, name) per 十联户
    unit_centres: list[tuple[float, float]] = field(default_factory=list)
    unit_pks: list[int] = field(default_factory=list)  # Region ids of the 十联户, once created


def lattice(count: int, cell_w: float, cell_h: float, rng: random.Random):
    """``count`` cells tiling a jittered lattice (metres, y north): rings, inner safe rectangles, outer ring."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / cols)
    per_row = [cols] * (rows - 1) + [count - cols * (rows - 1)]
    width, height = cols * cell_w, rows * cell_h
    jx, jy = 0.1 * width / max(per_row), 0.12 * cell_h

    def splits(row):
        return [Fraction(k, per_row[row]) for k in range(per_row[row] + 1)]

    # Horizontal boundaries: polylines shared by the rows above and below, vertices at every column split.
    lines = []
    for b in range(rows + 1):
        xs = set(splits(b - 1) if b else []) | set(splits(b) if b < rows else [])
        xs = sorted(xs)
        xs = sorted(set(xs) | {(a + c) / 2 for a, c in zip(xs, xs[1:], strict=False)})
        y = height - b * cell_h
        lines.append({x: (float(x) * width, y + rng.uniform(-jy, jy)) for x in xs})
    # Vertical boundaries: one jittered middle vertex per column split, shared by the cells either side.
    mids = []
    for r in range(rows):
        y = height - (r + 0.5) * cell_h
        mids.append({x: (float(x) * width + rng.uniform(-jx, jx), y + rng.uniform(-jy, jy)) for x in splits(r)})
    rings, inner = [], []
    for r in range(rows):
        xs = splits(r)
        for k in range(per_row[r]):
            x0, x1 = xs[k], xs[k + 1]
            top = [lines[r][x] for x in sorted(lines[r]) if x0 <= x <= x1]
            bottom = [lines[r + 1][x] for x in sorted(lines[r + 1]) if x0 <= x <= x1]
            ring = [*top, mids[r][x1], *reversed(bottom), mids[r][x0]]
            ring.reverse()  # counter-clockwise, as GeoJSON wants exterior rings
            rings.append([*ring, ring[0]])
            w = float(x1 - x0) * width
            mx, my = 0.2 * w, 0.2 * cell_h
            left = float(x0) * width
            inner.append((left + mx, height - (r + 1) * cell_h + my, left + w - mx, height - r * cell_h - my))
    outer = list(lines[0][x] for x in sorted(lines[0]))
    for r in range(rows):
        outer.append(mids[r][Fraction(1)])
        if r < rows - 1:
            outer.append(lines[r + 1][Fraction(1)])
    outer.extend(lines[rows][x] for x in sorted(lines[rows], reverse=True))
    for r in reversed(range(rows)):
        outer.append(mids[r][Fraction(0)])
        if r > 0:
            outer.append(lines[r][Fraction(0)])
    outer.reverse()
    outer.append(outer[0])
    return rings, inner, outer, width, height


def _to_lnglat(x: float, y: float, origin: tuple[float, float]) -> tuple[float, float]:
    lng0, lat0 = origin
    return (
        round(lng0 + x / (111_320.0 * math.cos(math.radians(lat0))), 6),
        round(lat0 + y / M_PER_DEG_LAT, 6),
    )


def _sizes(rng: random.Random, kinds: list[str], persons: int) -> list[int]:
    """Household sizes (1–6) for the given kinds, adjusted so that they add up to ``persons`` exactly."""
    sizes = []
    for kind in kinds:
        if kind == "overseas":
            sizes.append(rng.choice((1, 1, 2)))
        else:
            weights = OWNER_SIZE_WEIGHTS if kind == "owner" else TENANT_SIZE_WEIGHTS
            sizes.append(rng.choices(range(1, 7), weights=weights)[0])
    order = list(range(len(sizes)))
    rng.shuffle(order)
    diff = persons - sum(sizes)
    limits = {"owner": 6, "tenant": 5, "overseas": 2}
    changed = True
    while diff and changed:  # one person at a time, round-robin, so no household is singled out
        changed = False
        for i in order:
            if diff > 0 and sizes[i] < limits[kinds[i]]:
                sizes[i] += 1
                diff -= 1
                changed = True
            elif diff < 0 and sizes[i] > 1:
                sizes[i] -= 1
                diff += 1
                changed = True
    return sizes


def plan_community(
    rng: random.Random,
    *,
    name: str,
    code: str,
    persons: int,
    centre: tuple[float, float],
    per_building: int = HOUSEHOLDS_PER_BUILDING,
    per_grid: int = BUILDINGS_PER_GRID,
    min_units: int = 1,
    cell: tuple[float, float] = (340.0, 300.0),
    compound_names: tuple[str, ...] = (),
) -> CommunityPlan:
    """Grids, 十联户, compounds, buildings and houses for one community of about ``persons`` people."""
    data = layout()
    building_types = [tuple(t) for t in data["building_types"]]
    prefixes, suffixes = data["compound_prefixes"], data["compound_suffixes"]
    households = max(1, round(persons * BASE_HOUSEHOLDS / BASE_PERSONS))
    n_buildings = max(1, math.ceil(households / per_building))
    n_grids = max(1, math.ceil(n_buildings / per_grid))
    rings_m, inner, outer_m, width, height = lattice(n_grids, cell[0], cell[1], rng)

    def conv(x, y):
        return _to_lnglat(x - width / 2, y - height / 2, centre)

    grids = []
    for g in range(n_grids):
        ring = [list(conv(x, y)) for x, y in rings_m[g]]
        x0, y0, x1, y1 = inner[g]
        lng, lat = conv((x0 + x1) / 2, (y0 + y1) / 2)
        grids.append(GridPlan(name=f"{name}第{cn_number(g + 1)}网格", ring=ring, lng=lng, lat=lat))
    # Households per building, buildings per grid.
    hh_per_b = [households // n_buildings + (1 if i < households % n_buildings else 0) for i in range(n_buildings)]
    buildings, houses = [], []
    compounds: list[str] = []
    used_names = set()

    def new_compound() -> int:
        i = len(compounds)
        if i < len(compound_names):
            cname = compound_names[i]
        else:
            while True:
                cname = rng.choice(prefixes) + rng.choice(suffixes)
                if cname in used_names:
                    cname += f"{cn_number(rng.randint(2, 5))}期"
                if cname not in used_names:
                    break
        used_names.add(cname)
        compounds.append(cname)
        return i

    compound, left_in_compound = -1, 0
    unit_names: list[tuple[int, str]] = []
    for g in range(n_grids):
        members = list(range(g * per_grid, min(n_buildings, (g + 1) * per_grid)))
        x0, y0, x1, y1 = inner[g]
        cols = max(1, math.ceil(math.sqrt(len(members))))
        rows = math.ceil(len(members) / cols)
        sw, sh = (x1 - x0) / cols, (y1 - y0) / rows
        grid_houses_start = len(houses)
        for slot, b in enumerate(members):
            if left_in_compound <= 0:
                compound, left_in_compound = new_compound(), rng.randint(4, 10)
            left_in_compound -= 1
            r, c = divmod(slot, cols)
            x = x0 + (c + 0.5 + rng.uniform(-0.3, 0.3)) * sw
            y = y1 - (r + 0.5 + rng.uniform(-0.3, 0.3)) * sh
            lng, lat = conv(x, y)
            occupied = hh_per_b[b]
            shops = rng.random() < 0.35
            fits = [
                t
                for t in building_types
                if occupied + 2 <= t[1] * t[2] * t[3] - (t[2] * t[3] if shops else 0) <= 2 * occupied + 8
            ]
            if not fits:
                shops = False
                fits = [t for t in building_types if occupied + 2 <= t[1] * t[2] * t[3]]
            if fits:
                kind, floors, units, per_floor = rng.choice(fits)
            else:
                kind, units, per_floor = "高层", 2, 4
                floors = min(33, math.ceil((occupied + 4) / (units * per_floor)))
            plan = BuildingPlan(b + 1, g, compound, kind, floors, units, lng, lat)
            buildings.append(plan)
            residential = []
            for u in range(1, units + 1):
                for f in range(1, floors + 1):
                    for n in range(1, per_floor + 1):
                        shop = shops and f == 1
                        if shop:
                            area = Decimal(rng.randint(4500, 12000)) / 100
                        elif kind == "多层":
                            area = (
                                Decimal(
                                    rng.choice((5800, 6500, 7500, 8800, 9600, 10500, 11800, 12600))
                                    + rng.randint(-300, 300)
                                )
                                / 100
                            )
                        else:
                            area = Decimal(rng.randint(8000, 16000)) / 100
                        house = HousePlan(b, u, f, f"{f}{n:02d}", area, COMMERCIAL if shop else VACANT)
                        houses.append(house)
                        if not shop:
                            residential.append(house)
            for house in rng.sample(residential, min(occupied, len(residential))):
                roll = rng.random()
                house.kind = "tenant" if roll < 0.11 else "owner"
                house.use = RENTED if house.kind == "tenant" else OWNER_OCCUPIED
        # 十联户: consecutive houses of the grid, about 11 households each.
        grid_houses = houses[grid_houses_start:]
        occupied = sum(1 for h in grid_houses if h.kind)
        n_units = max(min_units, round(occupied * BASE_UNITS / BASE_HOUSEHOLDS))
        n_units = max(1, min(n_units, len(grid_houses)))
        first = len(unit_names)
        for u in range(n_units):
            unit_names.append((g, f"第{cn_number(g + 1)}网格{u + 1}号十联户"))
        seen = 0
        for i, house in enumerate(grid_houses):
            base = seen if occupied else i
            total = occupied if occupied else len(grid_houses)
            house.hh_unit = first + min(n_units - 1, base * n_units // total)
            if house.kind:
                seen += 1
    # A few tenants are foreigners (境外人员).
    tenants = [h for h in houses if h.kind == "tenant"]
    for house in rng.sample(tenants, min(len(tenants), max(1, round(households * 0.0015)))):
        house.kind = "overseas"
    occupied = [h for h in houses if h.kind]
    for house, size in zip(occupied, _sizes(rng, [h.kind for h in occupied], persons), strict=True):
        house.size = size
    outer = [list(conv(x, y)) for x, y in outer_m]
    # 十联户 centres: the mean position of the buildings their houses are in.
    sums: dict[int, list[float]] = {}
    for house in houses:
        b = buildings[house.building]
        acc = sums.setdefault(house.hh_unit, [0.0, 0.0, 0])
        acc[0] += b.lng
        acc[1] += b.lat
        acc[2] += 1
    centres = [(round(sums[i][0] / sums[i][2], 6), round(sums[i][1] / sums[i][2], 6)) for i in range(len(unit_names))]
    return CommunityPlan(
        name=name,
        code=code,
        lng=centre[0],
        lat=centre[1],
        ring=outer,
        grids=grids,
        buildings=buildings,
        houses=houses,
        compounds=compounds,
        unit_names=unit_names,
        unit_centres=centres,
    )


def plan_all(persons: int, seed) -> list[tuple[str, str, CommunityPlan]]:
    """The communities to build, in order: (street name, street code, plan); 彩虹社区 first."""
    data = layout()
    main_spec = data["main"]
    centre_lng, centre_lat = main_spec["centre"]
    rng = random.Random(f"{seed}:layout")
    main = plan_community(
        rng,
        name=main_spec["name"],
        code=main_spec["code"],
        persons=persons,
        centre=(centre_lng, centre_lat),
        compound_names=tuple(data["main_compounds"]),
    )
    # The small communities sit a couple of kilometres beyond the main one, however large it grows.
    xs = [p[0] for p in main.ring]
    ys = [p[1] for p in main.ring]
    east = (max(xs) + 0.02, centre_lat + 0.004)
    south = (centre_lng - 0.008, min(ys) - 0.02)
    out = [(main_spec["street"], main_spec["street_code"], main)]
    for spec, centre in zip(data["other_communities"], (east, south), strict=True):
        plan = plan_community(
            rng,
            name=spec["name"],
            code=spec["code"],
            persons=spec["persons"],
            centre=centre,
            per_building=5,
            per_grid=2,
            min_units=2,
            cell=(260.0, 240.0),
            compound_names=tuple(spec["compounds"]),
        )
        out.append((spec["street"], spec["street_code"], plan))
    return out
