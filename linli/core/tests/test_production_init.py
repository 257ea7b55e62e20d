"""The production path: `linli_init` makes an empty installation; demo mode refuses a real deployment."""

import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core.models import Region, User
from linli.demo_guard import demo_refusal


@pytest.mark.django_db
def test_init_creates_one_admin_with_a_password_shown_once_and_no_demo_data(client):
    out = StringIO()
    call_command("linli_init", stdout=out)
    text = out.getvalue()
    password = re.search(r"初始密码：\s*(\S+)", text).group(1)
    assert len(password) >= 20 and "linli-demo" not in text
    admin = User.objects.get()
    assert admin.username == "admin" and admin.is_superuser and not admin.otp_exempt and admin.password_must_change
    assert admin.check_password(password) and password not in admin.password
    assert not Region.objects.exists()  # no demo community
    # First login: TOTP enrolment before anything else, even with the right password.
    r = client.post("/accounts/login/", {"username": "admin", "password": password})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/setup/")
    for url in ("/console/", "/admin/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/"), url
    assert client.get("/accounts/otp/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert client.post("/accounts/otp/setup/", {"token": code}).status_code == 302
    # The generated password works once: it must be replaced before any page opens.
    r = client.get("/console/")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    new = "my-own-long-passphrase-2026"
    r = client.post("/accounts/password/", {"old_password": password, "new_password1": new, "new_password2": new})
    assert r.status_code == 302
    admin.refresh_from_db()
    assert not admin.password_must_change and admin.check_password(new)
    assert client.get("/console/").status_code == 200


@pytest.mark.django_db
def test_init_refuses_an_installation_that_has_accounts(world):
    before = User.objects.count()
    with pytest.raises(CommandError, match="只用于空的安装"):
        call_command("linli_init", stdout=StringIO())
    assert User.objects.count() == before


def test_demo_is_refused_behind_https_or_on_public_hosts():
    assert demo_refusal(https=False, allowed_hosts=["127.0.0.1", "localhost", "testserver"]) == ""
    message = demo_refusal(https=True, allowed_hosts=["127.0.0.1"])
    assert "拒绝以演示模式启动" in message and "Refusing to start in demo mode" in message
    assert "linli.example.gov.cn" in demo_refusal(https=False, allowed_hosts=["127.0.0.1", "linli.example.gov.cn"])


def _run(args, **env_extra):
    env = dict(os.environ, **env_extra)
    env.pop("LINLI_TESTING", None)
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=120
    )


def test_demo_mode_refuses_to_start_with_a_clear_message(tmp_path):
    var = str(tmp_path)
    out = _run(["manage.py", "check"], LINLI_DEMO="1", LINLI_HTTPS="1", LINLI_VAR_DIR=var)
    assert out.returncode != 0 and "拒绝以演示模式启动" in out.stderr and "LINLI_HTTPS=1" in out.stderr
    out = _run(["-m", "linli.serve", "--port", "8199"], LINLI_DEMO="1", LINLI_ALLOWED_HOSTS="linli.example.gov.cn")
    assert out.returncode == 2 and "linli.example.gov.cn" in out.stderr and "Refusing" in out.stderr
    # The demo data (accounts with the published password) is refused there too, demo flag or not.
    out = _run(["manage.py", "linli_demo", "--if-empty"], LINLI_HTTPS="1", LINLI_VAR_DIR=var)
    assert out.returncode != 0 and "拒绝装入演示数据" in out.stderr
