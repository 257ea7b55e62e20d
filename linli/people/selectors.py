"""Reads on people with their rules: scoped lists, tag visibility, and the one search box."""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Length, Reverse

from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.identity import MOBILE_RE, normalise_text, parse_id_number, parse_phone
from linli.core.scoping import has_action, max_tag_sensitivity, restrict
from linli.housing.models import House, natural
from linli.housing.selectors import houses_at_address, parse_address
from linli.people.models import Entity, Household, Person, Place, Residency, Tag, TagAssignment, Visit, VisitPhoto
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
    _shown_starts(user, rows)
    return [r for r in rows if r.end is None], [r for r in rows if r.end is not None]


def _shown_starts(user, rows: list[Residency]) -> None:
    """Set ``shown_start`` on each row: the start date the user may see (``Residency.start_for``)."""
    exact = has_action(user, "person.unmask")
    for row in rows:
        row.shown_start = row.start_for(exact=exact)


def house_people(*, user, house: House) -> tuple[list[Residency], list[Residency]]:
    """(now, before) residents of a house, limited to persons the user may see."""
    persons = restrict(user, "person.view", Person.objects.all()).values("pk")
    rows = list(house.residencies.filter(person__in=persons).select_related("person").order_by("end", "-start"))
    _shown_starts(user, rows)
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


# What a search result shows of a current home: the house's short address (building, unit, number) and its link.
_HOME_FIELDS = ("person", "house__number", "house__unit__number", "house__building__name",
                "house__building__compound__name", "house__unit", "house__building", "house__building__compound")  # fmt: skip


