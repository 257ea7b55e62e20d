"""Small HTTP helpers every interface shares: where a ``next`` may lead, who the client is behind proxies, and a
detail page's URL without a ``reverse()`` per row."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import url_has_allowed_host_and_scheme

_PK_URLS: dict[tuple, tuple[str, str]] = {}  # (URL name, script prefix, URLconf) → the URL around its pk
_SENTINEL = "987654321"


def pk_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a page keyed by an integer, reversed once per URL name, script prefix and
    URLconf. Lists and search results link every row (a person and their home: two links a row), and a
    ``reverse()`` per link was a quarter of a 50-person search page's time."""
    key = (name, get_script_prefix(), get_urlconf())
    parts = _PK_URLS.get(key)
    if parts is None:
        head, _, tail = reverse(name, args=[int(_SENTINEL)]).partition(_SENTINEL)
        parts = _PK_URLS[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"


def safe_next(request: HttpRequest, default: str, *, candidates: tuple[str | None, ...] = ()) -> str:
    """The first of ``next`` (POST, then GET) and ``candidates`` that stays on this site, else ``default``.

    Only same-host URLs pass (Django's ``url_has_allowed_host_and_scheme``): ``//evil.example``,
    ``https://evil.example`` and ``/\\evil.example`` (which browsers read as ``//evil.example``) are refused.
    """
    options = (request.POST.get("next"), request.GET.get("next"), *candidates)
    for target in options:
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return default


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with ``LINLI_TRUSTED_PROXIES`` = N, the N-th X-Forwarded-For entry
    counted from the right.

    Each trusted proxy appends the address it received the connection from, so the rightmost N entries were
    written by our proxies and everything to their left is whatever the client chose to send. Audit rows,
    django-axes (``AXES_CLIENT_IP_CALLABLE``) and DRF's throttles (``NUM_PROXIES``) all use this count.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.LINLI_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


MAX_PK = 2**63 - 1  # the largest primary key any database here stores (bigint)


def parse_pk(value) -> int | None:
    """A primary key from user input, or None: ASCII digits only (``"²".isdigit()`` is true and ``int("²")`` fails)
    and within a bigint, so that a filter never turns into a server error."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number <= MAX_PK else None
