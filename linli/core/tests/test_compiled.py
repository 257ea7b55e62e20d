"""Queries compiled once per process give exactly the rows the ORM gives, for every value they are run with."""

import datetime as dt

import pytest
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from linli.core.compiled import CompiledQuery
from linli.core.models import Grant, Region, User
from linli.core.roles import Role

pytestmark = pytest.mark.django_db


def _orm_grants(user):
    return list(
        user.grants.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=Now()))
        .select_related("region", "organisation")
        .order_by("pk")
    )


def test_grants_are_the_orms_for_every_user_and_expired_ones_stay_out(world):
    staff = world.users["staff"]
    Grant.objects.create(
        user=staff, role=Role.GRID_WORKER, region=world.grid_a, valid_until=timezone.now() - dt.timedelta(days=1)
    )
    Grant.objects.create(
        user=staff, role=Role.GRID_WORKER, region=world.grid_b, valid_until=timezone.now() + dt.timedelta(days=1)
    )
    for user in User.objects.all():
        fresh = User.objects.get(pk=user.pk)
        grants = fresh.active_grants()
        expected = _orm_grants(fresh)
        assert [(g.pk, g.role, g.region_id, g.organisation_id) for g in grants] == [
            (g.pk, g.role, g.region_id, g.organisation_id) for g in expected
        ]
        for g, e in zip(grants, expected, strict=True):
            assert (g.region and g.region.path) == (e.region and e.region.path)
            assert (g.organisation and g.organisation.name) == (e.organisation and e.organisation.name)
            assert g.user is fresh  # no query to reach the holder
    regions = {g.region_id for g in User.objects.get(pk=staff.pk).active_grants()}
    assert world.grid_b.pk in regions and world.grid_a.pk not in regions


def test_a_like_prefix_is_escaped_as_django_escapes_it(world):
    by_prefix = CompiledQuery(
        Region, lambda prefix: Region.objects.filter(path__startswith=prefix).order_by("path"), prefix=(Region, "path")
    )
    for prefix in (world.street.path, world.district.path, world.grid_c.path, "", "%", "_", world.street.path + "%"):
        assert by_prefix.fetch(prefix=prefix) == list(Region.objects.filter(path__startswith=prefix).order_by("path"))


def test_api_key_lookup_stops_at_once_when_a_key_is_switched_off(world):
    from linli.events.models import ApiKey

    key = ApiKey.generate()
    row = ApiKey(name="热线", region=world.community)
    row.set_key(key)
    row.save()
    found = ApiKey.lookup(key)
    assert found == row and found.region.path == world.community.path
    assert ApiKey.lookup(key + "x") is None
    ApiKey.objects.filter(pk=row.pk).update(active=False)
    assert ApiKey.lookup(key) is None


def test_buildings_near_a_point_and_a_residents_places_are_the_orms(world):
    from linli.core.scoping import restrict
    from linli.housing.models import Building, House
    from linli.housing.selectors import place_at_point, place_for_report

    spot = place_at_point(26.2455, 105.9315)
    assert spot.building.pk == world.house_a.building_id and spot.compound.name == "彩虹花园"
    assert place_at_point(26.2515, 105.9515).building.number == "9"
    assert place_at_point(30.0, 110.0).building is None

    resident = User.objects.get(username="resident")
    own = place_for_report(user=resident, house_id=world.house_a.pk)
    assert own == world.house_a and own.building.compound.name == "彩虹花园"
    assert place_for_report(user=resident, house_id=world.house_b.pk) is None  # not the resident's
    assert place_for_report(user=resident, building_id=world.house_c.building_id).number == "9"  # any building
    assert place_for_report(user=resident, building_id=10**9) is None
    # The same answers as restrict() gives, for every house.
    for house in House.objects.all():
        expected = restrict(resident, "house.view", House.objects.filter(pk=house.pk)).first()
        assert place_for_report(user=User.objects.get(pk=resident.pk), house_id=house.pk) == expected
    grid1 = User.objects.get(username="grid1")
    assert place_for_report(user=grid1, building_id=world.house_a.building_id) == Building.objects.get(
        pk=world.house_a.building_id
    )
    assert place_for_report(user=grid1, building_id=world.house_c.building_id) is None  # staff: own grid only
