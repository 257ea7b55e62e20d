"""Writes on events: opening from any channel, the workflow state machine, supervision, rating, merging.

Every transition is a compare-and-set on (status, version): of two dispatchers who click 受理 at the same
moment exactly one wins, the other gets a ConflictError. Each writes an EventTransition row and
notifies the people concerned only after the transaction commits (a new report's inbox rows for the
dispatchers are written in its own transaction: see ``_notify_new``).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.core import audit, crypto, masking
from linli.core.errors import ConflictError, DomainError
from linli.core.identity import parse_phone
from linli.core.images import CleanImage, clean_image
from linli.core.models import ObjectChange, Organisation, Region, User
from linli.core.roles import Role
from linli.core.scoping import allows_in_region, has_action, restrict
from linli.events import caches, deadlines, notify, routing
from linli.events.models import (
    FINAL_STATUSES,
    TIMED_STATUSES,
    Category,
    Channel,
    ClassificationFeedback,
    Event,
    EventCounter,
    EventPhoto,
    EventStatus,
    EventTask,
    EventTransition,
    HandlerKind,
    Rating,
    Supervision,
)
from linli.events.similarity import bigrams, jaccard_sets
from linli.housing.models import Building, House

S = EventStatus
MAX_PHOTOS = 9
DUPLICATE_HOURS = 72
DUPLICATE_METRES = 200
DUPLICATE_SIMILARITY = 0.3
DUPLICATE_CANDIDATES = 30  # the most recent neighbours of the same category that are compared


# --- numbering -------------------------------------------------------------------------------------


def next_number(day: dt.date | None = None) -> str:
    """SJ20261121-0001: the next number of the day's counter row, in one statement (upsert … RETURNING).

    Outside a transaction (a report through the API, Open311, a console form) the statement is its own
    transaction: the counter row is locked only for that statement, never while the report is written, so
    concurrent reports do not queue behind each other. A report that fails after taking its number leaves a
    gap in the day's numbers. On PostgreSQL that short transaction does not wait for its commit to reach the
    disk (``synchronous_commit`` off for it alone): the report's own commit, which does wait, comes later in
    the write-ahead log, so a report that was acknowledged has a durable number; a crash can only lose numbers
    of reports that were never acknowledged, which leaves gaps, never duplicates.

    Inside a caller's transaction (patrol 自办自结, a hotline import, tests) the row stays locked until that
    transaction ends, and a rollback gives the number back.
    """
    from django.db import connection

    day = day or timezone.localdate()
    table = connection.ops.quote_name(EventCounter._meta.db_table)
    last = connection.ops.quote_name("last")
    values = "VALUES (%s, 1)"
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        values = "SELECT %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, {last}) {values} "
            f"ON CONFLICT (day) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            [day],
        )
        (n,) = cursor.fetchone()
    return f"SJ{day:%Y%m%d}-{n:04d}"


# --- location --------------------------------------------------------------------------------------


@dataclass
class Place:
    region: Region
    building: Building | None = None
    house: House | None = None
    needs_triage: bool = False


def _decimal(value, field: str, lo: float, hi: float) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{field}：“{value}”不是数字", field=field)
    if not (lo <= float(number) <= hi):
        raise DomainError(f"{field}：“{value}”超出范围（WGS-84）", field=field)
    return number


def _grid_of(building: Building) -> Region:
    """A building's grid without a query when the region tree is cached (or was selected with the building)."""
    if Building.grid.is_cached(building):
        return building.grid
    return caches.region(building.grid_id) or building.grid


def resolve_place(
    *,
    house: House | None = None,
    building: Building | None = None,
    lat=None,
    lng=None,
    address: str = "",
    fallback: Region | Callable[[], Region | None] | None = None,
) -> Place:
    """House, building, point or address text → building and grid; outside every grid → the community's triage.

    ``fallback`` (a region, or a function giving one, called only when needed) is where a report with no
    usable location goes.
    """
    from linli.housing.selectors import filter_by_address, parse_address, place_at_point

    if house is not None:
        return Place(region=_grid_of(house.building), building=house.building, house=house)
    if building is not None:
        return Place(region=_grid_of(building), building=building)
    if lat is not None and lng is not None:
        # The building is one of the compound the point lies in, never a nearer one across the fence.
        spot = place_at_point(lat, lng)
        if spot.building is not None:
            return Place(region=_grid_of(spot.building), building=spot.building)
        grid = caches.grid_for_point(float(lat), float(lng))
        if grid is not None:
            return Place(region=grid)
    elif address:
        parts = parse_address(address)
        if parts is not None and not parts.is_empty:
            houses = list(filter_by_address(House.objects.select_related("building__grid"), parts)[:5])
            if len(houses) == 1 and parts.room:
                return Place(region=houses[0].building.grid, building=houses[0].building, house=houses[0])
            buildings = {h.building_id: h.building for h in houses}
            if len(buildings) == 1:
                b = next(iter(buildings.values()))
                return Place(region=b.grid, building=b)
    if callable(fallback):
        fallback = fallback()
    if fallback is None:
        raise DomainError("位置：无法确定所属网格，请选择房屋、楼栋或在地图上标出位置", field="location")
    return Place(region=routing.community_of(fallback), needs_triage=True)


def home_region_of(user: User | None) -> Region | None:
    """Where a user belongs: a resident's grid, a staff member's first region."""
    if user is None:
        return None
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    if person is not None and person.region_id:
        return person.region
    for grant in user.active_grants():
        if grant.region_id:
            return grant.region
    return None


# --- photos -----------------------------------------------------------------------------------------


def _check_photos(photos: Iterable[UploadedFile], *, existing: int = 0) -> list[CleanImage]:
    """Refuse too many or anything that is not an image; return the photos re-encoded (no EXIF/GPS, upright)."""
    photos = [p for p in photos if p]
    if len(photos) + existing > MAX_PHOTOS:
        raise DomainError(f"照片：最多 {MAX_PHOTOS} 张", field="photos")
    return [clean_image(p, label="照片", field="photos") for p in photos]


def _store_photos(checked: list[CleanImage], *, kind: str, actor: User | None) -> list[EventPhoto]:
    """Write the files to storage (before any row is locked); the rows are inserted by ``_insert_photos``.

    The name is generated (``photo_path``) with the extension of the re-encoded content, never the uploader's."""
    photos = []
    for image in checked:
        photo = EventPhoto(kind=kind, content_type=image.content_type, size=image.size, uploaded_by=_user(actor))
        photo.image.save(f"photo.{image.extension}", ContentFile(image.content), save=False)
        photos.append(photo)
    return photos


def _insert_photos(event: Event, photos: list[EventPhoto]) -> list[EventPhoto]:
    for photo in photos:
        photo.event = event
    return EventPhoto.objects.bulk_create(photos) if photos else []


def _save_photos(event: Event, checked, *, kind: str, actor: User | None) -> list[EventPhoto]:
    return _insert_photos(event, _store_photos(checked, kind=kind, actor=actor))


# --- opening ----------------------------------------------------------------------------------------


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = caches.category(code)
    if category is None or not category.active:
        raise DomainError(f"分类：“{code}”不存在或已停用", field="category")
    if category.parent_id is None:
        raise DomainError(f"分类：“{category.name}”是大类，请选择具体的小类", field="category")
    return category


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:30] + ("…" if len(first) > 30 else "")


