"""API tokens: hashed at rest, expiring (short for staff), listed and revoked by their owner."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from linli.core import services
from linli.testing import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # the login rate limit (DRF throttle) lives in the cache, which outlives a test


def obtain(api, username, **extra):
    r = api().post("/api/v1/auth/token", {"username": username, "password": PASSWORD, **extra}, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def bearer(api, token):
    c = api()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return c


@pytest.mark.django_db
def test_tokens_are_stored_only_as_a_digest(world, api):
    token = obtain(api, "resident")["token"]
    row = AuthToken.objects.get(user=world.users["resident"])
    assert token not in (row.digest, row.token_key) and token.startswith(row.token_key)
    assert len(row.digest) == 128  # SHA-512
    assert bearer(api, token).get("/api/v1/persons/").status_code == 200


@pytest.mark.django_db
def test_resident_tokens_last_a_month_and_staff_tokens_a_working_day(world, api, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    body = obtain(api, "resident")
    resident_left = dt.datetime.fromisoformat(body["expiry"]) - timezone.now()
    assert dt.timedelta(days=29) < resident_left <= dt.timedelta(days=30)
    device = TOTPDevice.objects.create(user=world.users["grid1"], name="phone", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    body = obtain(api, "grid1", otp=code)
    staff_left = dt.datetime.fromisoformat(body["expiry"]) - timezone.now()
    assert dt.timedelta(hours=7) < staff_left <= dt.timedelta(hours=8)
    assert set(body) >= {"token", "user", "roles"}


@pytest.mark.django_db
def test_an_expired_token_is_refused(world, api):
    token = obtain(api, "resident")["token"]
    AuthToken.objects.filter(user=world.users["resident"]).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(api, token).get("/api/v1/persons/").status_code == 401


@pytest.mark.django_db
def test_owner_lists_and_revokes_their_tokens_and_nobody_elses(world, api):
    first = obtain(api, "resident")["token"]
    second = obtain(api, "resident")["token"]
    other = obtain(api, "outsider")["token"]
    listed = bearer(api, second).get("/api/v1/auth/tokens").json()
    assert len(listed) == 2 and all(first not in str(t) and second not in str(t) for t in listed)
    assert [t["current"] for t in listed] == [True, False]
    first_id = next(t["id"] for t in listed if not t["current"])
    other_id = AuthToken.objects.get(user=world.users["outsider"]).token_key
    assert bearer(api, second).delete(f"/api/v1/auth/tokens/{other_id}").status_code == 404
    assert bearer(api, other).get("/api/v1/auth/tokens").status_code == 200
    assert bearer(api, second).delete(f"/api/v1/auth/tokens/{first_id}").status_code == 204
    assert bearer(api, first).get("/api/v1/persons/").status_code == 401
    assert bearer(api, second).get("/api/v1/persons/").status_code == 200


@pytest.mark.django_db
def test_changing_the_password_revokes_every_token(world, api):
    token = obtain(api, "resident")["token"]
    user = world.users["resident"]
    user.set_password("another-long-password-2026")
    user.save(update_fields=["password"])
    assert bearer(api, token).get("/api/v1/persons/").status_code == 401


@pytest.mark.django_db
def test_a_second_factor_reset_revokes_every_token(world, api, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = world.users["grid1"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    token = obtain(api, "grid1", otp=code)["token"]
    assert bearer(api, token).get("/api/v1/persons/").status_code == 200
    services.otp_reset(user=user, actor=world.users["admin"], reason="手机丢失")
    assert bearer(api, token).get("/api/v1/persons/").status_code == 401


@pytest.mark.django_db
def test_owner_revokes_tokens_on_the_console_and_resident_pages(world, api, login):
    token = obtain(api, "resident")["token"]
    c = login(world.users["resident"])
    page = c.get("/m/account/")
    assert page.status_code == 200 and token[:8] in page.content.decode() and token not in page.content.decode()
    row = AuthToken.objects.get(user=world.users["resident"])
    assert c.post("/m/account/", {"revoke": row.token_key}).status_code == 302
    assert bearer(api, token).get("/api/v1/persons/").status_code == 401
    staff = login(world.users["grid1"])
    page = staff.get("/console/account/")
    assert page.status_code == 200 and "接口令牌" in page.content.decode()
    # A token id of someone else is refused like a missing one.
    other = obtain(api, "outsider")["token"]
    staff.post("/console/account/", {"revoke": AuthToken.objects.get(user=world.users["outsider"]).token_key})
    assert bearer(api, other).get("/api/v1/auth/tokens").status_code == 200


@pytest.mark.django_db
def test_a_resident_changing_the_password_on_the_page_ends_their_tokens(world, api, login):
    token = obtain(api, "resident")["token"]
    c = login(world.users["resident"])
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "x7", "new_password2": "x7"})
    assert r.status_code == 200 and "密码太短：至少需要 8 个字符" in r.content.decode()
    assert bearer(api, token).get("/api/v1/auth/tokens").status_code == 200
    new = "another-long-password-2026"
    r = c.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert r.status_code == 302
    assert bearer(api, token).get("/api/v1/auth/tokens").status_code == 401
    assert c.get("/m/account/").status_code == 200  # this session goes on
