"""Periodic jobs that run once per schedule slot, however many huey consumers share the queue.

huey runs a scheduler in every consumer (unless it is started with ``--no-periodic``), and each scheduler
enqueues every periodic task that is due: with two consumers the deadline timer (督办) would run twice. So every
app declares its periodic tasks with ``periodic(crontab(...))`` from here, never with huey's
``db_periodic_task``. The schedule is wrapped in a ``SlotClaim``: when a consumer's scheduler finds the task due
in a minute, it first claims the slot (task, minute) in Redis with ``SET <key> <consumer> NX EX 3600``; the one
that sets the key enqueues the task, the others see the key and skip. The queue itself hands each message to
exactly one worker, so the task runs once per slot.

Why a claim per slot rather than one scheduler (``--no-periodic`` on every consumer but one): any consumer can take
any slot, so when a machine dies the others go on running the schedule in the next minute, with nothing to
fail over. A single scheduler is a single point of failure that nobody notices until deadlines stop moving.
What a claim does not cover: a consumer that dies between claiming and enqueueing (microseconds) loses that slot,
and a worker that dies in the middle of a task loses that run, as huey always does; every periodic task here
is an idempotent tick (supervise the deadlines that are due now, reap what is stale), so the next slot catches
up.

Without Redis (huey on SQLite under ``var/``, the one-machine pilot) there is no shared place to claim in and a
due task is always enqueued: run one consumer per SQLite queue, as ``make serve`` does. Several consumers, on one
machine or many, need ``REDIS_URL``.
"""

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime

from huey.storage import RedisStorage

logger = logging.getLogger("huey.periodic")

CLAIM_TTL = 3600  # seconds a claimed slot is remembered: far longer than any clock skew between machines
PERIODIC: dict[str, "SlotClaim"] = {}  # every task declared with periodic(), by huey's task name


def slot_of(timestamp: datetime) -> str:
    """The schedule slot of a scheduler's check: its minute (crontab's resolution), as huey passes it (UTC)."""
    return timestamp.strftime("%Y%m%dT%H%M")


def claim_key(name: str, task: str, slot: str) -> str:
    """The Redis key of a claimed slot, under huey's name (``LINLI_HUEY_NAME``)."""
    return f"{name}.periodic.{task}.{slot}"


def claim_slot(huey, task: str, slot: str) -> bool:
    """True for exactly one caller per (task, slot) across every consumer of ``huey``'s Redis; always True without."""
    storage = huey.storage
    if not isinstance(storage, RedisStorage):
        return True
    owner = f"{socket.gethostname()}:{os.getpid()}"
    try:
        won = bool(storage.conn.set(claim_key(huey.name, task, slot), owner, nx=True, ex=CLAIM_TTL))
    except Exception:  # Redis unreachable: this consumer cannot enqueue either; another may take the slot
        logger.exception("periodic task %s: could not claim slot %s", task, slot)
        return False
    if not won:
        logger.info("periodic task %s: slot %s already taken by another consumer", task, slot)
    return won


class SlotClaim:
    """A huey schedule (``validate_datetime``) that is due only for the first consumer to check each slot."""

    def __init__(self, schedule: Callable[[datetime], bool], task: str):
        self.schedule = schedule
        self.task = task

    def __call__(self, timestamp: datetime) -> bool:
        if not self.schedule(timestamp):
            return False
        from huey.contrib.djhuey import HUEY

        return claim_slot(HUEY, self.task, slot_of(timestamp))


def periodic(schedule: Callable[[datetime], bool], **options):
    """Declare a periodic task that runs once per slot of ``schedule`` (a ``huey.crontab``), not once per consumer.

    Use it instead of ``db_periodic_task``; ``options`` go to it unchanged (retries, retry_delay, name…). The task
    closes its database connections like any ``db_periodic_task``.
    """
    from huey.contrib.djhuey import db_periodic_task

    def decorator(fn):
        task = f"{fn.__module__}.{options.get('name') or fn.__name__}"
        claim = SlotClaim(schedule, task)
        PERIODIC[task] = claim
        return db_periodic_task(claim, **options)(fn)

    return decorator