def event_open(
    *,
    channel: str,
    category_code: str | None,
    text: str,
    title: str = "",
    reporter: User | None = None,
    reporter_name: str = "",
    contact_phone: str = "",
    anonymous: bool = False,
    house: House | None = None,
    building: Building | None = None,
    lat=None,
    lng=None,
    address: str = "",
    region: Region | None = None,
    actor: User | None = None,
    external_source: str = "",
    external_id: str = "",
    media_url: str = "",
    photos: Iterable[UploadedFile] = (),
) -> Event:
    """Open an event from any channel (the one entry point other modules call).

    Reads come first (validation, place, permissions, duplicate search, photo files); then the day's number is
    taken (``next_number``: in a statement of its own unless the caller holds a transaction) and the rows are
    written in one transaction: the event, its photos, its first timeline step, the audit row and the
    dispatchers' inbox messages. Nothing is half-saved. The returned event carries those rows in
    ``opening_rows`` (see ``selectors.as_created``), so a caller can show it without reading it back.
    """
    errors: list[tuple[str, str]] = []
    text = (text or "").strip()
    if not text:
        errors.append(("description", "描述：请说明发生了什么"))
    elif len(text) > 4000:
        errors.append(("description", "描述：不能超过 4000 字"))
    if channel not in Channel.values:
        errors.append(("channel", f"来源渠道：“{channel}”无效"))
    category = None
    try:
        category = _category(category_code)
    except DomainError as exc:
        errors.append(("category", exc.message))
    phone = ""
    if contact_phone:
        try:
            phone = parse_phone(contact_phone, field="联系电话")
        except DomainError as exc:
            errors.append(("contact_phone", exc.message))
    try:
        lat_d = _decimal(lat, "纬度", 3, 54)
        lng_d = _decimal(lng, "经度", 73, 136)
    except DomainError as exc:
        errors.append(("location", exc.message))
        lat_d = lng_d = None
    checked = []
    try:
        checked = _check_photos(photos)
    except DomainError as exc:
        errors.append(("photos", exc.message))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    place = resolve_place(
        house=house,
        building=building,
        lat=lat_d,
        lng=lng_d,
        address=address,
        fallback=lambda: region or home_region_of(reporter) or home_region_of(actor),
    )
    if actor is not None and actor != reporter and not allows_in_region(actor, "event.add", place.region):
        if not has_action(actor, "event.add"):
            raise DomainError("权限：您没有登记事件的权限", field="channel", code="forbidden")
        # Staff may register a report about a place outside their grids: it goes to that place's queue.
    if actor is not None and actor == reporter and not has_action(actor, "event.add"):
        raise DomainError("权限：您的账号不能上报事件", field="channel", code="forbidden")
    if external_id and Event.objects.filter(external_source=external_source, external_id=external_id).exists():
        raise DomainError(f"外部编号：“{external_id}”已登记", field="external_id", code="duplicate")
    event = Event(
        channel=channel,
        category=category,
        title=(title or _title(text))[:100],
        description=text,
        reporter_user=_user(reporter),
        reporter_name=(reporter_name or (reporter.display_name if reporter else ""))[:50],
        anonymous=anonymous,
        house=place.house,
        building=place.building,
        lat=lat_d,
        lng=lng_d,
        address=(address or "")[:200],
        region=place.region,
        region_path=place.region.path,
        needs_triage=place.needs_triage,
        urgency=category.urgency if category else "normal",
        emergency=bool(category and category.emergency),
        media_url=(media_url or "")[:500],
        external_source=external_source,
        external_id=external_id,
    )
    if phone:
        event.contact_phone_enc = crypto.encrypt(phone)
        event.contact_phone_hash = crypto.blind_index(phone, "phone")
        event.contact_phone_masked = masking.mask_phone(phone)
    event.possible_duplicate_of = find_duplicate(event)
    stored = _store_photos(checked, kind=EventPhoto.Kind.REPORT, actor=actor or reporter)
    event.number = next_number()
    try:
        with transaction.atomic():
            if external_id:
                try:
                    with transaction.atomic():
                        event.save(force_insert=True)
                except IntegrityError:
                    raise DomainError(f"外部编号：“{external_id}”已登记", field="external_id", code="duplicate")
            else:
                event.save(force_insert=True)
            saved = _insert_photos(event, stored)
            report = _record(event, actor=actor or reporter, action="report", from_status="",
                             note=_channel_note(event))  # fmt: skip
            audit.log_change(actor=_user(actor or reporter), obj=event, action=ObjectChange.Action.CREATE,
                             before=None)  # fmt: skip
            _notify_new(event)
    except BaseException:
        event.pk = None  # not saved: the instance must not look like a stored event
        raise
    event.opening_rows = {"transitions": [report], "photos": saved, "tasks": []}
    return event


def _channel_note(event: Event) -> str:
    note = f"通过{event.get_channel_display()}"
    if event.needs_triage:
        note += "；位置不在任何网格，进入社区待分拨队列"
    if event.possible_duplicate_of_id:
        note += f"；疑似与 {event.possible_duplicate_of.number} 重复"
    return note


