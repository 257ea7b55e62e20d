"""Input that used to cause server errors or to mislead: NUL characters, forged client addresses, off-site
``next`` targets (security review items 10 and 12)."""

import pytest
from django.test import Client

from linli.core.models import AuditLog
from linli.testing import PASSWORD

NUL_MESSAGE = "空字符"


# --- NUL characters: one guard for every interface -------------------------------------------------------


def test_nul_in_console_search_is_a_400_page_in_chinese(world, login):
    response = login(world.users["grid1"]).get("/console/search/", {"q": "张\x00三"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode() and "请求无效" in response.content.decode()


def test_nul_in_api_search_is_a_400_with_a_chinese_detail(world, api):
    response = api(world.users["grid1"]).get("/api/v1/search", {"q": "138\x001234"})
    assert response.status_code == 400 and NUL_MESSAGE in response.json()["detail"]


def test_nul_in_a_form_field_is_refused_before_any_view(world):
    response = Client().post("/accounts/login/", {"username": "grid1\x00", "password": PASSWORD})
    assert response.status_code == 400 and NUL_MESSAGE in response.content.decode()


def test_escaped_nul_in_a_json_body_is_refused(world, api):
    body = '{"text": "路灯\\u0000不亮", "house": ' + str(world.house_a.pk) + "}"
    response = api(world.users["resident"]).post("/api/v1/events/", body, content_type="application/json")
    assert response.status_code == 400 and NUL_MESSAGE in response.json()["detail"]


def test_a_json_string_with_an_escaped_backslash_is_not_a_nul(world, api):
    body = '{"text": "C:\\\\u0000 是一段路径，不是空字符"}'
    response = api(world.users["staff"]).post("/api/v1/events/classify", body, content_type="application/json")
    assert response.status_code == 200


# --- X-Forwarded-For: only as many entries as there are trusted proxies ---------------------------------------


def _client_ips(**meta) -> tuple[str | None, str | None]:
    """(the audit row's address for a login, django-axes' address for a failed one) from the same request."""
    from axes.models import AccessAttempt

    Client().post("/accounts/login/", {"username": "grid1", "password": "wrong-password"}, **meta)
    Client().post("/accounts/login/", {"username": "resident", "password": PASSWORD}, **meta)
    row = AuditLog.objects.filter(action=AuditLog.Action.LOGIN).order_by("-pk").first()
    attempt = AccessAttempt.objects.order_by("-pk").first()
    return row.ip if row else None, attempt.ip_address if attempt else None


def test_without_trusted_proxies_a_forwarded_header_is_ignored(world, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as production behind TLS
    settings.LINLI_TRUSTED_PROXIES = 0
    assert _client_ips(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4") == (
        "203.0.113.9",
        "203.0.113.9",
    )


def test_with_one_proxy_the_client_is_the_rightmost_entry_not_the_forged_leftmost(world, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as production behind TLS
    settings.LINLI_TRUSTED_PROXIES = 1
    # The client sent "X-Forwarded-For: 1.2.3.4"; our proxy (10.0.0.2) appended the real peer 198.51.100.7.
    ips = _client_ips(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert ips == ("198.51.100.7", "198.51.100.7")  # the audit row and django-axes agree


def test_with_two_proxies_the_second_entry_from_the_right_is_the_client(world, settings):
    settings.LINLI_TRUSTED_PROXIES = 2
    ips = _client_ips(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.2")
    assert ips == ("198.51.100.7", "198.51.100.7")


def test_drf_throttles_count_proxies_the_same_way():
    from django.conf import settings
    from rest_framework.settings import api_settings

    assert api_settings.NUM_PROXIES == settings.LINLI_TRUSTED_PROXIES
    assert settings.AXES_CLIENT_IP_CALLABLE == "linli.core.http.client_ip"


# --- next=: never off-site ------------------------------------------------------------------------------------

OFF_SITE = ["//evil.example", "https://evil.example/login", "/\\evil.example", "http:evil.example"]


def _off_site(response) -> bool:
    location = response.headers.get("Location", "")
    return "evil.example" in location


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_next_never_leaves_the_site(world, target):
    response = Client().post(f"/accounts/login/?next={target}", {"username": "resident", "password": PASSWORD})
    assert response.status_code == 302 and not _off_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_otp_next_never_leaves_the_site(world, login, settings, target):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = world.users["staff"]
    client = Client()
    client.force_login(user, backend="linli.core.auth.UsernameOrPhoneBackend")
    device = TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    response = client.post("/accounts/otp/", {"token": f"{totp(device.bin_key):06d}", "next": target})
    assert response.status_code == 302 and not _off_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_marking_messages_read_never_redirects_off_site(world, login, target):
    client = login(world.users["staff"])
    response = client.post("/console/events/inbox/read/", {"next": target})
    assert response.status_code == 302 and not _off_site(response)
    response = client.post("/console/events/inbox/read/", HTTP_REFERER=target.replace("//", "https://", 1))
    assert response.status_code == 302 and not _off_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_bulk_dispatch_never_redirects_off_site(world, login, target):
    response = login(world.users["staff"]).post("/console/events/queue/dispatch/", {"next": target})
    assert response.status_code == 302 and not _off_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_redirects_off_site(world, target):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code in (302, 204) and not _off_site(response)


def test_a_same_site_next_is_still_followed(world, login):
    response = login(world.users["staff"]).post("/console/events/inbox/read/", {"next": "/console/events/inbox/"})
    assert response.headers["Location"] == "/console/events/inbox/"
