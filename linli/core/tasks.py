"""Jobs of the platform itself: folding the counters every minute, and the probe that shows periodic tasks run
once per slot across consumers.

With ``LINLI_JOBS_PROBE=1`` (settings) a task runs every minute through ``jobs.periodic``. Each scheduler check of
every consumer appends ``<pid> <slot>`` to the Redis list ``<huey name>.probe.checks`` and each run appends
``<pid> <time>`` to ``<huey name>.probe.runs``; ``core/tests/test_jobs.py`` starts two consumers with it and
compares the two lists with the slots claimed. Off in every other process: no task is registered at all.
"""

import os
from datetime import UTC, datetime

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_task

from linli.core import jobs, tallies

PROBE_TTL = 3600


@jobs.periodic(crontab(minute="*"))
def fold_tallies() -> int:
    """Apply the counters' queue (``core.tallies``) even when no screen reads them, so it stays short."""
    return tallies.fold()


def _probe_record(kind: str, value: str) -> None:
    from huey.contrib.djhuey import HUEY

    conn = getattr(HUEY.storage, "conn", None)
    if conn is None:  # not on Redis: nothing to share the record with
        return
    key = f"{HUEY.name}.probe.{kind}"
    conn.rpush(key, value)
    conn.expire(key, PROBE_TTL)


def _probe_due(timestamp: datetime) -> bool:
    """Due in every minute (``crontab()``), and writes down that this consumer's scheduler checked it."""
    _probe_record("checks", f"{os.getpid()} {jobs.slot_of(timestamp)}")
    return True


if settings.LINLI_JOBS_PROBE:

    @jobs.periodic(_probe_due)
    def jobs_probe() -> None:
        _probe_record("runs", f"{os.getpid()} {datetime.now(UTC):%Y%m%dT%H%M%S}")


@db_task()
def recount_tallies(kinds: list[str] | None = None) -> dict[str, int]:
    """Count the figures of ``kinds`` (default: every registered kind) again, after a region move rewrote paths."""
    from django.db import transaction

    from linli.core import tallies

    counted = {}
    for kind in kinds or tallies.kinds():
        with transaction.atomic():  # readers see the old figures or the new ones, never an empty table
            counted[kind] = tallies.recount(kind)
    tallies.analyse()
    return counted
