"""Test helpers shared by every app: valid fictitious IDs and a small two-grid world with personas."""

import datetime as dt
from dataclasses import dataclass

from linli.core import services as core_services
from linli.core.factories import PASSWORD, make_id_number, make_phone, region_levels  # noqa: F401 (re-exported)
from linli.core.identity import credit_check_char
from linli.core.models import Organisation, Region, RegionLevel, User
from linli.core.roles import Role
from linli.housing import services as housing_services
from linli.housing.models import House
from linli.people import services as people_services
from linli.people.models import Entity, Person, Place


def levels() -> dict[str, RegionLevel]:
    return region_levels()


def square(lng: float, lat: float, size: float = 0.004) -> list[list[float]]:
    return [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size]]


def add_person(*, house: House, name: str = "张三", phone: str | None = None, birth=dt.date(1980, 5, 17), kind="owner"):
    from linli.people.factories import PersonFactory

    extra = {"phone": phone} if phone is not None else {}
    return PersonFactory(house=house, name=name, birth=birth, residency_kind=kind, **extra)


@dataclass
class World:
    district: Region
    street: Region
    community: Region
    grid_a: Region
    grid_b: Region
    unit_a1: Region
    other_community: Region
    grid_c: Region
    department: Organisation
    property_company: Organisation
    house_a: House
    house_b: House
    house_c: House
    person_a: Person
    person_b: Person
    person_c: Person
    entity_a: Entity
    place_a: Place
    users: dict[str, User]


def build_world() -> World:
    """区 → 街道 → 彩虹社区 (grids A, B; 十联户 A1) and 塔西社区 (grid C), one house and one person in each grid."""
    lv = levels()
    district = core_services.region_create(actor=None, name="西秀区", level=lv["district"])
    street = core_services.region_create(actor=None, name="新安街道", level=lv["street"], parent=district)
    community = core_services.region_create(actor=None, name="彩虹社区", level=lv["community"], parent=street)
    grid_a = core_services.region_create(
        actor=None, name="第一网格", level=lv["grid"], parent=community, boundary=square(105.930, 26.244)
    )
    grid_b = core_services.region_create(
        actor=None, name="第二网格", level=lv["grid"], parent=community, boundary=square(105.934, 26.244)
    )
    unit_a1 = core_services.region_create(
        actor=None, name="第一网格1号十联户", level=lv["unit"], parent=grid_a, leader_name="王联户"
    )
    street2 = core_services.region_create(actor=None, name="南街街道", level=lv["street"], parent=district)
    other = core_services.region_create(actor=None, name="塔西社区", level=lv["community"], parent=street2)
    grid_c = core_services.region_create(
        actor=None, name="塔西第一网格", level=lv["grid"], parent=other, boundary=square(105.950, 26.250)
    )
    department = core_services.organisation_create(actor=None, name="城市管理局", kind="department", region=district)
    prop = core_services.organisation_create(actor=None, name="宜居物业", kind="property", region=district)
    compound = housing_services.compound_create(actor=None, name="彩虹花园", community=community, property_company=prop)
    compound_c = housing_services.compound_create(actor=None, name="塔西小区", community=other)
    b1 = housing_services.building_create(
        actor=None, grid=grid_a, number="3", compound=compound, lat=26.2455, lng=105.9315
    )
    b2 = housing_services.building_create(actor=None, grid=grid_b, number="5", lat=26.2455, lng=105.9355)
    b9 = housing_services.building_create(
        actor=None, grid=grid_c, number="9", compound=compound_c, lat=26.2515, lng=105.9515
    )
    house_a = housing_services.house_create(
        actor=None, building=b1, unit_number="2", number="501", area="89.50", household_unit=unit_a1
    )
    house_b = housing_services.house_create(actor=None, building=b2, unit_number="1", number="101", area="60")
    house_c = housing_services.house_create(actor=None, building=b9, unit_number="1", number="201", area="75")
    person_a = add_person(house=house_a, name="张三", phone="13812345678")
    person_b = add_person(house=house_b, name="李四", phone="13987654321")
    person_c = add_person(house=house_c, name="王五", phone="13700001111")
    people_services.household_create(actor=None, house=house_a, householder=person_a)
    body = "92520402MA6DKTBL0"
    entity_a = people_services.entity_create(
        actor=None, name="彩虹便利店", kind="individual", grid=grid_a, credit_code=body + credit_check_char(body)
    )
    place_a = people_services.place_create(
        actor=None, name="彩虹小吃店", kind="small_restaurant", grid=grid_a, entity=entity_a
    )

    users: dict[str, User] = {}

    def user(username, role=None, region=None, organisation=None, **kw):
        u = core_services.user_create(actor=None, username=username, password=PASSWORD, full_name=username, **kw)
        if role:
            core_services.grant_add(actor=None, user=u, role=role, region=region, organisation=organisation)
        users[username] = u
        return u

    admin = user("admin", Role.ADMIN)
    admin.is_superuser = admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    user("auditor", Role.AUDITOR)
    user("leader", Role.LEADER, district)
    user("street", Role.STREET_STAFF, street)
    user("staff", Role.COMMUNITY_STAFF, community)
    user("grid1", Role.GRID_WORKER, grid_a)
    user("grid2", Role.GRID_WORKER, grid_b)
    user("unitleader", Role.UNIT_LEADER, unit_a1)
    user("dept", Role.DEPT_STAFF, organisation=department)
    user("property", Role.PROPERTY_STAFF, organisation=prop)
    resident = user("resident", Role.RESIDENT, phone="13612345678")
    Person.objects.filter(pk=person_a.pk).update(user=resident)
    user("outsider")
    return World(
        district=district, street=street, community=community, grid_a=grid_a, grid_b=grid_b, unit_a1=unit_a1,
        other_community=other, grid_c=grid_c, department=department, property_company=prop,
        house_a=house_a, house_b=house_b, house_c=house_c, person_a=person_a, person_b=person_b, person_c=person_c,
        entity_a=entity_a, place_a=place_a, users=users,
    )  # fmt: skip


def assert_queries_constant(client_or_callable, url: str, make_rows, n: int = 3, slack: int = 0) -> tuple[int, int]:
    """Load ``url`` with ``n`` rows and again with ``2n``: the number of queries must not grow (no N+1).

    ``client_or_callable`` is a test client (``get(url)`` must answer 200) or a function called with ``url``.
    ``make_rows(k)`` adds ``k`` rows the page shows. The page is loaded once before counting, so sessions,
    per-process caches and lazy imports do not count. Returns (queries with n rows, queries with 2n rows).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def load():
        if callable(client_or_callable) and not hasattr(client_or_callable, "get"):
            return client_or_callable(url)
        response = client_or_callable.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        return response

    make_rows(n)
    load()
    with CaptureQueriesContext(connection) as first:
        load()
    make_rows(n)
    with CaptureQueriesContext(connection) as second:
        load()
    few, many = len(first.captured_queries), len(second.captured_queries)
    if many > few + slack:
        extra = "\n".join(q["sql"] for q in second.captured_queries[few:])
        raise AssertionError(
            f"{url}: {few} queries with {n} rows but {many} with {2 * n} (N+1). Queries past the first {few}:\n{extra}"
        )
    return few, many
