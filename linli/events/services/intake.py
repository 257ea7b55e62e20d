"""Opening events from any channel (resident app, console, hotline, Open311, patrol), and duplicate detection."""

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from linli.core import audit, crypto, masking, tallies
from linli.core.compiled import CompiledQuery, insert_one
from linli.core.errors import DomainError
from linli.core.identity import parse_phone
from linli.core.models import ObjectChange, Region, User
from linli.core.scoping import allows_in_region, has_action
from linli.events import screen
from linli.events.models import (
    Channel,
    Event,
    EventPhoto,
    HandlerKind,
)
from linli.events.services.common import (
    DUPLICATE_CANDIDATES,
    DUPLICATE_HOURS,
    DUPLICATE_METRES,
    DUPLICATE_SIMILARITY,
    S,
    _category,
    _check_photos,
    _decimal,
    _insert_photos,
    _save_photos,
    _store_photos,
    _title,
    _user,
    home_region_of,
    next_number,
    resolve_place,
)
from linli.events.services.notices import _notify_new
from linli.events.services.workflow import _move, _need, _record, _set_deadline_fields
from linli.events.similarity import bigrams, jaccard_sets
from linli.housing.models import Building, House


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
                        insert_one(event)
                except IntegrityError:
                    raise DomainError(f"外部编号：“{external_id}”已登记", field="external_id", code="duplicate")
            else:
                insert_one(event)
            saved = _insert_photos(event, stored)
            report = _record(event, actor=actor or reporter, action="report", from_status="",
                             note=_channel_note(event))  # fmt: skip
            audit.log_change(actor=_user(actor or reporter), obj=event, action=ObjectChange.Action.CREATE,
                             before=None)  # fmt: skip
            _notify_new(event)
            tallies.touch(screen.KIND, event.pk)  # queued with the event: the big screen's counters
            transaction.on_commit(functools.partial(screen.announce, event))  # the screens' live feed
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
    from linli.core.geo import distance_m

    if event.category_id is None:
        return None
    point = _point(event)
    if not event.building_id and point is None:
        return None
    values = {"category_id": event.category_id, "since": timezone.now() - dt.timedelta(hours=DUPLICATE_HOURS)}
    if event.building_id:
        values["building_id"] = event.building_id
    if point is not None:
        values["lat0"], values["lat1"], values["lng0"], values["lng1"] = _box(point[0], point[1], DUPLICATE_METRES)
    if event.pk:
        values["pk"] = event.pk
    rows = _duplicate_query(bool(event.building_id), point is not None, bool(event.pk)).fetch(**values)
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
    return (
        Event.from_db(router.db_for_read(Event) or "default", ["id", "number", "title", "status"], best)
        if best
        else None
    )


_DUPLICATE_QUERIES: dict[tuple[bool, bool, bool], CompiledQuery] = {}


def _duplicate_query(by_building: bool, by_point: bool, other_than: bool) -> CompiledQuery:
    """The candidates' query for one shape of new event (SQL compiled once per process and shape)."""
    compiled = _DUPLICATE_QUERIES.get((by_building, by_point, other_than))
    if compiled is not None:
        return compiled

    def build(category_id, since, building_id=None, lat0=None, lat1=None, lng0=None, lng1=None, pk=None):
        from django.db.models import Q

        place = Q()
        if by_building:
            place |= Q(building_id=building_id)
        if by_point:
            place |= Q(lat__range=(lat0, lat1), lng__range=(lng0, lng1))
            place |= Q(lat__isnull=True, building__lat__range=(lat0, lat1), building__lng__range=(lng0, lng1))
        qs = Event.objects.filter(place, category_id=category_id, created_at__gte=since, parent__isnull=True)
        qs = qs.exclude(status__in=[S.REJECTED, S.MERGED])
        if other_than:
            qs = qs.exclude(pk=pk)
        return qs.order_by("-created_at").values_list(
            "pk",
            "number",
            "title",
            "status",
            "description",
            "lat",
            "lng",
            "building_id",
            "building__lat",
            "building__lng",
        )[:DUPLICATE_CANDIDATES]

    params = {"category_id": (Event, "category"), "since": (Event, "created_at")}
    if by_building:
        params["building_id"] = (Event, "building")
    if by_point:
        params.update(lat0=(Event, "lat"), lat1=(Event, "lat"), lng0=(Event, "lng"), lng1=(Event, "lng"))
    if other_than:
        params["pk"] = (Event, "id")
    compiled = _DUPLICATE_QUERIES[by_building, by_point, other_than] = CompiledQuery(Event, build, **params)
    return compiled


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
