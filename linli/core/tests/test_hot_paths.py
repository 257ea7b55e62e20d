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


def test_the_kept_menu_pages_show_each_user_only_what_their_roles_allow(world, login):
    """Where each menu page is and what it requires is kept per process; who may open it is asked per request."""
    from linli.core import navigation

    def labels(username):
        page = login(world.users[username]).get(reverse("core:console_home"))
        return {i["label"] for g in page.context["nav_menu"] for i in g["items"]}

    navigation._pages.clear()
    auditor, staff, auditor_again = labels("auditor"), labels("staff"), labels("auditor")
    assert navigation._pages  # the second and third pages were built from what the first kept
    assert {"访问记录", "变更记录"} <= auditor and auditor == auditor_again
    assert not {"访问记录", "变更记录"} & staff and "受理派遣" in staff
    assert "受理派遣" not in auditor


def test_a_changed_urlconf_is_not_answered_from_the_kept_menu_pages(world, settings):
    from linli.core import navigation

    navigation._page("core:console_home")
    assert navigation._pages
    settings.ROOT_URLCONF = settings.ROOT_URLCONF  # any change of the setting forgets what was kept
    assert not navigation._pages
