"""Periodic tasks run once per schedule slot, however many huey consumers share the Redis queue (core/jobs.py)."""

import os
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from huey import RedisHuey, crontab

from linli.core import jobs

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis (REDIS_URL): the PostgreSQL + Redis stage of CI")
BASE_DIR = Path(__file__).resolve().parents[3]
PROBE = "linli.core.tasks.jobs_probe"


@pytest.fixture
def redis_huey():
    """A huey on the test Redis under a name of its own, its keys removed afterwards."""
    huey = RedisHuey(f"linlitest{uuid.uuid4().hex[:10]}", url=REDIS_URL)
    yield huey
    _drop_keys(huey.storage.conn, huey.name)


def _drop_keys(conn, name: str) -> None:
    keys = list(conn.scan_iter(match=f"*{name}*"))
    if keys:
        conn.delete(*keys)


def test_every_periodic_task_of_every_app_claims_its_slot():
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    registry = HUEY._registry
    declared = {registry.task_to_string(task) for task in registry._periodic_tasks}
    assert "linli.events.tasks.supervise_deadlines" in declared
    unclaimed = declared - set(jobs.PERIODIC)
    assert not unclaimed, f"declare these with linli.core.jobs.periodic, not db_periodic_task: {sorted(unclaimed)}"


def test_a_slot_is_due_only_when_its_schedule_is():
    claim = jobs.SlotClaim(crontab(minute="*/5"), "linli.tests.every_five")
    assert not claim(datetime(2026, 12, 6, 10, 3))
    assert claim(datetime(2026, 12, 6, 10, 5))  # the test huey keeps its queue in memory: nothing to share a claim


@pytest.mark.redis
@needs_redis
def test_each_slot_is_claimed_by_exactly_one_consumer(redis_huey):
    assert jobs.claim_slot(redis_huey, "linli.x.tick", "20261206T1005")
    assert not jobs.claim_slot(redis_huey, "linli.x.tick", "20261206T1005")  # the second consumer skips
    assert jobs.claim_slot(redis_huey, "linli.x.tick", "20261206T1010")  # the next slot is free again
    assert jobs.claim_slot(redis_huey, "linli.x.other", "20261206T1005")  # and so is another task's
    ttl = redis_huey.storage.conn.ttl(jobs.claim_key(redis_huey.name, "linli.x.tick", "20261206T1005"))
    assert 0 < ttl <= jobs.CLAIM_TTL  # claims expire: Redis does not fill up with old slots


@pytest.mark.redis
@needs_redis
def test_two_consumers_run_each_periodic_slot_exactly_once(tmp_path):
    """Two real `manage.py run_huey` processes on one Redis queue, across two minute slots: one run per slot.

    Each consumer's scheduler checks periodic tasks when it starts and then every 60 seconds, so both check the
    probe (due every minute) in at least two slots. Each check and each run is written down in Redis by the probe
    (linli/core/tasks.py).
    """
    import redis

    name = f"linlijobs{uuid.uuid4().hex[:10]}"
    conn = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_TESTING", "DATABASE_URL", "DATABASE_URL_TEST")}
    env.update(DJANGO_SETTINGS_MODULE="linli.settings", LINLI_VAR_DIR=str(tmp_path), REDIS_URL=REDIS_URL,
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", LINLI_HUEY_NAME=name, LINLI_JOBS_PROBE="1",
               PYTHONUNBUFFERED="1")  # fmt: skip
    logs = [tmp_path / f"consumer{i}.log" for i in (1, 2)]
    consumers = []
    started = time.monotonic()
    checks: dict[int, set[str]] = defaultdict(set)
    try:
        command = [sys.executable, "manage.py", "run_huey", "--workers", "2"]
        for log in logs:
            with log.open("wb") as out:
                consumers.append(subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT))
        while time.monotonic() - started < 85:
            for proc, log in zip(consumers, logs, strict=True):
                assert proc.poll() is None, f"a consumer stopped:\n{log.read_text()}"
            checks = _checks(conn, name)
            if len(checks) == 2 and all(len(slots) >= 2 for slots in checks.values()):
                break
            time.sleep(0.5)
        slots = set().union(*checks.values()) if checks else set()
        for _ in range(20):  # the winner of the last slot enqueued it a moment ago: let a worker run it
            if conn.llen(f"{name}.probe.runs") >= len(slots):
                break
            time.sleep(0.25)
    finally:
        for proc in consumers:
            proc.terminate()
        for proc in consumers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    try:
        output = "\n".join(log.read_text() for log in logs)
        checks = _checks(conn, name)
        assert set(checks) == {proc.pid for proc in consumers}, output  # both consumers ran their scheduler
        assert all(len(slots) >= 2 for slots in checks.values()), output  # …across two schedule slots each
        slots = set().union(*checks.values())
        assert any(all(slot in seen for seen in checks.values()) for slot in slots), output  # they competed
        prefix = jobs.claim_key(name, PROBE, "")
        claimed = {key.removeprefix(prefix) for key in conn.scan_iter(match=f"{prefix}*")}
        assert claimed == slots  # every slot in which the probe was due was claimed, once
        runs = conn.lrange(f"{name}.probe.runs", 0, -1)
        assert len(runs) == len(slots), (runs, sorted(slots), output)  # one run per slot, not one per consumer
        assert "already taken by another consumer" in output
    finally:
        _drop_keys(conn, name)


def _checks(conn, name: str) -> dict[int, set[str]]:
    checks: dict[int, set[str]] = defaultdict(set)
    for entry in conn.lrange(f"{name}.probe.checks", 0, -1):
        pid, slot = entry.split()
        checks[int(pid)].add(slot)
    return checks
