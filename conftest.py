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
    """An API client authenticated with a token, as other systems use the API."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def _api(user=None):
        c = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return c

    return _api
