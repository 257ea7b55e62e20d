"""Progress of a running job, readable by the web process while the job's transaction is still open.

A commit writes inside one long transaction, so its progress cannot be a column of the batch row (nobody would
see it before the end). It goes to the shared cache when Redis is configured (several machines), else to a small
file under var/jobs/ (one machine: web and worker share the disk).
"""

import json
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from linli.dataio.storage import folder


def _key(kind: str, pk: int) -> str:
    return f"linli:progress:{kind}:{pk}"


def set_progress(kind: str, pk: int, done: int, total: int) -> None:
    value = {"done": int(done), "total": int(total), "at": time.time()}
    if settings.REDIS_URL:
        cache.set(_key(kind, pk), value, 24 * 3600)
        return
    path = folder("jobs") / f"{kind}-{pk}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)


def get_progress(kind: str, pk: int) -> dict | None:
    if settings.REDIS_URL:
        return cache.get(_key(kind, pk))
    path = folder("jobs") / f"{kind}-{pk}.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def clear_progress(kind: str, pk: int) -> None:
    if settings.REDIS_URL:
        cache.delete(_key(kind, pk))
        return
    (folder("jobs") / f"{kind}-{pk}.json").unlink(missing_ok=True)


def throttled(kind: str, pk: int, every: float = 0.5):
    """A progress callback that writes at most every ``every`` seconds."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= every or done >= total:
            last[0] = now
            set_progress(kind, pk, done, total)

    return report


# --- heartbeat: proof that the process running a job is alive -----------------------------------------------

HEARTBEAT_SECONDS = 10


def _beat_key(kind: str, pk: int) -> str:
    return f"linli:beat:{kind}:{pk}"


def beat(kind: str, pk: int, at: float | None = None) -> None:
    """Record that the job is alive (``at``: a Unix time, now by default)."""
    value = time.time() if at is None else at
    if settings.REDIS_URL:
        cache.set(_beat_key(kind, pk), value, 24 * 3600)
        return
    path = folder("jobs") / f"{kind}-{pk}.beat"
    tmp = path.with_suffix(".beat-tmp")
    tmp.write_text(repr(value))
    tmp.replace(path)


def last_beat(kind: str, pk: int) -> float | None:
    if settings.REDIS_URL:
        return cache.get(_beat_key(kind, pk))
    try:
        return float((folder("jobs") / f"{kind}-{pk}.beat").read_text())
    except (FileNotFoundError, ValueError):
        return None


def clear_beat(kind: str, pk: int) -> None:
    if settings.REDIS_URL:
        cache.delete(_beat_key(kind, pk))
        return
    (folder("jobs") / f"{kind}-{pk}.beat").unlink(missing_ok=True)


@contextmanager
def heartbeat(kind: str, pk: int, every: float = HEARTBEAT_SECONDS):
    """Beat every ``every`` seconds from a daemon thread while the block runs.

    The beat stops when the process dies (a killed worker, an OOM kill, a web request killed by its timeout), so
    a job whose last beat is old is known to be dead even though its status still says it is running.
    """
    stop = threading.Event()

    def run():
        while not stop.wait(every):
            try:
                beat(kind, pk)
            except Exception:  # a full disk or a Redis hiccup must not kill the job; the next beat may work
                pass

    beat(kind, pk)
    thread = threading.Thread(target=run, name=f"heartbeat-{kind}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1)
