"""Writes on compounds, buildings, units and houses. Scope is re-checked inside each transaction."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from linli.core import audit
from linli.core.errors import ConflictError, DomainError
from linli.core.models import ObjectChange, Organisation, Region, User
from linli.core.scoping import require_in_region, restrict
from linli.housing import signals
from linli.housing.models import Building, Compound, House, Unit


def parse_area(value, *, field: str = "建筑面积") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        area = Decimal(str(value).replace("㎡", "").replace("平方米", "").replace("平米", "").strip())
    except InvalidOperation:
        raise DomainError(f"{field}：“{value}”不是数字", field=field)
    if area <= 0 or area > Decimal("100000"):
        raise DomainError(f"{field}：“{value}”超出合理范围", field=field)
    return area.quantize(Decimal("0.01"))


@transaction.atomic
def compound_create(
    *, actor: User | None, name: str, community: Region, property_company: Organisation | None = None, **extra
) -> Compound:
    require_in_region(actor, "compound.add", community, "小区")
    if Compound.objects.filter(community=community, name=name).exists():
        raise DomainError(f"小区名称：“{name}”在{community.name}已存在", field="name")
    compound = Compound.objects.create(
        name=name, community=community, region_path=community.path, property_company=property_company, **extra
    )
    audit.log_change(actor=actor, obj=compound, action=ObjectChange.Action.CREATE, before=None)
    return compound


@transaction.atomic
def building_create(
    *,
    actor: User | None,
    grid: Region,
    number: str,
    compound: Compound | None = None,
    name: str = "",
    floors: int | None = None,
    lat=None,
    lng=None,
    address: str = "",
) -> Building:
    require_in_region(actor, "building.add", grid, "楼栋")
    number = str(number).strip()
    if not number:
        raise DomainError("楼栋号：不能为空", field="number")
    if Building.objects.filter(compound=compound, number=number).exists():
        raise DomainError(f"楼栋号：“{number}”在该小区已存在", field="number")
    building = Building.objects.create(
        grid=grid,
        region_path=grid.path,
        compound=compound,
        number=number,
        name=name or f"{number}栋",
        floors=floors,
        lat=lat,
        lng=lng,
        address=address,
    )
    audit.log_change(actor=actor, obj=building, action=ObjectChange.Action.CREATE, before=None)
    return building


def unit_for(building: Building, number: str | None) -> Unit | None:
    if not number:
        return None
    unit, _ = Unit.objects.get_or_create(building=building, number=str(number).strip())
    return unit


def _house_region_path(building: Building, household_unit: Region | None) -> str:
    if household_unit is not None:
        if not household_unit.path.startswith(building.grid.path):
            raise DomainError(
                f"十联户：“{household_unit.name}”不在楼栋所属网格“{building.grid.name}”内", field="十联户"
            )
        return household_unit.path
    return building.grid.path


@transaction.atomic
def house_create(
    *,
    actor: User | None,
    building: Building,
    number: str,
    unit_number: str | None = None,
    floor: int | None = None,
    area=None,
    use: str = House.Use.OWNER_OCCUPIED,
    household_unit: Region | None = None,
) -> House:
    require_in_region(actor, "house.add", household_unit or building.grid, "房屋")
    number = str(number).strip()
    if not number:
        raise DomainError("房号：不能为空", field="number")
    if use not in House.Use.values:
        raise DomainError(f"房屋用途：“{use}”无效，应为 自住/出租/空置/商用", field="use")
    unit = unit_for(building, unit_number)
    if House.objects.filter(building=building, unit=unit, number=number).exists():
        raise DomainError(f"房号：{building}{unit.number + '单元' if unit else ''}{number}室已存在", field="number")
    if floor is None and number.isdigit() and len(number) >= 3:
        floor = int(number[:-2])
    house = House.objects.create(
        building=building,
        unit=unit,
        number=number,
        floor=floor,
        area=parse_area(area),
        use=use,
        household_unit=household_unit,
        region_path=_house_region_path(building, household_unit),
    )
    audit.log_change(actor=actor, obj=house, action=ObjectChange.Action.CREATE, before=None)
    return house


@transaction.atomic
def house_update(*, actor: User | None, house: House, version: int, **changes) -> House:
    """Update a house if nobody else did since ``version`` was read (compare-and-set)."""
    if actor is not None and not restrict(actor, "house.change").filter(pk=house.pk).exists():
        raise DomainError("房屋：您没有修改该房屋的权限", field="house")
    before = audit.snapshot(house)
    allowed = {"floor", "area", "use", "household_unit"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"不能修改字段：{', '.join(sorted(unknown))}")
    if "area" in changes:
        changes["area"] = parse_area(changes["area"])
    if "use" in changes and changes["use"] not in House.Use.values:
        raise DomainError("房屋用途：无效", field="use")
    if "household_unit" in changes:
        unit = changes["household_unit"]
        changes["region_path"] = _house_region_path(house.building, unit)
        if unit is not None:
            require_in_region(actor, "house.change", unit, "十联户")
    updated = House.objects.filter(pk=house.pk, version=version).update(version=version + 1, **changes)
    if not updated:
        raise ConflictError()
    house.refresh_from_db()
    if "region_path" in changes:
        signals.house_region_changed.send(sender=House, house=house)
    audit.log_change(actor=actor, obj=house, action=ObjectChange.Action.UPDATE, before=before)
    return house


@transaction.atomic
def draw_outlines(*, community: Region, margin_m: float = 18.0) -> int:
    """Fill in the missing geometry of a community's places so its map reads like a map: each building without a
    footprint gets a rectangle at its point (a slab for up to 11 floors, a tower above), each compound without an
    outline the hull of its buildings' footprints grown by ``margin_m``. Drawn outlines are never replaced.
    Returns the number of rows changed. Used by the demo data; a deployment may run it once after an import."""
    from linli.core.geo import buffered_hull, rectangle

    buildings = list(Building.objects.filter(region_path__startswith=community.path, lat__isnull=False).order_by("pk"))
    changed = []
    for b in buildings:
        if not b.footprint:
            tower = (b.floors or 6) > 11
            width, depth = (26.0, 20.0) if tower else (48.0, 13.0)
            b.footprint = rectangle(
                float(b.lng), float(b.lat), width, depth, angle_deg=(sum(map(ord, b.number)) % 3 - 1) * 4
            )
            changed.append(b)
    Building.objects.bulk_update(changed, ["footprint"], batch_size=500)
    corners: dict[int, list] = {}
    for b in buildings:
        if b.compound_id and b.footprint:
            corners.setdefault(b.compound_id, []).extend(b.footprint)
    compounds = list(Compound.objects.filter(pk__in=corners, boundary__isnull=True))
    for c in compounds:
        c.boundary = [[round(x, 7), round(y, 7)] for x, y in buffered_hull(corners[c.pk], margin_m)]
    Compound.objects.bulk_update(compounds, ["boundary"], batch_size=500)
    return len(changed) + len(compounds)
