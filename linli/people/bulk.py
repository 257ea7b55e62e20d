"""Writing many persons at once: persons, households, residencies and tags from a plan, with COPY.

The ledger import (``linli.dataio``) decides row by row what to do — create, update, join a household, skip —
without writing; it hands the decisions here as a ``RegisterPlan``. This module owns how the register's rows are
written: encrypted and blind-indexed fields set exactly as ``people.services`` sets them, COPY on PostgreSQL
(``core.bulk``), change-log rows for every created or changed record, householders linked once the persons exist.
It returns what it wrote (ids, the old values of changed persons, fingerprints) so the caller can keep a trace for
rolling the import back.
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from linli.core import bulk
from linli.core.models import ObjectChange, Region, User
from linli.people.models import Household, Person, Residency, Tag, TagAssignment
from linli.people.services import PersonData, apply_person_data, name_pinyin, set_phone

log = logging.getLogger("linli.dataio.import")  # the import's log, as before the write moved here
CHUNK = 2000
UPDATE_CHUNK = 500

# The person fields a plan may change from a file (the rest come from the ID number or the house).
PERSONAL = ("name", "phone", "ethnicity", "hukou_address", "person_type", "political_status", "workplace", "notes")
# The fields kept before an update, enough to put a person back as they were (import rollback).
RESTORE_FIELDS = [
    "name", "name_pinyin", "name_initials", "phone_enc", "phone_hash", "phone_last4", "phone_masked", "ethnicity",
    "hukou_address", "person_type", "political_status", "workplace", "notes", "household_id", "relation", "region_id",
    "region_path", "version",
]  # fmt: skip


@dataclass(eq=False)
class NewHousehold:
    """A household to create: at ``house_id``, its householder the person planned under ``head_key``."""

    number: str
    house_id: int
    region_path: str
    head_key: str = ""  # the householder's key in the plan (their ID number's blind index)
    head_name: str = ""  # for the household's display name in the change log
    house_label: str = ""
    obj: Household | None = None  # set once written


@dataclass(slots=True)
class NewResidency:
    house_id: int
    kind: str
    start: dt.date | None
    region_id: int | None  # the region the house gives its residents (unit or grid)
    region_path: str


@dataclass(eq=False)
class PersonPlan:
    """What to write for one person: create (``existing_pk`` is None) or update the fields named in ``changes``."""

    key: str  # the ID number's blind index: the natural key
    data: PersonData | None  # None: a person already stored who only becomes a householder
    existing_pk: int | None = None
    region_id: int | None = None
    region_path: str = ""
    changes: list[str] = field(default_factory=list)
    household_set: bool = False  # whether ``household`` is to be written (always, for a new person)
    household: NewHousehold | int | None = None
    relation: str = ""
    residencies: list[NewResidency] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    tag_path: str = ""  # the region path the new tag assignments carry (new persons: after their residency)


@dataclass
class RegisterPlan:
    persons: list[PersonPlan]
    households: list[NewHousehold]


@dataclass
class Written:
    """What ``write_register`` wrote, for the caller's rollback trace."""

    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    before: dict[int, dict] = field(default_factory=dict)  # person id -> RESTORE_FIELDS before the update
    residency_ids: list[int] = field(default_factory=list)
    residency_prints: list[str] = field(default_factory=list)
    assignment_ids: list[int] = field(default_factory=list)
    assignment_prints: list[str] = field(default_factory=list)
    household_ids: list[int] = field(default_factory=list)
    household_prints: list[str] = field(default_factory=list)


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def write_register(
    plan: RegisterPlan,
    *,
    actor: User | None,
    request_id: str,
    changes: list[ObjectChange] | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> Written:
    """Write ``plan`` inside the caller's transaction; ``changes`` are change-log rows to write along with it.

    New persons go in chunks of 2,000 with their residencies, tags and change-log rows; updated persons are locked
    in chunks of 500, their old values kept (``Written.before``), their version bumped. ``progress(n)`` is called
    with the number of new persons written so far.
    """
    out = Written()
    changes = changes if changes is not None else []
    persons = [p for p in plan.persons if p.data is not None or p.existing_pk is not None]
    groups = plan.households

    region_ids = {p.region_id for p in persons if p.region_id}
    region_ids |= {r.region_id for p in persons for r in p.residencies}
    regions = Region.objects.in_bulk(region_ids)

    # Households first (house now, householder once the persons exist).
    for group in groups:
        group.obj = Household(number=group.number, house_id=group.house_id, region_path=group.region_path)
    bulk.insert(Household, [g.obj for g in groups])
    household_labels: dict[int, str] = {}
    for group in groups:
        household_labels[group.obj.pk] = f"{group.head_name or '未定户主'}户" + (
            f"（{group.number}）" if group.number else ""
        )
    existing_hh = {p.household for p in plan.persons if isinstance(p.household, int)}
    for h in Household.objects.filter(pk__in=existing_hh).select_related("householder"):
        household_labels[h.pk] = str(h)

    def household_id(p: PersonPlan) -> int | None:
        if isinstance(p.household, NewHousehold):
            return p.household.obj.pk
        return p.household

    def person_labels(person: Person) -> dict:
        return {
            "household": household_labels.get(person.household_id),
            "region": regions[person.region_id].name if person.region_id in regions else None,
            "user": None,
        }

    today = timezone.localdate()
    key_to_pk: dict[str, int] = {p.key: p.existing_pk for p in plan.persons if p.existing_pk is not None}

    def write_links(chunk: list[PersonPlan]) -> None:
        """Residencies and tags of a chunk of persons, and the chunk's change-log rows, written straight away."""
        residencies, assignments = [], []
        for p in chunk:
            if p.data is None:
                continue
            pk = key_to_pk[p.key]
            for r in p.residencies:
                residencies.append(
                    Residency(
                        person_id=pk,
                        house_id=r.house_id,
                        kind=r.kind,
                        start=r.start or today,
                        region_path=r.region_path,
                    )
                )
            for tag in p.tags:
                assignments.append(
                    TagAssignment(
                        person_id=pk, tag=tag, region_path=p.tag_path, added_by=actor if actor and actor.pk else None
                    )
                )
        bulk.insert(Residency, residencies)
        bulk.insert(TagAssignment, assignments)
        out.residency_ids.extend(r.pk for r in residencies)
        out.residency_prints.extend(f"|{r.kind}|{r.house_id}" for r in residencies)
        out.assignment_ids.extend(a.pk for a in assignments)
        out.assignment_prints.extend(f"{a.tag_id}|{a.person_id}" for a in assignments)
        bulk.insert(ObjectChange, changes)
        changes.clear()

    # New persons, in chunks.
    t_start = time.perf_counter()
    new = [p for p in persons if p.existing_pk is None]
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        objs = []
        for p in chunk:
            person = Person(region_id=p.region_id, region_path=p.region_path, version=1)
            apply_person_data(person, p.data)
            person.household_id = household_id(p)
            person.relation = p.relation if person.household_id else ""
            objs.append(person)
        bulk.insert(Person, objs)
        for p, person in zip(chunk, objs, strict=True):
            key_to_pk[p.key] = person.pk
            out.created_ids.append(person.pk)
        changes.extend(
            bulk.change_rows(
                actor=actor, objs=objs, action=ObjectChange.Action.CREATE, request_id=request_id, labels=person_labels
            )
        )
        write_links(chunk)
        if start % 20000 == 0:
            log.info("persons import: %s new written, %.1fs", start + len(chunk), time.perf_counter() - t_start)
        progress(start + len(chunk))

    # Updated persons: lock, remember the old values, change, bump the version.
    updates = [p for p in plan.persons if p.existing_pk is not None and (p.changes or p.data is None)]
    now = timezone.now()
    update_fields = [f[:-3] if f.endswith("_id") else f for f in RESTORE_FIELDS] + ["updated_at"]
    for start in range(0, len(updates), UPDATE_CHUNK):
        chunk = updates[start : start + UPDATE_CHUNK]
        locked = Person.objects.select_for_update().in_bulk([p.existing_pk for p in chunk])
        old_labels = {
            h.pk: str(h)
            for h in Household.objects.filter(
                pk__in={p.household_id for p in locked.values() if p.household_id}
            ).select_related("householder")
        }
        old_regions = Region.objects.in_bulk({p.region_id for p in locked.values() if p.region_id})
        objs, befores = [], {}
        for p in chunk:
            person = locked[p.existing_pk]
            key_to_pk[p.key] = person.pk
            if person.pk in out.before:
                continue
            befores[person.pk] = bulk.snapshot(
                person,
                {
                    "household": old_labels.get(person.household_id),
                    "region": old_regions[person.region_id].name if person.region_id in old_regions else None,
                    "user": None,
                },
            )
            out.before[person.pk] = {f: _jsonable(getattr(person, f)) for f in RESTORE_FIELDS}
            data = p.data
            for key in p.changes if data is not None else ():
                if key == "name":
                    person.name = data.name
                    person.name_pinyin, person.name_initials = name_pinyin(data.name)
                elif key == "phone":
                    set_phone(person, data.phone)
                elif key in PERSONAL:
                    setattr(person, key, getattr(data, key))
            if p.household_set:
                person.household_id = household_id(p)
                person.relation = p.relation
            if p.residencies:
                kinds = {r.kind for r in p.residencies}
                if kinds & {Residency.Kind.OWNER, Residency.Kind.TENANT} or not person.region_path:
                    person.region_id, person.region_path = p.residencies[0].region_id, p.residencies[0].region_path
            person.version += 1
            person.updated_at = now
            objs.append(person)
        Person.objects.bulk_update(objs, update_fields, batch_size=UPDATE_CHUNK)
        for person in objs:
            if person.region_path != out.before[person.pk]["region_path"]:
                TagAssignment.objects.filter(person=person).update(region_path=person.region_path)
        regions.update(Region.objects.in_bulk({p.region_id for p in objs if p.region_id} - set(regions)))
        changes.extend(
            bulk.change_rows(
                actor=actor, objs=objs, action=ObjectChange.Action.UPDATE, request_id=request_id, before=befores,
                labels=person_labels,
            )
        )  # fmt: skip
        out.updated_ids.extend(p.pk for p in objs)
        write_links(chunk)

    # Householders of the new households.
    for group in groups:
        group.obj.householder_id = key_to_pk.get(group.head_key)
    bulk.update_column(Household, "householder", [(g.obj.pk, g.obj.householder_id) for g in groups])
    # Change-log rows of the new households, a chunk at a time (40,000 households' rows at once cost 100 MB).
    for start in range(0, len(groups), CHUNK):
        chunk = groups[start : start + CHUNK]
        for group in chunk:  # str(household) names the householder: give it without a query per household
            if group.obj.householder_id:
                group.obj.householder = Person(pk=group.obj.householder_id, name=group.head_name or "户主")
        house_labels = {g.obj.pk: g.house_label for g in chunk}
        rows = bulk.change_rows(
            actor=actor, objs=[g.obj for g in chunk], action=ObjectChange.Action.CREATE, request_id=request_id,
            labels=lambda h, hl=house_labels: {"house": hl.get(h.pk), "householder": household_labels.get(h.pk, "")[:-1]},
        )  # fmt: skip
        bulk.insert(ObjectChange, rows)
        for group in chunk:  # drop the stub, keep householder_id
            group.obj._state.fields_cache.pop("householder", None)

    bulk.insert(ObjectChange, changes)
    changes.clear()
    out.household_ids = [g.obj.pk for g in groups]
    out.household_prints = [f"{g.obj.householder_id or ''}|{g.obj.house_id}|{g.obj.number}" for g in groups]
    log.info("persons import: all written, %.1fs", time.perf_counter() - t_start)
    return out
