"""Demo people: the tag tree, households and persons with their homes and tags, 十联户 leaders, units and places,
the self-service accounts (居民、党员、志愿者) linked to persons, and visits (走访).

Two steps, registered in ``apps.py``: ``people`` runs after housing (it fills the planned flats) and ``visits``
after it. Persons are planned by ``demo_factory.PeopleFactory`` and bulk-inserted with the columns the services
set (COPY on PostgreSQL). Reference data: ``people/data/demo_*.json``.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from linli.core import crypto, masking
from linli.core import services as core_services
from linli.core.demo import (
    BATCH,
    DemoContext,
    cn_number,
    credit_code,
    dec,
    load,
    random_landline,
    random_mobile,
    random_name,
)
from linli.core.demo_layout import COMMERCIAL, VACANT, CommunityPlan, HousePlan
from linli.core.geo import point_in_polygon
from linli.core.models import Grant, Region
from linli.core.roles import Role
from linli.people import services as people_services
from linli.people.demo_factory import PeopleFactory, PersonSpec, iter_households, people_data
from linli.people.models import (
    Entity,
    Household,
    Person,
    Place,
    Residency,
    Tag,
    TagAssignment,
    Visit,
    VisitCycle,
)

PROGRESS_EVERY = 50_000


def run(ctx: DemoContext) -> None:
    """The ``people`` step: tags, then the people of every community, their units and places, their accounts."""
    with transaction.atomic():
        ensure_tags()
    builder = _Builder(ctx)
    city = people_data()["city"]
    factory = PeopleFactory(ctx.seed, ctx.today, hukou_here="")
    main = ctx.plans[0][2]
    for street, _, plan in ctx.plans:
        factory.hukou_here = f"{city}{ctx['district'].name}{street}{plan.name}"
        builder.people(plan, factory, main=plan is main)
    with transaction.atomic():
        for _, _, plan in ctx.plans:
            builder.places(plan)
        builder.accounts()
    ctx.count("户", Household.objects.count())
    ctx.count("人员", Person.objects.count())
    ctx.count("人房关系", Residency.objects.count())
    ctx.count("人员标签", TagAssignment.objects.count())
    ctx.count("单位组织", Entity.objects.count())
    ctx.count("场所", Place.objects.count())


def run_visits(ctx: DemoContext) -> None:
    """The ``visits`` step: visit cycles per tag and a few weeks of visits (needs persons, tags, grid workers)."""
    ctx.count("走访记录", build(ctx.seed))


def ensure_tags() -> None:
    """The tag tree (groups with their tags); tags that already exist are left as they are."""
    for group in load("linli.people", "demo_tags.json")["groups"]:
        children = group["tags"]
        parent = Tag.objects.filter(code=group["code"]).first()
        if parent is None:
            parent = Tag.objects.add_root(
                {
                    "code": group["code"],
                    "name": group["name"],
                    "sensitivity": min(c[2] for c in children),
                    "color": "secondary",
                    "description": f"{group['name']}（分组）",
                }
            )
        for code, name, sensitivity, consent, color, description in children:
            if not Tag.objects.filter(code=code).exists():
                fields = {"code": code, "name": name, "sensitivity": sensitivity, "requires_consent": consent}
                Tag.objects.add_child(parent, {**fields, "color": color, "description": description})


class _Builder:
    """Writes the planned people of each community: households, persons, homes, tags; then places and accounts."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = ctx.random("links")
        self.tags = {t.code: t.pk for t in Tag.objects.all()}
        self.candidates: dict[str, PersonSpec] = {}
        self.places_data = load("linli.people", "demo_places.json")
        self.shops = [tuple(s) for s in self.places_data["shops"]]
        self.created = 0
        self.next_progress = PROGRESS_EVERY
        self.hh_seq = 0  # 户号

    def log(self, message: str) -> None:
        self.ctx.log(message)

    def accounts(self) -> None:
        """The self-service demo accounts, each linked to a person of grid 1 who suits it."""
        ctx = self.ctx
        community = ctx["main_community"]
        by_path = {r.path: r for r in ctx.regions.values()}
        for username, role in people_data()["accounts"]:
            person, full_name, phone = self._account_person(username, community)
            user = core_services.user_create(
                actor=None, username=username, password=ctx.password, full_name=full_name, phone=phone
            )
            core_services.grant_add(actor=None, user=user, role=role)
            if person is not None:
                Person.objects.filter(pk=person.pk).update(user=user)
                home = by_path[person.region_path[: len(community.path)]].name + ctx.regions[person.region_id].name
                label = f"本人：{person.name}（{home}）"
            else:
                label = "全平台"
            ctx.users[username] = user
            ctx.login(username, role, label)

    def people(self, plan: CommunityPlan, factory: PeopleFactory, main: bool) -> None:
        """Households of the community in batches of about ``BATCH`` people, then owners of empty flats and 联户长."""
        self.landlords: list[tuple[int, dt.date, dt.date]] = []  # (person pk, home start, birth)
        self.leaders: dict[int, str] = {}
        batch: list[tuple[HousePlan, list[PersonSpec]]] = []
        size = 0
        for house, members in iter_households(plan, factory):
            batch.append((house, members))
            size += len(members)
            if main and plan.buildings[house.building].grid == 0:
                self._pick_candidates(members)
            if (
                house.hh_unit not in self.leaders
                and house.kind == "owner"
                and 35 <= members[0].age(self.ctx.today) <= 70
            ):
                self.leaders[house.hh_unit] = members[0].name
            if size >= BATCH:
                self._flush(plan, batch)
                batch, size = [], 0
        if batch:
            self._flush(plan, batch)
        # Vacant houses with an owner elsewhere in the community.
        self._vacant_owners(plan)
        # 联户长: a householder of the unit.
        regions = []
        for i, pk in enumerate(plan.unit_pks):
            region = self.ctx.regions[pk]
            region.leader_name = self.leaders.get(i) or random_name(self.ctx.rng)
            regions.append(region)
        Region.objects.bulk_update(regions, ["leader_name"], batch_size=1000)

    @staticmethod
    def _link(households, persons, heads, sizes) -> None:
        for household, head, size in zip(households, heads, sizes, strict=True):
            for person in persons[head : head + size]:
                person.household_id = household.pk

    def _pick_candidates(self, members: list[PersonSpec]) -> None:
        """Remember people of grid 1 who suit the resident, party-member and volunteer demo accounts."""
        today = self.ctx.today
        head = members[0]
        if all(k in self.candidates for k in ("resident", "member", "volunteer")):
            return
        if "resident" not in self.candidates and len(members) >= 4 and head.phone and 30 <= head.age(today) <= 60:
            if head.person_type == Person.PersonType.REGISTERED:
                self.candidates["resident"] = head
                return
        resident = self.candidates.get("resident")
        for spec in members:
            if not spec.phone or resident is not None and any(m is resident for m in members):
                continue
            age = spec.age(today)
            if "member" not in self.candidates and spec.political == Person.Political.CPC and 30 <= age <= 62:
                self.candidates["member"] = spec
                return
            if (
                "volunteer" not in self.candidates
                and 20 <= age <= 40
                and spec.person_type != Person.PersonType.OVERSEAS
            ):
                self.candidates["volunteer"] = spec
                return

    def _flush(self, plan: CommunityPlan, batch: list[tuple[HousePlan, list[PersonSpec]]]) -> None:
        rng = self.rng
        today = self.ctx.today
        with transaction.atomic():
            households, persons, heads = [], [], []
            for house, members in batch:
                region = plan.unit_pks[house.hh_unit]
                number = ""
                if house.kind == "owner":
                    self.hh_seq += 1
                    number = f"5204{self.hh_seq:07d}"
                households.append(Household(number=number, house_id=house.pk, region_path=self.ctx.paths[region]))
                heads.append(len(persons))
                for spec in members:
                    person = Person(relation=spec.relation, region_id=region, region_path=self.ctx.paths[region])
                    people_services.apply_person_data(
                        person,
                        people_services.PersonData(
                            name=spec.name,
                            id_type=spec.id_type,
                            id_number=spec.id_number,
                            phone=spec.phone,
                            ethnicity=spec.ethnicity,
                            hukou_address=spec.hukou_address,
                            person_type=spec.person_type,
                            political_status=spec.political,
                            workplace=spec.workplace,
                            notes=spec.notes,
                        ),
                    )
                    if spec.id_type != Person.IdType.RESIDENT_ID:
                        person.birth_year, person.sex = spec.birth.year, spec.sex
                    persons.append(person)
            sizes = [len(members) for _, members in batch]
            if self.ctx.copy:
                # Ids first, so households name their householder before either row exists (FKs are deferred).
                self.ctx.reserve_ids(Household, households)
                self.ctx.reserve_ids(Person, persons)
                self._link(households, persons, heads, sizes)
                for household, head in zip(households, heads, strict=True):
                    household.householder_id = persons[head].pk
                self.ctx.save(Household, households)
                self.ctx.save(Person, persons)
            else:
                self.ctx.save(Household, households)
                self._link(households, persons, heads, sizes)
                self.ctx.save(Person, persons)
                Household.objects.filter(pk__in=[h.pk for h in households]).update(
                    householder_id=Subquery(
                        Person.objects.filter(household_id=OuterRef("pk"), relation=Person.Relation.SELF)
                        .order_by("pk")
                        .values("pk")[:1]
                    )
                )
            # Residencies (current and past) and tags.
            residencies, assignments = [], []
            it = iter(persons)
            for house, members in batch:
                path = self.ctx.paths[plan.unit_pks[house.hh_unit]]
                if house.kind == "owner":
                    move_in = today - dt.timedelta(days=rng.randint(60, 20 * 365))
                else:
                    move_in = today - dt.timedelta(days=rng.randint(20, 3 * 365))
                moved_before = rng.random() < (0.12 if house.kind == "owner" else 0.2)
                for spec in members:
                    person = next(it)
                    start = max(move_in, spec.birth)
                    if house.kind == "owner":
                        kind = (
                            Residency.Kind.OWNER
                            if spec.relation == "self" or (spec.relation == "spouse" and rng.random() < 0.6)
                            else Residency.Kind.FAMILY
                        )
                    else:
                        kind = Residency.Kind.TENANT
                    residencies.append(
                        Residency(person_id=person.pk, house_id=house.pk, kind=kind, start=start, region_path=path)
                    )
                    if (
                        moved_before
                        and spec.relation in ("self", "spouse")
                        and start - spec.birth > dt.timedelta(days=8000)
                    ):
                        residencies.append(self._past(person.pk, house, start, kind, plan))
                    if spec.relation == "self" and house.kind == "owner":
                        self.landlords.append((person.pk, start, spec.birth))
                    for code, note, since in spec.tags:
                        assignments.append(
                            TagAssignment(
                                person_id=person.pk, tag_id=self.tags[code], region_path=path, note=note, since=since
                            )
                        )
                if house.kind in ("tenant", "overseas"):
                    landlord = self._landlord(start=move_in)
                    if landlord:
                        residencies.append(landlord(house, path))
            self.ctx.save(Residency, [r for r in residencies if r is not None])
            self.ctx.save(TagAssignment, assignments)
        self.created += len(persons)
        if self.created >= self.next_progress:
            self.next_progress += PROGRESS_EVERY
            self.log(f"  已写入 {self.created:,} 人（{self.ctx.elapsed():.0f} 秒）")

    def _past(self, person_pk: int, house: HousePlan, start: dt.date, kind: str, plan: CommunityPlan):
        """An earlier home in the community, left shortly before moving here."""
        rng = self.rng
        other = rng.choice(plan.houses)
        if other is house or other.use == COMMERCIAL:
            return None
        end = start - dt.timedelta(days=rng.randint(0, 60))
        began = end - dt.timedelta(days=rng.randint(365, 8 * 365))
        region = plan.unit_pks[other.hh_unit]
        past_kind = (
            Residency.Kind.TENANT if kind == Residency.Kind.TENANT or rng.random() < 0.4 else Residency.Kind.OWNER
        )
        return Residency(
            person_id=person_pk,
            house_id=other.pk,
            kind=past_kind,
            start=began,
            end=end,
            region_path=self.ctx.paths[region],
        )

    def _landlord(self, start: dt.date):
        """An owner living elsewhere in the community who lets this house (bought before moving home)."""
        rng = self.rng
        if not self.landlords or rng.random() < 0.3:
            return None
        pk, home_start, birth = rng.choice(self.landlords)
        bought = min(home_start, start) - dt.timedelta(days=rng.randint(30, 3000))
        if (bought - birth).days < 24 * 365:
            return None

        def make(house: HousePlan, path: str) -> Residency:
            return Residency(person_id=pk, house_id=house.pk, kind=Residency.Kind.OWNER, start=bought, region_path=path)

        return make

    def _vacant_owners(self, plan: CommunityPlan) -> None:
        rng = self.rng
        rows = []
        for house in plan.houses:
            if house.use == VACANT and rng.random() < 0.4:
                landlord = self._landlord(start=self.ctx.today)
                if landlord:
                    rows.append(landlord(house, self.ctx.paths[plan.unit_pks[house.hh_unit]]))
        Residency.objects.bulk_create(rows, batch_size=BATCH)

    def places(self, plan: CommunityPlan) -> None:
        """Shops in ground-floor houses (个体工商户/法人 and their 场所), social organisations and key places."""
        # Bulk-inserted with the columns entity_create/place_create set: region_path of the grid, phone encrypted.
        rng = self.ctx.rng
        data = self.places_data
        shop_words, company_words, company_trades = data["shop_words"], data["company_words"], data["company_trades"]
        social_orgs, key_places = data["social_orgs"], data["key_places"]
        grids = {g: self.ctx.regions[grid.pk] for g, grid in enumerate(plan.grids)}
        names: set[str] = set()
        entities: list[Entity] = []
        places: list[tuple[Place, int | None]] = []  # (place, index of its entity)

        def unique(name: str) -> str:
            base, n = name, 1
            while name in names:
                n += 1
                name = f"{base}（{cn_number(n)}店）"
            names.add(name)
            return name

        def phoned(obj, phone: str):
            obj.phone_enc = crypto.encrypt(phone)
            obj.phone_masked = masking.mask_phone(phone)
            return obj

        for house in plan.houses:
            if house.use != COMMERCIAL or rng.random() < 0.15:
                continue
            b = plan.buildings[house.building]
            grid = grids[b.grid]
            address = f"{b.address}{house.unit}单元{house.number}室"
            lng, lat = b.lng + rng.uniform(-0.00005, 0.00005), b.lat + rng.uniform(-0.00005, 0.00005)
            if not point_in_polygon(lng, lat, plan.grids[b.grid].ring):
                lng, lat = b.lng, b.lat
            owner = random_name(rng)
            trade, kind, risk = rng.choice(self.shops)
            legal = rng.random() < 0.25
            if legal:
                ename = unique(f"安顺市{rng.choice(company_words)}{rng.choice(company_trades)}有限公司")
                code, ekind = credit_code(rng, "91", taken=self.ctx.credit_codes), Entity.Kind.LEGAL
            else:
                ename = unique(f"西秀区{rng.choice(shop_words)}{trade}")
                code, ekind = credit_code(rng, "92", taken=self.ctx.credit_codes), Entity.Kind.INDIVIDUAL
            entity = Entity(
                name=ename,
                kind=ekind,
                credit_code=code,
                legal_person=owner,
                grid=grid,
                region_path=grid.path,
                address=address,
                house_id=house.pk,
                lat=dec(lat),
                lng=dec(lng),
                employees=rng.randint(1, 30 if legal else 6),
            )
            entities.append(phoned(entity, random_mobile(rng)))
            place = Place(
                name=ename if not legal else unique(f"{rng.choice(shop_words)}{trade}"),
                kind=kind,
                grid=grid,
                region_path=grid.path,
                address=address,
                lat=dec(lat),
                lng=dec(lng),
                contact_name=owner,
                fire_risk=risk,
            )
            places.append((phoned(place, random_mobile(rng)), len(entities) - 1))
        # Social organisations and one key place per grid.
        for i in range(max(2, len(plan.grids) // 2)):
            g = i % len(plan.grids)
            entity = Entity(
                name=unique(f"{plan.name}{social_orgs[i % len(social_orgs)]}"),
                kind=Entity.Kind.SOCIAL,
                credit_code=credit_code(rng, "52", taken=self.ctx.credit_codes),
                legal_person=random_name(rng),
                grid=grids[g],
                region_path=grids[g].path,
                address=f"{plan.name}党群服务中心",
                lat=dec(plan.grids[g].lat),
                lng=dec(plan.grids[g].lng),
                employees=rng.randint(0, 5),
            )
            entities.append(phoned(entity, random_mobile(rng)))
        short = plan.name.removesuffix("社区")
        for g, grid in enumerate(plan.grids):
            label, kind, risk = key_places[g % len(key_places)]
            b = next((b for b in plan.buildings if b.grid == g), None)
            lng, lat = (b.lng, b.lat) if b else (grid.lng, grid.lat)
            place = Place(
                name=unique(f"{short}{label}" if g < len(key_places) else f"{grid.name}{label}"),
                kind=kind,
                grid=grids[g],
                region_path=grids[g].path,
                address=f"{plan.name}{grid.name.removeprefix(plan.name)}",
                lat=dec(lat + 0.0001),
                lng=dec(lng + 0.0001),
                contact_name=random_name(rng),
                fire_risk=risk,
            )
            places.append((phoned(place, random_landline(rng)), None))
        if self.ctx.copy:
            self.ctx.reserve_ids(Entity, entities)
        self.ctx.save(Entity, entities)
        for place, index in places:
            place.entity_id = entities[index].pk if index is not None else None
        self.ctx.save(Place, [place for place, _ in places])

    def _account_person(self, username: str, community: Region) -> tuple[Person | None, str, str]:
        """The person a self-service demo account is linked to: planned in grid 1, else found in the database."""
        spec = self.candidates.get(username)
        if spec is not None:
            person = Person.objects.get(id_number_hash=people_services.id_hash(spec.id_type, spec.id_number))
            return person, spec.name, spec.phone
        free = Person.objects.filter(user__isnull=True).exclude(phone_enc="").order_by("pk")
        here = free.filter(region_path__startswith=community.path)
        wanted = {
            "member": here.filter(political_status=Person.Political.CPC),
            "resident": here.filter(relation=Person.Relation.SELF),
        }.get(username, here)
        person = wanted.first() or here.first() or free.first()
        if person is None:
            return None, random_name(self.ctx.rng), random_mobile(self.ctx.rng)
        return person, person.name, crypto.decrypt(person.phone_enc)


# --- visits ----------------------------------------------------------------------------------------------------


@transaction.atomic
def build(seed: int = 2026) -> int:
    """Create the visit cycles and recent visits; returns how many visits were created."""
    rng = random.Random(f"{seed}:visits")
    today = timezone.localdate()
    data = load("linli.people", "demo_visits.json")
    cycles, notes, follow_ups = [tuple(c) for c in data["cycles"]], data["notes"], data["follow_ups"]
    tags = {t.code: t for t in Tag.objects.filter(code__in=[code for code, _ in cycles])}
    for code, days in cycles:
        if code in tags:
            VisitCycle.objects.update_or_create(tag=tags[code], defaults={"every_days": days, "active": True})
    workers = [
        (g.region.path, g.user)
        for g in Grant.objects.filter(role=Role.GRID_WORKER, region__isnull=False).select_related("region", "user")
    ]
    cycle_of = dict(cycles)
    persons = (
        Person.objects.filter(is_active=True, region__isnull=False, tag_assignments__tag__code__in=list(cycle_of))
        .select_related("region")
        .prefetch_related("tag_assignments__tag")
        .distinct()
        .order_by("pk")
    )
    rows: list[Visit] = []
    for person in persons:
        codes = [a.tag.code for a in person.tag_assignments.all() if a.tag.code in cycle_of]
        code = min(codes, key=lambda c: cycle_of[c])
        every = cycle_of[code]
        worker = next((user for path, user in workers if person.region_path.startswith(path)), None)
        roll = rng.random()
        if roll < 0.15:
            continue  # never visited yet
        # The latest visit: within the cycle for most, a little too long ago for about a quarter.
        last = rng.randint(0, every - 1) if roll < 0.75 else rng.randint(every + 1, every * 2 + 3)
        days_ago = [last] + [last + every * k + rng.randint(-2, 2) for k in range(1, rng.randint(1, 3))]
        for ago in days_ago:
            follow = rng.random() < 0.15
            rows.append(
                Visit(
                    person=person,
                    household_id=person.household_id,
                    region=person.region,
                    region_path=person.region_path,
                    visitor=worker,
                    visitor_name=worker.display_name if worker else "网格员",
                    visited_on=today - dt.timedelta(days=max(0, ago)),
                    kind=rng.choice([Visit.Kind.HOME] * 3 + [Visit.Kind.PHONE]),
                    notes=rng.choice(notes[code]),
                    follow_up_needed=follow,
                    follow_up=rng.choice(follow_ups) if follow else "",
                )
            )
    Visit.objects.bulk_create(rows, batch_size=500)
    return len(rows)
