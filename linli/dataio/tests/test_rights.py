"""Who may use the ledger: the auditor reads everything but imports nothing."""

import pytest

from linli.core.scoping import has_action
from linli.dataio.importers import IMPORTERS

pytestmark = pytest.mark.django_db


def test_auditor_cannot_import(world, login):
    auditor = login(world.users["auditor"])
    assert auditor.post("/console/imports/", {"kind": "persons"}).status_code in (403, 200)
    assert not IMPORTERS or not any(has_action(world.users["auditor"], action) for _, action in IMPORTERS.values())
