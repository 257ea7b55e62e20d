"""12345 hotline work orders: import (CSV, XLSX or JSON; idempotent by order number) and status sent back.

An order becomes an event with channel ``hotline_import``, ``external_source="12345"`` and the order number
as ``external_id``; importing the same file twice creates nothing new. The category column may hold our
code (0201) or the hotline's own code mapped in ``ExternalCode`` (system 12345).

Status back to the hotline platform goes through a backend (``EVENTS_HOTLINE_BACKEND``, default
``"local"``)::

    class Backend:
        name: str
        def send_status(self, *, event: Event, order_no: str, status: str, note: str) -> OutboundMessage: ...

``status`` is one of accepted / rejected / resolved / closed (what 12345 platforms call 受理, 退回, 办结,
办结归档); ``note`` the result or the reason. The ``local`` backend records an OutboundMessage row
(channel ``hotline``) and delivers nothing: a real deployment plugs in the province's 12345 interface.
"""

import csv
import io
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from linli.core import tabular
from linli.core.errors import DomainError
from linli.core.models import OutboundMessage, Region, User
from linli.events.models import Channel, Event, ExternalCode

SOURCE = "12345"
HEADERS = {
    "order_no": ["工单编号", "工单号", "order_no", "order_id"],
    "caller": ["来电人", "诉求人", "caller", "name"],
    "phone": ["联系电话", "来电号码", "phone"],
    "content": ["诉求内容", "工单内容", "内容", "content", "description"],
    "category": ["分类代码", "分类", "category", "category_code"],
    "address": ["地址", "事发地址", "address"],
    "lat": ["纬度", "lat"],
    "lng": ["经度", "lng", "long"],
}
STATUS_FOR_ACTION = {"accept": "accepted", "reject": "rejected", "resolve": "resolved", "close": "closed"}


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    # The same problems for people: (row, column as named in the file's template, reason), one per problem.
    problems: list[tuple[int, str, str]] = field(default_factory=list)


# The service's field names (DomainError.field) as the column names of the hotline file.
COLUMN_FOR_FIELD = {"description": "诉求内容", "contact_phone": "联系电话", "category": "分类代码"}


def _problems(row: int, exc: DomainError) -> list[tuple[int, str, str]]:
    out = []
    for name, message in exc.errors:
        label, _, reason = message.partition("：")
        if not reason:
            label, reason = "", message
        out.append((row, COLUMN_FOR_FIELD.get(name) or label or "工单", reason))
    return out


def read_rows(data: bytes, filename: str) -> list[dict]:
    """Rows as dicts with our keys, from CSV (UTF-8 or GBK), XLSX or JSON (a list, or {"orders": [...]})."""
    name = filename.lower()
    if name.endswith(".json"):
        payload = json.loads(data.decode("utf-8-sig"))
        raw = payload.get("orders", payload) if isinstance(payload, dict) else payload
    elif name.endswith(".xlsx"):
        tabular.inspect_upload(data, filename)  # zip-bomb and cell caps, before parsing
        values = [[_whole(v) for v in row] for _, row in tabular.read_sheets(data, filename)[0].rows]
        head = [str(h or "").strip() for h in values[0]] if values else []
        raw = [dict(zip(head, row, strict=False)) for row in values[1:] if any(v not in (None, "") for v in row)]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gbk")
        raw = list(csv.DictReader(io.StringIO(text)))
    return [_normalise(row) for row in raw]


def _whole(value):
    """A whole number read as 13800000000.0 is the order's 13800000000, as the spreadsheet shows it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _normalise(row: dict) -> dict:
    out = {}
    for key, names in HEADERS.items():
        for name in names:
            if name in row and row[name] not in (None, ""):
                out[key] = str(row[name]).strip()
                break
        else:
            out[key] = ""
    return out


def _category_code(value: str) -> str | None:
    if not value:
        return None
    mapped = ExternalCode.objects.filter(system=ExternalCode.System.HOTLINE_12345, code=value).select_related(
        "category"
    )
    first = mapped.first()
    if first is not None:
        return first.category.code
    # An unmapped hotline code must not block the order: the dispatcher chooses the category on acceptance.
    from linli.events.models import Category

    return value if Category.objects.filter(code=value, parent__isnull=False, active=True).exists() else None


def import_orders(*, data: bytes, filename: str, region: Region, actor: User | None = None) -> ImportResult:
    """Import orders into ``region`` (the community whose triage queue receives orders it cannot place)."""
    from linli.events import services

    result = ImportResult()
    for i, row in enumerate(read_rows(data, filename), start=2):
        order = row["order_no"]
        if not order:
            result.errors.append((i, "工单编号：不能为空"))
            result.problems.append((i, "工单编号", "不能为空"))
            continue
        if Event.objects.filter(external_source=SOURCE, external_id=order).exists():
            result.existing.append(order)
            continue
        try:
            services.event_open(
                channel=Channel.HOTLINE_IMPORT, category_code=_category_code(row["category"]), text=row["content"],
                reporter_name=row["caller"], contact_phone=row["phone"], address=row["address"],
                lat=row["lat"] or None, lng=row["lng"] or None, region=region, actor=actor,
                external_source=SOURCE, external_id=order,
            )  # fmt: skip
        except DomainError as exc:
            if exc.code == "duplicate":
                result.existing.append(order)
            else:
                result.errors.append((i, f"{order}：{exc.message}"))
                result.problems.extend(_problems(i, exc))
            continue
        result.created.append(order)
    return result


class LocalBackend:
    """Records the status message (channel hotline) instead of calling the 12345 platform."""

    name = "local"

    def send_status(self, *, event: Event, order_no: str, status: str, note: str) -> OutboundMessage:
        return OutboundMessage.objects.create(
            channel=OutboundMessage.Channel.HOTLINE,
            backend=self.name,
            to_masked=f"12345:{order_no}"[:40],
            template=f"hotline_{status}",
            params={"order_no": order_no, "status": status, "note": note[:500], "number": event.number},
            status="logged",
            target=event,
        )


BACKENDS = {"local": "linli.events.hotline.LocalBackend"}


def backend():
    name = settings.EVENTS_HOTLINE_BACKEND
    return import_string(BACKENDS.get(name, name))()


def push_status(event_pk: int, action: str) -> OutboundMessage | None:
    """After a transition of a hotline order: tell the hotline platform (called after commit)."""
    status = STATUS_FOR_ACTION.get(action)
    event = Event.objects.filter(pk=event_pk).first()
    if status is None or event is None or event.external_source != SOURCE or not event.external_id:
        return None
    note = {"rejected": event.reject_reason, "resolved": event.result, "closed": event.close_note or event.result}.get(
        status, ""
    )
    return backend().send_status(event=event, order_no=event.external_id, status=status, note=note or "")
