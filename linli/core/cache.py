"""Per-process caches of small tables, dropped in every process when the rows behind them change.

A module caches what every request reads and almost nobody writes (a taxonomy, routing rules, the holiday
calendar, the region tree)::

    from linli.core.cache import ProcessCache

    TAXONOMY = ProcessCache("taxonomy", build_taxonomy, models=["events.Category"])
    TAXONOMY.get()        # built on first use, then kept in this process

A value is built from the database on first use and kept in the process (a gunicorn worker keeps it for its
life). ``models`` names the models whose rows it is built from: core connects ``post_save`` / ``post_delete``
once for all caches (``connect()``, called by ``CoreConfig``), and a change to one of those rows drops the value
at once in the process that made it and, after the change commits, bumps a generation number in Django's shared
cache (Redis in production). Every other process compares its generation with the shared one at most every
``CHECK_SECONDS`` and rebuilds when it moved. ``max_age`` bounds the age in any case: it covers a per-process
cache backend (locmem, several workers) and changes that bypass model signals (``update()``, raw SQL, treebeard
moves). Cached model instances are shared by every request of the process: read them, never modify them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache as shared
from django.db import transaction
from django.db.models.signals import post_delete, post_save

CHECK_SECONDS = 2.0
_MISSING = object()
_registry: dict[str, ProcessCache] = {}
_by_model: dict[str, list[ProcessCache]] = {}  # "app_label.Model" → the caches built from its rows


class ProcessCache:
    """One value built by ``build()`` and kept per process until the rows of ``models`` change."""

    def __init__(self, name: str, build: Callable[[], object], *, models: Iterable[str] = (), max_age: float = 300.0):
        self.name, self.build, self.max_age = name, build, max_age
        self.models = tuple(models)
        self._value: object = _MISSING
        self._generation = None
        self._built_at = self._checked_at = 0.0
        self._lock = threading.Lock()
        old = _registry.get(name)
        if old is not None:  # a module imported twice (tests reloading it): the new object replaces the old
            for caches in _by_model.values():
                if old in caches:
                    caches.remove(old)
        _registry[name] = self
        for label in self.models:
            _by_model.setdefault(label, []).append(self)

    @property
    def key(self) -> str:
        return f"linli:cache-generation:{self.name}"

    def _shared_generation(self):
        try:
            return shared.get(self.key, 0)
        except Exception:  # a cache server that is down must not stop the work: max_age still applies
            return None

    def get(self):
        now = time.monotonic()
        value = self._value
        if value is not _MISSING:
            if now - self._built_at > self.max_age:
                value = _MISSING
            elif now - self._checked_at > CHECK_SECONDS:
                self._checked_at = now
                if self._shared_generation() != self._generation:
                    value = _MISSING
        if value is _MISSING:
            with self._lock:
                generation = self._shared_generation()  # read before building: a change during the build is seen
                value = self.build()
                self._value, self._generation = value, generation
                self._built_at = self._checked_at = time.monotonic()
        return value

    def clear(self) -> None:
        """Drop the value in this process only."""
        self._value = _MISSING

    def invalidate(self) -> None:
        """Drop the value here now, and in every process once the current transaction commits."""
        self.clear()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        self.clear()
        try:
            try:
                shared.incr(self.key)
            except ValueError:
                shared.set(self.key, 1, None)
        except Exception:
            pass


def get(name: str) -> ProcessCache:
    return _registry[name]


def invalidate(*names: str) -> None:
    """Drop the named caches everywhere (after commit); for changes that bypass model signals."""
    for name in names:
        _registry[name].invalidate()


def clear_all() -> None:
    """Drop every cache of this process (tests call it between tests: their data is rolled back)."""
    for c in _registry.values():
        c.clear()


def _changed(sender, **kwargs) -> None:
    for c in _by_model.get(sender._meta.label, ()):
        c.invalidate()


def connect() -> None:
    """Wire the invalidation once: any saved or deleted row drops the caches registered for its model."""
    for signal in (post_save, post_delete):
        signal.connect(_changed, weak=False, dispatch_uid=f"linli-process-caches-{id(signal)}")
