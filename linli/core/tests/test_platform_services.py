"""The platform services any module uses: notifications about any record, per-process caches, settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache as shared

from linli.core import cache as core_cache
from linli.core import notifications
from linli.core.models import Notification, Organisation, OutboundMessage, User


class QuietBackend:
    """A backend chosen by the environment in the subprocess test below."""

    name = "quiet"

    def send(self, **kwargs):
        return None


@pytest.fixture
def user(db):
    return User.objects.create_user(username="notify-target", password="x")


@pytest.fixture
def templates():
    notifications.register_templates({"test_org_renamed": "单位已更名为{name}。"})
    yield
    notifications.TEMPLATES.pop("test_org_renamed", None)


def test_a_message_points_at_any_record_not_only_an_event(world, user, templates):
    org = Organisation.objects.create(name="彩虹物业", kind=Organisation.Kind.PROPERTY, region=world.community)
    assert notifications.inbox([user, user, None], target=org, kind="org", title="单位已更名") == 1
    note = Notification.objects.get(recipient=user)
    assert note.target == org and note.title == "单位已更名"
    sent = notifications.wechat(user=user, template="test_org_renamed", params={"name": "彩虹"}, target=org)
    assert isinstance(sent, OutboundMessage) and sent.target == org and sent.to_masked == user.username


def test_inactive_users_and_unknown_templates_get_nothing(user, templates):
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert notifications.inbox([user], kind="x", title="t") == 0
    with pytest.raises(ValueError):
        notifications.sms(phone="13812345678", template="no_such_template", params={})


def test_a_template_cannot_be_registered_twice_with_another_text(templates):
    with pytest.raises(ValueError):
        notifications.register_templates({"test_org_renamed": "别的文字"})


def test_a_cache_is_rebuilt_after_a_row_of_its_models_changes(world, django_capture_on_commit_callbacks):
    builds = []
    orgs = core_cache.ProcessCache(
        "test-orgs", lambda: builds.append(1) or set(Organisation.objects.filter(name="街道办").values_list("name", flat=True)),
        models=["core.Organisation"],
    )  # fmt: skip
    try:
        assert orgs.get() == set() and orgs.get() == set() and len(builds) == 1
        generation = shared.get(orgs.key, 0)
        with django_capture_on_commit_callbacks(execute=True):
            Organisation.objects.create(name="街道办", kind=Organisation.Kind.DEPARTMENT, region=world.community)
        assert orgs.get() == {"街道办"} and len(builds) == 2
        assert shared.get(orgs.key, 0) == generation + 1  # other processes see the change through the shared cache
    finally:
        core_cache._registry.pop("test-orgs", None)
        core_cache._by_model["core.Organisation"].remove(orgs)


def test_settings_come_from_the_environment():
    """Each process reads its settings from the environment: a message backend and event rules set there apply."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from linli.core import notifications; "
        "print(json.dumps([type(notifications.backend()).__name__, settings.EVENTS_RATING_DAYS, "
        "settings.OPEN311_JURISDICTION, settings.WORK_PERIODS, "
        "settings.SMS_GATEWAY['sign']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "linli.settings",
        "LINLI_MESSAGE_BACKEND": "linli.core.tests.test_platform_services.QuietBackend",
        "LINLI_EVENTS_RATING_DAYS": "3",
        "LINLI_OPEN311_JURISDICTION": "xixiu",
        "LINLI_WORK_PERIODS": "08:30-12:00,14:00-17:30",
        "LINLI_SMS_SIGN": "邻里",
    }
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True)
    backend, days, jurisdiction, periods, sign = json.loads(out.stdout.strip().splitlines()[-1])
    assert backend == "QuietBackend" and days == 3 and jurisdiction == "xixiu" and sign == "邻里"
    assert periods == [["08:30", "12:00"], ["14:00", "17:30"]]