def search(*, user, q: str, regions: bool = True) -> SearchResult:
    """以房找人、以人找房: one box for a name, pinyin initials, an ID, a phone or its last 4, an address.

    A lookup by a full ID number or phone is audited and rate-limited per user (``RateLimitedError``). Each
    person comes with their current homes (``current_residencies``, the columns an address is written from) and,
    unless ``regions`` is False (the console's results do not show it), their region.
    """
    kind = classify_query(q)
    text = normalise_text(q)
    result = SearchResult(query=text, kind=kind)
    persons = person_list(user=user)
    if not regions:
        persons = persons.select_related(None)  # person_list joins the region; the console's results do not show it
    persons = persons.prefetch_related(
        Prefetch(
            "residencies",
            queryset=Residency.objects.filter(end__isnull=True)
            .select_related("house__building__compound", "house__unit")
            .only(*_HOME_FIELDS),
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
        result.houses = list(houses.order_by("building_id", "unit_id", *natural("number"))[:SEARCH_LIMIT])
    else:
        found = list(persons.filter(name__startswith=text).order_by("name", "region_path")[:SEARCH_LIMIT])
        if len(found) < SEARCH_LIMIT:
            # A given name without the surname (小明 finds 王小明 and 欧阳小明): the name ends with the text
            # after a one- or two-character surname.
            # Asked as "the reversed name starts with the reversed text": on PostgreSQL the index on reverse(name)
            # (migration 0007) turns it into a range scan; the rows are the same as name__endswith=text.
            given = persons.annotate(name_length=Length("name"), name_reversed=Reverse("name")).filter(
                name_reversed__startswith=text[::-1], name_length__in=[len(text) + 1, len(text) + 2]
            )
            given = given.exclude(pk__in=[p.pk for p in found]).order_by("name", "region_path")
            found += list(given[: SEARCH_LIMIT - len(found)])
        result.persons = found
        if not result.persons:
            # Not a name we know: try it as a fragment of a compound or building name.
            houses = restrict(user, "house.view", House.objects.select_related("building__compound", "unit"))
            result.houses = list(houses.filter(building__compound__name__startswith=text)[:SEARCH_LIMIT])
    if not result.persons and not result.houses and not result.message:
        result.message = "没有找到匹配的人员或房屋。"
    return result


# --- 走访 (visits) ----------------------------------------------------------------------------------------


def visit_cycles(*, user) -> list:
    """Active visit cycles on the tags the user may see, shortest first."""
    from linli.people.models import VisitCycle

    level = max_tag_sensitivity(user)
    return list(
        VisitCycle.objects.filter(active=True, tag__sensitivity__lte=level).select_related("tag").order_by("every_days")
    )


def visits_due(*, user, overdue_only: bool = True, region_path: str | None = None) -> QuerySet[Person]:
    """Persons in scope who carry a tag with a visit cycle, annotated with their cycle and last visit.

    ``cycle_days`` is the shortest cycle of the person's (visible) tags; ``last_visit`` the latest visit to the
    person or to their household as a whole; ``due_on`` is computed by ``with_due``. One query: the last visit
    is a correlated subquery on the (person, visited_on) index, and "overdue" is decided in the database by
    comparing against one threshold date per distinct cycle length (there are only a handful).
    """
    from django.db.models import Min, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce, Greatest

    from linli.people.models import Visit

    cycles = visit_cycles(user=user)
    if not cycles or not has_visit_view(user):
        return Person.objects.none()
    tag_ids = [c.tag_id for c in cycles]
    last_own = Visit.objects.filter(person=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    last_household = (
        Visit.objects.filter(household=OuterRef("household_id"), person__isnull=True)
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    qs = (
        restrict(user, "person.view", Person.objects.filter(is_active=True, tag_assignments__tag_id__in=tag_ids))
        .annotate(
            cycle_days=Min("tag_assignments__tag__visit_cycle__every_days",
                           filter=Q(tag_assignments__tag_id__in=tag_ids)),
            last_own=Subquery(last_own),
            last_household=Subquery(last_household),
        )
        .annotate(last_visit=Greatest(Coalesce("last_own", "last_household"), Coalesce("last_household", "last_own")))
    )  # fmt: skip
    if region_path:
        qs = qs.filter(region_path__startswith=region_path)
    if overdue_only:
        from django.utils import timezone

        today = timezone.localdate()
        late = Q(last_visit__isnull=True)
        for days in sorted({c.every_days for c in cycles}):
            late |= Q(cycle_days=days, last_visit__lt=today - dt.timedelta(days=days))
        qs = qs.filter(late)
    return qs.select_related("region").order_by("last_visit", "cycle_days", "pk")


def with_due(persons, *, user=None) -> list[Person]:
    """Set ``due_on``, ``days_late`` and ``visible_cycle_tags`` on each person of a ``visits_due`` page."""
    from django.utils import timezone

    today = timezone.localdate()
    persons = list(persons)
    cycles = {c.tag_id: c for c in visit_cycles(user=user)} if user is not None else {}
    tags: dict[int, list] = {}
    if cycles:
        for row in TagAssignment.objects.filter(person__in=[p.pk for p in persons], tag_id__in=list(cycles)).order_by(
            "tag__path"
        ):
            tags.setdefault(row.person_id, []).append(cycles[row.tag_id])
    for person in persons:
        last = person.last_visit
        person.due_on = last + dt.timedelta(days=person.cycle_days) if last else None
        person.days_late = (today - person.due_on).days if person.due_on else None
        person.days_left = -person.days_late if person.days_late is not None else None
        person.cycle_tags = tags.get(person.pk, [])
    return persons


def has_visit_view(user) -> bool:
    from linli.core.scoping import has_action

    return has_action(user, "visit.view")


def visit_history(*, user, person: Person) -> QuerySet:
    """Visits to a person and to their household as a whole, newest first, as far as the user may see."""
    from django.db.models import Q

    from linli.people.models import Visit

    q = Q(person=person)
    if person.household_id:
        q |= Q(household_id=person.household_id, person__isnull=True)
    return (
        restrict(user, "visit.view", Visit.objects.filter(q))
        .select_related("visitor")
        .prefetch_related("photos")
        .order_by("-visited_on", "-pk")
    )


# --- the resident's personal-data copy (sections registered in apps.py; privacy builds the copy) -------------


def _day(value):
    return value.isoformat() if value else None


def personal_data_person(person: Person) -> dict:
    """The person's own record, their ID number and phone in clear (it is their copy)."""
    return {
        "姓名": person.name,
        "证件类型": person.get_id_type_display(),
        "证件号码": crypto.decrypt(person.id_number_enc),
        "性别": person.get_sex_display(),
        "出生日期": _day(person.birth_date),
        "联系电话": crypto.decrypt(person.phone_enc),
        "民族": person.ethnicity,
        "户籍地": person.hukou_address,
        "人员类型": person.get_person_type_display(),
        "政治面貌": person.get_political_status_display(),
        "工作单位": person.workplace,
        "备注": person.notes,
        "所属网格": person.region.name if person.region_id else "",
        "登记时间": _day(person.created_at),
        "更新时间": _day(person.updated_at),
    }


def personal_data_household(person: Person) -> dict | None:
    """The household and its members: other members' ID numbers and phones masked."""
    if not person.household_id:
        return None
    household = person.household
    members = Person.objects.filter(household_id=person.household_id).order_by("pk")
    return {
        "户号": household.number,
        "住址": str(household.house) if household.house_id else "",
        "成员": [
            {
                "姓名": m.name,
                "与户主关系": m.get_relation_display(),
                "性别": m.get_sex_display(),
                "证件号码": crypto.decrypt(m.id_number_enc) if m.pk == person.pk else m.id_number_masked,
                "联系电话": crypto.decrypt(m.phone_enc) if m.pk == person.pk else m.phone_masked,
            }
            for m in members
        ],
    }


def personal_data_residencies(person: Person) -> list[dict]:
    rows = Residency.objects.filter(person=person).select_related("house__building__compound", "house__unit")
    return [
        {"房屋": str(r.house), "关系": r.get_kind_display(), "起始": _day(r.start), "结束": _day(r.end)} for r in rows
    ]


def personal_data_tags(person: Person) -> list[dict]:
    rows = TagAssignment.objects.filter(person=person).select_related("tag")
    return [{"标签": a.tag.name, "起始": _day(a.since), "登记时间": _day(a.created_at)} for a in rows]


def personal_data_visits(person: Person) -> list[dict]:
    """Visits to the person themself (not whole-household visits, whose notes may be about other members)."""
    from linli.core.masking import mask_name
    from linli.people.models import Visit

    rows = Visit.objects.filter(person=person).order_by("-visited_on", "-pk")[:500]
    return [
        {"走访日期": _day(v.visited_on), "方式": v.get_kind_display(), "走访人": mask_name(v.visitor_name),
         "走访情况": v.notes, "跟进事项": v.follow_up}
        for v in rows
    ]  # fmt: skip


# --- what people brings to core's pages (registered in apps.py) ---------------------------------------------------


def person_count(user, region=None, *, cap: int | None = None) -> int:
    """Persons the user may see (under ``region``): the 实有人口 statistic."""
    from linli.core.statistics import scoped_count

    return scoped_count(user, "person.view", Person.objects.all(), region=region, cap=cap)


def household_count(user, region=None, *, cap: int | None = None) -> int:
    """Households the user may see (under ``region``): the 户 statistic."""
    from linli.core.statistics import scoped_count
    from linli.people.models import Household

    return scoped_count(user, "household.view", Household.objects.all(), region=region, cap=cap)


def persons_by_region(user, region) -> dict[str, int]:
    """{child region path: persons the user may see} one level below ``region``."""
    from linli.core.statistics import scoped_breakdown

    return scoped_breakdown(user, "person.view", Person.objects.all(), region=region)


def tagged_groups(user) -> list:
    """The start page's 重点人群: persons per tag the user may see, for the tags their role may see."""
    from django.db.models import Count
    from django.urls import reverse

    from linli.core.home import HomeList, HomeListRow
    from linli.people.models import Tag

    if not (has_action(user, "person.view") and has_action(user, "tag.view")):
        return []
    visible = Tag.objects.filter(sensitivity__lte=max_tag_sensitivity(user), depth__gt=1).order_by("path")
    assignments = restrict(user, "tagassignment.view", TagAssignment.objects.filter(tag__in=visible))
    counts = dict(assignments.order_by().values_list("tag_id").annotate(n=Count("id")).values_list("tag_id", "n"))
    url = reverse("people:person_list")
    rows = [HomeListRow(t.name, f"{url}?tag={t.pk}", str(counts[t.pk])) for t in visible if counts.get(t.pk)]
    return [HomeList("重点人群", rows, side=True)] if rows else []


def search_answer(user, q: str, limit: int):
    """The search box's answer from people: persons and houses (以房找人、以人找房), see :func:`search`."""
    from linli.core.modules import SearchAnswer

    result = search(user=user, q=q, regions=False)
    hits = [{"text": p.name, "url": p.get_absolute_url()} for p in result.persons]
    hits += [{"text": str(h), "url": h.get_absolute_url()} for h in result.houses]
    return SearchAnswer(
        hits=hits, message=result.message, extra={"result": result, "exact_age": has_action(user, "person.unmask")}
    )


# --- querysets behind the console pages and the API (the generic views pass them through restrict()) -------


def person_rows(*, detail: bool = False) -> QuerySet[Person]:
    """Persons with their region (and, ``detail``, their household's house and householder) joined in."""
    if detail:
        return Person.objects.select_related("region", "household__house__building__compound", "household__householder")
    return Person.objects.select_related("region")


def household_rows() -> QuerySet[Household]:
    return Household.objects.select_related("householder", "house__building__compound", "house__unit")


def residency_rows() -> QuerySet[Residency]:
    return Residency.objects.select_related("person", "house__building__compound", "house__unit")


def entity_rows() -> QuerySet[Entity]:
    return Entity.objects.select_related("grid")


def place_rows(*, detail: bool = False) -> QuerySet[Place]:
    return Place.objects.select_related("grid", "entity") if detail else Place.objects.select_related("grid")


def visit_rows(*, detail: bool = False) -> QuerySet[Visit]:
    if detail:
        return Visit.objects.select_related("person", "household__householder", "household__house", "region")
    return Visit.objects.select_related("person", "household__householder", "region")


def household_members(*, user, household_id: int) -> QuerySet[Person]:
    """The members of a household the user may see, in the order they were registered."""
    return restrict(user, "person.view", Person.objects.filter(household_id=household_id)).order_by("pk")


def me(*, user) -> Person | None:
    """The person record linked to a resident's account (with their household's house), if any."""
    return Person.objects.filter(user=user).select_related("household__house").first()


def my_current_residencies(*, user) -> QuerySet[Residency]:
    """Current residencies the user may see (a resident: their own and their household's), by house."""
    qs = restrict(user, "residency.view", Residency.objects.filter(end__isnull=True))
    return qs.select_related("house__building__compound", "house__unit", "person").order_by("house_id")


def visit_target(*, user, person_id: int | None = None, household_id: int | None = None):
    """The person or household a visit is about, in the user's scope; raises ``DoesNotExist`` otherwise."""
    if person_id is not None:
        return restrict(user, "person.view", Person.objects.select_related("region", "household")).get(pk=person_id)
    return restrict(user, "household.view", Household.objects.select_related("householder", "house")).get(
        pk=household_id
    )


def visit_photo_for(*, user, pk: int) -> VisitPhoto | None:
    """A visit photo, only if the user may see its visit (otherwise None, as if missing)."""
    photo = VisitPhoto.objects.filter(pk=pk).first()
    if photo is None or not restrict(user, "visit.view", Visit.objects.filter(pk=photo.visit_id)).exists():
        return None
    return photo


def visible_tag_tree(*, user) -> QuerySet[Tag]:
    """The tag tree, limited to the sensitivity levels the user may see."""
    return Tag.objects.filter(sensitivity__lte=max_tag_sensitivity(user)).order_by("path")


def my_houses(*, user) -> list[House]:
    """The houses a resident currently lives at (with building, compound, community and unit)."""
    rows = restrict(user, "residency.view", Residency.objects.filter(end__isnull=True, person__user=user))
    return list(
        House.objects.filter(pk__in=rows.values("house_id")).select_related("building__compound__community", "unit")
    )


def visit_for_event(*, user, pk: int) -> Visit | None:
    """A visit the user may turn into an event (they may add visits there), or None."""
    return restrict(user, "visit.add", Visit.objects.filter(pk=pk)).first()
