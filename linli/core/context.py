"""The current request's id and client address, for audit rows written deep inside services."""

import contextvars

_current = contextvars.ContextVar("linli_request", default=None)


def set_request(info: dict | None):
    return _current.set(info)


def reset(token) -> None:
    _current.reset(token)


def current() -> dict:
    return _current.get() or {}
