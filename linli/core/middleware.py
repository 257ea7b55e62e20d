"""Request context for audit rows, the session rules (staff idle timeout, second factor), and the refusal of
NUL characters in any input."""

import json
import time
import uuid
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from linli.core import context
from linli.core.http import client_ip

# Paths a staff session may reach before its second factor. Not /m/: the resident app shows whatever the account's
# scope holds (a grid worker's 我的家 lists every residency of the grid). /api/ checks the factor itself
# (``ScopedPermission``); /open311/ is public.
OTP_FREE_PREFIXES = ("/accounts/", "/static/", "/api/", "/open311/", "/i18n/", "/favicon")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = context.set_request({"request_id": request.request_id, "ip": client_ip(request)})
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


def otp_required(user) -> bool:
    return user.is_staff_role and not (settings.DEMO_MODE and user.otp_exempt)


class SessionPolicyMiddleware:
    """Staff: log out after 30 idle minutes; require a verified TOTP device before any console page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            if request.path.startswith("/console/") and not (user.is_staff_role or user.is_superuser):
                # The console is for staff; residents, party members and volunteers use the resident app.
                return redirect("core:resident_home")
            if user.is_staff_role:
                last = request.session.get("last_seen", now)
                if now - last > settings.STAFF_IDLE_TIMEOUT.total_seconds():
                    logout(request)
                    return redirect(f"{reverse('core:login')}?{urlencode({'expired': 1, 'next': request.path})}")
                if otp_required(user) and not user.is_verified() and not request.path.startswith(OTP_FREE_PREFIXES):
                    return redirect(f"{reverse('core:otp_verify')}?{urlencode({'next': request.path})}")
            if user.password_must_change and not request.path.startswith(OTP_FREE_PREFIXES):
                return redirect(reverse("core:password_change"))
            if now - request.session.get("last_seen", 0) >= 30:  # do not write the session on every hit
                request.session["last_seen"] = now
        return self.get_response(request)


NUL_MESSAGE = "请求中含有不允许的空字符（\\x00），请删除后重试。"


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _json_body_has_nul(request) -> bool:
    if "json" not in request.content_type:
        return False
    body = request.body
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:  # the cheap test first: most bodies cannot hold an escaped NUL at all
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the view's parser answers that


def bad_request(request, message: str) -> HttpResponse:
    """A 400 in the interface's own shape: JSON for the API, the GeoReport error list for Open311, else a page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    if request.path.startswith("/open311/"):
        rows = [{"code": 400, "description": message}]
        if request.path.endswith(".json"):
            return JsonResponse(rows, safe=False, status=400, json_dumps_params={"ensure_ascii": False})
        body = f'<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>400</code><description>{escape(message)}'
        return HttpResponse(
            body + "</description></error></errors>", status=400, content_type="text/xml; charset=utf-8"
        )
    return render(request, "400.html", {"message": message}, status=400)


class RejectNulMiddleware:
    """Refuse a NUL character anywhere in the path, query, form fields or a JSON body: 400.

    PostgreSQL cannot store NUL in text and raised a server error wherever such a value reached a query (search,
    Open311, filters); no real input needs one, so it is refused once here instead of in every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return bad_request(request, NUL_MESSAGE)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        for params in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
            for key, values in params.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return True
        # Uploaded file names need no check: Django's multipart parser drops non-printable characters from them.
        return request.method in ("POST", "PUT", "PATCH") and _json_body_has_nul(request)


_PER_RESPONSE_CSP = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the header built once, not twice per response.

    django-csp rebuilds the policy string from ``CONTENT_SECURITY_POLICY`` for every response (and again for the
    report-only header). Here it is built when the process starts and again only when the setting is replaced
    (tests' ``settings`` fixture). A response that changes its policy (``@csp_update``, ``@csp_replace``…), a
    page that used a nonce, or a configured report-only policy take django-csp's own path, unchanged.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self._policy = self._source = None
        self._cached_header()

    def _cached_header(self) -> str:
        source = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if source is not self._source or self._policy is None:
            self._policy, self._source = build_policy(), source
        return self._policy

    def process_response(self, request, response):
        if (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE_CSP)
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        policy = self._cached_header()
        if policy and CSP_HEADER not in response and getattr(response, "_csp_exempt", False) is False:
            prefixes = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[CSP_HEADER] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
