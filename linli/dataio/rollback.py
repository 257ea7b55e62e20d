"""Undo a committed import batch, but only if nothing later touched what it wrote.

Each trace chunk stores the ids a batch created or changed and a fingerprint of each row right after the commit
(the version for persons and houses, the few columns other services change for the rest). At rollback the
fingerprints are taken again; any difference, any later row hanging off a created record, and the rollback is
refused with the records named.
"""

from collections import defaultdict

from django.apps import apps
from django.db import transaction
from django.db.models import F, ProtectedError

from linli.core.errors import DomainError
from linli.core.models import ObjectChange
from linli.dataio.importers.base import change_rows

FINGERPRINT_FIELDS = {
    "people.Person": ["version"],
    "people.Residency": ["end", "kind", "house_id"],
    "people.Household": ["householder_id", "house_id", "number"],
    "people.TagAssignment": ["tag_id", "person_id"],
    "housing.House": ["version"],
    "people.Ownership": ["end", "person_id", "entity_id"],
    "housing.Unit": ["building_id", "number"],
    "housing.Building": ["grid_id", "number"],
    "housing.Compound": ["community_id", "name"],
}
# Deleted last-created-first; updates are restored before anything is deleted.
DELETE_ORDER = [
    "people.Ownership", "people.TagAssignment", "people.Residency", "people.Household", "people.Person", "people.Place", "people.Entity",
    "housing.House", "housing.Unit", "housing.Building", "housing.Compound",
]  # fmt: skip
LOGGED = {"people.Person", "people.Entity", "people.Place", "housing.House"}


def _fields(label: str) -> list[str]:
    if label in FINGERPRINT_FIELDS:
        return FINGERPRINT_FIELDS[label]
    model = apps.get_model(label)
    return [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")]


def fingerprints(label: str, ids: list[int]) -> dict[int, str]:
    """The current fingerprint of each row (missing rows are absent)."""
    model = apps.get_model(label)
    fields = _fields(label)
    out = {}
    for start in range(0, len(ids), 1000):
        for values in model.objects.filter(pk__in=ids[start : start + 1000]).values_list("pk", *fields):
            out[values[0]] = "|".join("" if v is None else str(v) for v in values[1:])
    return out


def _name(label: str, pk: int) -> str:
    model = apps.get_model(label)
    obj = model.objects.filter(pk=pk).first()
    return f"{model._meta.verbose_name}“{obj}”" if obj is not None else f"{model._meta.verbose_name} #{pk}（已删除）"


def check(batch) -> list[str]:
    """Reasons the batch cannot be undone (empty: it can)."""
    problems: list[str] = []
    created: dict[str, set[int]] = defaultdict(set)
    updated: dict[str, set[int]] = defaultdict(set)
    for trace in batch.traces.order_by("seq"):
        (created if trace.op == "create" else updated)[trace.model].update(trace.ids)
        now = fingerprints(trace.model, trace.ids)
        for pk, version in zip(trace.ids, trace.versions, strict=False):
            if now.get(pk) != version:
                problems.append(f"{_name(trace.model, pk)}在导入后被修改或删除过")
                if len(problems) >= 20:
                    return problems

    def outside(label: str, **lookup) -> list[int]:
        model = apps.get_model(label)
        key, values = next(iter(lookup.items()))
        found = []
        values = list(values)
        for start in range(0, len(values), 1000):
            qs = model.objects.filter(**{key: values[start : start + 1000]}).values_list("pk", flat=True)
            found += [pk for pk in qs if pk not in created[label]]
        return found

    persons = created["people.Person"]
    if persons:
        for label, lookup in (
            ("people.Residency", "person_id__in"),
            ("people.TagAssignment", "person_id__in"),
            ("people.Household", "householder_id__in"),
        ):
            for pk in outside(label, **{lookup: persons})[:5]:
                problems.append(f"{_name(label, pk)}是导入后新增的，涉及本批新增人员")
    households = created["people.Household"]
    if households:
        from linli.people.models import Person

        members = Person.objects.filter(household_id__in=households).values_list("pk", flat=True)
        for pk in [m for m in members if m not in persons and m not in updated["people.Person"]][:5]:
            problems.append(f"{_name('people.Person', pk)}在导入后加入了本批新建的户")
    for parent, label, lookup in (
        ("housing.House", "people.Residency", "house_id__in"),
        ("housing.House", "people.Household", "house_id__in"),
        ("housing.Unit", "housing.House", "unit_id__in"),
        ("housing.Building", "housing.House", "building_id__in"),
        ("housing.Compound", "housing.Building", "compound_id__in"),
        ("people.Entity", "people.Place", "entity_id__in"),
    ):
        if created[parent]:
            for pk in outside(label, **{lookup: created[parent]})[:5]:
                problems.append(f"{_name(label, pk)}是导入后新增的，挂在本批新建的记录上")
    return problems[:20]


@transaction.atomic
def undo(batch, *, actor) -> dict[str, int]:
    """Restore what the batch changed and delete what it created; the caller has run ``check``."""
    counts: dict[str, int] = defaultdict(int)
    request_id = f"rollback-{batch.pk}"
    created: dict[str, list[int]] = defaultdict(list)
    logs: list[ObjectChange] = []
    for trace in batch.traces.order_by("-seq"):
        if trace.op == "create":
            created[trace.model] += trace.ids
            continue
        model = apps.get_model(trace.model)
        has_version = any(f.name == "version" for f in model._meta.concrete_fields)
        objs_before = {o.pk: o for o in model.objects.filter(pk__in=trace.ids)} if trace.model in LOGGED else {}
        from linli.dataio.importers.base import snapshot

        befores = {pk: snapshot(o) for pk, o in objs_before.items()}
        for pk, values in trace.before.items():
            values = {k: v for k, v in values.items() if k != "version"}
            if has_version:
                values["version"] = F("version") + 1
            model.objects.filter(pk=int(pk)).update(**values)
            counts["restored"] += 1
        if objs_before:
            restored = list(model.objects.filter(pk__in=trace.ids))
            logs += change_rows(
                actor=actor, objs=restored, action=ObjectChange.Action.UPDATE, request_id=request_id, before=befores
            )
    for label in DELETE_ORDER:
        ids = created.get(label)
        if not ids:
            continue
        model = apps.get_model(label)
        if label in LOGGED:
            for start in range(0, len(ids), 1000):
                for obj in model.objects.filter(pk__in=ids[start : start + 1000]).iterator(chunk_size=1000):
                    logs.append(
                        ObjectChange(
                            actor=actor if actor and actor.pk else None,
                            actor_name=str(actor) if actor else "系统",
                            action=ObjectChange.Action.DELETE,
                            target_type_id=_ct(model),
                            target_id=str(obj.pk),
                            target_repr=str(obj)[:200] if label != "housing.House" else f"房屋 #{obj.pk}",
                            before=None,
                            after=None,
                            request_id=request_id,
                        )
                    )
        try:
            for start in range(0, len(ids), 1000):
                deleted, _ = model.objects.filter(pk__in=ids[start : start + 1000]).delete()
                counts["deleted"] += deleted
        except ProtectedError as exc:
            blocker = next(iter(exc.protected_objects), None)
            raise DomainError(f"无法撤销：{model._meta.verbose_name}已被其他记录（{blocker}）引用")
    ObjectChange.objects.bulk_create(logs, batch_size=1000)
    return dict(counts)


def _ct(model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk
