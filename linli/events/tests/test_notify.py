"""Contract of the outbound message adapter: every backend honours this, the 'log' backend is the reference."""

import pytest

from linli.events import notify
from linli.events.models import OutboundMessage


@pytest.fixture
def backend(db, settings):
    settings.MESSAGE_BACKEND = "log"
    return notify.backend()


def test_backend_has_a_name_and_sends_sms_with_the_number_masked(backend):
    msg = backend.send(channel="sms", to="13812345678", template="event_accepted", params={"number": "SJ1"})
    assert backend.name == "log"
    assert isinstance(msg, OutboundMessage) and msg.pk
    assert msg.to_masked == "138****5678" and "13812345678" not in str(msg.params)
    assert msg.status and msg.channel == "sms" and msg.template == "event_accepted"


def test_wechat_message_goes_to_the_account(backend, world):
    user = world.users["resident"]
    msg = notify.wechat(user=user, template="event_closed", params={"number": "SJ1"})
    assert msg.channel == "wechat" and msg.recipient == user


def test_every_template_renders_with_its_parameters():
    params = {"number": "SJ20261121-0001", "reason": "r", "parent": "SJ2", "result": "ok", "title": "t", "due": "11-22"}
    for name in notify.TEMPLATES:
        assert "{" not in notify.render(name, params)


def test_unknown_template_is_refused(backend):
    with pytest.raises(ValueError):
        backend.send(channel="sms", to="13812345678", template="nope", params={})


def test_no_number_no_sms(db):
    assert notify.sms(phone_enc="", template="event_accepted", params={"number": "1"}) is None
