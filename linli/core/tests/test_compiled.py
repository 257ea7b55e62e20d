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


def _columns(obj):
    row = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname not in ("id",)}


def test_an_insert_compiled_once_writes_the_row_save_writes(world):
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Value
    from django.db.models.signals import post_save, pre_save

    from linli.core.compiled import insert_one
    from linli.core.models import ObjectChange

    actor = world.users["staff"]
    seen = []

    def _heard(signal):
        return lambda sender, instance, **kw: seen.append((signal, instance.pk, kw.get("created")))

    on_pre, on_post = _heard("pre"), _heard("post")
    pre_save.connect(on_pre, sender=ObjectChange)
    post_save.connect(on_post, sender=ObjectChange)
    try:

        def change(target_repr="区域"):
            return ObjectChange(actor=actor, actor_name=str(actor), action=ObjectChange.Action.UPDATE,
                                target_type=ContentType.objects.get_for_model(Region), target_id="7",
                                target_repr=target_repr, before={"名称": "旧", "n": 1.5, "列表": [1, None]},
                                after={"名称": "新"}, request_id="req-1", ip="10.0.0.1")  # fmt: skip

        saved = change()
        saved.save(force_insert=True)
        inserted = [insert_one(change()) for _ in range(3)]  # the compiled statement, then reused
        with_expression = insert_one(change(target_repr=Value("由表达式写入")))
    finally:
        pre_save.disconnect(on_pre, sender=ObjectChange)
        post_save.disconnect(on_post, sender=ObjectChange)

    expected = _columns(saved)
    expected.pop("created_at")
    assert len({saved.pk, *(obj.pk for obj in inserted), with_expression.pk}) == 5
    for obj in inserted:
        assert obj.pk is not None and not obj._state.adding and obj._state.db == "default"
        got = _columns(obj)
        assert got.pop("created_at") == obj.created_at
        assert got == expected
    assert ObjectChange.objects.get(pk=with_expression.pk).target_repr == "由表达式写入"
    assert [(s, c) for s, _, c in seen] == [("pre", None), ("post", True)] * 5
    assert [pk for s, pk, _ in seen if s == "post"] == [saved.pk, *(obj.pk for obj in inserted), with_expression.pk]


def test_a_compiled_insert_rolls_back_with_its_transaction(world):
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from linli.core.compiled import insert_one
    from linli.core.models import ObjectChange

    before = ObjectChange.objects.count()
    region_type = ContentType.objects.get_for_model(Region)
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_one(ObjectChange(actor_name="系统", action=ObjectChange.Action.CREATE, target_type=region_type,
                                target_id="1", target_repr="x"))  # fmt: skip
        raise RuntimeError
    assert ObjectChange.objects.count() == before
