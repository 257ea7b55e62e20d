"""Reads from the PostgreSQL streaming replica, only where a list, a search or a statistic asks for it.

With ``DATABASE_REPLICA_URL`` set, ``settings.DATABASES["replica"]`` is a streaming replica of ``default``, and
the router (``linli.core.dbrouter``) sends a read there only when all of these hold:

- it runs inside ``reading()`` (a context manager and a decorator): the read-only selectors of lists, the search
  box and the statistics open one; nothing else ever reads from the replica;
- no ``transaction.atomic`` block is open on ``default``: a transaction may have written rows the replica cannot
  see, and a transaction's reads must be its own;
- the current request has not written anything yet (``ReadYourWritesMiddleware`` watches its statements);
- the user has not written in the last ``LINLI_REPLICA_STICKY_SECONDS`` (read-your-writes): a request with a
  write method (POST, PUT, PATCH, DELETE) that changed a row marks the browser with a signed cookie and the user in
  the cache, and until then that user's reads stay on ``default`` — so an author sees their change at once while
  other users read the replica, which is a few milliseconds behind.

Writes always go to ``default``. Without a replica all of this does nothing.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.template.response import SimpleTemplateResponse

REPLICA = "replica"
COOKIE = "linli_primary"
SALT = "linli.core.replica"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "MERGE")

_reading: ContextVar[bool] = ContextVar("linli_replica_reading", default=False)
_request: ContextVar["RequestState | None"] = ContextVar("linli_replica_request", default=None)


def enabled() -> bool:
    """Whether a replica is configured (``DATABASE_REPLICA_URL``)."""
    return REPLICA in settings.DATABASES


def sticky_seconds() -> int:
    return settings.LINLI_REPLICA_STICKY_SECONDS


def _now() -> float:
    return time.time()


def _user_key(pk) -> str:
    # The database's name too: installations (and parallel test runs) that share one Redis keep apart.
    return f"linli:replica:primary-until:{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}:{pk}"


@contextmanager
def reading():
    """Reads inside may be served by the replica (see the module's rules); use as ``with`` or as a decorator.

    Only for reads that may be a few milliseconds old: lists, search results, statistics. Evaluate the querysets
    inside the block (a lazy queryset evaluated after it reads from ``default``).
    """
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


_system: ContextVar[bool] = ContextVar("linli_replica_system_writes", default=False)


@contextmanager
def system_writes():
    """Writes inside are the platform's own bookkeeping (folding the counters while a screen reads them), not the
    user's: they do not pin the user's later reads to the primary."""
    token = _system.set(True)
    try:
        yield
    finally:
        _system.reset(token)


def rendered(response):
    """``response`` with its template rendered now (inside the block), not after the view has returned."""
    if isinstance(response, SimpleTemplateResponse):
        response.render()
    return response


def reading_view(view):
    """``reading()`` around a view function, its template rendered inside the block."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with reading():
            return rendered(view(request, *args, **kwargs))

    return wrapped


def read_alias() -> str:
    """The database a read issued now goes to: ``"replica"`` or ``"default"``."""
    if not _reading.get() or not enabled() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    state = _request.get()
    if state is not None and state.primary_only():
        return DEFAULT_DB_ALIAS
    return REPLICA


class RequestState:
    """What the router needs to know about the current request: did it write, did its user write lately."""

    __slots__ = ("request", "wrote", "_pinned")

    def __init__(self, request):
        self.request = request
        self.wrote = False
        self._pinned: bool | None = None

    def watch(self, execute, sql, params, many, context):
        """An execute wrapper on ``default``: notes the first statement that changes rows."""
        if (
            not self.wrote
            and not _system.get()
            and isinstance(sql, str)
            and sql.lstrip()[:6].upper().startswith(WRITE_STATEMENTS)
        ):
            self.wrote = True
        return execute(sql, params, many, context)

    def primary_only(self) -> bool:
        if self.wrote:
            return True
        if self._pinned is None:  # asked once per request, at its first read in a reading() block
            self._pinned = self._recently_wrote()
        return self._pinned

    def _recently_wrote(self) -> bool:
        now = _now()
        until = self.request.get_signed_cookie(COOKIE, default=None, salt=SALT)
        if until is not None:
            try:
                if float(until) > now:
                    return True
            except ValueError:
                pass
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            return (cache.get(_user_key(user.pk)) or 0) > now
        return False


def pin(request, response) -> None:
    """Keep this browser's and this user's reads on ``default`` for ``LINLI_REPLICA_STICKY_SECONDS``.

    Both: the cookie works without a shared cache (several web processes on a per-process cache), the cache entry
    for API clients that keep no cookies (shared through Redis when ``REDIS_URL`` is set).
    """
    seconds = sticky_seconds()
    if seconds <= 0:
        return
    until = _now() + seconds
    response.set_signed_cookie(
        COOKIE,
        f"{until:.3f}",
        salt=SALT,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cache.set(_user_key(user.pk), until, seconds)


class ReadYourWritesMiddleware:
    """Watches what each request writes on ``default``; after a write request that changed rows, ``pin()``.

    Placed after the authentication middleware (it needs ``request.user``). A search or a filter sent by POST that
    writes nothing does not pin; a GET that writes (an access record) makes only its own later reads primary.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled():
            return self.get_response(request)
        state = RequestState(request)
        token = _request.set(state)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(state.watch):
                response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote and request.method in WRITE_METHODS:
            pin(request, response)
        return response
