"""Serve web (gunicorn, sync workers), the job worker (huey) and the big screen's live stream together, for `make run`.

The stream (``linli/dashboard/stream.py``) is a small asyncio process on the next port (``LINLI_STREAM_PORT``,
default web port + 1): it holds the screens' open connections so no sync worker is tied up; web and huey hand it
new events by local UDP datagram (``LINLI_LIVE_UDP``), or through Redis pub/sub when ``REDIS_URL`` is set."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from linli.demo_guard import allowed_hosts_from, demo_refusal, env_on

DEMO_LOGINS = [
    ("admin", "系统管理员"),
    ("auditor", "审计员"),
    ("leader", "区领导（西秀区）"),
    ("command", "指挥中心值班员（西秀区）"),
    ("screen", "大屏展示账号（西秀区，只看汇总）"),
    ("street", "街道工作人员（新安街道）"),
    ("staff", "社区工作人员（彩虹社区）"),
    ("grid1", "网格员（彩虹社区第一网格）"),
    ("grid2", "网格员（彩虹社区第二网格）"),
    ("dept", "部门人员（城市管理局）"),
    ("property", "物业人员"),
    ("secretary", "党组织书记（彩虹社区）"),
    ("partyoffice", "组织部（西秀区）"),
    ("member", "党员"),
    ("volunteer", "志愿者"),
    ("resident", "居民"),
]


CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def web_command(bind: str, workers) -> list[str]:
    """gunicorn with our config: its access log leaves out query strings (no search terms in logs)."""
    return [sys.executable, "-m", "gunicorn", "linli.wsgi", "--config", str(CONFIG), "--bind", bind,
            "--workers", str(workers), "--access-logfile", "-", "--graceful-timeout", "5"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--workers", default=os.environ.get("WEB_CONCURRENCY", "2"))
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    demo = env_on(env, "LINLI_DEMO")
    if demo and (refusal := demo_refusal(https=env_on(env, "LINLI_HTTPS"), allowed_hosts=allowed_hosts_from(env))):
        print(refusal, file=sys.stderr)
        return 2
    password = env.get("LINLI_DEMO_PASSWORD", "linli-demo")
    bind = f"127.0.0.1:{args.port}"
    stream_port = env.get("LINLI_STREAM_PORT") or str(int(args.port) + 1)
    env["LINLI_STREAM_PORT"] = stream_port
    if not env.get("REDIS_URL"):
        env["LINLI_LIVE_UDP"] = f"127.0.0.1:{stream_port}"
    stream = subprocess.Popen([sys.executable, "-m", "linli.dashboard.stream", "--port", stream_port], env=env)
    web = subprocess.Popen(web_command(bind, args.workers), env=env)
    worker = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "1"], env=env)
    print(f"\n邻里 Linli 已启动：http://{bind}/   （控制台 /console/  居民端 /m/  接口文档 /api/docs/）")
    if demo:
        print(f"演示模式。演示账号（密码均为 {password}）：")
        for username, role in DEMO_LOGINS:
            print(f"  {username:<10} {role}")
    print(f"指挥大屏：http://{bind}/screen/   （实时推送：127.0.0.1:{stream_port}）")
    print("按 Ctrl+C 停止。\n", flush=True)

    def stop(*_):
        for proc in (web, worker, stream):
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    finally:
        stop()
        for proc in (web, worker, stream):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return web.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
