"""The planned people of the demo: the same seed gives the same names, and families that make sense."""

import datetime as dt

from linli.core.identity import age_on, id_birth_date, parse_id_number, parse_phone
from linli.people.demo_factory import PeopleFactory, preview_names

TODAY = dt.date(2026, 5, 1)


def test_same_seed_same_people_other_seed_other_people():
    first = preview_names(seed=7, count=20, today=TODAY)
    assert len(first) == 20
    assert preview_names(seed=7, count=20, today=TODAY) == first
    assert preview_names(seed=8, count=20, today=TODAY) != first


def test_planned_people_are_plausible():
    factory = PeopleFactory(3, TODAY, hukou_here="贵州省安顺市西秀区新安街道彩虹社区")
    for size in range(1, 7):
        for _ in range(40):
            members = factory.household("owner", size)
            assert len(members) == size and members[0].relation == "self"
            for spec in members:
                number = parse_id_number(spec.id_number, today=TODAY)
                assert id_birth_date(number) == spec.birth
                assert (int(number[16]) % 2 == 1) == (spec.sex == "M")
                if spec.phone:
                    assert parse_phone(spec.phone) == spec.phone
                if age_on(spec.birth, TODAY) < 12:
                    assert not spec.phone
            head = members[0]
            for spec in members:
                if spec.relation == "child":
                    assert age_on(spec.birth, TODAY) <= age_on(head.birth, TODAY) - 18
                if spec.relation == "parent":
                    assert age_on(spec.birth, TODAY) >= age_on(head.birth, TODAY) + 18
