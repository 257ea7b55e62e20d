"""产权人 (house ownership): register, end and read who holds each house, for owners' votes and the house page.

Writes check the actor's scope on the house, validate everything first (Chinese messages naming the field) and
leave a change-log row; ``owners_at`` answers "who held these houses on that date" in two queries.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from linli.core import audit
from linli.core.errors import DomainError
from linli.core.models import ObjectChange, User
from linli.core.scoping import restrict
from linli.housing.models import House
from linli.people.models import Entity, Ownership, Person

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Holder:
    """One holder of a house: a person or an organisation (``developer``: the 开发建设单位's unsold unit)."""

    person: Person | None = None
    entity: Entity | None = None
    developer: bool = False
    share: Decimal | None = None  # percent; None: split equally between the holders


def parse_share(text, *, field: str = "share") -> Decimal:
    """ "50" / "50%" / "33.33" → Decimal percent in (0, 100]; anything else is refused in Chinese."""
    raw = str(text).strip().rstrip("%％")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DomainError(f"产权份额：“{text}”不是数字", field=field) from None
    if not value.is_finite() or value <= 0 or value > HUNDRED:
        raise DomainError(f"产权份额：“{text}”应大于 0 且不超过 100（%）", field=field)
    return value.quantize(Decimal("0.01"))


def _shares(holders: list[Holder]) -> list[Decimal]:
    if not holders:
        raise DomainError("产权人：至少登记一名产权人", field="owners")
    given = [h.share for h in holders]
    if all(s is None for s in given):
        each = (HUNDRED / len(holders)).quantize(Decimal("0.01"))
        return [each] * len(holders)
    if any(s is None for s in given):
        raise DomainError("产权份额：共有人须全部填写份额或全部不填", field="share")
    if sum(given) > HUNDRED:
        raise DomainError(f"产权份额：合计 {sum(given)}% 超过 100%", field="share")
    return given


def _check_holders(holders: list[Holder]) -> None:
    keys = set()
    for h in holders:
        if (h.person is None) == (h.entity is None):
            raise DomainError("产权人：每一行须是一名人员或一个单位", field="owners")
        if h.developer and h.entity is None:
            raise DomainError("产权人：开发建设单位须登记为单位", field="owners")
        key = ("p", h.person.pk) if h.person else ("e", h.entity.pk)
        if key in keys:
            raise DomainError(f"产权人：“{(h.person or h.entity).name}”重复登记", field="owners")
        keys.add(key)
    if any(h.developer for h in holders) and len(holders) > 1:
        raise DomainError("产权人：开发建设单位未售出的房屋不能与他人共有", field="owners")


def _require_house(actor: User | None, house: House) -> None:
    if actor is not None and not restrict(actor, "house.change").filter(pk=house.pk).exists():
        raise DomainError("房屋：不存在或您没有修改该房屋的权限", field="house", code="forbidden")


def _write(house: House, holders: list[Holder], start: dt.date) -> list[Ownership]:
    shares = _shares(holders)
    _check_holders(holders)
    Ownership.objects.filter(house=house, end__isnull=True).update(end=start)
    rows = [
        Ownership(house=house, person=h.person, entity=h.entity, developer=h.developer, share=s, start=start)
        for h, s in zip(holders, shares, strict=True)
    ]
    return Ownership.objects.bulk_create(rows)


@transaction.atomic
def ownership_set(
    *, actor: User | None, house: House, holders: list[Holder], start: dt.date | None = None
) -> list[Ownership]:
    """Register ``holders`` as the house's current owners from ``start`` (today); the previous owners end then."""
    _require_house(actor, house)
    start = start or timezone.localdate()
    rows = _write(house, holders, start)
    for row in rows:
        audit.log_change(actor=actor, obj=row, action=ObjectChange.Action.CREATE, before=None)
    return rows


@transaction.atomic
def ownership_bulk_set(*, actor: User | None, plan: list[tuple[House, list[Holder]]], start: dt.date | None = None):
    """The import's write: every house of ``plan`` gets its holders, all or nothing (one error rolls back all)."""
    start = start or timezone.localdate()
    written = 0
    for house, holders in plan:
        _require_house(actor, house)
        written += len(_write(house, holders, start))
    return written


def owners_at(house_ids, on: dt.date | None = None) -> dict[int, list[Ownership]]:
    """{house id: [Ownership, ...]} of the holders on date ``on`` (today), persons and entities loaded."""
    on = on or timezone.localdate()
    rows = (
        Ownership.objects.filter(house_id__in=list(house_ids))
        .exclude(start__gt=on)
        .exclude(end__lte=on)
        .select_related("person", "entity")
        .order_by("house_id", "pk")
    )
    out: dict[int, list[Ownership]] = {}
    for row in rows:
        out.setdefault(row.house_id, []).append(row)
    return out


def house_owner_rows(house: House) -> list[Ownership]:
    """The house page's 产权人 tab: current owners first, then the ended ones (history)."""
    rows = Ownership.objects.filter(house=house).select_related("person", "entity")
    return sorted(rows, key=lambda r: (r.end is not None, r.end or dt.date.max, r.pk))


def houses_of_person(person: Person) -> list[Ownership]:
    return list(Ownership.objects.filter(person=person, end__isnull=True).select_related("house__building__compound"))


# ---------------------------------------------------------------- the import column 产权人

DEVELOPER_WORDS = ("开发商", "开发建设单位", "开发单位", "建设单位")


@dataclass(frozen=True)
class HolderRef:
    """One holder as written in a 产权人 cell: an ID number, a name, or the developer (with its 单位 name)."""

    text: str
    id_number: str = ""
    developer: bool = False
    share: Decimal | None = None


def parse_holders(cell: str) -> list[HolderRef]:
    """ "张三(50%)、李四(50%)" / "5204…1234" / "开发商：彩虹置业有限公司" → [HolderRef]; Chinese errors."""
    import re

    from linli.core.identity import parse_id_number

    raw = str(cell or "").strip()
    if not raw:
        return []
    out = []
    for part in re.split(r"[、,，;；/]+", raw):
        part = part.strip()
        if not part:
            continue
        share = None
        m = re.fullmatch(r"(.+?)[（(]\s*([0-9.]+\s*[%％]?)\s*[)）]", part)
        if m:
            part, share = m.group(1).strip(), parse_share(m.group(2), field="owners")
        developer = False
        for word in DEVELOPER_WORDS:
            if part.startswith(word):
                developer, part = True, part[len(word) :].lstrip("：: ")
                if not part:
                    raise DomainError(f"“{word}”后请写明单位名称，如“{word}：彩虹置业有限公司”", field="owners")
                break
        id_number = ""
        if not developer and re.fullmatch(r"[0-9]{17}[0-9Xx]", part):
            try:
                id_number = parse_id_number(part)
            except DomainError:
                raise DomainError(f"“{part[:6]}…”不是有效的身份证号", field="owners") from None
        out.append(HolderRef(text=part, id_number=id_number, developer=developer, share=share))
    return out


def resolve_holders(refs: list[HolderRef], house: House | None) -> list[Holder]:
    """Find each holder: an ID number among registered persons, a name among the house's current residents or
    registered 单位; the developer among 单位. ``house`` None: a house this import creates (no residents yet)."""
    from linli.people.services import id_hash

    holders = []
    for ref in refs:
        if ref.developer or not ref.id_number:
            entity = list(Entity.objects.filter(name=ref.text)[:2])
            if len(entity) == 1:
                holders.append(Holder(entity=entity[0], developer=ref.developer, share=ref.share))
                continue
            if ref.developer:
                raise DomainError(f"单位组织中没有“{ref.text}”，请先登记该开发建设单位", field="owners")
        if ref.id_number:
            person = Person.objects.filter(id_number_hash=id_hash(Person.IdType.RESIDENT_ID, ref.id_number)).first()
            if person is None:
                raise DomainError(
                    f"身份证号“{ref.id_number[:6]}…{ref.id_number[-4:]}”未登记，请先导入该人员", field="owners"
                )
            holders.append(Holder(person=person, share=ref.share))
            continue
        if house is None:
            raise DomainError(f"新建房屋的产权人“{ref.text}”请填写身份证号", field="owners")
        found = list(
            Person.objects.filter(name=ref.text, residencies__house=house, residencies__end__isnull=True).distinct()[:2]
        )
        if len(found) != 1:
            why = "有重名" if found else "不是该房屋的登记住户"
            raise DomainError(f"“{ref.text}”{why}，请改填身份证号", field="owners")
        holders.append(Holder(person=found[0], share=ref.share))
    _shares(holders)
    _check_holders(holders)
    return holders


def same_holders(house: House, holders: list[Holder]) -> bool:
    current = {(o.person_id, o.entity_id, o.developer) for o in Ownership.objects.filter(house=house, end__isnull=True)}
    wanted = {(h.person.pk if h.person else None, h.entity.pk if h.entity else None, h.developer) for h in holders}
    return current == wanted


def ownership_import(*, plan: list[tuple[House, list[Holder]]], start: dt.date | None = None):
    """The import's write (scope checked by the import): (created ids, {ended id: {"end": None}}) for its traces."""
    start = start or timezone.localdate()
    created, ended = [], {}
    for house, holders in plan:
        current = list(Ownership.objects.filter(house=house, end__isnull=True).values_list("pk", flat=True))
        ended.update({pk: {"end": None} for pk in current})
        created += [row.pk for row in _write(house, holders, start)]
    return created, ended


def personal_data_ownership(person: Person) -> list[dict]:
    """The resident's data copy (PIPL Art. 45): the houses they hold or held, with share and dates."""
    rows = Ownership.objects.filter(person=person).select_related("house__building__compound", "house__unit")
    return [
        {
            "房屋": str(o.house),
            "产权份额": f"{o.share}%",
            "登记日期": o.start.isoformat() if o.start else "",
            "注销日期": o.end.isoformat() if o.end else "",
        }
        for o in rows.order_by("pk")
    ]
