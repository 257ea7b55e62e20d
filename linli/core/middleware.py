"""Request context for audit rows, and the session rules (staff idle timeout, second factor)."""

import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from linli.core import context

OTP_FREE_PREFIXES = ("/accounts/", "/static/", "/api/", "/open311/", "/m/", "/i18n/", "/favicon")


def client_ip(request) -> str | None:
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


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
                    return redirect(f"{reverse('core:login')}?expired=1&next={request.path}")
                if otp_required(user) and not user.is_verified() and not request.path.startswith(OTP_FREE_PREFIXES):
                    return redirect(f"{reverse('core:otp_verify')}?next={request.path}")
            if user.password_must_change and not request.path.startswith(OTP_FREE_PREFIXES):
                return redirect(reverse("core:password_change"))
            if now - request.session.get("last_seen", 0) >= 30:  # do not write the session on every hit
                request.session["last_seen"] = now
        return self.get_response(request)