def _box(lat: float, lng: float, metres: float) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A latitude/longitude box that contains the circle of ``metres`` around the point."""
    import math

    dlat = metres / 111_000.0
    dlng = metres / (111_000.0 * max(math.cos(math.radians(lat)), 0.01))
    q = Decimal("0.000001")
    return (Decimal(lat - dlat).quantize(q), Decimal(lat + dlat).quantize(q), Decimal(lng - dlng).quantize(q),
            Decimal(lng + dlng).quantize(q))  # fmt: skip


def find_duplicate(event: Event) -> Event | None:
    """An open event of the same category at the same building or within 200 m, in 72 h, with similar text.

    One query: the (category, created_at) index bounds it to the category's last 72 hours and the place
    (same building, or a point or a building point inside the 200 m box) is filtered in SQL, so only
    neighbours are read and compared.
    """
    from django.db.models import Q

    from linli.core.geo import distance_m

    if event.category_id is None:
        return None
    place = Q()
    if event.building_id:
        place |= Q(building_id=event.building_id)
    point = _point(event)
    if point is not None:
        lat0, lat1, lng0, lng1 = _box(point[0], point[1], DUPLICATE_METRES)
        place |= Q(lat__range=(lat0, lat1), lng__range=(lng0, lng1))
        place |= Q(lat__isnull=True, building__lat__range=(lat0, lat1), building__lng__range=(lng0, lng1))
    if not place:
        return None
    since = timezone.now() - dt.timedelta(hours=DUPLICATE_HOURS)
    qs = Event.objects.filter(place, category_id=event.category_id, created_at__gte=since, parent__isnull=True).exclude(
        status__in=[S.REJECTED, S.MERGED]
    )
    if event.pk:
        qs = qs.exclude(pk=event.pk)
    rows = qs.order_by("-created_at").values_list(
        "pk", "number", "title", "status", "description", "lat", "lng", "building_id", "building__lat", "building__lng"
    )[:DUPLICATE_CANDIDATES]
    mine, here = bigrams(event.description), point
    best, best_score = None, DUPLICATE_SIMILARITY
    for pk, number, title, status, description, lat, lng, building_id, b_lat, b_lng in rows:
        if not (event.building_id and building_id == event.building_id):
            there = (lat, lng) if lat is not None else (b_lat, b_lng) if b_lat is not None else None
            if here is None or there is None:
                continue
            if distance_m(here[0], here[1], float(there[0]), float(there[1])) > DUPLICATE_METRES:
                continue
        score = jaccard_sets(mine, bigrams(description))
        if score >= best_score:
            best, best_score = (pk, number, title, status), score
    # The match as a partial instance (id, number, title, status): enough to link it and name it.
    return Event.from_db(qs.db, ["id", "number", "title", "status"], best) if best else None


def _near(a: Event, b: Event) -> bool:
    from linli.core.geo import distance_m

    if a.building_id and a.building_id == b.building_id:
        return True
    pa, pb = _point(a), _point(b)
    if pa and pb:
        return distance_m(pa[0], pa[1], pb[0], pb[1]) <= DUPLICATE_METRES
    return False


def _point(e: Event) -> tuple[float, float] | None:
    if e.lat is not None and e.lng is not None:
        return float(e.lat), float(e.lng)
    if e.building_id and e.building.lat is not None:
        return float(e.building.lat), float(e.building.lng)
    return None


# --- the state machine -------------------------------------------------------------------------------

ACTIONS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    # action: (label, from statuses, to status (None: unchanged))
    "accept": ("受理", (S.PENDING,), S.ACCEPTED),
    "reject": ("不予受理", (S.PENDING,), S.REJECTED),
    "merge": ("合并", (S.PENDING, S.ACCEPTED), S.MERGED),
    "dispatch": ("派遣", (S.ACCEPTED,), S.DISPATCHED),
    "escalate": ("吹哨报到", (S.ACCEPTED, S.DISPATCHED, S.PROCESSING), S.DISPATCHED),
    "reassign": ("改派", (S.DISPATCHED, S.PROCESSING), S.DISPATCHED),
    "sign": ("签收", (S.DISPATCHED,), S.PROCESSING),
    "return": ("退回", (S.DISPATCHED, S.PROCESSING), S.ACCEPTED),
    "resolve": ("办结", (S.PROCESSING,), S.RESOLVED),
    "verify": ("核查通过", (S.RESOLVED,), S.VERIFIED),
    "verify_fail": ("核查不通过（返工）", (S.RESOLVED,), S.PROCESSING),
    "close": ("结案", (S.VERIFIED,), S.CLOSED),
    "rework": ("返工", (S.VERIFIED, S.CLOSED), S.PROCESSING),
    "suspend": ("挂起", (S.ACCEPTED, S.DISPATCHED, S.PROCESSING), S.SUSPENDED),
    "resume": ("恢复", (S.SUSPENDED,), None),
    "extension_request": ("申请延期", (S.DISPATCHED, S.PROCESSING), None),
    "extension_approve": ("同意延期", (S.DISPATCHED, S.PROCESSING), None),
    "extension_refuse": ("不同意延期", (S.DISPATCHED, S.PROCESSING), None),
    "rate": ("评价", (S.VERIFIED, S.CLOSED), None),
    "revisit": ("回访", (S.VERIFIED,), None),
    "reopen": ("重新打开", (S.CLOSED,), S.VERIFIED),
    "categorise": ("修改分类", (S.PENDING, S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.SUSPENDED), None),
    "flag": ("挂牌督办", (S.ACCEPTED, S.DISPATCHED, S.PROCESSING, S.SUSPENDED), None),
    "warn": ("预警", TIMED_STATUSES, None),
    "urge": ("催办", TIMED_STATUSES, None),
    "supervise": ("督办", TIMED_STATUSES, None),
    "task_sign": ("部门报到", (S.DISPATCHED, S.PROCESSING), None),
    "task_done": ("协办完成", (S.DISPATCHED, S.PROCESSING), None),
}
# Who may do what: the role action checked on the event (handlers are checked separately).
PERMISSIONS = {
    "accept": "event.dispatch", "reject": "event.dispatch", "merge": "event.dispatch", "dispatch": "event.dispatch",
    "escalate": "event.dispatch", "reassign": "event.dispatch", "verify": "event.verify", "verify_fail": "event.verify",
    "close": "event.dispatch", "rework": "event.dispatch", "suspend": "event.dispatch", "resume": "event.dispatch",
    "extension_approve": "event.dispatch", "extension_refuse": "event.dispatch", "revisit": "event.dispatch",
    "categorise": "event.dispatch", "flag": "event.supervise",
}  # fmt: skip
HANDLER_ACTIONS = {"sign", "return", "resolve", "extension_request"}


def allowed_actions(event: Event, user: User | None) -> list[str]:
    """The actions the user may take on the event now (for buttons); checked again when taken."""
    out = []
    for action, (_, sources, _) in ACTIONS.items():
        if event.status not in sources or action in ("warn", "urge", "supervise", "reopen", "task_sign", "task_done"):
            continue
        if action == "rate":
            if user is not None and event.reporter_user_id == user.pk and not event.rating:
                out.append(action)
            continue
        if action in HANDLER_ACTIONS:
            if is_handler(user, event) and not (action == "extension_request" and event.extension_requested_until):
                out.append(action)
            continue
        if action in ("extension_approve", "extension_refuse") and not event.extension_requested_until:
            continue
        if action == "revisit" and not event.needs_revisit:
            continue
        if action in ("verify", "verify_fail") and user is not None and event.handler_user_id == user.pk:
            continue
        perm = PERMISSIONS.get(action)
        if perm and user is not None and restrict(user, perm, Event.objects.filter(pk=event.pk)).exists():
            out.append(action)
    return out


def is_handler(user: User | None, event: Event) -> bool:
    """Whether ``user`` is (one of) the event's handlers."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if event.handler_user_id:
        return event.handler_user_id == user.pk
    if event.handler_org_id:
        return any(g.organisation_id == event.handler_org_id for g in user.active_grants())
    if event.handler_kind == HandlerKind.GRID:
        return allows_in_region(user, "event.handle", event.region)
    if event.handler_kind in (HandlerKind.CARE, HandlerKind.SERVICE_CENTRE):
        return any(
            g.role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF)
            and g.region_id
            and event.region_path.startswith(g.region.path)
            for g in user.active_grants()
        )
    return False


def _check(event: Event, action: str, actor: User | None) -> None:
    label, sources, _ = ACTIONS[action]
    if event.status not in sources:
        allowed = "、".join(S(s).label for s in sources)
        raise DomainError(
            f"状态：事件当前为“{event.get_status_display()}”，不能{label}（仅{allowed}的事件可以{label}）",
            field="status",
            code="illegal_transition",
        )
    if actor is None:
        return
    if action in HANDLER_ACTIONS:
        if not is_handler(actor, event):
            raise DomainError(f"权限：您不是该事件的处置人，不能{label}", field="status", code="forbidden")
        return
    if action in ("verify", "verify_fail") and event.handler_user_id == actor.pk and not actor.is_superuser:
        raise DomainError("核查：处置人不能核查自己办结的事件，请由社区或网格长核查", field="status", code="forbidden")
    perm = PERMISSIONS.get(action)
    if perm and not restrict(actor, perm, Event.objects.filter(pk=event.pk)).exists():
        raise DomainError(f"权限：您没有{label}该事件的权限", field="status", code="forbidden")


def _move(event: Event, *, action: str, actor: User | None, note: str = "", public: bool = True, **fields) -> Event:
    """Compare-and-set the event from its current (status, version) to the action's target; record it."""
    label, _, target = ACTIONS[action]
    old = event.status
    new = target if target is not None else fields.pop("status", old)
    if target is not None:
        fields.pop("status", None)
    now = timezone.now()
    fields = {"status": new, "version": event.version + 1, "updated_at": now, **fields}
    updated = Event.objects.filter(pk=event.pk, status=old, version=event.version).update(**fields)
    if not updated:
        current = Event.objects.filter(pk=event.pk).values_list("status", flat=True).first()
        shown = S(current).label if current else "已删除"
        raise ConflictError(f"该事件刚刚已被他人处理（当前状态：{shown}），请刷新后重试。")
    for key, value in fields.items():
        setattr(event, key, value)
    _record(event, actor=actor, action=action, from_status=old, note=note, public=public, label=label)
    if event.external_source == "12345" and action in ("accept", "reject", "resolve", "close"):
        from linli.events import hotline

        _after_commit(hotline.push_status, event.pk, action)
    return event


