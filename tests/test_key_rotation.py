"""Key rotation re-encrypts every encrypted column of every app, found by field type: no list to forget."""

import base64
import json

import pytest
from django.core.management import call_command

from linli.core import crypto
from linli.privacy import keyrotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(settings, tmp_path):
    """The current keys written to a file of the test's own, so ``rotate_keys`` can add one."""
    ring = crypto.keyring()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    keys = {"current": ring["current"], "index_key": b64(ring["index_key"]),
            "keys": {k: b64(v) for k, v in ring["keys"].items()}}  # fmt: skip
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(keys))
    settings.LINLI_KEYS_FILE = path
    crypto.keyring.cache_clear()
    yield keys["current"]
    crypto.keyring.cache_clear()


def test_rotate_keys_reencrypts_a_new_modules_column_without_editing_any_list(key_file):
    from tests.moduleapp.models import Secret

    assert ("moduleapp.Secret", ["value_enc"]) in keyrotation.targets()
    row = Secret.objects.create(label="a", value_enc=crypto.encrypt("门禁备用卡 0042"))
    empty = Secret.objects.create(label="b", value_enc="")
    assert row.value_enc.startswith(key_file + ":")
    call_command("rotate_keys")
    current = crypto.keyring()["current"]
    assert current != key_file
    row.refresh_from_db()
    assert row.value_enc.startswith(current + ":") and crypto.decrypt(row.value_enc) == "门禁备用卡 0042"
    assert Secret.objects.get(pk=empty.pk).value_enc == ""
    assert set(keyrotation.status()["moduleapp.Secret"]) == {current}


def test_rotate_keys_reencrypts_the_phone_an_event_reporter_left(world, key_file):
    """The hand list of encrypted columns once forgot events: every encrypted column of every app is rotated."""
    from linli.events.models import Event
    from linli.events.services import event_open

    assert ("events.Event", ["contact_phone_enc"]) in keyrotation.targets()
    event = event_open(channel="app", category_code="0201", text="3栋楼下垃圾没人清运", house=world.house_a,
                       reporter=world.users["resident"], actor=world.users["resident"], contact_phone="13912345678")  # fmt: skip
    assert event.contact_phone_enc.startswith(key_file + ":")
    call_command("rotate_keys")
    current = crypto.keyring()["current"]
    assert current != key_file
    event = Event.objects.get(pk=event.pk)
    assert event.contact_phone_enc.startswith(current + ":")
    assert crypto.decrypt(event.contact_phone_enc) == "13912345678"
    assert set(keyrotation.status()["events.Event"]) == {current}
