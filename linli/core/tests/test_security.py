"""Login, lockout, second factor, sessions, headers, deploy checks and the API's defaults."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core.models import AuditLog
from linli.testing import PASSWORD


@pytest.mark.django_db
def test_login_by_username_or_mobile_number(world, client):
    r = client.post("/accounts/login/", {"username": "resident", "password": PASSWORD})
    assert r.status_code == 302
    client.logout()
    r = client.post("/accounts/login/", {"username": "136 1234 5678", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    assert AuditLog.objects.filter(action="login", actor=world.users["resident"]).count() == 2


@pytest.mark.django_db
def test_failed_logins_lock_out_with_the_same_words_for_known_and_unknown_names(world, client):
    answers = {}
    for name in ("grid1", "nobody-here"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            r = client.post("/accounts/login/", {"username": name, "password": "wrong-password"})
            assert "用户名或密码错误" in r.content.decode()
        r = client.post("/accounts/login/", {"username": name, "password": "wrong-password"})
        answers[name] = (r.status_code, "登录失败次数过多" in r.content.decode())
    assert answers["grid1"] == answers["nobody-here"] == (429, True)
    # Even the right password is refused during the cool-off.
    r = client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    assert r.status_code == 429


@pytest.mark.django_db
def test_staff_must_enrol_and_use_a_second_factor(world, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    r = client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/setup/")
    r = client.get("/console/people/persons/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/")
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=world.users["grid1"])
    assert client.post("/accounts/otp/setup/", {"token": "000000"}).status_code == 200
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    r = client.post("/accounts/otp/setup/", {"token": code, "next": "/console/"})
    assert r.status_code == 302
    assert client.get("/console/people/persons/").status_code == 200


@pytest.mark.django_db
def test_demo_mode_exempts_only_flagged_demo_staff(world, client, settings):
    user = world.users["grid1"]
    user.otp_exempt = True
    user.save(update_fields=["otp_exempt"])
    client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    assert client.get("/console/").status_code == 302  # demo mode off: still needs the second factor
    settings.DEMO_MODE = True
    assert client.get("/console/").status_code == 200


@pytest.mark.django_db
def test_residents_need_no_second_factor(world, client):
    client.post("/accounts/login/", {"username": "resident", "password": PASSWORD})
    assert client.get("/m/home/").status_code == 200


@pytest.mark.django_db
def test_staff_session_ends_after_idle_timeout(world, login, monkeypatch):
    c = login(world.users["grid1"])
    assert c.get("/console/").status_code == 200
    later = time.time() + settings.STAFF_IDLE_TIMEOUT.total_seconds() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    r = c.get("/console/")
    assert r.status_code == 302 and "expired=1" in r["Location"]
    assert c.get("/console/").status_code == 302


@pytest.mark.django_db
def test_disabling_an_account_ends_its_sessions_at_once(world, login):
    c = login(world.users["grid1"])
    assert c.get("/console/").status_code == 200
    world.users["grid1"].is_active = False
    world.users["grid1"].save(update_fields=["is_active"])
    assert c.get("/console/").status_code == 302


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_no_framing(world, login):
    r = login(world.users["grid1"]).get("/console/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = dict(os.environ, LINLI_HTTPS="1", LINLI_VAR_DIR=str(tmp_path), LINLI_SECRET_KEY="k3y-" + "Zq8rT5vW1xY7" * 5)
    env.pop("LINLI_DEBUG", None)
    env.pop("LINLI_TESTING", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.django_db
def test_api_token_for_username_and_password(world, api):
    r = api().post("/api/v1/auth/token", {"username": "resident", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    c = api()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.get("/api/v1/persons/").status_code == 200
    bad = api().post("/api/v1/auth/token", {"username": "resident", "password": "nope-nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["detail"] == "用户名或密码错误。"


@pytest.mark.django_db
def test_api_token_for_staff_needs_the_second_factor(world, api):
    r = api().post("/api/v1/auth/token", {"username": "grid1", "password": PASSWORD}, format="json")
    assert r.status_code == 400 and "动态验证码" in r.json()["detail"]


@pytest.mark.django_db
def test_api_refuses_anonymous_everywhere_and_documents_itself(world, api, client):
    assert api().get("/api/v1/persons/").status_code in (401, 403)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/persons/" in schema.content
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_api_serializers_never_carry_clear_ids_or_phones(world, api):
    from linli.core import crypto

    body = api(world.users["grid1"]).get(f"/api/v1/persons/{world.person_a.pk}/").content.decode()
    assert crypto.decrypt(world.person_a.id_number_enc) not in body and "13812345678" not in body
    assert "enc" not in body and "hash" not in body


@pytest.mark.django_db
def test_api_create_person_validates_and_saves_nothing_on_error(world, api):
    from linli.people.models import Person

    before = Person.objects.count()
    r = api(world.users["grid1"]).post(
        "/api/v1/persons/",
        {"name": "钱七", "id_number": "520402198005170012", "phone": "123", "house": world.house_a.pk},
        format="json",
    )
    assert r.status_code == 400
    body = r.json()
    assert "校验位" in " ".join(body["id_number"]) and "联系电话" in " ".join(body["phone"])
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_admin_lists_configuration_and_the_audit_trail_read_only(world, client):
    admin = world.users["admin"]
    client.force_login(admin, backend="linli.core.auth.UsernameOrPhoneBackend")
    session = client.session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin, name="t", confirmed=True)
    session["otp_device_id"] = device.persistent_id
    session.save()
    for url in (
        "/admin/core/region/",
        "/admin/core/user/",
        "/admin/core/auditlog/",
        "/admin/people/tag/",
        "/admin/core/region/add/",
    ):
        assert client.get(url).status_code == 200, url
    log = AuditLog.objects.create(actor=admin, action="other")
    assert client.post(f"/admin/core/auditlog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    with pytest.raises(RuntimeError):
        log.delete()