def _record(event, *, actor, action, from_status, note="", public=True, label=None) -> EventTransition:
    if label is None:
        label = ACTIONS[action][0] if action in ACTIONS else "上报"
    return EventTransition.objects.create(
        event=event,
        action=action,
        action_label=label,
        from_status=from_status,
        to_status=event.status,
        actor=_user(actor),
        actor_name=str(actor) if actor else "系统",
        note=note[:2000],
        public=public,
    )


def _after_commit(fn, *args, **kwargs) -> None:
    transaction.on_commit(lambda: fn(*args, **kwargs))


def _need(value: str, field: str, label: str, *, min_len: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < min_len:
        raise DomainError(f"{label}：请填写（至少 {min_len} 个字）", field=field)
    return value


def _fresh(event: Event) -> Event:
    """Re-read the row inside the transaction: decisions are taken on what is committed now."""
    return Event.objects.select_related("category__parent", "region__level", "building__compound").get(pk=event.pk)


def _sync(target: Event, source: Event) -> Event:
    """Copy the fresh state back onto the caller's instance, so callers can keep using the object they passed."""
    if target is not source:
        for field in Event._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))
        for name in ("category", "handler_user", "handler_org", "region", "parent"):
            field = Event._meta.get_field(name)
            if field.is_cached(source):
                setattr(target, name, getattr(source, name))
            elif field.is_cached(target):
                field.delete_cached_value(target)
    return target


def _set_deadline_fields(event: Event, start: dt.datetime) -> dict:
    cat = event.category
    dl = deadlines.deadline_for(start, cat.deadline_value, cat.deadline_unit)
    return {"due_at": dl.due_at, "warn_at": dl.warn_at, "deadline_estimated": dl.estimated, "supervision": 0}


@transaction.atomic
def event_accept(*, event: Event, actor: User | None, category_code: str | None = None, note: str = "") -> Event:
    """待受理 → 已受理: the deadline clock starts (category needed)."""
    expected, original = event.version, event
    event = _fresh(event)
    if event.version != expected:
        raise ConflictError(f"该事件刚刚已被他人处理（当前状态：{event.get_status_display()}），请刷新后重试。")
    _check(event, "accept", actor)
    fields = {}
    if category_code and (event.category is None or event.category.code != category_code):
        event.category = _category(category_code)
        fields.update(category=event.category, urgency=event.category.urgency, emergency=event.category.emergency)
    if event.category is None:
        raise DomainError("分类：受理前请先确定事件分类", field="category")
    now = timezone.now()
    fields.update(_set_deadline_fields(event, now))
    _move(event, action="accept", actor=actor, note=note, accepted_at=now, **fields)
    _after_commit(_notify_reporter, event.pk, "event_accepted", "已受理", "您反映的问题已受理。")
    return _sync(original, event)


@transaction.atomic
def event_reject(*, event: Event, actor: User | None, reason: str) -> Event:
    """待受理 → 不予受理, with the reason the reporter is told."""
    reason = _need(reason, "reason", "不予受理理由")
    _check(event, "reject", actor)
    _move(event, action="reject", actor=actor, note=reason, reject_reason=reason[:200], closed_at=timezone.now())
    _after_commit(_notify_reporter, event.pk, "event_rejected", "不予受理", reason, extra={"reason": reason})
    return event


@transaction.atomic
def event_merge(*, event: Event, parent: Event, actor: User | None, note: str = "") -> Event:
    """Merge a duplicate into ``parent``: it follows the parent, and its reporter hears the result."""
    _check(event, "merge", actor)
    while parent.parent_id:
        parent = parent.parent
    if parent.pk == event.pk:
        raise DomainError("合并：不能合并到事件自身", field="parent")
    if parent.status in (S.REJECTED, S.MERGED):
        raise DomainError(
            f"合并：目标事件 {parent.number} 为“{parent.get_status_display()}”，不能合并到它", field="parent"
        )
    if actor is not None and not restrict(actor, "event.view", Event.objects.filter(pk=parent.pk)).exists():
        raise DomainError("合并：目标事件不存在或不在您的范围内", field="parent")
    _move(event, action="merge", actor=actor, note=note or f"合并到 {parent.number}", parent=parent)
    Event.objects.filter(parent=event).update(parent=parent)
    _record(parent, actor=actor, action="merge", from_status=parent.status, note=f"并入 {event.number}", public=False)
    _after_commit(
        _notify_reporter,
        event.pk,
        "event_merged",
        "已合并处理",
        f"与 {parent.number} 合并处理",
        extra={"parent": parent.number},
    )
    return event


def _handler_fields(kind: str, org: Organisation | None, user: User | None) -> dict:
    if kind not in HandlerKind.values:
        raise DomainError(f"处置方：类型“{kind}”无效", field="handler")
    if org is None and user is None and kind in (HandlerKind.DEPARTMENT, HandlerKind.PROPERTY):
        raise DomainError("处置方：请选择处置机构", field="handler")
    return {"handler_kind": kind, "handler_org": org, "handler_user": user}


# Who may be named as the handler of an event: a holder of a region role whose region covers the event (so they can
# open it), or the staff of an organisation that serves the event's community, dispatched with that organisation.
HANDLER_REGION_ROLES = (Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF)
HANDLER_ORG_ROLES = (Role.DEPT_STAFF, Role.PROPERTY_STAFF)


def _serving_paths(event: Event) -> tuple[str, list[str]]:
    """(community path, paths above it) of the event: the area its handlers must work in."""
    community = routing.community_of(event.region) if event.region_id else None
    base = community.path if community is not None else event.region_path
    return base, routing.ancestor_paths(base)


def _check_handler(event: Event, org: Organisation | None, user: User | None) -> None:
    """Refuse a handler outside the event's area: a resident, a worker of another grid, a foreign organisation."""
    base, above = _serving_paths(event)

    def serves(path: str) -> bool:
        return path.startswith(base) or path in above

    if org is not None and not serves(org.region_path or org.region.path):
        raise DomainError(f"处置方：“{org.name}”不服务本事件所在社区，不能派遣给它", field="handler")
    if user is None:
        return
    if not user.is_active:
        raise DomainError("处置方：该处置人不存在", field="handler")
    grants = user.active_grants()
    # A region grant must cover the event's place (so the handler can open it); an organisation's staff only
    # together with that organisation (the event is then theirs through the organisation).
    by_region = any(
        g.role in HANDLER_REGION_ROLES and g.region_id and event.region_path.startswith(g.region.path) for g in grants
    )
    by_org = org is not None and any(g.role in HANDLER_ORG_ROLES and g.organisation_id == org.pk for g in grants)
    if not (by_region or by_org):
        raise DomainError(
            f"处置方：{user.display_name} 不负责本事件所在的网格或社区，不能派遣给他/她（请选择属地网格员或处置机构）",
            field="handler",
        )


def _resolve_handler(event: Event, kind: str | None, org: Organisation | None, user: User | None) -> dict:
    if org is not None or user is not None:
        _check_handler(event, org, user)
    if kind is None and org is None and user is None:
        choice = routing.suggest_handler(event)
        if choice is None or not choice.is_concrete:
            raise DomainError("处置方：无法按规则自动确定，请选择处置人或处置机构", field="handler")
        return _handler_fields(choice.kind, choice.organisation, choice.user)
    if kind is None:
        if org is not None:
            kind = {"property": HandlerKind.PROPERTY, "service_centre": HandlerKind.SERVICE_CENTRE}.get(
                org.kind, HandlerKind.DEPARTMENT
            )
        else:
            kind = HandlerKind.GRID
    return _handler_fields(kind, org, user)


