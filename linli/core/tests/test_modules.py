"""The module contract: what apps register is what the platform finds, and nothing is found by a hand list."""

import pytest
from django.apps import apps

from linli.core import modules
from linli.core.fields import EncryptedTextField, PathField
from linli.core.modules import DemoStep, Module, ModuleConfig


def test_every_linli_app_is_a_module():
    labels = [c.label for c in apps.get_app_configs() if c.name.startswith("linli.")]
    assert labels, "no linli apps installed"
    for label in labels:
        assert isinstance(apps.get_app_config(label), ModuleConfig), f"{label} 的 AppConfig 必须继承 ModuleConfig"


def test_every_region_path_column_is_a_registered_region_table():
    """A future region move rewrites these tables: a PathField nobody registered would keep stale paths."""
    registered = {(t.model, t.field) for t in modules.region_tables()}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, PathField):
                assert (model._meta.label, field.name) in registered, (
                    f"{model._meta.label}.{field.name} 存有区域路径，请在其应用的 apps.py 中 m.region_table(...)"
                )


def test_ciphertext_columns_use_the_encrypted_field_type():
    """Key rotation finds encrypted columns by type: a plain TextField named *_enc would be left under an old key."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.name.endswith("_enc"):
                assert isinstance(field, EncryptedTextField), (
                    f"{model._meta.label}.{field.name} 应为 EncryptedTextField"
                )
    found = {(m._meta.label, f) for m, names in modules.encrypted_fields() for f in names}
    assert ("events.Event", "contact_phone_enc") in found
    assert ("people.Person", "id_number_enc") in found


def test_roles_get_their_actions_from_the_apps():
    from linli.core.roles import ROLE_ACTIONS, Role

    assert "event.dispatch" in ROLE_ACTIONS[Role.COMMUNITY_STAFF]  # granted by events' apps.py
    assert "person.unmask" in ROLE_ACTIONS[Role.GRID_WORKER]  # granted by people's apps.py
    assert "person.unmask" not in ROLE_ACTIONS[Role.UNIT_LEADER]
    assert "event.view" not in ROLE_ACTIONS[Role.AUDITOR]


def test_url_and_api_roots_come_from_the_configs():
    from django.urls import reverse

    assert [label for label, _ in modules.registry.urls][:3] == ["core", "housing", "people"]
    assert reverse("api-search") == "/api/v1/search"
    assert reverse("events:event_list").startswith("/console/")


@pytest.fixture
def scratch_registry(monkeypatch):
    fresh = modules.Registry()
    monkeypatch.setattr(modules, "registry", fresh)
    return fresh


def test_demo_steps_run_after_what_they_need(scratch_registry):
    m = Module("zz")
    ran = []
    m.demo(DemoStep("c", lambda ctx: ran.append("c"), after=("b",)))
    m.demo(DemoStep("a", lambda ctx: ran.append("a")))
    m.demo(DemoStep("b", lambda ctx: ran.append("b"), after=("a",)))
    assert [s.key for s in modules.demo_steps()] == ["a", "b", "c"]


def test_demo_steps_in_a_circle_or_missing_are_refused(scratch_registry):
    m = Module("zz")
    m.demo(DemoStep("a", lambda ctx: None, after=("b",)))
    m.demo(DemoStep("b", lambda ctx: None, after=("a",)))
    with pytest.raises(ValueError, match="circle"):
        modules.demo_steps()
    scratch_registry.demo.clear()
    m.demo(DemoStep("a", lambda ctx: None, after=("nobody",)))
    with pytest.raises(LookupError, match="nobody"):
        modules.demo_steps()


def test_a_key_registered_twice_by_different_apps_is_refused(scratch_registry):
    step = DemoStep("same", lambda ctx: None)
    Module("one").demo(step)
    with pytest.raises(ValueError, match="twice"):
        Module("two").demo(DemoStep("same", lambda ctx: 1))


def test_a_retention_key_longer_than_its_column_is_refused_at_registration(scratch_registry):
    # PostgreSQL refuses a 21-character kind when the policy row is written; SQLite would store it silently.
    with pytest.raises(ValueError, match="longer than 20"):
        Module("zz").retention(modules.RetentionKind("x" * 21, "太长", 30, lambda cutoff, held: 0))
    Module("zz").retention(modules.RetentionKind("x" * 20, "刚好", 30, lambda cutoff, held: 0))


def test_app_config_subclass_is_picked_although_apps_py_imports_the_base():
    """apps.py imports ModuleConfig too; Django must still choose the app's own config (or ready() never runs)."""
    assert ModuleConfig.default is False
    assert type(apps.get_app_config("events")).__name__ == "EventsConfig"
    assert type(apps.get_app_config("housing")).__name__ == "HousingConfig"


def test_an_app_asks_for_a_service_another_app_provides_without_importing_it(scratch_registry):
    assert modules.ask("zz.holders", 3, default=[]) == []  # nobody provides it yet: the caller degrades
    assert not modules.provides("zz.holders")
    Module("zz").provide("zz.holders", lambda region, kind="all": [region, kind])
    assert modules.ask("zz.holders", 3, kind="便民服务员") == [3, "便民服务员"]
    with pytest.raises(ValueError, match="twice"):
        Module("yy").provide("zz.holders", lambda region: [])
