"""Every console list and API list of a scoped kind runs as many queries with 2n rows as with n (no N+1).

Generated from the scope registry and the factories' registry, like the permission matrix: a new scoped kind
with a list page named ``<app>:<model>_list`` (or ``<app>:<kind>_list``) or an API viewset with ``kind`` is
measured without editing this file.
"""

import pytest
from django.urls import NoReverseMatch, reverse

from linli.core.factories import UserFactory, region_tree, scoped_factories
from linli.core.roles import ROLE_SCOPE, SCOPE_REGION, Role, role_allows
from linli.core.scoping import scopes
from linli.testing import assert_queries_constant

# List pages whose URL name follows neither convention (the import ledger's page is ``import_list``).
LIST_NAMES = {"importbatch": "dataio:import_list"}


def _console_list(scope) -> str | None:
    app, model = scope.model.split(".")
    names = [LIST_NAMES.get(scope.kind), f"{app}:{model.lower()}_list", f"{app}:{scope.kind}_list"]
    for name in filter(None, names):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def _api_list(scope) -> str | None:
    from linli.api_urls import router

    for _prefix, viewset, basename in router.registry:
        if getattr(viewset, "kind", None) == scope.kind:
            return reverse(f"{basename}-list")
    return None


CASES = [
    pytest.param(scope, where, url, id=f"{scope.kind}-{where}")
    for scope in scopes()
    if scope.region_path
    for where, url in (("console", _console_list(scope)), ("api", _api_list(scope)))
    if url is not None
]


def test_the_lists_of_the_main_kinds_are_measured():
    measured = {p.values[0].kind for p in CASES}
    expected = {"house", "building", "compound", "person", "household", "entity", "place", "event", "visit"}
    assert expected | {"importbatch", "region"} <= measured


@pytest.mark.django_db
@pytest.mark.parametrize(("scope", "where", "url"), CASES)
def test_list_queries_do_not_grow_with_rows(scope, where, url, login, api):
    placer = scoped_factories()[scope.model]
    inside = region_tree().at(placer.level)[0]
    # Community staff, or for a kind they may not see (party members) the first region role that may.
    role = next(
        r
        for r in (Role.COMMUNITY_STAFF, *Role)
        if ROLE_SCOPE[r] == SCOPE_REGION and role_allows(r, f"{scope.kind}.view")
    )
    staff = UserFactory(grants=[(role, inside)])
    client = login(staff) if where == "console" else api(staff)
    made = []
    assert_queries_constant(client, url, lambda k: made.extend(placer.make(inside) for _ in range(k)))
    # The rows were on the list, so the measurement measured something.
    response = client.get(url)
    if where == "api":
        data = response.json()
        shown = {row["id"] for row in (data["results"] if isinstance(data, dict) else data)}
        assert {row.pk for row in made} <= shown
    elif hasattr(made[0], "get_absolute_url"):
        body = response.content.decode()
        assert all(row.get_absolute_url() in body for row in made), f"{url} does not show the rows it was given"


@pytest.mark.django_db
def test_the_helper_catches_a_per_row_query_in_the_house_list(login):
    """An N+1 injected next to the house list (each house's building read one by one) must fail the helper."""
    from linli.core.scoping import restrict
    from linli.housing.factories import HouseFactory

    tree = region_tree()
    staff = UserFactory(grants=[(Role.COMMUNITY_STAFF, tree.grid1)])
    client = login(staff)

    def house_list_with_n_plus_1(url):
        response = client.get(url)
        assert response.status_code == 200
        return [house.building.number for house in restrict(staff, "house.view")]  # building not selected

    make = lambda k: [HouseFactory(building__grid=tree.grid1) for _ in range(k)]  # noqa: E731
    with pytest.raises(AssertionError, match="N\\+1"):
        assert_queries_constant(house_list_with_n_plus_1, reverse("housing:house_list"), make)
    # The same page without the injected loop passes.
    assert_queries_constant(client, reverse("housing:house_list"), make)
