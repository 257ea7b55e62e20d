"""Demo mode is for a laptop: refuse it where the installation looks like a real deployment.

Imported by ``linli.settings`` (every process: gunicorn, huey, manage.py), ``linli.serve`` (before anything
starts) and ``linli_demo`` (demo accounts with a published password). No Django imports here.
"""

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}


def demo_refusal(*, https: bool, allowed_hosts: list[str], loading: bool = False) -> str:
    """The reason the demo may not run (or its data be loaded) here, in Chinese and English; "" when it may."""
    if https:
        why_zh, why_en = "已设置 LINLI_HTTPS=1（正式部署）", "LINLI_HTTPS=1 is set (a real deployment)"
    else:
        public = ", ".join(h for h in allowed_hosts if h and h not in LOCAL_HOSTS)
        if not public:
            return ""
        why_zh = f"LINLI_ALLOWED_HOSTS 含非本机地址 {public}"
        why_en = f"LINLI_ALLOWED_HOSTS names hosts other than this machine: {public}"
    what_zh, what_en = ("装入演示数据", "load the demo data") if loading else ("以演示模式启动", "start in demo mode")
    return (
        f"拒绝{what_zh}：{why_zh}。演示账号的密码是公开的（admin / linli-demo），且免二次验证。\n"
        "正式部署请去掉 LINLI_DEMO，并用 `manage.py linli_init` 初始化空的安装（见 docs/deploy.md）。\n"
        f"Refusing to {what_en}: {why_en}. The demo accounts have a published password and skip the second "
        "factor.\nFor a deployment, unset LINLI_DEMO and initialise an empty installation with "
        "`manage.py linli_init` (see docs/deploy.md)."
    )


def allowed_hosts_from(environ) -> list[str]:
    raw = environ.get("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    return [h.strip() for h in raw.split(",") if h.strip()]


def env_on(environ, name: str) -> bool:
    return (environ.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}
