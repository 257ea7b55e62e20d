import os

import pytest

os.environ.setdefault("LINLI_TESTING", "1")


@pytest.fixture
def world(db):
    """Named personas and a two-community tree: see linli/testing.py."""
    from linli.testing import build_world

    return build_world()


@pytest.fixture
def login(client, settings):
    """Log a persona in as a browser would (second factor marked done for staff)."""

    def _login(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client.force_login(user, backend="linli.core.auth.UsernameOrPhoneBackend")
        if user.is_staff_role:
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return _login


@pytest.fixture
def api(db):
    """An API client authenticated with a token (hashed, expiring: django-rest-knox), as other systems use the API."""
    from datetime import timedelta

    from knox.models import AuthToken
    from rest_framework.test import APIClient

    tokens: dict[int, str] = {}

    def _api(user=None):
        c = APIClient()
        if user is not None:
            if user.pk not in tokens or not AuthToken.objects.filter(user=user).exists():
                tokens[user.pk] = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))[1]
            c.credentials(HTTP_AUTHORIZATION=f"Token {tokens[user.pk]}")
        return c

    return _api
