"""Reads on people with their rules: scoped lists, tag visibility, and the one search box."""

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.identity import MOBILE_RE, normalise_text, parse_id_number, parse_phone
from linli.core.scoping import max_tag_sensitivity, restrict
from linli.housing.models import House
from linli.housing.selectors import houses_at_address, parse_address
from linli.people.models import Person, Residency, TagAssignment
from linli.people.services import id_hash, record_exact_search

SEARCH_LIMIT = 50


def person_list(*, user, queryset: QuerySet | None = None) -> QuerySet[Person]:
    qs = queryset if queryset is not None else Person.objects.all()
    return restrict(user, "person.view", qs.select_related("region"))


def visible_tags(*, user, person: Person) -> list[TagAssignment]:
    level = max_tag_sensitivity(user)
    return list(person.tag_assignments.filter(tag__sensitivity__lte=level).select_related("tag").order_by("tag__code"))


def person_houses(*, user, person: Person) -> tuple[list[Residency], list[Residency]]:
    """(current, past) residencies of a person, limited to houses the user may see."""
    houses = restrict(user, "house.view", House.objects.all()).values("pk")
    rows = list(person.residencies.filter(house__in=houses).select_related("house__building__compound", "house__unit"))
    return [r for r in rows if r.end is None], [r for r in rows if r.end is not None]


def house_people(*, user, house: House) -> tuple[list[Residency], list[Residency]]:
    """(now, before) residents of a house, limited to persons the user may see."""
    persons = restrict(user, "person.view", Person.objects.all()).values("pk")
    rows = list(house.residencies.filter(person__in=persons).select_related("person").order_by("end", "-start"))
    return [r for r in rows if r.end is None], [r for r in rows if r.end is not None]


@dataclass
class SearchResult:
    query: str
    kind: str  # id_number | phone | phone_last4 | pinyin | name | address | empty
    persons: list[Person] = field(default_factory=list)
    houses: list[House] = field(default_factory=list)
    message: str = ""

    @property
    def single_target(self):
        """The one record to jump to, when the search found exactly one thing."""
        if len(self.persons) == 1 and not self.houses:
            return self.persons[0]
        if len(self.houses) == 1 and not self.persons:
            return self.houses[0]
        return None


def classify_query(q: str) -> str:
    text = normalise_text(q)
    if not text:
        return "empty"
    digits = text.replace("-", "")
    if re.fullmatch(r"\d{17}[\dXx]|\d{15}", text):
        return "id_number"
    if MOBILE_RE.fullmatch(digits) or (digits.startswith("0") and digits.isdigit() and 10 <= len(digits) <= 12):
        return "phone"
    if re.fullmatch(r"\d{4}", text):
        return "phone_last4"
    if parse_address(text) is not None:
        return "address"
    if re.fullmatch(r"[A-Za-z]+", text):
        return "pinyin"
    return "name"


def search(*, user, q: str) -> SearchResult:
    """以房找人、以人找房: one box for a name, pinyin initials, an ID, a phone or its last 4, an address.

    A lookup by a full ID number or phone is audited and rate-limited per user (``RateLimitedError``).
    """
    kind = classify_query(q)
    text = normalise_text(q)
    result = SearchResult(query=text, kind=kind)
    persons = person_list(user=user).prefetch_related(
        Prefetch(
            "residencies",
            queryset=Residency.objects.filter(end__isnull=True).select_related(
                "house__building__compound", "house__unit"
            ),
            to_attr="current_residencies",
        )
    )
    if kind == "empty":
        return result
    if kind == "id_number":
        try:
            number = parse_id_number(text)
        except DomainError as exc:
            result.message = exc.message
            return result
        digest = id_hash(Person.IdType.RESIDENT_ID, number)
        record_exact_search(actor=user, kind=kind, digest=digest)
        result.persons = list(persons.filter(id_number_hash=digest)[:SEARCH_LIMIT])
    elif kind == "phone":
        try:
            phone = parse_phone(text)
        except DomainError as exc:
            result.message = exc.message
            return result
        digest = crypto.blind_index(phone, "phone")
        record_exact_search(actor=user, kind=kind, digest=digest)
        result.persons = list(persons.filter(phone_hash=digest)[:SEARCH_LIMIT])
    elif kind == "phone_last4":
        # Orderings follow the (key, region_path) indexes so a million-row scope stops after 50 rows.
        result.persons = list(persons.filter(phone_last4=text).order_by("region_path", "pk")[:SEARCH_LIMIT])
    elif kind == "pinyin":
        lower = text.lower()
        qs = persons.filter(name_initials__startswith=lower) if len(lower) <= 4 else persons.none()
        found = list(qs.order_by("name_initials", "region_path")[:SEARCH_LIMIT])
        if len(found) < SEARCH_LIMIT:
            more = persons.filter(name_pinyin__startswith=lower).exclude(pk__in=[p.pk for p in found])
            found += list(more.order_by("name_pinyin", "region_path")[: SEARCH_LIMIT - len(found)])
        result.persons = found
    elif kind == "address":
        houses = houses_at_address(user=user, text=text)
        result.houses = list(houses.order_by("building_id", "unit_id", "number")[:SEARCH_LIMIT])
    else:
        result.persons = list(persons.filter(name__startswith=text).order_by("name", "region_path")[:SEARCH_LIMIT])
        if not result.persons:
            # Not a name we know: try it as a fragment of a compound or building name.
            houses = restrict(user, "house.view", House.objects.select_related("building__compound", "unit"))
            result.houses = list(houses.filter(building__compound__name__startswith=text)[:SEARCH_LIMIT])
    if not result.persons and not result.houses and not result.message:
        result.message = "没有找到匹配的人员或房屋。"
    return result
