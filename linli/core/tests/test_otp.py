"""The TOTP second factor: the password alone never reaches a new secret; resets are audited and told."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core import services
from linli.core.errors import DomainError
from linli.core.models import AccountNotice, AuditLog
from linli.testing import PASSWORD


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def enrolled(world, settings):
    """grid1 with a confirmed TOTP device on their phone."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = world.users["grid1"]
    return TOTPDevice.objects.create(user=user, name="张的手机", confirmed=True)


@pytest.mark.django_db
def test_password_alone_cannot_replace_a_confirmed_device(world, client, enrolled):
    r = client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    assert r["Location"].startswith("/accounts/otp/")
    r = client.get("/accounts/otp/setup/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/?")  # sent to verification instead
    assert not TOTPDevice.objects.filter(user=enrolled.user, confirmed=False).exists()
    # Even a forged confirmation of a self-made device is refused, and the owner's device stays.
    rogue = TOTPDevice.objects.create(user=enrolled.user, name="rogue", confirmed=False)
    r = client.post("/accounts/otp/setup/", {"token": code_for(rogue)})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/?")
    assert TOTPDevice.objects.filter(pk=enrolled.pk, confirmed=True).exists()
    assert client.get("/console/").status_code == 302  # session still not verified


@pytest.mark.django_db
def test_verified_owner_replaces_their_device_openly(world, client, enrolled, api):
    user = enrolled.user
    client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    assert client.post("/accounts/otp/", {"token": code_for(enrolled)}).status_code == 302
    api(user)  # an API token that must not survive the change
    r = client.get("/accounts/otp/setup/")
    assert r.status_code == 200 and "更换身份验证器" in r.content.decode()
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    TOTPDevice.objects.filter(pk=enrolled.pk).update(last_t=-1)  # as in a later 30-second window
    # Full re-authentication: the password and a code of the current device, then the new device's code.
    r = client.post(
        "/accounts/otp/setup/",
        {"password": "wrong-password", "current_token": code_for(enrolled), "token": code_for(new)},
    )
    assert r.status_code == 200 and "密码不正确" in r.content.decode()
    assert TOTPDevice.objects.filter(pk=enrolled.pk).exists()
    TOTPDevice.objects.filter(pk=enrolled.pk).update(last_t=-1)
    r = client.post(
        "/accounts/otp/setup/", {"password": PASSWORD, "current_token": code_for(enrolled), "token": code_for(new)}
    )
    assert r.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    row = AuditLog.objects.get(action=AuditLog.Action.OTP_REPLACE, target_id=str(user.pk))
    assert row.extra["removed"] == ["张的手机"]
    assert AccountNotice.objects.filter(user=user, message__contains="已更换").exists()
    from knox.models import AuthToken

    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_admin_resets_a_device_with_a_reason_and_the_owner_is_told(world, enrolled, client, login):
    user, admin = enrolled.user, world.users["admin"]
    with pytest.raises(DomainError):
        services.otp_reset(user=user, actor=admin, reason="")
    with pytest.raises(DomainError):
        services.otp_reset(user=user, actor=world.users["staff"], reason="手机丢失")
    assert TOTPDevice.objects.filter(user=user).exists()
    c = login(admin)
    page = c.get(f"/admin/core/user/{user.pk}/otp-reset/")
    assert page.status_code == 200 and "事由" in page.content.decode()
    assert c.post(f"/admin/core/user/{user.pk}/otp-reset/", {"reason": ""}).status_code == 200
    assert TOTPDevice.objects.filter(user=user).exists()
    r = c.post(f"/admin/core/user/{user.pk}/otp-reset/", {"reason": "手机丢失，本人来电申请"})
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    row = AuditLog.objects.get(action=AuditLog.Action.OTP_RESET)
    assert row.actor == admin and row.reason == "手机丢失，本人来电申请" and row.extra["removed"] == ["张的手机"]
    # The owner reads it at the next login, and enrols a new device then.
    client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    page = client.get("/accounts/otp/setup/", follow=False)
    assert page.status_code == 200
    assert "重置了您的二次验证设备" in page.content.decode()


@pytest.mark.django_db
def test_devices_cannot_be_deleted_silently_in_the_admin(world, enrolled, login):
    c = login(world.users["admin"])
    r = c.post(f"/admin/otp_totp/totpdevice/{enrolled.pk}/delete/", {"post": "yes"})
    assert r.status_code in (403, 404)
    assert TOTPDevice.objects.filter(pk=enrolled.pk).exists()


@pytest.mark.django_db
def test_password_alone_does_not_open_the_resident_app_to_staff(world, client, enrolled):
    """/m/ was exempt from the second factor: a grid worker's /m/home/ lists every residency in their scope."""
    client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD})
    for url in ("/m/", "/m/home/", "/m/me/", "/m/inbox/", "/m/events/", "/m/events/new/", "/m/account/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/"), url
    assert client.post("/accounts/otp/", {"token": code_for(enrolled)}).status_code == 302
    assert client.get("/m/home/").status_code == 200


@pytest.mark.django_db
def test_residents_use_the_resident_app_with_their_password(world, client):
    client.post("/accounts/login/", {"username": "resident", "password": PASSWORD})
    assert client.get("/m/home/").status_code == 200


@pytest.mark.django_db
def test_the_admin_never_shows_a_users_totp_secret(world, enrolled, login):
    """Reading the secret would let an administrator (or a stolen admin session) clone the second factor silently."""
    c = login(world.users["admin"])
    assert c.get(f"/admin/otp_totp/totpdevice/{enrolled.pk}/config/").status_code == 403
    assert c.get(f"/admin/otp_totp/totpdevice/{enrolled.pk}/qrcode/").status_code == 403
    page = c.get(f"/admin/otp_totp/totpdevice/{enrolled.pk}/change/").content.decode()
    assert enrolled.key not in page and enrolled.key.upper() not in page
