"""The permission matrix, generated from the scope registry: every scoped kind × every role.

For each kind with a region path, a factory places one row inside a region and one in its sibling; a user holding
the role (anchored at the first region when the role is anchored at a region) must see exactly what the role's
reach allows through ``restrict()``, and a grid worker must get 404 for the other row's detail page and API. A
kind registered with ``m.scope(...)`` is covered here without editing this file; the test fails until its app's
``factories.py`` registers a factory for it.
"""

import pytest
from django.urls import NoReverseMatch, reverse

from linli.core.factories import OrganisationFactory, UserFactory, region_tree, scoped_factories
from linli.core.roles import ROLE_SCOPE, SCOPE_ALL, SCOPE_ORG, SCOPE_REGION, Role, role_allows
from linli.core.scoping import restrict, scopes

REGION_KINDS = [s for s in scopes() if s.region_path]


def test_every_scoped_kind_with_a_region_path_has_a_factory():
    placers = scoped_factories()
    missing = [s for s in REGION_KINDS if s.model not in placers]
    assert not missing, "\n".join(
        f"范围类型“{s.kind}”（{s.model}）没有测试工厂：请在 linli/{s.model.split('.')[0]}/factories.py 中用 "
        f'@places("{s.model}") 注册一个在指定网格中创建一行的工厂。'
        f' / Scoped kind {s.kind!r} ({s.model}) has no factory: register one with @places("{s.model}") in '
        f"linli/{s.model.split('.')[0]}/factories.py."
        for s in missing
    )


def _user_with(role: str, region):
    mode = ROLE_SCOPE[role]
    if mode == SCOPE_REGION:
        anchor = region
    elif mode == SCOPE_ORG:
        anchor = OrganisationFactory(region=region)  # an organisation that was sent none of these rows
    else:
        anchor = None
    return UserFactory(grants=[(role, anchor)])


def _expected(role: str, kind: str) -> tuple[bool, bool]:
    """(sees the row inside, sees the row outside) for a user holding ``role`` anchored inside."""
    if not role_allows(role, f"{kind}.view"):
        return False, False
    mode = ROLE_SCOPE[role]
    if mode == SCOPE_ALL:
        return True, True
    if mode == SCOPE_REGION:
        return True, False
    return False, False  # an unrelated organisation, or a resident who owns none of them


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("scope", REGION_KINDS, ids=[s.kind for s in REGION_KINDS])
def test_role_sees_its_reach_of_every_scoped_kind(scope, role):
    placer = scoped_factories().get(scope.model)
    if placer is None:
        pytest.fail(f"{scope.model} 缺少测试工厂 / has no factory (see the test above)")
    tree = region_tree()
    inside_region, outside_region = tree.at(placer.level)
    inside, outside = placer.make(inside_region), placer.make(outside_region)
    user = _user_with(role, inside_region)
    seen = set(restrict(user, f"{scope.kind}.view").filter(pk__in=[inside.pk, outside.pk]).values_list("pk", flat=True))
    want_inside, want_outside = _expected(role, scope.kind)
    assert (inside.pk in seen, outside.pk in seen) == (want_inside, want_outside), (
        f"{role} anchored at {inside_region.name}: {scope.kind} inside/outside seen "
        f"{(inside.pk in seen, outside.pk in seen)}, expected {(want_inside, want_outside)}"
    )


def _detail_url(obj) -> str | None:
    if hasattr(obj, "get_absolute_url"):
        try:
            return obj.get_absolute_url()
        except NoReverseMatch:
            pass
    meta = obj._meta
    try:
        return reverse(f"{meta.app_label}:{meta.model_name}_detail", kwargs={"pk": obj.pk})
    except NoReverseMatch:
        return None


def _api_detail_url(kind: str, obj) -> str | None:
    from linli.api_urls import router

    for _prefix, viewset, basename in router.registry:
        if getattr(viewset, "kind", None) == kind:
            try:
                return reverse(f"{basename}-detail", kwargs={"pk": obj.pk})
            except NoReverseMatch:
                return None
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("scope", REGION_KINDS, ids=[s.kind for s in REGION_KINDS])
def test_grid_worker_gets_404_for_the_other_grids_detail(scope, login, api):
    placer = scoped_factories()[scope.model]
    tree = region_tree()
    inside_region, outside_region = tree.at(placer.level)
    inside, outside = placer.make(inside_region), placer.make(outside_region)
    worker = UserFactory(grants=[(Role.GRID_WORKER, inside_region)])
    allowed = role_allows(Role.GRID_WORKER, f"{scope.kind}.view")
    page = _detail_url(outside)
    if page is not None:
        c = login(worker)
        assert c.get(page).status_code in ((404,) if allowed else (404, 403, 302)), page
        if allowed:
            assert c.get(_detail_url(inside)).status_code == 200, _detail_url(inside)
    url = _api_detail_url(scope.kind, outside)
    if url is not None:
        client = api(worker)
        assert client.get(url).status_code in ((404,) if allowed else (403, 404)), url
        if allowed:
            assert client.get(_api_detail_url(scope.kind, inside)).status_code == 200
