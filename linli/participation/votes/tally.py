"""The arithmetic of Art. 278, exact: areas are Decimal, shares are Fraction, no float anywhere.

Quorum: the participants hold ≥ 2/3 of the exclusive area **and** are ≥ 2/3 of the owners ("以上" includes the
boundary). An item of matter 6–8 passes with ≥ 3/4 of the participating area **and** ≥ 3/4 of the participating
owners; any other item with more than 1/2 of each ("过半数" excludes it). Abstentions are participants.

Headcount: an owner (one ``owner_key``: a buyer of several units, the developer's unsold units) counts once. When
an owner's units chose differently on an item, the owner's one head is split evenly over their ballots, so an
owner who voted yes with one unit and no with another adds 1/2 to each side and 1 to the participants.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from linli.participation.votes.models import SPECIAL_MATTERS

TWO_THIRDS = Fraction(2, 3)
THREE_QUARTERS = Fraction(3, 4)
HALF = Fraction(1, 2)
CHOICES = ("yes", "no", "abstain")


@dataclass(frozen=True)
class Cast:
    """One counted ballot: the unit's area, its owner (key or token, the same for all of an owner's units)."""

    area: Decimal
    owner: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ItemResult:
    item: int
    matter: int
    yes_area: Fraction
    yes_owners: Fraction
    no_area: Fraction
    no_owners: Fraction
    abstain_area: Fraction
    abstain_owners: Fraction
    passed: bool


@dataclass(frozen=True)
class Result:
    total_area: Decimal
    total_owners: int
    area: Decimal  # participating area
    owners: int  # participating owners
    turnout_area: Fraction
    turnout_owners: Fraction
    quorum_met: bool
    items: tuple[ItemResult, ...]


def frac(value: Fraction) -> str:
    """A fraction in lowest terms as "p/q" (0 is "0/1", 1 is "1/1")."""
    return f"{value.numerator}/{value.denominator}"


def percent(value: Fraction, places: int = 2) -> str:
    """ "66.67%" for 2/3: rounded half up from the exact fraction, for people to read (never used to decide)."""
    scaled = value * 100 * 10**places
    whole = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return f"{Decimal(whole).scaleb(-places):.{places}f}%"


def _share(part, whole) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def item_passes(matter: int, yes_area: Fraction, yes_owners: Fraction) -> bool:
    if matter in SPECIAL_MATTERS:
        return yes_area >= THREE_QUARTERS and yes_owners >= THREE_QUARTERS
    return yes_area > HALF and yes_owners > HALF


def tally(*, electorate: Iterable[tuple[Decimal, str]], casts: Iterable[Cast], matters: list[int]) -> Result:
    """The result of a vote from its frozen electorate [(area, owner key)], its ballots and its items' matters."""
    total_area = Decimal(0)
    owner_keys = set()
    for area, owner in electorate:
        total_area += Decimal(area)
        owner_keys.add(owner)
    casts = list(casts)
    part_area = sum((Decimal(c.area) for c in casts), Decimal(0))
    by_owner: dict[str, list[Cast]] = defaultdict(list)
    for c in casts:
        by_owner[c.owner].append(c)
    part_owners = len(by_owner)
    turnout_area = _share(part_area, total_area)
    turnout_owners = _share(part_owners, len(owner_keys))
    quorum = bool(casts) and turnout_area >= TWO_THIRDS and turnout_owners >= TWO_THIRDS
    items = []
    for index, matter in enumerate(matters):
        area = {k: Decimal(0) for k in CHOICES}
        heads = {k: Fraction(0) for k in CHOICES}
        for ballots in by_owner.values():
            weight = Fraction(1, len(ballots))
            for c in ballots:
                area[c.choices[index]] += Decimal(c.area)
                heads[c.choices[index]] += weight
        shares_area = {k: _share(area[k], part_area) for k in CHOICES}
        shares_heads = {k: heads[k] / part_owners if part_owners else Fraction(0) for k in CHOICES}
        items.append(
            ItemResult(
                item=index,
                matter=matter,
                yes_area=shares_area["yes"],
                yes_owners=shares_heads["yes"],
                no_area=shares_area["no"],
                no_owners=shares_heads["no"],
                abstain_area=shares_area["abstain"],
                abstain_owners=shares_heads["abstain"],
                passed=quorum and item_passes(matter, shares_area["yes"], shares_heads["yes"]),
            )
        )
    return Result(
        total_area=total_area,
        total_owners=len(owner_keys),
        area=part_area,
        owners=part_owners,
        turnout_area=turnout_area,
        turnout_owners=turnout_owners,
        quorum_met=quorum,
        items=tuple(items),
    )


def as_json(result: Result) -> dict:
    """The API's shape (fractions in lowest terms), plus the counts and the no/abstain shares."""
    return {
        "quorum_met": result.quorum_met,
        "turnout": {"area": frac(result.turnout_area), "owners": frac(result.turnout_owners)},
        "items": [
            {
                "item": i.item,
                "matter": i.matter,
                "yes_area": frac(i.yes_area),
                "yes_owners": frac(i.yes_owners),
                "no_area": frac(i.no_area),
                "no_owners": frac(i.no_owners),
                "abstain_area": frac(i.abstain_area),
                "abstain_owners": frac(i.abstain_owners),
                "passed": i.passed,
            }
            for i in result.items
        ],
        "electorate": {"area": str(result.total_area), "owners": result.total_owners},
        "participants": {"area": str(result.area), "owners": result.owners},
    }
