"""Login lockout counts on the account's identity, however the name is spelt, and per address."""

import pytest
from django.conf import settings
from django.core.cache import cache

from linli.core.auth import login_identity
from linli.testing import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # the login rate limit (DRF throttle) lives in the cache, which outlives a test


def fail(client, name, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": name, "password": "wrong-password"}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_every_spelling_of_a_name_or_phone_is_one_identity(world):
    assert {login_identity(None, {"username": n}) for n in ("grid1", "ｇｒｉｄ１", "GRID1", " Grid1 ")} == {"grid1"}
    phones = ("13612345678", "136 1234 5678", "136-1234-5678", "+86 136 1234 5678", "００８６１３６１２３４５６７８")
    assert {login_identity(None, {"username": p}) for p in phones} == {"resident"}  # the account behind the phone
    assert login_identity(None, {"username": "ＮＯＢＯＤＹ"}) == login_identity(None, {"username": "nobody"})


@pytest.mark.django_db
def test_full_width_and_case_spellings_share_the_lockout(world, client):
    spellings = ["grid1", "ｇｒｉｄ１", "GRID1", "Ｇｒｉｄ1", "grid1 "]
    for name in spellings[: settings.AXES_FAILURE_LIMIT]:
        fail(client, name)
    for name in spellings:
        r = client.post("/accounts/login/", {"username": name, "password": PASSWORD})
        assert r.status_code == 429, name


@pytest.mark.django_db
def test_phone_formats_and_the_user_name_share_the_lockout(world, client):
    for name in ["13612345678", "136 1234 5678", "136-1234-5678", "+8613612345678", "ｒｅｓｉｄｅｎｔ"]:
        fail(client, name)
    r = client.post("/accounts/login/", {"username": "resident", "password": PASSWORD})
    assert r.status_code == 429
    r = client.post("/accounts/login/", {"username": "+86 136 1234 5678", "password": PASSWORD})
    assert r.status_code == 429


@pytest.mark.django_db
def test_the_account_locks_whatever_the_address(world, client):
    for i in range(settings.AXES_FAILURE_LIMIT):
        fail(client, "grid1", ip=f"10.0.1.{i + 1}")
    assert (
        client.post("/accounts/login/", {"username": "grid1", "password": PASSWORD}, REMOTE_ADDR="10.0.9.9").status_code
        == 429
    )
    # Another account is not affected.
    assert (
        client.post(
            "/accounts/login/", {"username": "resident", "password": PASSWORD}, REMOTE_ADDR="10.0.9.9"
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_an_address_guessing_many_names_locks_at_its_own_limit(world, client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        r = fail(client, f"guess{i}", ip="10.0.2.2")
        assert r.status_code == (429 if i == settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1 else 200), i
    assert (
        client.post(
            "/accounts/login/", {"username": "resident", "password": PASSWORD}, REMOTE_ADDR="10.0.2.2"
        ).status_code
        == 429
    )
    assert (
        client.post(
            "/accounts/login/", {"username": "resident", "password": PASSWORD}, REMOTE_ADDR="10.0.2.3"
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_the_api_token_endpoint_counts_on_the_same_identity(world, api):
    c = api()
    for name in ["resident", "ＲＥＳＩＤＥＮＴ", "136 1234 5678", "+86-136-1234-5678", "Resident"]:
        c.post("/api/v1/auth/token", {"username": name, "password": "nope-nope"}, format="json", REMOTE_ADDR="10.0.3.3")
    r = c.post(
        "/api/v1/auth/token", {"username": "resident", "password": PASSWORD}, format="json", REMOTE_ADDR="10.0.3.3"
    )
    assert r.status_code == 429
