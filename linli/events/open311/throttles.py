"""Rate limits for the public Open311 endpoints, per client address, on the Django cache (Redis in production).

DRF's sliding-window ``SimpleRateThrottle`` does the counting; the rates are ``settings.OPEN311_RATES`` (read at
call time, so they can be changed per deployment and per test). Cache keys hold a hash of the address, never
the address itself (no personal data in cache keys).
"""

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from linli.core.middleware import client_ip


class Open311Throttle(SimpleRateThrottle):
    """``scope`` is one of ``read``, ``write``, ``bad_key``."""

    def __init__(self, scope: str):
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str:
        return settings.OPEN311_RATES[self.scope]

    def get_cache_key(self, request, view=None) -> str:
        address = client_ip(request) or "unknown"
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
        return f"open311:throttle:{self.scope}:{digest}"

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()

    def exhausted(self, request) -> bool:
        """Whether the address has used up its allowance, without counting this call."""
        self._load(request)
        return len(self.history) >= self.num_requests

    def record(self, request) -> None:
        """Count one occurrence (a wrong key) for the address."""
        self._load(request)
        self.throttle_success()


def check(request, scope: str) -> int | None:
    """Count this request against ``scope``; the seconds to wait when the address is over its rate, else None."""
    throttle = Open311Throttle(scope)
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 1))


def bad_key_wait(request) -> int | None:
    """Seconds to wait when the address has sent too many wrong keys, else None."""
    throttle = Open311Throttle("bad_key")
    if not throttle.exhausted(request):
        return None
    return max(1, int(throttle.wait() or 1))


def record_bad_key(request) -> None:
    Open311Throttle("bad_key").record(request)
