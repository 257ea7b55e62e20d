"""Work moved out of every request: the CSP header built once, the console menu built once per request."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_carries_the_policy_and_follows_a_changed_setting(world, login, settings):
    from csp.utils import build_policy

    client = login(world.users["staff"])
    header = client.get(reverse("core:console_home")).headers["Content-Security-Policy"]
    assert header == build_policy() and "frame-ancestors 'none'" in header and "script-src 'self'" in header
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    changed = client.get(reverse("core:console_home")).headers["Content-Security-Policy"]
    assert set(changed.split("; ")) == {"default-src 'self'", "img-src 'self' data:"}
    assert "Content-Security-Policy" in client.get("/api/v1/").headers


def test_the_menu_is_built_once_per_request_and_shows_what_the_role_allows(world, login, monkeypatch):
    from linli.core import navigation

    calls = []
    build = navigation._build_menu
    monkeypatch.setattr(navigation, "_build_menu", lambda user, current: calls.append(current) or build(user, current))
    page = login(world.users["staff"]).get(reverse("core:console_home"))
    assert page.status_code == 200 and len(calls) == 1
    labels = [i["label"] for g in page.context["nav_menu"] for i in g["items"]]
    assert "变更记录" not in labels and labels  # the community staff have no audit pages
