"""Helpers every event write shares: numbering, where an event is (place, grid), photos, the taxonomy lookup."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from linli.core.errors import DomainError
from linli.core.images import CleanImage, clean_image
from linli.core.models import Region, User
from linli.events import caches, routing
from linli.events.models import (
    Category,
    Event,
    EventCounter,
    EventPhoto,
    EventStatus,
)
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
