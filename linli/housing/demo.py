"""Demo housing: the compounds, buildings, entrances and flats of the town plan (``core/demo_layout.py``).

Runs after core's step, which planned the town and made its regions and property companies. Compounds and
buildings go through the services (addresses, outlines); flats come by the thousand and are bulk-inserted with the
columns ``house_create`` would set. The plan's houses learn their ids here, for the people step.
"""

from __future__ import annotations

from django.db import transaction

from linli.core.demo import BATCH, DemoContext, dec, load
from linli.housing import services as housing_services
from linli.housing.models import Building, Compound, House, Unit


def run(ctx: DemoContext) -> None:
    roads = load("linli.housing", "demo_housing.json")["roads"]
    main = ctx.plans[0][2]
    for _, _, plan in ctx.plans:
        _community(ctx, plan, roads, main=plan is main)
    ctx.count("小区", Compound.objects.count())
    ctx.count("楼栋", Building.objects.count())
    ctx.count("房屋", House.objects.count())


def _community(ctx: DemoContext, plan, roads: list[str], main: bool) -> None:

    rng = ctx.rng
    community = ctx[f"community:{plan.code}"]
    companies = ctx["property_companies"]
    with transaction.atomic():
        compounds = []
        for i, name in enumerate(plan.compounds):
            members = [b for b in plan.buildings if b.compound == i]
            company = companies[0] if i == 0 and main else rng.choice(companies)
            road = rng.choice(roads)
            compounds.append(
                housing_services.compound_create(
                    actor=None,
                    name=name,
                    community=community,
                    property_company=company,
                    address=f"安顺市西秀区{road}{rng.randint(1, 300)}号",
                    lat=dec(sum(b.lat for b in members) / len(members)),
                    lng=dec(sum(b.lng for b in members) / len(members)),
                )
            )
        grids = {g: ctx.regions[grid.pk] for g, grid in enumerate(plan.grids)}
        for b in plan.buildings:
            compound = compounds[b.compound]
            building = housing_services.building_create(
                actor=None,
                grid=grids[b.grid],
                number=str(b.number),
                compound=compound,
                name=f"{b.number}栋",
                floors=b.floors,
                lat=dec(b.lat),
                lng=dec(b.lng),
                address=f"{compound.address}{compound.name}{b.number}栋",
            )
            b.pk = building.pk
            b.address = building.address
        housing_services.draw_outlines(community=community)
        # 单元 (entrances), then houses in bulk with the columns house_create would set.
        units = [Unit(building_id=b.pk, number=str(u)) for b in plan.buildings for u in range(1, b.units + 1)]
        Unit.objects.bulk_create(units, batch_size=BATCH)
        unit_pk = {
            (building_id, number): pk
            for pk, building_id, number in Unit.objects.filter(building__compound__community=community).values_list(
                "pk", "building_id", "number"
            )
        }
        for start in range(0, len(plan.houses), BATCH):
            chunk = plan.houses[start : start + BATCH]
            objs = []
            for h in chunk:
                b = plan.buildings[h.building]
                region = plan.unit_pks[h.hh_unit]
                objs.append(
                    House(
                        building_id=b.pk,
                        unit_id=unit_pk[(b.pk, str(h.unit))],
                        floor=h.floor,
                        number=h.number,
                        area=h.area,
                        use=h.use,
                        household_unit_id=region,
                        region_path=ctx.paths[region],
                    )
                )
            if ctx.copy:
                ctx.reserve_ids(House, objs)
            ctx.save(House, objs)
            if any(o.pk is None for o in objs):  # databases that cannot return ids from bulk inserts
                lookup = {
                    (bid, uid, num): pk
                    for pk, bid, uid, num in House.objects.filter(building__compound__community=community).values_list(
                        "pk", "building_id", "unit_id", "number"
                    )
                }
                for o in objs:
                    o.pk = lookup[(o.building_id, o.unit_id, o.number)]
            for h, o in zip(chunk, objs, strict=True):
                h.pk = o.pk
    ctx.log(
        f"  {plan.name}：{len(plan.compounds)} 个小区，{len(plan.buildings)} 栋楼，{len(plan.houses):,} 套房屋"
        f"（{ctx.elapsed():.0f} 秒）"
    )