@transaction.atomic
def event_dispatch(
    *,
    event: Event,
    actor: User | None,
    handler_kind: str | None = None,
    handler_org: Organisation | None = None,
    handler_user: User | None = None,
    note: str = "",
) -> Event:
    """已受理 → 已派遣 to a handler (by the dispatch rules when none is given). A 待受理 event is accepted first."""
    original, event = event, _fresh(event)
    if event.version != original.version:
        raise ConflictError(f"该事件刚刚已被他人处理（当前状态：{event.get_status_display()}），请刷新后重试。")
    if event.status == S.PENDING:
        event = event_accept(event=event, actor=actor)
    _check(event, "dispatch", actor)
    fields = _resolve_handler(event, handler_kind, handler_org, handler_user)
    label = _label(fields)
    _move(event, action="dispatch", actor=actor, note=note or f"派遣给 {label}", dispatched_at=timezone.now(), **fields)
    _after_commit(_notify_handlers, event.pk, "派遣")
    return _sync(original, event)


def _label(fields: dict) -> str:
    if fields.get("handler_user"):
        return fields["handler_user"].display_name
    if fields.get("handler_org"):
        return fields["handler_org"].name
    return HandlerKind(fields["handler_kind"]).label


@transaction.atomic
def event_reassign(
    *,
    event: Event,
    actor: User | None,
    reason: str,
    handler_kind: str | None = None,
    handler_org: Organisation | None = None,
    handler_user: User | None = None,
) -> Event:
    """改派: send a dispatched event to another handler."""
    reason = _need(reason, "reason", "改派理由")
    _check(event, "reassign", actor)
    fields = _resolve_handler(event, handler_kind, handler_org, handler_user)
    if (fields["handler_org"], fields["handler_user"]) == (event.handler_org, event.handler_user) and fields[
        "handler_kind"
    ] == event.handler_kind:
        raise DomainError("改派：新的处置方与当前相同", field="handler")
    _move(event, action="reassign", actor=actor, note=f"改派给 {_label(fields)}：{reason}", signed_at=None,
          dispatched_at=timezone.now(), **fields)  # fmt: skip
    _after_commit(_notify_handlers, event.pk, "改派")
    return event


@transaction.atomic
def event_sign(*, event: Event, actor: User | None, note: str = "") -> Event:
    """已派遣 → 处置中: the handler signs for the task."""
    _check(event, "sign", actor)
    fields = {"signed_at": timezone.now()}
    if event.handler_user_id is None and event.handler_org_id is None and actor is not None:
        fields["handler_user"] = actor  # the grid worker who signs becomes the named handler
    return _move(event, action="sign", actor=actor, note=note, **fields)


@transaction.atomic
def event_return(*, event: Event, actor: User | None, reason: str) -> Event:
    """退回: the handler sends the event back to the dispatcher (not theirs to handle), with a reason."""
    reason = _need(reason, "reason", "退回理由")
    _check(event, "return", actor)
    _move(event, action="return", actor=actor, note=reason, handler_user=None, handler_org=None, handler_kind="",
          signed_at=None, dispatched_at=None)  # fmt: skip
    _after_commit(_notify_dispatchers, event.pk, "returned", f"事件被退回：{event.number}", reason)
    return event


@transaction.atomic
def event_resolve(*, event: Event, actor: User | None, result: str, photos: Iterable[UploadedFile] = ()) -> Event:
    """处置中 → 已办结 with the result text and photos."""
    result = _need(result, "result", "处置结果")
    _check(event, "resolve", actor)
    existing = event.photos.filter(kind=EventPhoto.Kind.RESULT).count()
    checked = _check_photos(photos, existing=existing)
    open_tasks = list(event.tasks.exclude(role=EventTask.Role.LEAD).exclude(status=EventTask.Status.DONE))
    if open_tasks:
        names = "、".join(t.organisation.name for t in open_tasks)
        raise DomainError(f"协办：{names} 尚未完成协办任务，暂不能办结", field="result")
    now = timezone.now()
    _move(event, action="resolve", actor=actor, note=result, result=result, resolved_at=now)
    event.tasks.filter(role=EventTask.Role.LEAD).exclude(status=EventTask.Status.DONE).update(
        status=EventTask.Status.DONE, done_at=now, done_by=_user(actor), result=result
    )
    _save_photos(event, checked, kind=EventPhoto.Kind.RESULT, actor=actor)
    _after_commit(_notify_dispatchers, event.pk, "resolved", f"事件已办结待核查：{event.number}", result)
    _after_commit(
        _notify_reporter, event.pk, "event_resolved", "已办结", result, extra={"result": result[:60]}, sms=False
    )
    return event


@transaction.atomic
def event_verify(*, event: Event, actor: User | None, passed: bool = True, note: str = "") -> Event:
    """已办结 → 已核查 (passed) or back to 处置中 (返工) when the check fails."""
    if not passed:
        note = _need(note, "note", "核查意见")
        _check(event, "verify_fail", actor)
        _move(
            event, action="verify_fail", actor=actor, note=note, resolved_at=None, rework_count=event.rework_count + 1
        )
        _after_commit(_notify_handlers, event.pk, "核查不通过，请返工")
        _after_commit(_notify_rework, event.pk)
        return event
    _check(event, "verify", actor)
    _move(event, action="verify", actor=actor, note=note, verified_at=timezone.now())
    if event.reporter_user_id:
        _after_commit(_notify_reporter, event.pk, "event_verified", "请评价", "问题已办结，请评价处置结果。")
    return event


@transaction.atomic
def event_close(*, event: Event, actor: User | None, note: str = "") -> Event:
    """已核查 → 已结案. After a 不满意 rating, closing needs an explanation (回访 outcome)."""
    _check(event, "close", actor)
    if event.needs_revisit:
        note = _need(note, "note", "结案说明（不满意件需说明回访情况）")
    _move(event, action="close", actor=actor, note=note, closed_at=timezone.now(), needs_revisit=False,
          close_note=note[:500])  # fmt: skip
    _after_commit(_notify_closed, event.pk)
    return event


def _close_by_system(event: Event, note: str) -> None:
    _move(event, action="close", actor=None, note=note, closed_at=timezone.now(), close_note=note[:500])
    _after_commit(_notify_closed, event.pk)


@transaction.atomic
def event_rework(*, event: Event, actor: User | None, reason: str) -> Event:
    """返工: back to 处置中 with a fresh deadline (after 不满意 or a failed check)."""
    reason = _need(reason, "reason", "返工原因")
    original, event = event, _fresh(event)
    _check(event, "rework", actor)
    fields = _set_deadline_fields(event, timezone.now()) if event.category else {}
    _move(event, action="rework", actor=actor, note=reason, resolved_at=None, verified_at=None, closed_at=None,
          needs_revisit=False, rework_count=event.rework_count + 1, **fields)  # fmt: skip
    _after_commit(_notify_handlers, event.pk, "返工")
    _after_commit(_notify_rework, event.pk)
    return _sync(original, event)


@transaction.atomic
def event_suspend(*, event: Event, actor: User | None, reason: str) -> Event:
    """挂起: stop the clock (e.g. waiting for the owner to be home); 恢复 moves the deadline on."""
    reason = _need(reason, "reason", "挂起理由")
    _check(event, "suspend", actor)
    return _move(event, action="suspend", actor=actor, note=reason, suspended_from=event.status,
                 suspended_at=timezone.now())  # fmt: skip


