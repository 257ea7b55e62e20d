"""Security review item 6: search terms never reach a log, even when a client puts them in a URL."""

import os
import re
import subprocess
import time
import urllib.error
import urllib.request

from linli import serve

ID_NUMBER = "520402198005170019"
PHONE = "13812345678"


def test_the_web_servers_access_log_has_paths_without_query_strings(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="linli.settings", LINLI_VAR_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PYTHONUNBUFFERED="1")  # fmt: skip
    env.pop("DATABASE_URL_TEST", None)
    out, err = tmp_path / "access.log", tmp_path / "error.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        # No control socket: it is one path per machine and would disturb other servers running here.
        command = [*serve.web_command("127.0.0.1:0", 1), "--no-control-socket"]
        proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
        try:
            port = None
            for _ in range(600):
                found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", err.read_text())
                if found:
                    port = found.group(1)
                    break
                time.sleep(0.1)
            assert port, err.read_text()
            for path in (f"/console/search/?q={ID_NUMBER}", f"/api/v1/search?q={PHONE}", f"/m/?q={ID_NUMBER}"):
                request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                                 headers={"Referer": f"http://x/console/search/?q={ID_NUMBER}"})  # fmt: skip
                try:
                    urllib.request.urlopen(request, timeout=60)
                except urllib.error.HTTPError:
                    pass
            time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    log = out.read_text() + err.read_text()
    assert "/console/search/" in log and "/api/v1/search" in log
    assert ID_NUMBER not in log and PHONE not in log and "?q=" not in log
