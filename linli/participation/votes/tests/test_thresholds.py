"""Property tests of Art. 278's thresholds at and around every boundary (exactly 2/3, 3/4, 1/2), with owners of
several units and the developer's unsold units, on the pure tally and against an independent count."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from linli.participation.votes import tally
from linli.participation.votes.tally import Cast

areas = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


def _units(n_owners: int, unit_area: Decimal, units_per_owner: int = 1):
    """n owners, each holding ``units_per_owner`` units of ``unit_area``."""
    return [(unit_area, f"O{o}") for o in range(n_owners) for _ in range(units_per_owner)]


@given(k=st.integers(min_value=1, max_value=40), units=st.integers(min_value=1, max_value=4), area=areas)
def test_turnout_of_exactly_two_thirds_meets_the_quorum_and_one_less_does_not(k, units, area):
    # 3k owners of equal units: 2k voting is exactly 2/3 of both area and headcount.
    electorate = _units(3 * k, area, units)
    voters = [f"O{o}" for o in range(2 * k)]
    casts = [Cast(area, o, ("abstain",)) for o in voters for _ in range(units)]
    r = tally.tally(electorate=electorate, casts=casts, matters=[9])
    assert r.turnout_area == r.turnout_owners == Fraction(2, 3)
    assert r.quorum_met
    fewer = [c for c in casts if c.owner != voters[-1]]
    assert not tally.tally(electorate=electorate, casts=fewer, matters=[9]).quorum_met


@given(k=st.integers(min_value=1, max_value=30), area=areas, developer_units=st.integers(min_value=1, max_value=6))
def test_developer_units_count_as_one_owner_in_the_headcount(k, area, developer_units):
    # 3k-1 buyers and the developer (any number of unsold units) are 3k owners; area is counted unit by unit.
    electorate = _units(3 * k - 1, area) + [(area, "DEV")] * developer_units
    casts = [Cast(area, f"O{o}", ("yes",)) for o in range(2 * k - 1)] + [Cast(area, "DEV", ("yes",))] * developer_units
    r = tally.tally(electorate=electorate, casts=casts, matters=[4])
    assert r.total_owners == 3 * k and r.owners == 2 * k
    assert r.turnout_owners == Fraction(2, 3)
    units = 3 * k - 1 + developer_units
    assert r.turnout_area == Fraction(2 * k - 1 + developer_units, units)


@given(k=st.integers(min_value=1, max_value=30), area=areas)
@example(k=1, area=Decimal("1"))
def test_special_matters_pass_at_exactly_three_quarters_and_fail_just_below(k, area):
    # 4k participating owners, everyone votes: 3k yes is exactly 3/4 of area and owners.
    electorate = _units(4 * k, area)
    yes = [Cast(area, f"O{o}", ("yes",) * 3) for o in range(3 * k)]
    no = [Cast(area, f"O{o}", ("no",) * 3) for o in range(3 * k, 4 * k)]
    r = tally.tally(electorate=electorate, casts=yes + no, matters=[6, 7, 8])
    assert all(i.yes_area == i.yes_owners == Fraction(3, 4) and i.passed for i in r.items)
    # One yes turned into an abstention: below 3/4 (abstentions still participate).
    flipped = yes[:-1] + [Cast(area, yes[-1].owner, ("abstain",) * 3)] + no
    r = tally.tally(electorate=electorate, casts=flipped, matters=[6, 7, 8])
    assert r.quorum_met and not any(i.passed for i in r.items)
    assert all(i.yes_area < Fraction(3, 4) for i in r.items)


@given(k=st.integers(min_value=1, max_value=30), area=areas, matter=st.sampled_from([1, 2, 3, 4, 5, 9]))
def test_other_matters_fail_at_exactly_one_half_and_pass_just_above(k, area, matter):
    electorate = _units(2 * k + 1, area)
    yes = [Cast(area, f"O{o}", ("yes",)) for o in range(k)]
    no = [Cast(area, f"O{o}", ("no",)) for o in range(k, 2 * k)]
    r = tally.tally(electorate=electorate, casts=yes + no, matters=[matter])
    assert r.items[0].yes_area == r.items[0].yes_owners == Fraction(1, 2)
    assert r.quorum_met and not r.items[0].passed  # 过半数 excludes exactly one half
    one_more = yes + no + [Cast(area, f"O{2 * k}", ("yes",))]
    assert tally.tally(electorate=electorate, casts=one_more, matters=[matter]).items[0].passed


@given(
    k=st.integers(min_value=2, max_value=20),
    small=areas,
    extra=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2),
)
def test_area_and_headcount_are_both_needed(k, small, extra):
    # The yes side is half the owners plus one (a headcount majority) but holds little area: it must fail
    # when their area is at most half, although the headcount passes.
    big = small + extra
    yes = [Cast(small, f"Y{o}", ("yes",)) for o in range(k + 1)]
    no = [Cast(big * (k + 2), f"N{o}", ("no",)) for o in range(k)]
    electorate = [(c.area, c.owner) for c in yes + no]
    r = tally.tally(electorate=electorate, casts=yes + no, matters=[4])
    assert r.items[0].yes_owners > Fraction(1, 2)
    assert r.items[0].yes_area < Fraction(1, 2)
    assert not r.items[0].passed


owners_st = st.lists(
    st.tuples(st.integers(min_value=1, max_value=3), areas, st.sampled_from(tally.CHOICES), st.booleans()),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150)
@given(owners=owners_st, dev_units=st.integers(min_value=0, max_value=4), dev_votes=st.booleans())
def test_the_tally_agrees_with_a_count_by_hand(owners, dev_units, dev_votes):
    """Any electorate of multi-unit owners and developer units: the figures equal an independent count."""
    electorate, casts = [], []
    for n, (units, area, choice, votes) in enumerate(owners):
        for _ in range(units):
            electorate.append((area, f"O{n}"))
            if votes:
                casts.append(Cast(area, f"O{n}", (choice,)))
    for _ in range(dev_units):
        electorate.append((Decimal("88.88"), "DEV"))
        if dev_votes:
            casts.append(Cast(Decimal("88.88"), "DEV", ("yes",)))
    assume(casts)
    r = tally.tally(electorate=electorate, casts=casts, matters=[9])
    total_area = sum(a for a, _ in electorate)
    voters = {c.owner for c in casts}
    part_area = sum(c.area for c in casts)
    assert r.turnout_area == Fraction(part_area) / Fraction(total_area)
    assert r.turnout_owners == Fraction(len(voters), len({o for _, o in electorate}))
    yes_area = sum(c.area for c in casts if c.choices[0] == "yes")
    yes_heads = len({c.owner for c in casts if c.choices[0] == "yes"})  # each owner's units chose alike here
    assert r.items[0].yes_area == Fraction(yes_area) / Fraction(part_area)
    assert r.items[0].yes_owners == Fraction(yes_heads, len(voters))
    expected = (
        r.turnout_area >= Fraction(2, 3)
        and r.turnout_owners >= Fraction(2, 3)
        and r.items[0].yes_area > Fraction(1, 2)
        and r.items[0].yes_owners > Fraction(1, 2)
    )
    assert r.items[0].passed == expected
    assert r.items[0].yes_area + r.items[0].no_area + r.items[0].abstain_area == 1
    assert r.items[0].yes_owners + r.items[0].no_owners + r.items[0].abstain_owners == 1


def test_an_owner_whose_units_disagree_splits_one_head():
    electorate = [(Decimal("100"), "A"), (Decimal("100"), "A"), (Decimal("50"), "B")]
    casts = [
        Cast(Decimal("100"), "A", ("yes",)),
        Cast(Decimal("100"), "A", ("no",)),
        Cast(Decimal("50"), "B", ("yes",)),
    ]
    r = tally.tally(electorate=electorate, casts=casts, matters=[9])
    assert r.owners == 2 and r.turnout_owners == 1
    assert r.items[0].yes_owners == Fraction(3, 4)
    assert r.items[0].yes_area == Fraction(150, 250)
    assert tally.as_json(r)["items"][0]["yes_area"] == "3/5"


def test_no_float_in_the_arithmetic():
    import ast
    import inspect

    source = inspect.getsource(tally)
    tree = ast.parse(source)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)]
    assert "float(" not in source


def test_percent_rounds_the_exact_fraction_half_up():
    assert tally.percent(Fraction(2, 3)) == "66.67%"
    assert tally.percent(Fraction(1, 8)) == "12.50%"
    assert tally.percent(Fraction(1, 1)) == "100.00%"
    assert tally.percent(Fraction(0)) == "0.00%"