@transaction.atomic
def event_resume(*, event: Event, actor: User | None, note: str = "") -> Event:
    _check(event, "resume", actor)
    now = timezone.now()
    fields: dict = {"status": event.suspended_from or S.ACCEPTED, "suspended_from": "", "suspended_at": None}
    if event.due_at and event.suspended_at and event.category_id and event.category.deadline_unit == deadlines.CLOCK:
        # 自然小时: the clock time that was left when the event was suspended.
        fields["due_at"] = now + (event.due_at - event.suspended_at)
        fields["warn_at"] = now + (event.warn_at - event.suspended_at) if event.warn_at else None
    elif event.due_at and event.suspended_at:
        cal = deadlines.calendar()
        remaining = max(cal.between(event.suspended_at, event.due_at), 0)
        to_warn = max(cal.between(event.suspended_at, event.warn_at), 0) if event.warn_at else 0
        fields["due_at"], est = cal.add(now, remaining)
        fields["warn_at"], _ = cal.add(now, to_warn)
        fields["deadline_estimated"] = est
    return _move(event, action="resume", actor=actor, note=note, **fields)


@transaction.atomic
def event_request_extension(*, event: Event, actor: User | None, days: int, reason: str) -> Event:
    """The handler asks for ``days`` more working days; a dispatcher approves or refuses."""
    reason = _need(reason, "reason", "延期理由")
    _check(event, "extension_request", actor)
    if not 1 <= int(days) <= 30:
        raise DomainError("延期天数：应为 1–30 个工作日", field="days")
    if event.extension_requested_until:
        raise DomainError("延期：已有待审批的延期申请", field="days")
    cal = deadlines.calendar()
    base = event.due_at or timezone.now()
    until, _ = cal.add(base, int(days) * cal.day_seconds)
    _move(event, action="extension_request", actor=actor, note=f"申请延期 {days} 个工作日：{reason}", public=False,
          extension_requested_until=until, extension_reason=reason[:200])  # fmt: skip
    _after_commit(_notify_dispatchers, event.pk, "extension", f"延期申请：{event.number}", reason)
    return event


@transaction.atomic
def event_decide_extension(*, event: Event, actor: User | None, approve: bool, note: str = "") -> Event:
    action = "extension_approve" if approve else "extension_refuse"
    _check(event, action, actor)
    if not event.extension_requested_until:
        raise DomainError("延期：没有待审批的延期申请", field="approve")
    fields: dict = {"extension_requested_until": None, "extension_reason": ""}
    if approve:
        new_due = event.extension_requested_until
        fields.update(due_at=new_due, warn_at=new_due, supervision=Supervision.NONE)
        note = note or f"时限延至 {timezone.localtime(new_due):%Y-%m-%d %H:%M}"
    else:
        note = _need(note, "note", "不同意的理由")
    _move(event, action=action, actor=actor, note=note, public=False, **fields)
    _after_commit(_notify_handlers, event.pk, "延期" + ("已同意" if approve else "未同意"))
    return event


@transaction.atomic
def event_escalate(
    *,
    event: Event,
    actor: User | None,
    lead: Organisation,
    assists: Iterable[Organisation] = (),
    note: str,
    days: int | None = None,
) -> Event:
    """吹哨报到: the community whistles; a lead department and assisting departments each get a task."""
    note = _need(note, "note", "吹哨事由")
    _check(event, "escalate", actor)
    assists = [o for o in assists if o.pk != lead.pk]
    for org in [lead, *assists]:
        if org.kind != "department":
            raise DomainError(f"吹哨报到：“{org.name}”不是职能部门", field="lead")
        _check_handler(event, org, None)  # a department of another street or community gets no task, no title
    cal = deadlines.calendar()
    now = timezone.now()
    if days:
        due, _ = cal.add(now, int(days) * cal.day_seconds)
    else:
        due = deadlines.deadline_for(now, event.category.deadline_value, event.category.deadline_unit, cal).due_at
    for org, role in [(lead, EventTask.Role.LEAD)] + [(o, EventTask.Role.ASSIST) for o in assists]:
        EventTask.objects.update_or_create(
            event=event, organisation=org, defaults={"role": role, "status": EventTask.Status.PENDING, "due_at": due,
                                                      "instructions": note[:500]},
        )  # fmt: skip
    names = "、".join(o.name for o in assists)
    _move(event, action="escalate", actor=actor, note=f"牵头：{lead.name}" + (f"；协办：{names}" if names else "") + f"。{note}",
          handler_kind=HandlerKind.DEPARTMENT, handler_org=lead, handler_user=None, signed_at=None,
          dispatched_at=now, due_at=max(due, event.due_at) if event.due_at else due)  # fmt: skip
    _after_commit(_notify_tasks, event.pk)
    return event


def _task_check(task: EventTask, actor: User | None) -> None:
    if (
        actor is not None
        and not actor.is_superuser
        and not any(g.organisation_id == task.organisation_id for g in actor.active_grants())
    ):
        raise DomainError(f"权限：您不是“{task.organisation.name}”的工作人员", field="task", code="forbidden")


@transaction.atomic
def task_sign(*, task: EventTask, actor: User | None) -> EventTask:
    """A department reports for its part of a 吹哨 (报到)."""
    _task_check(task, actor)
    if not EventTask.objects.filter(pk=task.pk, status=EventTask.Status.PENDING).update(
        status=EventTask.Status.SIGNED, signed_at=timezone.now()
    ):
        raise ConflictError("该任务已报到或已完成。")
    task.refresh_from_db()
    _record(task.event, actor=actor, action="task_sign", from_status=task.event.status, note=task.organisation.name,
            public=False)  # fmt: skip
    return task


@transaction.atomic
def task_complete(*, task: EventTask, actor: User | None, result: str) -> EventTask:
    result = _need(result, "result", "办理结果")
    _task_check(task, actor)
    if (
        not EventTask.objects.filter(pk=task.pk)
        .exclude(status=EventTask.Status.DONE)
        .update(status=EventTask.Status.DONE, done_at=timezone.now(), done_by=_user(actor), result=result)
    ):
        raise ConflictError("该任务已完成。")
    task.refresh_from_db()
    _record(task.event, actor=actor, action="task_done", from_status=task.event.status,
            note=f"{task.organisation.name}：{result}", public=False)  # fmt: skip
    return task


@transaction.atomic
def event_set_category(
    *, event: Event, actor: User | None, category_code: str, suggested_code: str = "", text: str | None = None
) -> Event:
    """Correct the category (one click on a suggestion); the correction is kept as training feedback."""
    category = _category(category_code)
    if category is None:
        raise DomainError("分类：请选择小类", field="category")
    _check(event, "categorise", actor)
    old = event.category.code if event.category_id else ""
    if old == category.code:
        return event
    fields: dict = {"category": category, "urgency": category.urgency, "emergency": category.emergency}
    if event.accepted_at and event.status in TIMED_STATUSES:
        fields.update(_set_deadline_fields(Event(category=category), event.accepted_at))
    _move(event, action="categorise", actor=actor, note=f"{old or '未分类'} → {category}", public=False, **fields)
    ClassificationFeedback.objects.create(
        event=event,
        text=text if text is not None else f"{event.title}\n{event.description}",
        suggested_code=suggested_code or old,
        chosen_code=category.code,
        actor=_user(actor),
    )
    return event


@transaction.atomic
def event_flag(*, event: Event, actor: User | None, flagged: bool = True, note: str = "") -> Event:
    """挂牌督办 (a leader puts the event on the supervised list) or takes it off."""
    _check(event, "flag", actor)
    if flagged:
        note = _need(note, "note", "挂牌说明")
    _move(event, action="flag", actor=actor, note=note if flagged else "摘牌", public=False, flagged=flagged,
          flag_note=note[:200] if flagged else "")  # fmt: skip
    if flagged:
        _after_commit(_notify_handlers, event.pk, "挂牌督办")
    return event


