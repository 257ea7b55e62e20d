"""The whole demo platform: every app's step together — shape, geometry, valid identities, accounts, determinism."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from linli.core import crypto
from linli.core import demo as core_demo
from linli.core.geo import point_in_polygon
from linli.core.identity import id_birth_date, parse_credit_code, parse_id_number, parse_phone
from linli.core.models import Organisation, Region, User
from linli.core.modules import demo_steps
from linli.core.roles import Role
from linli.core.scoping import restrict
from linli.events.models import Event
from linli.housing.models import Building, House
from linli.people.demo_factory import preview_names
from linli.people.models import Entity, Household, Person, Residency, Tag, TagAssignment, Visit


def test_steps_run_in_the_order_their_data_needs():
    keys = [step.key for step in demo_steps()]
    assert keys[0] == "core"
    for step in demo_steps():
        assert all(keys.index(dep) < keys.index(step.key) for dep in step.after), step


@pytest.mark.django_db
def test_default_demo(settings):
    out = io.StringIO()
    call_command("linli_demo", stdout=out)
    text = out.getvalue()
    assert "admin" in text and settings.DEMO_PASSWORD in text

    assert not any(Region.objects.find_problems())
    community = Region.objects.get(name="彩虹社区")
    assert Region.objects.filter(level__code="community").count() == 3
    grids = list(Region.objects.filter(path__startswith=community.path, level__code="grid").order_by("code"))
    assert [g.name for g in grids] == [f"彩虹社区第{n}网格" for n in "一二三四五"]
    units = Region.objects.filter(path__startswith=community.path, level__code="unit")
    assert units.count() == 115
    assert all(u.leader_name for u in units)
    buildings = Building.objects.filter(region_path__startswith=community.path)
    assert buildings.count() == 45
    assert sorted(int(n) for n in buildings.values_list("number", flat=True)) == list(range(1, 46))
    people = Person.objects.filter(region_path__startswith=community.path)
    assert abs(people.count() - 6908) <= 69
    assert abs(Household.objects.filter(region_path__startswith=community.path).count() - 1305) <= 13
    # Other communities are small but real.
    for name in ("建新社区", "塔西社区"):
        other = Region.objects.get(name=name)
        assert 50 <= Person.objects.filter(region_path__startswith=other.path).count() <= 200
        assert Region.objects.filter(path__startswith=other.path, level__code="grid").count() == 2

    # Geometry: every building inside its grid's polygon.
    for b in Building.objects.select_related("grid"):
        assert point_in_polygon(float(b.lng), float(b.lat), b.grid.boundary), b
    assert all(g.lat and g.lng for g in grids)

    # An address resolves to one house.
    house = House.objects.filter(building__compound__community=community, building__number="3").first()
    assert house.full_address().startswith("彩虹社区")
    assert Building.objects.filter(compound__community=community, number="3").count() == 1

    # Derived columns as the services set them.
    assert not House.objects.exclude(household_unit__isnull=False).exists()
    for h in House.objects.select_related("household_unit", "building__grid")[:300]:
        assert h.region_path == h.household_unit.path and h.region_path.startswith(h.building.grid.path)
    # Only resident ID cards carry birth date and sex: the few foreign tenants hold passports. Every 23rd person
    # (about 300, from every grid): the same persons each run, so a failure is never a matter of luck.
    residents = list(people.filter(id_type=Person.IdType.RESIDENT_ID).select_related("region__level").order_by("pk"))
    for p in residents[:: max(1, len(residents) // 300)]:
        assert p.region.path == p.region_path and p.region.level.code == "unit"
        number = parse_id_number(crypto.decrypt(p.id_number_enc))
        assert p.birth_date == id_birth_date(number)
        assert p.sex == ("M" if int(number[16]) % 2 else "F")
        assert p.id_number_masked == number[:2] + "*" * 14 + number[-2:]
        if p.phone_enc:
            phone = crypto.decrypt(p.phone_enc)
            assert parse_phone(phone) == phone and p.phone_last4 == phone[-4:]
        assert p.name_pinyin and p.name_initials
        current = Residency.objects.filter(person=p, end__isnull=True, kind__in=["owner", "tenant", "family"])
        assert current.filter(house__region_path=p.region_path).exists()
    assert not Household.objects.filter(householder__isnull=True).exists()
    assert Residency.objects.filter(end__isnull=False).exists()
    assert Residency.objects.filter(kind=Residency.Kind.TENANT).exists()
    assert not TagAssignment.objects.exclude(region_path=F("person__region_path")).exists()

    # Shares that make the data look like a real community.
    n = people.count()
    assert 0.05 < people.filter(person_type=Person.PersonType.FLOATING).count() / n < 0.11
    assert 0.05 < people.filter(political_status=Person.Political.CPC).count() / n < 0.09
    assert people.filter(person_type=Person.PersonType.OVERSEAS).exists()
    assert 0.6 < people.filter(ethnicity="汉族").count() / n < 0.9

    # Tags: the seeded tree, assigned in plausible numbers.
    tags = {t.code: t for t in Tag.objects.all()}
    assert tags["pregnant"].sensitivity == 3 and tags["pregnant"].requires_consent
    assert tags["party_member"].sensitivity == 0 and tags["left_behind_child"].sensitivity == 2
    party = TagAssignment.objects.filter(tag__code="party_member").count()
    assert party == Person.objects.filter(political_status__in=["cpc", "cpc_probation"]).count()
    for code in ("veteran", "disabled", "floating", "low_income", "living_alone_elderly", "empty_nest_elderly"):
        assert TagAssignment.objects.filter(tag__code=code).exists(), code
    for t in TagAssignment.objects.filter(tag__code="living_alone_elderly").select_related("person"):
        assert t.person.age >= 70 and t.person.household.members.count() == 1

    # Organisations, entities and places.
    assert Organisation.objects.filter(kind="department", name="西秀区城市管理局").exists()
    assert Organisation.objects.filter(kind="service_centre", name="彩虹社区服务中心").exists()
    for e in Entity.objects.exclude(credit_code=""):
        assert parse_credit_code(e.credit_code) == e.credit_code

    # Demo accounts and what they reach.
    expected = {
        "admin": (Role.ADMIN, None),
        "auditor": (Role.AUDITOR, None),
        "leader": (Role.LEADER, "西秀区"),
        "street": (Role.STREET_STAFF, "新安街道"),
        "staff": (Role.COMMUNITY_STAFF, "彩虹社区"),
        "grid1": (Role.GRID_WORKER, "彩虹社区第一网格"),
        "grid2": (Role.GRID_WORKER, "彩虹社区第二网格"),
        "dept": (Role.DEPT_STAFF, "西秀区城市管理局"),
        "property": (Role.PROPERTY_STAFF, "安顺宜居物业服务有限公司"),
        "member": (Role.PARTY_MEMBER, None),
        "volunteer": (Role.VOLUNTEER, None),
        "resident": (Role.RESIDENT, None),
    }
    for username, (role, anchor) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(settings.DEMO_PASSWORD)
        assert user.full_name and user.phone_hash
        grant = user.grants.get()
        assert grant.role == role
        assert (
            (grant.region or grant.organisation).name == anchor if anchor else not (grant.region or grant.organisation)
        )
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="grid1").otp_exempt and not User.objects.get(username="resident").otp_exempt
    resident = Person.objects.get(user__username="resident")
    assert resident.relation == "self" and resident.region_path.startswith(grids[0].path)
    assert resident.household.members.count() >= 4 and resident.phone_enc
    assert Person.objects.get(user__username="member").political_status == Person.Political.CPC
    assert Person.objects.filter(user__username="volunteer").exists()
    grid1 = User.objects.get(username="grid1")
    seen = restrict(grid1, "person.view")
    assert seen.exists() and not seen.exclude(region_path__startswith=grids[0].path).exists()
    assert restrict(User.objects.get(username="staff"), "person.view").count() == people.count()
    assert restrict(User.objects.get(username="property"), "house.view").exists()
    assert set(restrict(resident.user, "person.view")) == set(resident.household.members.all())

    # The plan and the database agree on who comes first.
    first = list(people.order_by("pk").values_list("name", flat=True)[:20])
    assert first == preview_names(count=20)

    # --if-empty does nothing the second time; without it a non-empty database is refused.
    before = Person.objects.count(), User.objects.count(), Region.objects.count()
    out = io.StringIO()
    call_command("linli_demo", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()
    assert (Person.objects.count(), User.objects.count(), Region.objects.count()) == before
    with pytest.raises(CommandError):
        call_command("linli_demo", stdout=io.StringIO())


def _platform() -> dict:
    """What a demo run made, by natural keys (ids and times differ between runs; the data must not)."""
    return {
        "regions": list(Region.objects.order_by("path").values_list("code", "name", "leader_name", "lat", "lng")),
        "orgs": list(Organisation.objects.order_by("pk").values_list("name", "credit_code", "contact_name")),
        "houses": list(
            House.objects.order_by("pk").values_list("building__number", "number", "area", "use", "region_path")
        ),
        "persons": list(
            Person.objects.order_by("pk").values_list(
                "name", "id_number_hash", "phone_hash", "relation", "person_type", "workplace", "region__code"
            )
        ),
        "tags": list(TagAssignment.objects.order_by("pk").values_list("person__id_number_hash", "tag__code", "since")),
        "residencies": list(
            Residency.objects.order_by("pk").values_list(
                "person__id_number_hash", "house__number", "kind", "start", "end"
            )
        ),
        "places": list(Entity.objects.order_by("pk").values_list("name", "credit_code", "legal_person")),
        "accounts": list(User.objects.order_by("username").values_list("username", "full_name", "phone_hash")),
        "visits": list(Visit.objects.order_by("pk").values_list("person__id_number_hash", "visited_on", "notes")),
        "events": list(
            Event.objects.order_by("number").values_list("number", "title", "channel", "status", "category__code")
        ),
    }


@pytest.mark.django_db
def test_small_demo_scales_down_and_the_same_seed_makes_the_same_platform():
    class Undo(Exception):
        pass

    # A first run, undone; then the command (--if-empty loads an empty database) with the same seed.
    try:
        with transaction.atomic():
            core_demo.generate(persons=300, seed=5)
            first = _platform()
            raise Undo
    except Undo:
        pass
    assert not Region.objects.exists()
    call_command("linli_demo", "--persons", "300", "--seed", "5", "--if-empty", stdout=io.StringIO())
    community = Region.objects.get(name="彩虹社区")
    assert Person.objects.filter(region_path__startswith=community.path).count() == 300
    assert Region.objects.filter(path__startswith=community.path, level__code="grid").count() == 1
    residents = ["member", "volunteer", "resident", "holder"]  # holder: a 双报到 position holder (party demo)
    assert User.objects.filter(username__in=residents).count() == 4
    assert set(Person.objects.filter(user__isnull=False).values_list("user__username", flat=True)) == set(residents)

    second = _platform()
    assert len(first["persons"]) > 300 and len(first["events"]) > 200 and first["visits"] and first["tags"]
    for kind, rows in first.items():
        assert rows == second[kind], kind


def test_demo_code_draws_only_from_seeded_streams():
    """No unseeded randomness in any demo module: module-level ``random`` calls, ``order_by("?")``, ``uuid4``."""
    unseeded = re.compile(
        r"order_by\(\s*[\"']\?[\"']\s*\)|\brandom\.(random|choice|choices|randint|randrange|sample|shuffle|uniform)\("
        r"|\brandom\.Random\(\s*\)|uuid4"
    )
    root = Path(core_demo.__file__).resolve().parents[1]
    files = sorted(root.glob("*/demo*.py"))
    assert {p.parent.name for p in files} >= {"core", "housing", "people", "events"}
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not unseeded.search(line), f"{path.name}:{number}: {line.strip()}"
