"""grant_reach: the one function that turns a user's grants into what they reach."""

import pytest

from linli.core.factories import OrganisationFactory, UserFactory, region_tree
from linli.core.roles import Role
from linli.core.scoping import allows_in_region, grant_reach, region_prefixes


@pytest.fixture
def tree(db):
    return region_tree()


def test_nested_region_grants_reduce_to_the_outer_prefix(tree):
    user = UserFactory(grants=[(Role.COMMUNITY_STAFF, tree.community1), (Role.GRID_WORKER, tree.grid1)])
    reach = grant_reach(user, "person.view")
    assert reach.prefixes == (tree.community1.path,) and not reach.all and not reach.org_ids
    assert reach.covers_path(tree.grid2.path) and not reach.covers_path(tree.grid3.path)


def test_only_grants_whose_role_allows_the_action_count(tree):
    user = UserFactory(grants=[(Role.UNIT_LEADER, tree.grid1), (Role.GRID_WORKER, tree.grid2)])
    assert grant_reach(user, "person.add").prefixes == (tree.grid2.path,)  # a 联户长 may not add persons
    assert not allows_in_region(user, "person.add", tree.grid1)


def test_organisation_and_own_grants_are_kept_apart_from_regions(tree):
    dept = OrganisationFactory(region=tree.district)
    user = UserFactory(grants=[(Role.DEPT_STAFF, dept), (Role.RESIDENT, None)])
    reach = grant_reach(user, "event.view")
    assert reach.org_ids == (dept.pk,) and reach.own and not reach.prefixes


def test_whole_platform_roles_and_superusers_reach_everything(tree):
    auditor = UserFactory(grants=[(Role.AUDITOR, None)])
    assert grant_reach(auditor, "importbatch.view").all and region_prefixes(auditor) is None
    assert grant_reach(auditor, "person.change").nothing  # the role allows no change at all
    boss = UserFactory()
    boss.is_superuser = True
    assert grant_reach(boss, "anything.view").all and grant_reach(boss, "anything.view").path_q() is None


def test_without_action_every_grant_counts(tree):
    dept = OrganisationFactory(region=tree.district)
    user = UserFactory(grants=[(Role.UNIT_LEADER, tree.grid1), (Role.DEPT_STAFF, dept)])
    reach = grant_reach(user)
    assert reach.prefixes == (tree.grid1.path,) and reach.org_ids == (dept.pk,)
    assert region_prefixes(user) == [tree.grid1.path]


def test_nobody_reaches_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    inactive = UserFactory(grants=[(Role.GRID_WORKER, tree.grid1)])
    inactive.is_active = False
    for user in (None, AnonymousUser(), inactive):
        reach = grant_reach(user, "person.view")
        assert reach.nothing and not reach.covers_path(tree.grid1.path)