# --- public text (Open311) -------------------------------------------------------------------------------


def public_text_reviewable(event: Event, user: User | None) -> bool:
    """Whether ``user`` may review what Open311 publishes of this event (dispatchers of Open311 events)."""
    return (
        event.channel == Channel.OPEN311
        and user is not None
        and restrict(user, "event.dispatch", Event.objects.filter(pk=event.pk)).exists()
    )


@transaction.atomic
def event_review_public_text(*, event: Event, actor: User, text: str, version: int | None = None) -> Event:
    """A staff member reviews the text Open311 publishes for the event; it is redacted again before it is stored.

    Until this is done the public description is empty (``OPEN311_PUBLISH = "reviewed"``). Reviewing again
    replaces the text. Compare-and-set on the version, like every other step, and recorded as an internal step.
    """
    from linli.core.redaction import redact

    if not public_text_reviewable(event, actor):
        raise DomainError("公开内容：只有负责受理分拨的工作人员可以审核 Open311 请求的公开内容", code="forbidden")
    text = redact((text or "").strip())
    if len(text) > 4000:
        raise DomainError("公开描述：不能超过 4000 字", field="public_description")
    expected = event.version if version is None else version
    now = timezone.now()
    fields = {"public_description": text, "public_reviewed_at": now, "public_reviewed_by": actor,
              "version": expected + 1, "updated_at": now}  # fmt: skip
    if not Event.objects.filter(pk=event.pk, version=expected).update(**fields):
        raise ConflictError("该事件刚刚已被他人处理，请刷新后重试。")
    for key, value in fields.items():
        setattr(event, key, value)
    _record(event, actor=actor, action="public_review", from_status=event.status, public=False,
            label="审核公开内容", note=f"对外公开描述：{text}" if text else "对外公开描述：（不公开描述）")  # fmt: skip
    return event


# --- rating ----------------------------------------------------------------------------------------------


@transaction.atomic
def event_rate(*, event: Event, actor: User | None, rating: str, comment: str = "") -> Event:
    """The reporter rates the result: 满意/基本满意 closes; 不满意 asks the community to call back (回访)."""
    if rating not in (Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED):
        raise DomainError("评价：请选择满意、基本满意或不满意", field="rating")
    _check(event, "rate", None)
    if actor is not None and event.reporter_user_id != actor.pk:
        raise DomainError("评价：只有报告人可以评价", field="rating", code="forbidden")
    if event.rating:
        raise DomainError("评价：该事件已评价", field="rating")
    if rating == Rating.UNSATISFIED and len((comment or "").strip()) < 2:
        raise DomainError("评价意见：不满意时请说明原因", field="comment")
    now = timezone.now()
    fields = {"rating": rating, "rating_comment": (comment or "")[:500], "rated_at": now}
    if rating == Rating.UNSATISFIED:
        fields["needs_revisit"] = True
        if event.status == S.CLOSED:
            _move(event, action="reopen", actor=actor, note="报告人不满意，重新打开", **fields)
        else:
            _move(event, action="rate", actor=actor, note=f"{Rating(rating).label}：{comment}", **fields)
        _after_commit(_notify_dispatchers, event.pk, "unsatisfied", f"不满意，请回访：{event.number}", comment)
        return event
    _move(
        event,
        action="rate",
        actor=actor,
        note=f"{Rating(rating).label}" + (f"：{comment}" if comment else ""),
        **fields,
    )
    if event.status == S.VERIFIED:
        _close_by_system(event, "报告人评价后自动结案")
    return event


@transaction.atomic
def event_revisit(*, event: Event, actor: User | None, note: str, outcome: str) -> Event:
    """回访 after 不满意: either 返工 (rework) or close with an explanation."""
    note = _need(note, "note", "回访情况")
    _check(event, "revisit", actor)
    if not event.needs_revisit:
        raise DomainError("回访：该事件不需要回访", field="note")
    _record(event, actor=actor, action="revisit", from_status=event.status, note=note)
    if outcome == "rework":
        return event_rework(event=event, actor=actor, reason=note)
    if outcome == "close":
        return event_close(event=event, actor=actor, note=note)
    raise DomainError("回访结果：请选择返工或结案说明", field="outcome")


def rating_days() -> int:
    return int(getattr(settings, "EVENTS_RATING_DAYS", 7))


