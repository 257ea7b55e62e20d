"""Demo 产权人: every house of the demo resident's compound gets its owner(s) from the register.

Owner-occupied flats are held by their 业主 residents (two owner residents: co-owners, half each); of the flats
without an owner resident some are held by owners who already live in the compound (two or more units each) and
the rest are still held by the developer (未售出). A house without a registered area gets one, so the compound
can hold an owners' vote.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from linli.core.demo import DemoContext
from linli.housing.models import Compound, House
from linli.people import services as people_services
from linli.people.models import Entity, Ownership, Person, Residency


def demo_compound(ctx: DemoContext) -> Compound | None:
    """The compound of the demo resident's home (else the main community's first compound with houses)."""
    user = ctx.users.get("resident")
    person = Person.objects.filter(user=user).first() if user else None
    if person is not None:
        res = person.residencies.filter(end__isnull=True, house__building__compound__isnull=False).first()
        if res is not None:
            return res.house.building.compound
    community = ctx.get("main_community")
    qs = Compound.objects.all()
    if community is not None:
        qs = qs.filter(community=community)
    return next((c for c in qs.order_by("pk") if House.objects.filter(building__compound=c).exists()), None)


@transaction.atomic
def run(ctx: DemoContext) -> None:
    compound = demo_compound(ctx)
    if compound is None:
        return
    rng = ctx.random("ownership")
    houses = list(House.objects.filter(building__compound=compound).select_related("building").order_by("pk"))
    for house in houses:
        if house.area is None:
            house.area = Decimal(rng.randrange(5500, 14000)) / 100
            House.objects.filter(pk=house.pk).update(area=house.area)
    owners: dict[int, list[int]] = {}
    for house_id, person_id in (
        Residency.objects.filter(house__in=houses, kind=Residency.Kind.OWNER, end__isnull=True)
        .order_by("house_id", "pk")
        .values_list("house_id", "person_id")
    ):
        if len(owners.setdefault(house_id, [])) < 2:
            owners[house_id].append(person_id)
    resident = ctx.users.get("resident")
    me = Person.objects.filter(user=resident).first() if resident else None
    if me is not None:
        mine = me.residencies.filter(end__isnull=True, house__in=houses).first()
        if mine is not None:
            owners[mine.house_id] = [me.pk]
    unowned = [h for h in houses if h.pk not in owners]
    rng.shuffle(unowned)
    buyers = [pids[0] for pids in owners.values() if len(pids) == 1 and pids[0] != (me.pk if me else None)]
    rng.shuffle(buyers)
    # About a third of the flats without an owner resident: bought by owners living here (2+ units each).
    second = unowned[: max(2, len(unowned) // 3)] if buyers else []
    for n, house in enumerate(second):
        owners[house.pk] = [buyers[(n // 2) % len(buyers)]]
    developer_units = [h for h in unowned if h not in second]
    developer = None
    if developer_units:
        grid = developer_units[0].building.grid
        developer = Entity.objects.filter(name=f"{compound.name}置业有限公司").first() or people_services.entity_create(
            actor=None, name=f"{compound.name}置业有限公司", kind=Entity.Kind.LEGAL, grid=grid
        )
    start = ctx.today - dt.timedelta(days=365 * 3)
    rows = []
    for house in houses:
        if house.pk in owners:
            pids = owners[house.pk]
            share = Decimal("100") / len(pids)
            rows += [
                Ownership(house=house, person_id=p, share=share.quantize(Decimal("0.01")), start=start) for p in pids
            ]
        else:
            rows.append(Ownership(house=house, entity=developer, developer=True, start=start))
    Ownership.objects.bulk_create(rows)
    ctx.add("ownership_compound", compound)
    ctx.count("产权人登记", len(rows))
