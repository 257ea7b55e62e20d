"""Live messages (the big screen's feed): ``publish(topic, data)`` after commit, ``subscribe()`` where a stream is served.

Three ways a message travels, chosen by the environment (``docs/dashboard.md``):

- **in-process** (always): every subscriber in this process gets it (tests, a stream served in the same process);
- **local datagram** (``LINLI_LIVE_UDP=host:port``, set by ``linli.serve`` for ``make run``): the web process sends
  one UDP datagram to the stream process on this machine, which hands it to its own in-process subscribers;
- **Redis pub/sub** (``REDIS_URL``): published on the channel ``<LINLI_HUEY_NAME>:live``; every stream process
  subscribes, so several web processes on several machines feed one screen.

Publishing never blocks and never fails the caller's request: a message that cannot be sent is dropped and logged.
Messages are small JSON objects; a message must carry no personal data (the screen shows place and category only).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_subscribers: list[Callable[[str, dict], None]] = []
_lock = threading.Lock()


def subscribe(callback: Callable[[str, dict], None]) -> Callable[[], None]:
    """Call ``callback(topic, data)`` for each message published or received in this process; returns unsubscribe."""
    with _lock:
        _subscribers.append(callback)

    def unsubscribe() -> None:
        with _lock:
            if callback in _subscribers:
                _subscribers.remove(callback)

    return unsubscribe


def deliver(topic: str, data: dict) -> None:
    """Hand a message to this process's subscribers (a stream process calls this for what it receives)."""
    with _lock:
        callbacks = list(_subscribers)
    for callback in callbacks:
        try:
            callback(topic, data)
        except Exception:  # one broken subscriber must not stop the others
            log.exception("live subscriber failed")


def channel() -> str:
    from django.conf import settings

    return f"{getattr(settings, 'HUEY_NAME', 'linli')}:live"


def encode(topic: str, data: dict) -> bytes:
    return json.dumps({"topic": topic, "data": data}, ensure_ascii=False, separators=(",", ":")).encode()


def decode(raw: bytes | str) -> tuple[str, dict] | None:
    try:
        message = json.loads(raw)
        return str(message["topic"]), dict(message["data"])
    except (ValueError, KeyError, TypeError):
        return None


def udp_target() -> tuple[str, int] | None:
    value = os.environ.get("LINLI_LIVE_UDP", "").strip()
    if not value or ":" not in value:
        return None
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def publish(topic: str, data: dict) -> None:
    """Send ``data`` to every screen: in-process subscribers, then the stream process or Redis if configured."""
    deliver(topic, data)
    raw = encode(topic, data)
    target = udp_target()
    if target is not None:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(raw, target)
        except OSError:
            log.warning("live message not sent to the stream process at %s:%s", *target)
    from django.conf import settings

    if getattr(settings, "REDIS_URL", ""):
        try:
            _redis(settings.REDIS_URL).publish(channel(), raw)
        except Exception:
            log.warning("live message not published to Redis")


_clients: dict[str, object] = {}


def _redis(url: str):
    """One client (and its connection pool) per process, not a connection per message."""
    if url not in _clients:
        import redis

        _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _clients[url]