def apply_default_ratings(*, now: dt.datetime | None = None) -> int:
    """No rating within EVENTS_RATING_DAYS of verification → 默认满意 (and closed)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=rating_days())
    ids = list(
        Event.objects.filter(
            status__in=[S.VERIFIED, S.CLOSED], rating="", verified_at__lte=cutoff, needs_revisit=False
        ).values_list("pk", flat=True)[:1000]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            event = Event.objects.get(pk=pk)
            if event.rating:
                continue
            try:
                _move(event, action="rate", actor=None, note=f"{rating_days()} 天内未评价，默认满意",
                      rating=Rating.DEFAULT, rated_at=now)  # fmt: skip
                if event.status == S.VERIFIED:
                    _close_by_system(event, "默认满意，自动结案")
            except ConflictError:
                continue
        done += 1
    return done


# --- supervision -----------------------------------------------------------------------------------------


def supervise_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """预警 at 80% of the time, 催办 when overdue, 督办 to the supervisors 24 working hours after."""
    now = now or timezone.now()
    counts = {"warn": 0, "urge": 0, "supervise": 0}
    base = Event.objects.filter(status__in=TIMED_STATUSES, due_at__isnull=False)
    for pk in base.filter(warn_at__lte=now, due_at__gt=now, supervision__lt=Supervision.WARNED).values_list(
        "pk", flat=True
    )[:2000]:
        counts["warn"] += _raise_level(pk, Supervision.WARNED, "warn", now)
    for pk in base.filter(due_at__lte=now, supervision__lt=Supervision.URGED).values_list("pk", flat=True)[:2000]:
        counts["urge"] += _raise_level(pk, Supervision.URGED, "urge", now)
    cal = deadlines.calendar()
    # 24 working hours are at least 24 clock hours: a cheap bound before the exact check.
    late = base.filter(due_at__lte=now - dt.timedelta(hours=24), supervision__lt=Supervision.SUPERVISED)
    for pk, due in late.values_list("pk", "due_at")[:2000]:
        if cal.between(due, now) >= 24 * 3600:
            counts["supervise"] += _raise_level(pk, Supervision.SUPERVISED, "supervise", now)
    return counts


def _raise_level(pk: int, level: int, action: str, now: dt.datetime) -> int:
    with transaction.atomic():
        if not Event.objects.filter(pk=pk, supervision__lt=level, status__in=TIMED_STATUSES).update(
            supervision=level, updated_at=now
        ):
            return 0
        event = Event.objects.select_related("handler_user", "handler_org").get(pk=pk)
        note = {"warn": "已用去 80% 的处置时限", "urge": "已超过处置时限", "supervise": "超期已逾 24 个工作小时"}[
            action
        ]
        _record(event, actor=None, action=action, from_status=event.status, note=note, public=False)
        _after_commit(_notify_supervision, pk, action)
    return 1


# --- notifications (run after commit) --------------------------------------------------------------------


def _event(pk: int) -> Event | None:
    return Event.objects.select_related("reporter_user", "handler_user", "handler_org", "region").filter(pk=pk).first()


def _notify_new(event: Event) -> None:
    """The dispatchers' inbox messages of a new event, written in the event's own transaction.

    Inbox rows live in the same database: written with the event they appear exactly when it commits and
    vanish with it on rollback, which is what the after-commit rule guarantees for the other notifications,
    without a second transaction (and a second flush to disk) per report.
    """
    title = f"新事件待受理：{event.number}"
    if event.needs_triage:
        title = f"待分拨事件：{event.number}"
    notify.inbox(routing.dispatchers_for(event), event=event, kind="new", title=title, body=event.title,
                 url=event.get_absolute_url())  # fmt: skip


def _resident_url(event: Event) -> str:
    from django.urls import reverse

    return reverse("events:my_event_detail", args=[event.pk])


def _notify_reporter(
    pk: int, template: str, title: str, body: str, *, extra: dict | None = None, sms: bool = True
) -> None:
    event = _event(pk)
    if event is None:
        return
    params = {"number": event.number, "title": event.title, **(extra or {})}
    for target in [event, *Event.objects.filter(parent=event).select_related("reporter_user")]:
        user = target.reporter_user
        if user is not None:
            notify.inbox([user], event=target, kind=template, title=f"{title}：{target.title}", body=body,
                         url=_resident_url(target))  # fmt: skip
            notify.wechat(user=user, template=template, params={**params, "number": target.number}, event=target)
        if sms and (target.contact_phone_enc or (user is not None and user.phone_enc)):
            notify.sms(phone_enc=target.contact_phone_enc or user.phone_enc, template=template,
                       params={**params, "number": target.number}, recipient=user, event=target)  # fmt: skip


def _notify_rework(pk: int) -> None:
    """The reporter learns that the event is open again for 返工 (after a failed check or 不满意)."""
    _notify_reporter(
        pk, "event_rework", "返工处理中", "您反映的问题重新处理（返工）：上次的处理结果没有通过，处理人员正在重新处理。"
    )


def _notify_closed(pk: int) -> None:
    _notify_reporter(pk, "event_closed", "已结案", "您反映的问题已结案，感谢您的参与。")


def _notify_handlers(pk: int, what: str) -> None:
    event = _event(pk)
    if event is None:
        return
    due = timezone.localtime(event.due_at).strftime("%m-%d %H:%M") if event.due_at else "—"
    # Only those who can open the event get its title (a handler named before this rule existed may not).
    users = [u for u in routing.handlers_for(event) if _can_open(u, event)]
    notify.inbox(users, event=event, kind="task", title=f"{what}：{event.number} {event.title}",
                 body=f"处置时限 {due}", url=event.get_absolute_url())  # fmt: skip
    if what in ("派遣", "改派"):
        for user in users:
            notify.sms(phone_enc=user.phone_enc, template="event_dispatched",
                       params={"number": event.number, "title": event.title, "due": due}, recipient=user, event=event)  # fmt: skip


def _can_open(user: User, event: Event) -> bool:
    return user.is_active and restrict(user, "event.view", Event.objects.filter(pk=event.pk)).exists()


def _notify_tasks(pk: int) -> None:
    event = _event(pk)
    if event is None:
        return
    for task in event.tasks.select_related("organisation"):
        users = routing.users_with([Role.DEPT_STAFF], org_ids=[task.organisation_id])
        notify.inbox(users, event=event, kind="whistle", title=f"吹哨报到（{task.get_role_display()}）：{event.number}",
                     body=task.instructions, url=event.get_absolute_url())  # fmt: skip


def _notify_dispatchers(pk: int, kind: str, title: str, body: str = "") -> None:
    event = _event(pk)
    if event is None:
        return
    notify.inbox(routing.dispatchers_for(event), event=event, kind=kind, title=title, body=body[:500],
                 url=event.get_absolute_url())  # fmt: skip


def _notify_supervision(pk: int, action: str) -> None:
    event = _event(pk)
    if event is None:
        return
    url = event.get_absolute_url()
    if action == "warn":
        notify.inbox(routing.handlers_for(event), event=event, kind="warn", title=f"【预警】{event.number} 即将超期",
                     body=event.title, url=url)  # fmt: skip
    elif action == "urge":
        handlers = routing.handlers_for(event)
        notify.inbox(
            handlers, event=event, kind="urge", title=f"【催办】{event.number} 已超期", body=event.title, url=url
        )
        for user in handlers:
            notify.sms(phone_enc=user.phone_enc, template="event_urge", params={"number": event.number},
                       recipient=user, event=event)  # fmt: skip
    else:
        notify.inbox(routing.supervisors_for(event), event=event, kind="supervise",
                     title=f"【督办】{event.number} 超期逾 24 个工作小时", body=f"{event.title}（处置方：{event.handler_label}）",
                     url=url)  # fmt: skip


# --- patrol (自办自结) -------------------------------------------------------------------------------------


@transaction.atomic
def event_patrol(
    *,
    actor: User,
    category_code: str,
    text: str,
    self_resolve: bool = False,
    result: str = "",
    building: Building | None = None,
    lat=None,
    lng=None,
    address: str = "",
    photos: Iterable[UploadedFile] = (),
    result_photos: Iterable[UploadedFile] = (),
) -> Event:
    """A grid worker's patrol finding; 自办自结 when they fixed it on the spot (report → resolve → close)."""
    if not category_code:
        raise DomainError("分类：请选择事件分类", field="category")
    if self_resolve:
        result = _need(result, "result", "处置结果")
    event = event_open(channel=Channel.PATROL, category_code=category_code, text=text, reporter=None,
                       reporter_name=actor.display_name, building=building, lat=lat, lng=lng, address=address,
                       actor=actor, photos=photos)  # fmt: skip
    if not self_resolve:
        return event
    if not allows_in_region(actor, "event.handle", event.region):
        raise DomainError("自办自结：该位置不在您负责的网格内", field="self_resolve", code="forbidden")
    now = timezone.now()
    fields = _set_deadline_fields(event, now)
    _move(event, action="accept", actor=actor, note="网格员自办", accepted_at=now, **fields)
    _move(event, action="dispatch", actor=actor, note="自办", handler_kind=HandlerKind.GRID, handler_user=actor,
          dispatched_at=now)  # fmt: skip
    _move(event, action="sign", actor=actor, signed_at=now)
    _move(event, action="resolve", actor=actor, note=result, result=result, resolved_at=now)
    _save_photos(event, _check_photos(result_photos), kind=EventPhoto.Kind.RESULT, actor=actor)
    _move(event, action="verify", actor=actor, note="自办自结", verified_at=now)
    _move(event, action="close", actor=actor, note="自办自结", closed_at=now, close_note="自办自结")
    return event


def terminal(event: Event) -> bool:
    return event.status in FINAL_STATUSES


# --- the reporter's phone for 回访 -------------------------------------------------------------------------


def event_reveal_reporter_phone(*, actor: User, event: Event, reason: str) -> str:
    """The reporter's phone in clear for a call back (回访): a permission, a stated reason, an access record.

    Not one transaction on purpose (as ``person_unmask``): a refused attempt is recorded and stays recorded.
    """
    from linli.core.models import AuditLog

    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("事由：请填写查看报告人电话的事由（至少 2 个字），如“回访不满意件”", field="reason")
    if not restrict(actor, "event.unmask_reporter", Event.objects.filter(pk=event.pk)).exists():
        audit.record(actor=actor, action=AuditLog.Action.UNMASK, target=event, field="报告人电话", reason=reason,
                     result="denied")  # fmt: skip
        raise DomainError("您没有查看该事件报告人电话的权限", field="reason", code="forbidden")
    enc = event.contact_phone_enc or (event.reporter_user.phone_enc if event.reporter_user_id else "")
    if not enc:
        raise DomainError("该事件没有留下联系电话", field="reason")
    phone = crypto.decrypt(enc)
    audit.record(actor=actor, action=AuditLog.Action.UNMASK, target=event, field="报告人电话", reason=reason)
    return phone
