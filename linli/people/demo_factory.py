"""Planned people for the demo: households of believable persons, before encryption and saving.

Names, birth dates and phones come from ``core.demo.Names``; ethnic groups, 户籍 areas, work and the few foreigners
from ``people/data/demo_people.json``. Household shapes (who lives with whom) and the chances of each tag are the
model, here in code.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from linli.core.demo import DEFAULT_PERSONS, DEFAULT_SEED, Names, cn_number, load, weighted
from linli.core.demo_layout import CommunityPlan, HousePlan, plan_all
from linli.core.identity import id_check_digit
from linli.people.models import Person


def people_data() -> dict:
    return load("linli.people", "demo_people.json")


@dataclass(slots=True)
class PersonSpec:
    """One person as planned, before encryption and saving."""

    name: str
    sex: str
    birth: dt.date
    relation: str
    id_type: str = Person.IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    ethnicity: str = "汉族"
    hukou_address: str = ""
    person_type: str = Person.PersonType.RESIDENT
    political: str = Person.Political.NONE
    workplace: str = ""
    notes: str = ""
    tags: list = field(default_factory=list)  # [(code, note, since)]

    def age(self, today: dt.date) -> int:
        return today.year - self.birth.year - ((today.month, today.day) < (self.birth.month, self.birth.day))


# Household shapes by size: (weight, shape name, arguments).
OWNER_SHAPES = {
    1: [(55, "alone_old", ()), (45, "single", ())],
    2: [(45, "couple_old", ()), (25, "couple_young", ()), (15, "single_parent", (1,)), (15, "with_parent", ())],
    3: [(55, "nuclear", (1,)), (15, "parents", (0, 1)), (10, "single_parent", (2,)), (20, "left_behind", (1,))],
    4: [(50, "nuclear", (2,)), (30, "parents", (1, 1)), (10, "left_behind", (2,)), (10, "three_gen", (0,))],
    5: [(40, "parents", (2, 1)), (15, "nuclear", (3,)), (30, "three_gen", (1,)), (15, "parents", (1, 2))],
    6: [(25, "parents", (2, 2)), (30, "three_gen", (2,)), (25, "parents", (3, 1)), (20, "with_sibling", (2,))],
}
TENANT_SHAPES = {
    1: [(100, "worker", ())],
    2: [(60, "couple_young", ()), (40, "coworkers", (2,))],
    3: [(70, "nuclear", (1,)), (30, "coworkers", (3,))],
    4: [(100, "nuclear", (2,))],
    5: [(100, "parents", (2, 1))],
    6: [(100, "parents", (2, 2))],
}


class PeopleFactory(Names):
    """Plans households of realistic people: names, ages, relations, ID numbers, phones and tags."""

    def __init__(self, seed, today: dt.date, hukou_here: str):
        data = people_data()
        super().__init__(random.Random(f"{seed}:people"), today, data["ethnic_surnames"])
        self.hukou_here = hukou_here
        self.ids: set[str] = set()
        self.passports = 0
        self.areas: dict[str, str] = data["areas"]
        self.local_areas = weighted(data["local_areas"])
        self.guizhou_areas = weighted(data["guizhou_areas"])
        self.other_areas = weighted(data["other_areas"])
        self.ethnicities = weighted(data["ethnicities"])
        self.floating_ethnicities = weighted(data["floating_ethnicities"])
        self.workplaces = weighted(data["workplaces"])
        self.migrant_work = weighted(data["migrant_work"])
        self.new_employment = data["new_employment"]
        self.colleges = data["colleges"]
        self.disabilities = data["disabilities"]
        self.overseas = [tuple(o) for o in data["overseas"]]
        self.overseas_workplaces = data["overseas_workplaces"]

    # ID numbers, 户籍, ethnic groups (names, birth dates and phones: ``Names``)

    def id_number(self, area: str, birth: dt.date, sex: str) -> str:
        rng = self.rng
        if area == "520421" and birth.year >= 2012:
            area = "520403"
        while True:
            body = f"{area}{birth:%Y%m%d}{rng.randint(0, 99):02d}{rng.choice('13579' if sex == 'M' else '02468')}"
            number = body + id_check_digit(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def area(self, table) -> str:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def ethnicity(self, floating: bool = False) -> str:
        table = self.floating_ethnicities if floating else self.ethnicities
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    # one person

    def person(self, relation: str, age: int, sex: str, surname: str, ethnicity: str) -> PersonSpec:
        birth = self.birth(max(0, min(age, 99)))
        return PersonSpec(
            name=surname + self.given(sex, birth), sex=sex, birth=birth, relation=relation, ethnicity=ethnicity
        )

    # households

    def household(self, kind: str, size: int) -> list[PersonSpec]:
        """Plan the members of one household; the householder comes first."""
        rng = self.rng
        if kind == "overseas":
            return self._overseas(size)
        shapes = (OWNER_SHAPES if kind == "owner" else TENANT_SHAPES)[size]
        _, shape, args = rng.choices(shapes, weights=[s[0] for s in shapes])[0]
        floating = kind == "tenant" and rng.random() < 0.85
        ethnicity = self.ethnicity(floating)
        members = getattr(self, f"_shape_{shape}")(ethnicity, *args)
        self._identity(members, kind, floating)
        self._attributes(members, kind, shape)
        return members

    def _spouse(self, head: PersonSpec, ethnicity: str) -> PersonSpec:
        rng = self.rng
        age = head.age(self.today)
        spouse_age = age - rng.randint(-2, 6) if head.sex == "M" else age + rng.randint(-2, 6)
        sex = "F" if head.sex == "M" else "M"
        eth = ethnicity if rng.random() < 0.8 else self.ethnicity()
        return self.person("spouse", max(20, spouse_age), sex, self.surname(eth), eth)

    def _children(self, father, mother, count: int, ethnicity: str, relation="child", lo=0, hi=30) -> list:
        rng = self.rng
        young = min(p.age(self.today) for p in (father, mother) if p is not None)
        family = (father or mother).name[: self._surname_len((father or mother).name)]
        kids = []
        for _ in range(count):
            top = min(hi, young - 20)
            bottom = max(lo, young - 40)
            age = rng.randint(bottom, top) if top >= bottom else max(0, top)
            sex = "M" if rng.random() < 0.515 else "F"
            surname = family if rng.random() < 0.95 or mother is None else mother.name[: self._surname_len(mother.name)]
            kids.append(self.person(relation, age, sex, surname, ethnicity))
        return kids

    @staticmethod
    def _surname_len(name: str) -> int:
        return 2 if name[:2] in {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "司徒", "夏侯"} else 1

    def _couple(self, ethnicity: str, lo: int, hi: int, male_head=0.75):
        head_sex = "M" if self.rng.random() < male_head else "F"
        head = self.person("self", self.rng.randint(lo, hi), head_sex, self.surname(ethnicity), ethnicity)
        spouse = self._spouse(head, ethnicity)
        father, mother = (head, spouse) if head.sex == "M" else (spouse, head)
        return head, spouse, father, mother

    def _parents(self, head: PersonSpec, count: int, ethnicity: str) -> list:
        rng = self.rng
        age = head.age(self.today)
        surname = head.name[: self._surname_len(head.name)]
        father_age = min(96, age + rng.randint(24, 36))
        out = []
        if count == 2:
            out.append(self.person("parent", father_age, "M", surname, ethnicity))
            out.append(
                self.person("parent", max(age + 20, father_age - rng.randint(0, 5)), "F", self.surname(), ethnicity)
            )
        elif rng.random() < 0.35:
            out.append(self.person("parent", father_age, "M", surname, ethnicity))
        else:
            out.append(self.person("parent", min(96, age + rng.randint(21, 34)), "F", self.surname(), ethnicity))
        return out

    def _shape_alone_old(self, ethnicity):
        sex = "F" if self.rng.random() < 0.62 else "M"
        return [self.person("self", self.rng.randint(66, 92), sex, self.surname(ethnicity), ethnicity)]

    def _shape_single(self, ethnicity):
        sex = "M" if self.rng.random() < 0.55 else "F"
        return [self.person("self", self.rng.randint(22, 58), sex, self.surname(ethnicity), ethnicity)]

    _shape_worker = _shape_single

    def _shape_couple_old(self, ethnicity):
        head, spouse, _, _ = self._couple(ethnicity, 62, 86, 0.85)
        return [head, spouse]

    def _shape_couple_young(self, ethnicity):
        head, spouse, _, _ = self._couple(ethnicity, 24, 36)
        return [head, spouse]

    def _shape_single_parent(self, ethnicity, kids):
        sex = "F" if self.rng.random() < 0.75 else "M"
        head = self.person("self", self.rng.randint(28, 50), sex, self.surname(ethnicity), ethnicity)
        father, mother = (head, None) if sex == "M" else (None, head)
        return [head, *self._children(father, mother, kids, ethnicity, hi=20)]

    def _shape_with_parent(self, ethnicity):
        sex = "M" if self.rng.random() < 0.6 else "F"
        head = self.person("self", self.rng.randint(25, 55), sex, self.surname(ethnicity), ethnicity)
        return [head, *self._parents(head, 1, ethnicity)]

    def _shape_nuclear(self, ethnicity, kids):
        head, spouse, father, mother = self._couple(ethnicity, 29, 56)
        return [head, spouse, *self._children(father, mother, kids, ethnicity, hi=28)]

    def _shape_parents(self, ethnicity, kids, parents):
        head, spouse, father, mother = self._couple(ethnicity, 31, 56)
        return [
            head,
            spouse,
            *self._children(father, mother, kids, ethnicity, hi=26),
            *self._parents(head, parents, ethnicity),
        ]

    def _shape_with_sibling(self, ethnicity, kids):
        rng = self.rng
        members = self._shape_parents(ethnicity, kids, 1)
        head = members[0]
        age = max(18, head.age(self.today) + rng.choice((-1, 1)) * rng.randint(1, 10))
        sex = "M" if rng.random() < 0.5 else "F"
        members.append(self.person("sibling", age, sex, head.name[: self._surname_len(head.name)], ethnicity))
        return members

    def _shape_three_gen(self, ethnicity, grandkids):
        rng = self.rng
        head, spouse, father, mother = self._couple(ethnicity, 52, 72, 0.85)
        child = self._children(father, mother, 1, ethnicity, lo=24, hi=40)[0]
        eth = ethnicity if rng.random() < 0.75 else self.ethnicity()
        in_law = self.person(
            "in_law",
            max(22, child.age(self.today) + rng.randint(-4, 4)),
            "F" if child.sex == "M" else "M",
            self.surname(eth),
            eth,
        )
        dad, mum = (child, in_law) if child.sex == "M" else (in_law, child)
        return [head, spouse, child, in_law, *self._children(dad, mum, grandkids, ethnicity, "grandchild", hi=18)]

    def _shape_left_behind(self, ethnicity, grandkids):
        rng = self.rng
        head, spouse, _, _ = self._couple(ethnicity, 55, 74, 0.8)
        surname = head.name[: self._surname_len(head.name)]
        kids = []
        for _ in range(grandkids):
            sex = "M" if rng.random() < 0.515 else "F"
            kids.append(self.person("grandchild", rng.randint(2, 15), sex, surname, ethnicity))
        return [head, spouse, *kids]

    def _shape_coworkers(self, ethnicity, count):
        rng = self.rng
        out = []
        for i in range(count):
            eth = ethnicity if rng.random() < 0.6 else self.ethnicity(True)
            sex = "M" if rng.random() < 0.65 else "F"
            out.append(self.person("self" if i == 0 else "other", rng.randint(18, 45), sex, self.surname(eth), eth))
        return out

    def _overseas(self, size: int) -> list[PersonSpec]:
        rng = self.rng
        out = []
        name, sex, country = rng.choice(self.overseas)
        for i in range(size):
            if i:
                overseas = self.overseas
                pool = [o for o in overseas if o[2] == country and o[1] != sex] or [o for o in overseas if o[1] != sex]
                name, sex, country = rng.choice(pool)
            birth = self.birth(rng.randint(24, 58))
            self.passports += 1
            hkmotw = country.startswith("中国")
            spec = PersonSpec(
                name=name,
                sex=sex,
                birth=birth,
                relation="self" if i == 0 else "spouse",
                id_type=Person.IdType.HKMO_TW if hkmotw else Person.IdType.PASSPORT,
                id_number=("H" if hkmotw else rng.choice("EGKMNPS")) + f"{rng.randint(10**7, 10**8 - 1)}",
                ethnicity="",
                hukou_address=country if hkmotw else "",
                person_type=Person.PersonType.OVERSEAS,
                notes=f"国籍（地区）：{country}；签证/证件有效期至 {self.today.year + rng.randint(1, 3)} 年",
                workplace=rng.choice(self.overseas_workplaces),
            )
            spec.phone = self.phone()
            spec.tags.append(("overseas_person", "", self.today - dt.timedelta(days=rng.randint(30, 700))))
            out.append(spec)
        return out

    def _identity(self, members: list[PersonSpec], kind: str, floating: bool) -> None:
        """Person type, ID number and 户籍地 for each member, consistent within the household."""
        rng = self.rng
        today = self.today
        if kind == "owner":
            head_type = Person.PersonType.REGISTERED if rng.random() < 0.76 else Person.PersonType.RESIDENT
            head_area = (
                self.area(self.local_areas)
                if head_type == Person.PersonType.REGISTERED
                else self.area(self.guizhou_areas)
            )
        elif floating:
            head_type = Person.PersonType.FLOATING
            head_area = self.area(self.other_areas) if rng.random() < 0.65 else self.area(self.guizhou_areas)
        else:
            head_type, head_area = Person.PersonType.RESIDENT, self.area(self.guizhou_areas)
        for spec in members:
            ptype, area = head_type, head_area
            if spec.relation in ("spouse", "in_law", "parent", "sibling", "other") and spec is not members[0]:
                roll = rng.random()
                if kind == "owner" and roll < 0.05:
                    ptype, area = Person.PersonType.FLOATING, self.area(self.other_areas)
                elif kind == "owner" and roll < 0.25:
                    ptype = Person.PersonType.RESIDENT if ptype == Person.PersonType.REGISTERED else ptype
                    area = self.area(self.guizhou_areas)
                elif roll < 0.5:
                    area = self.area(self.local_areas if kind == "owner" else self.guizhou_areas)
            elif spec.relation in ("child", "grandchild") and kind == "owner" and spec.birth.year >= 1990:
                area = "520402" if ptype == Person.PersonType.REGISTERED else area
            spec.person_type = ptype
            spec.id_number = self.id_number(area, spec.birth, spec.sex)
            spec.hukou_address = self.hukou_here if ptype == Person.PersonType.REGISTERED else self.areas[area]
            if ptype == Person.PersonType.FLOATING:
                spec.tags.append(("floating", "", today - dt.timedelta(days=rng.randint(30, 1500))))

    def _attributes(self, members: list[PersonSpec], kind: str, shape: str) -> None:
        """Phones, political status, work and the tags that follow from age, family and chance."""
        rng = self.rng
        today = self.today
        head = members[0]

        def since(spec, lo=30, hi=3000):
            day = today - dt.timedelta(days=rng.randint(lo, hi))
            return max(day, spec.birth)

        low_income = kind == "owner" and rng.random() < (0.12 if shape == "alone_old" else 0.018)
        for spec in members:
            age = spec.age(today)
            # phones
            p_phone = 0 if age < 12 else 0.25 if age < 16 else 0.93 if age < 75 else 0.55
            if spec is head and age >= 16:
                p_phone = 0.99
            if rng.random() < p_phone:
                spec.phone = self.phone()
            # political status
            male = spec.sex == "M"
            if age >= 18:
                p_cpc = 0.02 if age <= 25 else 0.075 if age <= 35 else 0.12 if age < 60 else 0.14
                p_cpc *= 1.3 if male else 0.7
                roll = rng.random()
                if roll < p_cpc:
                    spec.political = Person.Political.CPC
                    joined = spec.birth + dt.timedelta(
                        days=365 * rng.randint(18, max(18, min(age, 40))) + rng.randint(0, 300)
                    )
                    spec.tags.append(("party_member", "", min(joined, today)))
                elif roll < p_cpc + (0.005 if age <= 40 else 0):
                    spec.political = Person.Political.CPC_PROBATION
                    spec.tags.append(("party_member", "预备党员", since(spec, 30, 330)))
                elif age >= 30 and roll > 0.998:
                    spec.political = Person.Political.DEMOCRATIC
                elif age <= 28 and roll > 0.62:
                    spec.political = Person.Political.CYL
            elif age >= 14 and rng.random() < 0.4:
                spec.political = Person.Political.CYL
            # work
            retired = age >= (60 if male else 55)
            if 18 <= age <= 22 and rng.random() < 0.5:
                spec.workplace = rng.choice(self.colleges) + "（在读）"
            elif 20 <= age <= 45 and rng.random() < 0.035:
                spec.workplace = rng.choice(self.new_employment)
                spec.tags.append(("new_employment", "", since(spec, 30, 1500)))
            elif 18 <= age and not retired and rng.random() < 0.8:
                table = self.migrant_work if spec.person_type == Person.PersonType.FLOATING else self.workplaces
                spec.workplace = rng.choices(table[0], cum_weights=table[1])[0]
            # tags that follow from age and chance
            if (male and 25 <= age <= 85 and rng.random() < 0.06) or (
                not male and 25 <= age <= 60 and rng.random() < 0.004
            ):
                year = min(today.year - 1, spec.birth.year + rng.randint(20, 26))
                spec.tags.append(("veteran", f"{year} 年退役", dt.date(year, rng.randint(1, 12), 1)))
            p_disabled = 0.005 if age < 18 else 0.015 if age < 60 else 0.04 if age < 80 else 0.08
            if rng.random() < p_disabled:
                note = f"{rng.choice(self.disabilities)}{cn_number(rng.randint(1, 4))}级"
                spec.tags.append(("disabled", note, since(spec, 200, 6000)))
            if not male and 22 <= age <= 40 and spec.relation in ("self", "spouse", "in_law") and rng.random() < 0.05:
                spec.tags.append(("pregnant", "", since(spec, 20, 250)))
            if age >= 40 and rng.random() < (0.02 if age >= 65 else 0.008):
                spec.tags.append(("serious_illness", "", since(spec, 60, 2000)))
            if age >= 18 and rng.random() < 0.004:
                spec.tags.append(("mental_disorder", "", since(spec, 200, 4000)))
            if male and 20 <= age <= 55 and rng.random() < 0.001:
                spec.tags.append(("community_correction", "", since(spec, 30, 700)))
            elif male and 25 <= age <= 65 and rng.random() < 0.003:
                spec.tags.append(("released_prisoner", "", since(spec, 100, 3000)))
            if age < 18 and rng.random() < (0.3 if low_income else 0.005):
                spec.tags.append(("child_in_difficulty", "", since(spec, 30, 1500)))
            if low_income:
                spec.tags.append(("low_income", "", since(spec, 60, 2500)))
        # family situations
        if shape == "alone_old" and head.age(today) >= 70:
            head.tags.append(("living_alone_elderly", "", since(head, 30, 2500)))
        if shape == "couple_old" and all(m.age(today) >= 60 for m in members):
            for spec in members:
                spec.tags.append(("empty_nest_elderly", "子女在外地工作", since(spec, 30, 2500)))
        if shape == "left_behind":
            for spec in members[2:]:
                if spec.age(today) < 16:
                    spec.tags.append(("left_behind_child", "父母在外务工", since(spec, 30, 1500)))


def iter_households(plan: CommunityPlan, factory: PeopleFactory) -> Iterator[tuple[HousePlan, list[PersonSpec]]]:
    """Each occupied house of the community with the people planned for it, in a fixed order."""
    for house in plan.houses:
        if house.kind:
            yield house, factory.household(house.kind, house.size)


def preview_names(persons: int = DEFAULT_PERSONS, seed=DEFAULT_SEED, count: int = 20, today=None) -> list[str]:
    """The names of the first ``count`` people the demo would create, without touching the database."""
    today = today or timezone.localdate()
    plan = plan_all(persons, seed)[0][2]
    factory = PeopleFactory(seed, today, hukou_here="")
    names: list[str] = []
    for _house, members in iter_households(plan, factory):
        names.extend(m.name for m in members)
        if len(names) >= count:
            break
    return names[:count]
