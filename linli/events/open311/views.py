"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests (GET and POST),
tokens and the servicerequestupdates extension, in XML and JSON, with errors exactly as the specification says.

What is public: the list and detail of requests show only requests that arrived through Open311 (never the
community's other events), and never sensitive categories. Wire status is open/closed; the workflow state
is in ``status_notes`` and the extension field ``linli_status``.

What residents typed is never published as typed: every public text passes ``linli.core.redaction.redact`` (ID
numbers, phones, plates), and with ``OPEN311_PUBLISH = "reviewed"`` (the default) a request's description and
media_url stay empty until a staff member has reviewed the public text on the console. Every endpoint is rate
limited per client address; wrong API keys are counted per address and answer 429 once too many were tried.
"""

import datetime as dt
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from linli.core.errors import DomainError
from linli.core.redaction import contains_personal_data, redact
from linli.events import caches, selectors, services
from linli.events.models import ApiKey, Category, Channel, Event, EventStatus
from linli.events.open311 import throttles

CLOSED = (EventStatus.CLOSED, EventStatus.REJECTED, EventStatus.MERGED)
# Never published, whatever channel they came through (minors, mental health, corrections, vice tips).
PRIVATE_CODES = {"0605", "1002", "1004", "1005"}
MAX_REQUESTS = 1000
CHANGESET = "2026-11-21T00:00:00+08:00"


def jurisdiction() -> str:
    return settings.OPEN311_JURISDICTION


class Open311Error(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None):
        self.status, self.description, self.retry_after = status, description, retry_after


# --- rendering ------------------------------------------------------------------------------------------


def _xml_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml(tag: str, value) -> str:
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        child = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}.get(tag)
        if child:
            return f"<{tag}>" + "".join(_xml(child, v) for v in value) + f"</{tag}>"
        return "".join(_xml(tag, v) for v in value)
    return f"<{tag}>{_xml_value(value)}</{tag}>"


def render(fmt: str, data, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    """JSON: the data as is (lists are top-level arrays). XML: <root><item>…</item></root> with a declaration."""
    if fmt == "json":
        return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    if item is not None:
        body = f"<{root}>" + "".join(_xml(item, row) for row in data) + f"</{root}>"
    else:
        body = _xml(root, data)
    return HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body, status=status, content_type="text/xml; charset=utf-8"
    )


def error(fmt: str, status: int, description: str, retry_after: int | None = None) -> HttpResponse:
    rows = [{"code": status, "description": description}]
    response = render(fmt if fmt in ("json", "xml") else "xml", rows, root="errors", item="error", status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def too_many(wait: int) -> Open311Error:
    return Open311Error(429, f"too many requests from this address; retry after {wait} seconds", retry_after=wait)


def endpoint(view):
    """Check the format and the jurisdiction; turn Open311Error and DomainError into spec error bodies."""

    def wrapped(request, *args, fmt: str, **kwargs):
        if fmt not in ("xml", "json"):
            return error("xml", 404, f"unknown format: {fmt}")
        params = request.POST if request.method == "POST" else request.GET
        jid = (params.get("jurisdiction_id") or "").strip()
        if jid and jid != jurisdiction():
            return error(fmt, 404, f"jurisdiction_id not found: {jid}")
        try:
            wait = throttles.check(request, "write" if request.method == "POST" else "read")
            if wait:
                raise too_many(wait)
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description, exc.retry_after)
        except DomainError as exc:
            return error(fmt, 400, exc.message)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _root(request) -> str:
    return request.build_absolute_uri(reverse("events:open311_discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]


# --- resources ------------------------------------------------------------------------------------------


@endpoint
def discovery(request, fmt):
    """GET discovery.{fmt}"""
    data = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": "向社区管理员申请 API 密钥（后台“接口密钥”）",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": _root(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, data, root="discovery")


def _services():
    return selectors.open311_services(private_codes=PRIVATE_CODES)


def _service(cat: Category) -> dict:
    return {
        "service_code": cat.code,
        "service_name": cat.name,
        "description": f"{cat.parent.name} / {cat.name}（处置时限 {cat.deadline_label}）"
        + (f"。{cat.emergency_hint}" if cat.emergency_hint else ""),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(cat.synonyms or []),
        "group": cat.parent.name,
    }


@endpoint
def service_list(request, fmt):
    """GET services.{fmt}"""
    return render(fmt, [_service(c) for c in _services()], root="services", item="service")


@endpoint
def service_definition(request, code, fmt):
    """GET services/{service_code}.{fmt}: our services have no extra attributes (metadata false)."""
    if not _services().filter(code=code).exists():
        raise Open311Error(404, f"service_code not found: {code}")
    return render(fmt, {"service_code": code, "attributes": []}, root="service_definition")


def _public_events():
    return selectors.open311_public_events(private_codes=PRIVATE_CODES)


def published(e: Event) -> bool:
    """Whether the request's own text (description, media_url) may be public: reviewed, or redacted mode."""
    return e.public_reviewed_at is not None or settings.OPEN311_PUBLISH == "redacted"


def public_description(e: Event) -> str:
    """The reviewed text once reviewed; before that, the redacted text in redacted mode and nothing otherwise."""
    if e.public_reviewed_at is not None:
        return redact(e.public_description)
    return redact(e.description) if settings.OPEN311_PUBLISH == "redacted" else ""


def public_address(e: Event) -> str:
    """Where, as the public may read it. A typed ``address_string`` is the resident's own words (often a name:
    "张三家门口") that redaction cannot catch and the review card does not show, so in the default ``reviewed``
    mode only the place we resolved (house, building) is public, with the coordinates; ``redacted`` mode publishes
    the redacted typed text at once, like the description."""
    if settings.OPEN311_PUBLISH == "redacted" or not e.address:
        return redact(e.location_label)
    if e.house_id:
        return str(e.house)
    return str(e.building) if e.building_id else ""


def public_media_url(e: Event) -> str:
    if not e.media_url or not published(e) or contains_personal_data(e.media_url):
        return ""
    return e.media_url


def _request_row(e: Event) -> dict:
    closed = e.status in CLOSED
    notes = e.get_status_display()
    if e.status == EventStatus.REJECTED and e.reject_reason:
        notes += f"：{e.reject_reason}"
    elif e.result and e.status in (EventStatus.RESOLVED, EventStatus.VERIFIED, EventStatus.CLOSED):
        notes += f"：{e.result}"
    elif e.status == EventStatus.MERGED and e.parent_id:
        notes += "（与同一问题的其他报告合并处理）"
    return {
        "service_request_id": e.number,
        "status": "closed" if closed else "open",
        "status_notes": redact(notes),
        "linli_status": e.status,
        "service_name": e.category.name if e.category_id else "",
        "service_code": e.category.code if e.category_id else "",
        "description": public_description(e),
        "agency_responsible": e.handler_org.name if e.handler_org_id else e.region.name,
        "service_notice": e.category.emergency_hint if e.category_id else "",
        "requested_datetime": iso(e.created_at),
        "updated_datetime": iso(e.updated_at),
        "expected_datetime": iso(e.due_at),
        "address": public_address(e),
        "address_id": str(e.building_id or ""),
        "zipcode": "",
        "lat": float(e.lat) if e.lat is not None else None,
        "long": float(e.lng) if e.lng is not None else None,
        "media_url": public_media_url(e),
    }


def _parse_date(value: str, name: str) -> dt.datetime:
    """A W3C datetime that exists in the calendar (not 2026-02-30) and lies in 1900–9998, so that the default
    window arithmetic (end − 90 days) stays inside the calendar too."""
    invalid = Open311Error(400, f"{name} 不是有效的日期时间（W3C 格式，如 2026-11-21T08:00:00+08:00）：{value}")
    try:
        parsed = parse_datetime(value.replace(" ", "+")) if value else None
        if parsed is None:
            parsed = dt.datetime.fromisoformat(value)
    except ValueError:  # malformed, or well-formed but not a real date (parse_datetime raises for those)
        raise invalid
    if not 1900 <= parsed.year <= 9998:
        raise Open311Error(400, f"{name} 超出范围（1900–9998 年）：{value}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int_param(params, name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name) or ""
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, and int("²") fails
        raise Open311Error(400, f"{name} 必须是正整数")
    return max(lo, min(hi, int(raw)))


@endpoint
def requests_view(request, fmt):
    """GET requests.{fmt} (list with filters) or POST requests.{fmt} (create)."""
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        raise Open311Error(400, "method not allowed")
    params = request.GET
    qs = _public_events()
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(number__in=ids)
    else:
        codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
        start = (
            _parse_date(params["start_date"], "start_date") if params.get("start_date") else end - dt.timedelta(days=90)
        )
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
        if params.get("updated_after"):
            qs = qs.filter(updated_at__gt=_parse_date(params["updated_after"], "updated_after"))
    size = _int_param(params, "page_size", MAX_REQUESTS, 1, MAX_REQUESTS)
    page = _int_param(params, "page", 1, 1, 10_000)
    rows = list(qs.order_by("-created_at", "-pk")[(page - 1) * size : page * size])
    return render(fmt, [_request_row(e) for e in rows], root="service_requests", item="request")


@endpoint
def request_detail(request, request_id, fmt):
    """GET requests/{id}.{fmt}: a list of one."""
    event = _public_events().filter(number=request_id).first()
    if event is None:
        raise Open311Error(404, f"service_request_id not found: {request_id}")
    return render(fmt, [_request_row(event)], root="service_requests", item="request")


@endpoint
def token_view(request, token, fmt):
    """GET tokens/{token}.{fmt}: our services are realtime, so the token is the request id itself."""
    event = _public_events().filter(number=token).first()
    if event is None:
        raise Open311Error(404, f"token not found: {token}")
    return render(fmt, [{"service_request_id": event.number, "token": token}], root="service_requests", item="request")


@endpoint
def updates_view(request, fmt):
    """GET servicerequestupdates.{fmt} (FixMyStreet extension): public steps with a unique update_id."""
    params = request.GET
    end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
    start = _parse_date(params["start_date"], "start_date") if params.get("start_date") else end - dt.timedelta(days=1)
    rows = selectors.open311_public_updates(events=_public_events(), start=start, end=end, limit=MAX_REQUESTS)
    data = [
        {
            "update_id": str(t.pk),
            "service_request_id": t.event.number,
            "status": "closed" if t.to_status in CLOSED else "open",
            "linli_status": t.to_status,
            "updated_datetime": iso(t.created_at),
            "description": t.action_label
            + (f"：{redact(t.note)}" if t.action in ("resolve", "reject", "close") and t.note else ""),
            "media_url": "",
        }
        for t in rows
    ]
    return render(fmt, data, root="service_request_updates", item="request_update")


def _create(request, fmt):
    params = request.POST
    key = (params.get("api_key") or "").strip()
    wait = throttles.bad_key_wait(request)
    if wait:
        raise too_many(wait)
    api_key = ApiKey.lookup(key)
    if api_key is None:
        if key:
            throttles.record_bad_key(request)
        raise Open311Error(403, "api_key missing or invalid")
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = caches.category(code)
    if category is None or not category.active or category.parent_id is None or code in PRIVATE_CODES:
        raise Open311Error(400, f"service_code not found: {code}")
    lat, lng = params.get("lat") or "", params.get("long") or ""
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    if not ((lat and lng) or address or address_id):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = (params.get("description") or "").strip()
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    name = " ".join(p for p in (params.get("last_name", ""), params.get("first_name", "")) if p).strip()
    building = None
    if address_id:
        from linli.housing.selectors import building_in_region

        if address_id.isascii() and address_id.isdigit():
            # Only buildings in the key's region: another region's building answers "not found", like a missing one.
            building = building_in_region(pk=address_id, region_path=api_key.region.path)
        if building is None and not (lat and lng) and not address:
            raise Open311Error(400, f"address_id not found: {address_id}")
    media = (params.get("media_url") or "").strip()
    event = services.event_open(
        channel=Channel.OPEN311,
        category_code=code,
        text=description or category.name,
        reporter_name=name[:50],
        contact_phone=params.get("phone") or "",
        lat=lat or None,
        lng=lng or None,
        address=address,
        building=building,
        region=api_key.region,
        actor=None,
        external_source=f"open311:{api_key.pk}",
        external_id="",
        media_url=media if media.startswith(("http://", "https://")) else "",
    )
    row = {"service_request_id": event.number, "service_notice": category.emergency_hint,
           "account_id": params.get("account_id") or ""}  # fmt: skip
    return render(fmt, [row], root="service_requests", item="request")


def public_filter() -> Q:
    return Q(channel=Channel.OPEN311) & ~Q(category__code__in=PRIVATE_CODES)
