"""Writes on persons, households, residencies, tags, organisations and places.

Every function validates everything first (collecting all field errors), re-checks the actor's scope
inside the transaction, saves with a version compare-and-set where a record can be edited concurrently,
and leaves a change-log row.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from linli.core import audit, crypto, masking
from linli.core.errors import ConflictError, DomainError, RateLimitedError
from linli.core.identity import id_birth_date, id_sex, normalise_text, parse_credit_code, parse_id_number, parse_phone
from linli.core.models import AuditLog, ObjectChange, Region, User
from linli.core.scoping import require_in_region, restrict
from linli.housing.models import House
from linli.people.models import (
    ETHNIC_GROUPS,
    Entity,
    Household,
    Person,
    Place,
    Residency,
    Tag,
    TagAssignment,
    Visit,
    VisitPhoto,
)

_PINYIN_CACHE: dict[str, tuple[str, str]] = {}


def name_pinyin(name: str) -> tuple[str, str]:
    """("zhangsan", "zs") for 张三; cached, since names repeat a great deal."""
    if name not in _PINYIN_CACHE:
        syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s]
        _PINYIN_CACHE[name] = ("".join(syllables).lower()[:120], "".join(s[0] for s in syllables).lower()[:20])
    return _PINYIN_CACHE[name]


@dataclass
class PersonData:
    """Validated person fields, as every entry point (form, API, import, demo) produces them."""

    name: str
    id_type: str
    id_number: str
    phone: str = ""
    ethnicity: str = ""
    hukou_address: str = ""
    person_type: str = Person.PersonType.RESIDENT
    political_status: str = Person.Political.NONE
    workplace: str = ""
    notes: str = ""


def clean_person_data(
    *,
    name,
    id_number,
    id_type=Person.IdType.RESIDENT_ID,
    phone="",
    ethnicity="",
    hukou_address="",
    person_type=Person.PersonType.RESIDENT,
    political_status=Person.Political.NONE,
    workplace="",
    notes="",
) -> PersonData:
    """Validate all fields at once; raise one DomainError listing every problem."""
    errors: list[tuple[str, str]] = []
    name = normalise_text(name)
    if not name:
        errors.append(("name", "姓名：不能为空"))
    elif len(name) > 50:
        errors.append(("name", "姓名：不能超过 50 个字"))
    id_type = id_type or Person.IdType.RESIDENT_ID
    if id_type not in Person.IdType.values:
        errors.append(("id_type", f"证件类型：“{id_type}”无效"))
    number = ""
    try:
        if id_type == Person.IdType.RESIDENT_ID:
            number = parse_id_number(id_number, field="身份证号")
        else:
            number = normalise_text(id_number).upper()
            if not (5 <= len(number) <= 30):
                raise DomainError("证件号码：长度应为 5–30 位", field="id_number")
    except DomainError as exc:
        errors.append(("id_number", exc.message))
    clean_phone = ""
    if phone not in (None, ""):
        try:
            clean_phone = parse_phone(phone, field="联系电话")
        except DomainError as exc:
            errors.append(("phone", exc.message))
    ethnicity = normalise_text(ethnicity)
    if ethnicity and ethnicity not in ETHNIC_GROUPS:
        if ethnicity + "族" in ETHNIC_GROUPS:
            ethnicity += "族"
        else:
            errors.append(("ethnicity", f"民族：“{ethnicity}”不是 56 个民族之一"))
    person_type = _choice(person_type, Person.PersonType, "person_type", "人员类型", errors)
    political_status = _choice(political_status or "masses", Person.Political, "political_status", "政治面貌", errors)
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    return PersonData(
        name=name,
        id_type=id_type,
        id_number=number,
        phone=clean_phone,
        ethnicity=ethnicity,
        hukou_address=(hukou_address or "").strip(),
        person_type=person_type,
        political_status=political_status,
        workplace=(workplace or "").strip(),
        notes=(notes or "").strip(),
    )


def _choice(value, choices, field: str, label: str, errors: list) -> str:
    """Accept the code or the Chinese label (ledgers use labels)."""
    value = normalise_text(value)
    if value in choices.values:
        return value
    for code, text in choices.choices:
        if value == text or value == text.replace("人口", "").replace("人员", ""):
            return code
    errors.append((field, f"{label}：“{value}”无效，可选 {'/'.join(choices.labels)}"))
    return ""


def id_hash(id_type: str, number: str) -> str:
    return crypto.blind_index(number, "id" if id_type == Person.IdType.RESIDENT_ID else f"id:{id_type}")


def apply_person_data(person: Person, data: PersonData) -> None:
    """Set encrypted, hashed, masked and derived fields from validated data (no save)."""
    person.name = data.name
    person.name_pinyin, person.name_initials = name_pinyin(data.name)
    person.id_type = data.id_type
    person.id_number_enc = crypto.encrypt(data.id_number)
    person.id_number_hash = id_hash(data.id_type, data.id_number)
    person.__dict__.pop("id_number_clear", None)  # the cached decryption of the previous number
    if data.id_type == Person.IdType.RESIDENT_ID:
        person.birth_year = id_birth_date(data.id_number).year
        person.sex = id_sex(data.id_number)
    set_phone(person, data.phone)
    person.ethnicity = data.ethnicity
    person.hukou_address = data.hukou_address
    person.person_type = data.person_type
    person.political_status = data.political_status
    person.workplace = data.workplace
    person.notes = data.notes


def set_phone(person: Person, phone: str) -> None:
    person.phone_enc = crypto.encrypt(phone) if phone else ""
    person.phone_hash = crypto.blind_index(phone, "phone") if phone else ""
    person.phone_last4 = phone.replace("-", "")[-4:] if phone else ""
    person.phone_masked = masking.mask_phone(phone) if phone else ""


DUPLICATE_ELSEWHERE = "身份证号：该身份证号已在本平台登记，请联系社区工作人员处理"


def _refuse_duplicate(actor: User | None, data: PersonData, person: Person | None = None) -> None:
    """Refuse a number that is registered already, saying no more than the actor may know.

    Inside the actor's scope the record can be found, so they are told to edit it. Outside it the answer names no
    grid, house or person (``DUPLICATE_ELSEWHERE``); and since even "registered" confirms a guessed number, such a
    hit is audited (keyed hash only) and counts towards the same per-user limit as exact searches.
    """
    digest = id_hash(data.id_type, data.id_number)
    others = Person.objects.filter(id_number_hash=digest)
    if person is not None:
        others = others.exclude(pk=person.pk)  # editing: the person's own number is no duplicate
    existing = others.values_list("pk", flat=True).first()
    if existing is None:
        return
    if actor is None or restrict(actor, "person.view").filter(pk=existing).exists():
        if person is not None:
            raise DomainError("身份证号：该证件号码已登记在另一条记录上", field="id_number", code="duplicate")
        raise DomainError("身份证号：该证件号码已登记，请搜索后修改原记录", field="id_number", code="duplicate")
    record_exact_search(actor=actor, kind="id_number", digest=digest, what="duplicate")
    raise DomainError(DUPLICATE_ELSEWHERE, field="id_number", code="duplicate")


def person_create(
    *,
    actor: User | None,
    data: PersonData,
    house: House | None = None,
    residency_kind: str = Residency.Kind.OWNER,
    region: Region | None = None,
    household: Household | None = None,
    relation: str = "",
    start: dt.date | None = None,
) -> Person:
    """Register a person, living at ``house`` (or filed under ``region`` when homeless in the records).

    The duplicate check runs before the transaction, so a refused duplicate stays in the access log.
    """
    _refuse_duplicate(actor, data)
    return _person_create(actor=actor, data=data, house=house, residency_kind=residency_kind, region=region,
                          household=household, relation=relation, start=start)  # fmt: skip


@transaction.atomic
def _person_create(
    *,
    actor: User | None,
    data: PersonData,
    house: House | None,
    residency_kind: str,
    region: Region | None,
    household: Household | None,
    relation: str,
    start: dt.date | None,
) -> Person:
    if house is None and region is None:
        raise DomainError("住址：请选择房屋或所属网格", field="house")
    place_region = _house_region(house) if house is not None else region
    require_in_region(actor, "person.add", place_region, "住址")
    if Person.objects.filter(id_number_hash=id_hash(data.id_type, data.id_number)).exists():
        raise DomainError(DUPLICATE_ELSEWHERE, field="id_number", code="duplicate")  # a race: say the least
    person = Person(region=place_region, region_path=place_region.path, household=household, relation=relation)
    apply_person_data(person, data)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise DomainError(DUPLICATE_ELSEWHERE, field="id_number", code="duplicate")
    audit.log_change(actor=actor, obj=person, action=ObjectChange.Action.CREATE, before=None)
    if house is not None:
        residency_start(actor=actor, person=person, house=house, kind=residency_kind, start=start)
    return person


def _house_region(house: House) -> Region:
    return house.household_unit if house.household_unit_id else house.building.grid


def person_update(*, actor: User | None, person: Person, version: int, data: PersonData) -> Person:
    """Change a person's details; the second of two concurrent edits gets a conflict, not an overwrite.

    A number registered on another record is refused like at registration (``_refuse_duplicate``): outside the
    actor's scope the answer names nothing and counts as an exact lookup, so editing a record to one guessed
    number after another is no free oracle. Checked before the transaction, so the access-log row stays.
    """
    if actor is not None and not restrict(actor, "person.change").filter(pk=person.pk).exists():
        raise DomainError("人员：您没有修改该人员的权限", field="person", code="forbidden")
    _refuse_duplicate(actor, data, person=person)
    return _person_update(actor=actor, person=person, version=version, data=data)


@transaction.atomic
def _person_update(*, actor: User | None, person: Person, version: int, data: PersonData) -> Person:
    new_hash = id_hash(data.id_type, data.id_number)
    if Person.objects.filter(id_number_hash=new_hash).exclude(pk=person.pk).exists():
        raise DomainError(DUPLICATE_ELSEWHERE, field="id_number", code="duplicate")  # a race: say the least
    before = audit.snapshot(person)
    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.version != version:
        raise ConflictError()
    apply_person_data(current, data)
    current.version = version + 1
    fields = [
        "name", "name_pinyin", "name_initials", "id_type", "id_number_enc", "id_number_hash", "birth_decade",
        "birth_year_index", "sex", "phone_enc", "phone_hash", "phone_last4", "phone_masked", "ethnicity",
        "hukou_address", "person_type", "political_status", "workplace", "notes", "version", "updated_at",
    ]  # fmt: skip
    current.save(update_fields=fields)
    audit.log_change(actor=actor, obj=current, action=ObjectChange.Action.UPDATE, before=before)
    return current


EXACT_SEARCH_LABELS = {"id_number": "身份证号", "phone": "联系电话"}


def record_exact_search(*, actor: User, kind: str, digest: str, what: str = "search") -> None:
    """Count and audit one lookup by a full ID number or phone: the keyed hash is recorded, never the term.

    Confirming candidates one by one (an ID rebuilt from its mask and an age) needs thousands of exact lookups;
    a per-user limit (``LINLI_EXACT_SEARCH_LIMIT`` per ``LINLI_EXACT_SEARCH_WINDOW`` seconds) makes that infeasible,
    and the audit row says who looked for whom. Not one transaction: a refused lookup stays recorded.
    """
    limit, window = settings.LINLI_EXACT_SEARCH_LIMIT, settings.LINLI_EXACT_SEARCH_WINDOW
    # Counted from the access log itself (a sliding window): exact in every web process, no cache needed.
    since = timezone.now() - dt.timedelta(seconds=window)
    used = AuditLog.objects.filter(actor=actor, action=AuditLog.Action.SEARCH, result="ok", created_at__gte=since)
    allowed = used.count() < limit
    audit.record(
        actor=actor,
        action=AuditLog.Action.SEARCH,
        field=EXACT_SEARCH_LABELS[kind],
        result="ok" if allowed else "throttled",
        extra={"hash": digest, "kind": kind, "via": what},
    )
    if not allowed:
        minutes = max(window // 60, 1)
        raise RateLimitedError(
            f"查询过于频繁：按完整身份证号或手机号查询每 {minutes} 分钟最多 {limit} 次，请稍后再试。"
            "本次查询已记入访问记录。"
        )


UNMASKABLE = {"id_number": ("id_number_enc", "身份证号"), "phone": ("phone_enc", "联系电话")}


def person_unmask(*, actor: User, person: Person, field: str, reason: str) -> str:
    """Reveal an ID number or phone to a permitted user with a stated reason; always audited.

    Not one transaction on purpose: a refused attempt is recorded and stays recorded.
    """
    if field not in UNMASKABLE:
        raise DomainError("字段：只能查看身份证号或联系电话的明文", field="field")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("事由：请填写查看明文的事由（至少 2 个字）", field="reason")
    if not restrict(actor, "person.unmask").filter(pk=person.pk).exists():
        audit.record(
            actor=actor, action=AuditLog.Action.UNMASK, target=person, field=field, reason=reason, result="denied"
        )
        raise DomainError("您没有查看该人员明文信息的权限", field="field", code="forbidden")
    column, label = UNMASKABLE[field]
    value = crypto.decrypt(getattr(person, column))
    audit.record(actor=actor, action=AuditLog.Action.UNMASK, target=person, field=label, reason=reason)
    return value


# --- residencies and households --------------------------------------------------------------------


@transaction.atomic
def residency_start(
    *, actor: User | None, person: Person, house: House, kind: str, start: dt.date | None = None
) -> Residency:
    """Record that ``person`` lives at/owns ``house``; moving to another grid needs scope over both."""
    if kind not in Residency.Kind.values:
        raise DomainError(f"关系：“{kind}”无效，应为 业主/租户/家属/其他", field="kind")
    region = _house_region(house)
    require_in_region(actor, "residency.add", region, "房屋")
    # Moving someone in from another grid needs scope over where they are filed now, too.
    if actor is not None and not restrict(actor, "person.change").filter(pk=person.pk).exists():
        raise DomainError(
            "房屋：该人员当前登记在您的范围之外，需由原网格或上级办理迁入", field="house", code="forbidden"
        )
    if Residency.objects.filter(person=person, house=house, kind=kind, end__isnull=True).exists():
        raise DomainError(f"房屋：{person.name}已登记为{house}的{Residency.Kind(kind).label}", field="house")
    residency = Residency.objects.create(
        person=person, house=house, kind=kind, start=start or timezone.localdate(), region_path=house.region_path
    )
    audit.log_change(actor=actor, obj=residency, action=ObjectChange.Action.CREATE, before=None)
    _refile_person(person)
    return residency


@transaction.atomic
def residency_end(*, actor: User | None, residency: Residency, end: dt.date | None = None) -> Residency:
    if actor is not None and not restrict(actor, "residency.change").filter(pk=residency.pk).exists():
        raise DomainError("人房关系：您没有修改的权限", field="residency", code="forbidden")
    end = end or timezone.localdate()
    if residency.start and end < residency.start:
        raise DomainError("结束日期：不能早于起始日期", field="end")
    before = audit.snapshot(residency)
    if not Residency.objects.filter(pk=residency.pk, end__isnull=True).update(end=end):
        raise ConflictError("该人房关系已结束。")
    residency.refresh_from_db()
    audit.log_change(actor=actor, obj=residency, action=ObjectChange.Action.UPDATE, before=before)
    _refile_person(residency.person)
    return residency


def _refile_person(person: Person) -> None:
    """A person is filed under the region of their current home (owner/tenant first, newest first)."""
    priority = {Residency.Kind.OWNER: 0, Residency.Kind.TENANT: 0, Residency.Kind.FAMILY: 1, Residency.Kind.OTHER: 2}
    current = list(
        Residency.objects.filter(person=person, end__isnull=True).select_related(
            "house__household_unit", "house__building__grid"
        )
    )
    if not current:
        return
    current.sort(key=lambda r: (priority.get(r.kind, 3), -(r.start or dt.date.min).toordinal(), -r.pk))
    region = _house_region(current[0].house)
    if person.region_id != region.pk or person.region_path != region.path:
        Person.objects.filter(pk=person.pk).update(region=region, region_path=region.path)
        TagAssignment.objects.filter(person=person).update(region_path=region.path)
        person.region, person.region_path = region, region.path


def house_region_changed(*, house: House) -> None:
    """A house moved to another 十联户/grid: its residencies and residents follow."""
    Residency.objects.filter(house=house).update(region_path=house.region_path)
    Household.objects.filter(house=house).update(region_path=house.region_path)
    for person in Person.objects.filter(residencies__house=house, residencies__end__isnull=True).distinct():
        _refile_person(person)


@transaction.atomic
def household_create(
    *, actor: User | None, house: House, householder: Person, number: str = "", members: list | None = None
) -> Household:
    """Open a household at ``house`` headed by ``householder``; ``members`` = [(person, relation), ...]."""
    require_in_region(actor, "household.add", _house_region(house), "住址")
    household = Household.objects.create(
        house=house, householder=householder, number=number, region_path=house.region_path
    )
    Person.objects.filter(pk=householder.pk).update(household=household, relation=Person.Relation.SELF)
    for member, relation in members or []:
        household_add_member(actor=actor, household=household, person=member, relation=relation)
    audit.log_change(actor=actor, obj=household, action=ObjectChange.Action.CREATE, before=None)
    return household


@transaction.atomic
def household_add_member(*, actor: User | None, household: Household, person: Person, relation: str) -> Person:
    if relation not in Person.Relation.values:
        raise DomainError(f"与户主关系：“{relation}”无效", field="relation")
    if actor is not None and not restrict(actor, "person.change").filter(pk=person.pk).exists():
        raise DomainError("人员：您没有修改该人员的权限", field="person", code="forbidden")
    before = audit.snapshot(person)
    Person.objects.filter(pk=person.pk).update(household=household, relation=relation)
    person.household, person.relation = household, relation
    audit.log_change(actor=actor, obj=person, action=ObjectChange.Action.UPDATE, before=before)
    return person


# --- tags ------------------------------------------------------------------------------------------------


@transaction.atomic
def tag_assign(*, actor: User | None, person: Person, tag: Tag, note: str = "", since=None) -> TagAssignment:
    from linli.core.scoping import max_tag_sensitivity

    if actor is not None:
        if not restrict(actor, "person.change").filter(pk=person.pk).exists():
            raise DomainError("人员：您没有修改该人员的权限", field="person", code="forbidden")
        if tag.sensitivity > max_tag_sensitivity(actor):
            raise DomainError(f"标签：您无权设置“{tag.name}”", field="tag", code="forbidden")
    from linli.core.modules import run_checks

    run_checks("people.tag_assign", person=person, tag=tag)  # privacy refuses a sensitive tag without consent
    assignment, created = TagAssignment.objects.get_or_create(
        person=person,
        tag=tag,
        defaults={"note": note, "since": since, "added_by": actor, "region_path": person.region_path},
    )
    if created:
        audit.log_change(actor=actor, obj=assignment, action=ObjectChange.Action.CREATE, before=None)
    return assignment


@transaction.atomic
def tag_remove(*, actor: User | None, assignment: TagAssignment) -> None:
    if actor is not None and not restrict(actor, "person.change").filter(pk=assignment.person_id).exists():
        raise DomainError("人员：您没有修改该人员的权限", field="person", code="forbidden")
    before = audit.snapshot(assignment)
    audit.log_change(actor=actor, obj=assignment, action=ObjectChange.Action.DELETE, before=before)
    assignment.delete()


# --- organisations and places ----------------------------------------------------------------------------


@transaction.atomic
def entity_create(
    *, actor: User | None, name: str, kind: str, grid: Region, credit_code: str = "", phone: str = "", **extra
) -> Entity:
    require_in_region(actor, "entity.add", grid, "网格")
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(("name", "名称：不能为空"))
    if kind not in Entity.Kind.values:
        errors.append(("kind", f"类型：“{kind}”无效，应为 法人单位/个体工商户/社会组织"))
    code = ""
    if credit_code:
        try:
            code = parse_credit_code(credit_code)
        except DomainError as exc:
            errors.append(("credit_code", exc.message))
        if code and Entity.objects.filter(credit_code=code).exists():
            errors.append(("credit_code", f"统一社会信用代码：{code} 已登记"))
    clean_phone = ""
    if phone:
        try:
            clean_phone = parse_phone(phone)
        except DomainError as exc:
            errors.append(("phone", exc.message))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    entity = Entity.objects.create(
        name=name,
        kind=kind,
        grid=grid,
        region_path=grid.path,
        credit_code=code,
        phone_enc=crypto.encrypt(clean_phone),
        phone_masked=masking.mask_phone(clean_phone),
        **extra,
    )
    audit.log_change(actor=actor, obj=entity, action=ObjectChange.Action.CREATE, before=None)
    return entity


@transaction.atomic
def place_create(*, actor: User | None, name: str, kind: str, grid: Region, phone: str = "", **extra) -> Place:
    require_in_region(actor, "place.add", grid, "网格")
    if not (name or "").strip():
        raise DomainError("名称：不能为空", field="name")
    if kind not in Place.Kind.values:
        raise DomainError(f"类型：“{kind}”无效", field="kind")
    clean_phone = parse_phone(phone) if phone else ""
    place = Place.objects.create(
        name=name.strip(),
        kind=kind,
        grid=grid,
        region_path=grid.path,
        phone_enc=crypto.encrypt(clean_phone),
        phone_masked=masking.mask_phone(clean_phone),
        **extra,
    )
    audit.log_change(actor=actor, obj=place, action=ObjectChange.Action.CREATE, before=None)
    return place


# --- 走访 (visits) ----------------------------------------------------------------------------------------

MAX_VISIT_PHOTOS = 9
MAX_VISIT_PHOTO_BYTES = 10 * 1024 * 1024
VISIT_PHOTO_EDGE = 1920  # long edge after re-encoding: enough to read a meter or a crack, a few hundred KB
VISIT_BACKDATE_DAYS = 30  # a visit may be entered late, but not months later


def _visit_photo(upload) -> bytes:
    """Re-encode an uploaded photo as JPEG: proves it is an image and drops camera metadata (GPS, device)."""
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "") or "照片"
    if upload.size > MAX_VISIT_PHOTO_BYTES:
        raise DomainError(f"照片：“{name}”超过 10 MB", field="photos")
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail((VISIT_PHOTO_EDGE, VISIT_PHOTO_EDGE))
            out = io.BytesIO()
            img.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(f"照片：“{name}”不是有效的图片（支持 JPG、PNG、WebP、GIF）", field="photos")
    return out.getvalue()


def _visit_region(person: Person | None, household: Household | None) -> Region | None:
    if person is not None and person.region_id:
        return person.region
    if household is not None and household.house_id:
        house = household.house
        return house.household_unit if house.household_unit_id else house.building.grid
    return None


@transaction.atomic
def visit_record(
    *,
    actor: User | None,
    person: Person | None = None,
    household: Household | None = None,
    visited_on: dt.date | None = None,
    kind: str = "home",
    notes: str,
    follow_up_needed: bool = False,
    follow_up: str = "",
    photos=(),
) -> Visit:
    """Record a visit to a person (or a whole household) in the actor's scope, with up to 9 photos."""
    from django.core.files.base import ContentFile

    from linli.core.scoping import allows_in_region

    if person is None and household is None:
        raise DomainError("走访对象：请选择人员或户", field="person")
    if person is not None and household is None and person.household_id:
        household = person.household
    today = timezone.localdate()
    visited_on = visited_on or today
    errors = []
    if visited_on > today:
        errors.append(("visited_on", "走访日期：不能晚于今天"))
    elif visited_on < today - dt.timedelta(days=VISIT_BACKDATE_DAYS):
        errors.append(("visited_on", f"走访日期：只能补录 {VISIT_BACKDATE_DAYS} 天内的走访"))
    if kind not in Visit.Kind.values:
        errors.append(("kind", f"方式：“{kind}”无效"))
    notes = (notes or "").strip()
    if len(notes) < 2:
        errors.append(("notes", "走访情况：请写明看到和了解到的情况（至少 2 个字）"))
    elif len(notes) > 2000:
        errors.append(("notes", f"走访情况：不能超过 2000 字（现有 {len(notes)} 字）"))
    follow_up = (follow_up or "").strip()
    if follow_up_needed and not follow_up:
        errors.append(("follow_up", "跟进事项：勾选了“需要跟进”，请写明要跟进什么"))
    elif len(follow_up) > 500:
        errors.append(("follow_up", "跟进事项：不能超过 500 字"))
    photos = [p for p in photos if p]
    encoded = []
    if len(photos) > MAX_VISIT_PHOTOS:
        errors.append(("photos", f"照片：最多 {MAX_VISIT_PHOTOS} 张"))
    else:
        for upload in photos:
            try:
                encoded.append(_visit_photo(upload))
            except DomainError as exc:
                errors.append(("photos", exc.message))
    region = _visit_region(person, household)
    if region is None:
        errors.append(("person", "走访对象：该人员尚未登记所属网格或住址，无法记录走访"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    if actor is not None:
        target_ok = (
            restrict(actor, "person.view").filter(pk=person.pk).exists()
            if person is not None
            else restrict(actor, "household.view").filter(pk=household.pk).exists()
        )
        if not target_ok or not allows_in_region(actor, "visit.add", region):
            raise DomainError("走访对象：不在您负责的范围内", field="person", code="forbidden")
    visit = Visit.objects.create(
        person=person,
        household=household,
        region=region,
        region_path=region.path,
        visitor=actor if actor is not None and actor.pk else None,
        visitor_name=(actor.display_name if actor is not None else "系统")[:50],
        visited_on=visited_on,
        kind=kind,
        notes=notes,
        follow_up_needed=follow_up_needed,
        follow_up=follow_up,
    )
    rows = []
    for data in encoded:
        row = VisitPhoto(visit=visit, size=len(data))
        row.image.save("photo.jpg", ContentFile(data), save=False)
        rows.append(row)
    VisitPhoto.objects.bulk_create(rows)
    audit.log_change(actor=actor, obj=visit, action=ObjectChange.Action.CREATE, before=None)
    return visit


@transaction.atomic
def visit_record_for(
    *, household: Household, notes: str, visitor_name: str, visited_on: dt.date | None = None, kind: str = "home"
) -> int:
    """Record a visit another app's rules allowed (party's 结对帮扶, through ``ask("people.record_visit")``).

    The asking app has checked its user may visit this household; the visit lands in the same visit log the grid
    workers keep, under the visitor's name. Returns the visit's id."""
    visit = visit_record(actor=None, household=household, visited_on=visited_on, kind=kind, notes=notes)
    Visit.objects.filter(pk=visit.pk).update(visitor_name=(visitor_name or "")[:50])
    return visit.pk


def visits_by_id(ids) -> list[dict]:
    """Visit log rows by id, newest first (``ask("people.visits_of")``): what the asking app itself recorded."""
    return list(
        Visit.objects.filter(pk__in=list(ids))
        .order_by("-visited_on", "-pk")
        .values("pk", "visited_on", "kind", "visitor_name", "notes")
    )


@transaction.atomic
def visit_link_event(*, actor: User | None, visit: Visit, event_id: int, event_number: str) -> Visit:
    """Remember the event opened from a visit; a visit opens at most one event (compare-and-set)."""

    if actor is not None and not restrict(actor, "visit.add").filter(pk=visit.pk).exists():
        raise DomainError("走访记录：不在您负责的范围内", field="visit", code="forbidden")
    before = audit.snapshot(visit)
    if not Visit.objects.filter(pk=visit.pk, event_id__isnull=True).update(
        event_id=event_id, event_number=event_number
    ):
        raise ConflictError(f"该走访已转为事件{visit.event_number and '：' + visit.event_number}，请勿重复提交。")
    visit.event_id, visit.event_number = event_id, event_number
    audit.log_change(actor=actor, obj=visit, action=ObjectChange.Action.UPDATE, before=before)
    return visit


# --- retention (registered in apps.py; privacy runs it) -----------------------------------------------------


def purge_ended_residencies(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Residencies that ended before ``cutoff``, except those of persons under a legal hold."""
    qs = Residency.objects.filter(end__isnull=False, end__lt=cutoff.date()).exclude(person_id__in=held_person_ids)
    return qs.delete()[0]
