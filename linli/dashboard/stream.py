"""The big screen's live stream: a small asyncio process that holds the screens' open connections.

``GET /screen/stream?region=<id>`` on the web server checks the viewer and answers at once with a redirect here,
carrying a signed ticket (the viewer's regions, valid 12 hours); this process keeps each server-sent-events
connection open without a thread, so the sync gunicorn workers are never tied up. It receives the messages that
``linli.core.live.publish`` sends — in this process, by local UDP datagram on its own port number
(``LINLI_LIVE_UDP``, set by ``linli.serve``), or from Redis pub/sub when ``REDIS_URL`` is set — and passes each
one to the screens whose region contains the event. Standard library only (asyncio): no ASGI server to install.

Run: ``python -m linli.dashboard.stream --port 8001`` (``make run`` starts it next to gunicorn and huey).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
from collections import deque
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

SALT = "linli.screen.stream"
TICKET_AGE = 12 * 3600
HEARTBEAT = 15.0
RECENT = 20


def make_ticket(paths: list[str]) -> str:
    from django.core import signing

    return signing.dumps({"p": list(paths)}, salt=SALT, compress=True)


def read_ticket(ticket: str) -> list[str] | None:
    from django.core import signing

    try:
        return list(signing.loads(ticket, salt=SALT, max_age=TICKET_AGE)["p"])
    except (signing.BadSignature, KeyError, TypeError):
        return None


def _covers(paths: list[str], path: str) -> bool:
    return any(path.startswith(p) for p in paths) if paths else True


class Hub:
    """The open screens of this process and the last few messages (a screen that connects sees them first)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.clients: set[tuple[asyncio.Queue, tuple[str, ...]]] = set()
        self.recent: deque = deque(maxlen=RECENT)

    def offer(self, topic: str, data: dict) -> None:
        """Thread-safe: called by ``core.live`` from whichever thread published."""
        self.loop.call_soon_threadsafe(self._fan_out, topic, data)

    def _fan_out(self, topic: str, data: dict) -> None:
        if topic != "events.new":
            return
        self.recent.append(data)
        for queue, paths in list(self.clients):
            if _covers(list(paths), data.get("region_path", "")):
                with contextlib.suppress(asyncio.QueueFull):  # a screen that stopped reading loses messages
                    queue.put_nowait(data)


def _sse(data: dict) -> bytes:
    public = {k: v for k, v in data.items() if k != "region_path"}
    return f"event: event\ndata: {json.dumps(public, ensure_ascii=False)}\n\n".encode()


async def _answer(writer, status: str, text: str) -> None:
    body = text.encode()
    writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
                 f"Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n".encode() + body)  # fmt: skip
    with contextlib.suppress(ConnectionError):
        await writer.drain()


async def handle(hub: Hub, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
        writer.close()
        return
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = request_line.split(" ")
    if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
        await _answer(writer, "405 Method Not Allowed", "只支持 GET")
        writer.close()
        return
    url = urlsplit(parts[1])
    if url.path.rstrip("/") not in ("/screen/stream", ""):
        await _answer(writer, "404 Not Found", "没有这个地址")
        writer.close()
        return
    if url.path in ("", "/"):
        await _answer(writer, "200 OK", "邻里大屏实时推送服务")
        writer.close()
        return
    query = parse_qs(url.query)
    paths = read_ticket((query.get("t") or [""])[0])
    if paths is None:
        await _answer(writer, "403 Forbidden", "凭证无效或已过期，请刷新大屏页面")
        writer.close()
        return
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
                 b"X-Accel-Buffering: no\r\nAccess-Control-Allow-Origin: *\r\nConnection: keep-alive\r\n\r\n"
                 b"retry: 2000\n\n")  # fmt: skip
    queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
    client = (queue, tuple(paths))
    for data in list(hub.recent):
        if _covers(paths, data.get("region_path", "")):
            writer.write(_sse(data))
    hub.clients.add(client)
    try:
        await writer.drain()
        while True:
            try:
                data = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT)
                writer.write(_sse(data))
            except TimeoutError:
                writer.write(b": ping\n\n")
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        hub.clients.discard(client)
        writer.close()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, hub: Hub):
        self.hub = hub

    def datagram_received(self, raw, addr):
        from linli.core import live

        message = live.decode(raw)
        if message is not None:
            live.deliver(*message)


async def _redis(hub: Hub) -> None:
    import redis.asyncio as aioredis
    from django.conf import settings

    from linli.core import live

    while True:
        try:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(live.channel())
                async for item in pubsub.listen():
                    if item.get("type") == "message" and (message := live.decode(item["data"])) is not None:
                        hub._fan_out(*message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("Redis pub/sub lost; retrying in 2 s")
            await asyncio.sleep(2)


async def start(host: str = "127.0.0.1", port: int = 0, *, udp: bool = True, redis: bool | None = None):
    """Start serving; returns (server, hub, port). The caller keeps the loop running."""
    from django.conf import settings

    from linli.core import live

    loop = asyncio.get_running_loop()
    hub = Hub(loop)
    hub.unsubscribe = live.subscribe(hub.offer)
    server = await asyncio.start_server(lambda r, w: handle(hub, r, w), host, port)
    port = server.sockets[0].getsockname()[1]
    if udp:
        await loop.create_datagram_endpoint(lambda: _Datagrams(hub), local_addr=(host, port))
    if redis if redis is not None else bool(getattr(settings, "REDIS_URL", "")):
        hub.redis_task = loop.create_task(_redis(hub))
    return server, hub, port


def main() -> None:
    parser = argparse.ArgumentParser(description="邻里大屏实时推送服务（server-sent events）")
    parser.add_argument("--host", default=os.environ.get("LINLI_STREAM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LINLI_STREAM_PORT", "8001") or 8001))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ.pop("LINLI_LIVE_UDP", None)  # this process receives; it never sends to itself
    import django

    django.setup()
    logging.basicConfig(level=logging.INFO)

    async def run():
        server, _hub, port = await start(args.host, args.port)
        log.info("大屏实时推送服务：http://%s:%s/screen/stream", args.host, port)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()


class Background:
    """The stream served from a thread of this process (tests, the benchmark): ``with Background() as bg: bg.port``.
    Messages published in this process reach it directly (``core.live``'s in-process delivery)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, redis: bool = False):
        import threading

        self.host, self.port, self.redis = host, port, redis
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        async def boot():
            self.server, self.hub, self.port = await start(self.host, self.port, udp=False, redis=self.redis)
            self._ready.set()

        self.loop.create_task(boot())
        self.loop.run_forever()

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("stream did not start")
        return self

    def __exit__(self, *exc):
        async def shutdown():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.hub.unsubscribe()
        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
