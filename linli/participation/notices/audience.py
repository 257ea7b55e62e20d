"""The one resolver from a notice's (or a material's) targeting to the people it reaches.

An audience says *where* (regions — a grid, a 十联户 —, compounds, buildings: any of them) and *who* (tags, roles,
party members, volunteers: any of them), always inside the notice's own region. Nothing chosen for where means
the whole region; nothing chosen for who means everyone there. "3号楼的党员" is buildings=[3号楼] and
party_members. Residents are reached as persons (their account, if any, gets the in-app message); staff roles
(网格员, 社区工作人员 …) as accounts whose grant lies inside the region.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q

from linli.core.errors import DomainError
from linli.core.models import Grant, Region, RegionLevel
from linli.core.roles import ROLE_SCOPE, SCOPE_REGION, Role
from linli.housing.models import Building, Compound
from linli.people.models import Person, Residency, Tag, TagAssignment

PARTY_STATUSES = (Person.Political.CPC, Person.Political.CPC_PROBATION)
PARTY_TAGS = ("party_member", "dangyuan")
VOLUNTEER_TAGS = ("volunteer", "zhiyuanzhe")


@dataclass
class Audience:
    regions: list[int] = field(default_factory=list)
    compounds: list[int] = field(default_factory=list)
    buildings: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    party_members: bool = False
    volunteers: bool = False

    @classmethod
    def of(cls, value) -> Audience:
        if value is None:
            return cls()
        if isinstance(value, Audience):
            return value
        if not isinstance(value, dict):
            raise DomainError("发送对象：格式不正确", field="audience")
        known = {k: value[k] for k in cls.__dataclass_fields__ if k in value}
        try:
            out = cls(**known)
            out.regions = [int(x) for x in out.regions or []]
            out.compounds = [int(x) for x in out.compounds or []]
            out.buildings = [int(x) for x in out.buildings or []]
            out.tags = [str(x) for x in out.tags or []]
            out.roles = [str(x) for x in out.roles or []]
        except (TypeError, ValueError):
            raise DomainError("发送对象：格式不正确（区域、小区、楼栋应为编号）", field="audience") from None
        out.party_members = bool(out.party_members)
        out.volunteers = bool(out.volunteers)
        return out

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def has_where(self) -> bool:
        return bool(self.regions or self.compounds or self.buildings)

    @property
    def has_who(self) -> bool:
        return bool(self.tags or self.roles or self.party_members or self.volunteers)


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    user_id: int | None
    grid_id: int | None
    region_path: str


def validate(region: Region, audience: Audience) -> str:
    """Check every choice lies inside ``region`` and exists; return the Chinese description of the audience."""
    where: list[str] = []
    if audience.regions:
        found = {r.pk: r for r in Region.objects.filter(pk__in=audience.regions)}
        for pk in audience.regions:
            r = found.get(pk)
            if r is None or not r.path.startswith(region.path):
                raise DomainError(f"发送对象：所选区域（编号 {pk}）不在“{region.name}”范围内", field="audience")
            where.append(r.name)
    if audience.compounds:
        found = {c.pk: c for c in Compound.objects.filter(pk__in=audience.compounds)}
        for pk in audience.compounds:
            c = found.get(pk)
            if c is None or not c.region_path.startswith(region.path):
                raise DomainError(f"发送对象：所选小区（编号 {pk}）不在“{region.name}”范围内", field="audience")
            where.append(c.name)
    if audience.buildings:
        found = {b.pk: b for b in Building.objects.select_related("compound").filter(pk__in=audience.buildings)}
        for pk in audience.buildings:
            b = found.get(pk)
            if b is None or not b.region_path.startswith(region.path):
                raise DomainError(f"发送对象：所选楼栋（编号 {pk}）不在“{region.name}”范围内", field="audience")
            where.append(str(b))
    who: list[str] = []
    if audience.tags:
        names = dict(Tag.objects.filter(code__in=audience.tags).values_list("code", "name"))
        for code in audience.tags:
            if code not in names:
                raise DomainError(f"发送对象：没有代码为“{code}”的标签", field="audience")
            who.append(names[code])
    for role in audience.roles:
        if role not in Role.values:
            raise DomainError(f"发送对象：没有“{role}”这个角色", field="audience")
        who.append(Role(role).label)
    if audience.party_members:
        who.append("党员")
    if audience.volunteers:
        who.append("志愿者")
    label = "、".join(where) if where else f"{region.name}全体"
    if who:
        label += "中的" + "、".join(who)
    return label[:300]


def _person_filter(region: Region, audience: Audience) -> Q:
    q = Q(is_active=True, region_path__startswith=region.path)
    if audience.has_where:
        where = Q(pk__in=[])
        for r in Region.objects.filter(pk__in=audience.regions):
            where |= Q(region_path__startswith=r.path)
        homes = Residency.objects.filter(end__isnull=True)
        if audience.buildings:
            where |= Q(pk__in=homes.filter(house__building_id__in=audience.buildings).values("person_id"))
        if audience.compounds:
            where |= Q(pk__in=homes.filter(house__building__compound_id__in=audience.compounds).values("person_id"))
        q &= where
    if audience.has_who:
        who = Q(pk__in=[])
        tags = list(audience.tags)
        if audience.party_members:
            who |= Q(political_status__in=PARTY_STATUSES) | Q(user__grants__role=Role.PARTY_MEMBER)
            tags += PARTY_TAGS
        if audience.volunteers:
            who |= Q(user__grants__role=Role.VOLUNTEER)
            tags += VOLUNTEER_TAGS
        if tags:
            who |= Q(pk__in=TagAssignment.objects.filter(tag__code__in=tags).values("person_id"))
        self_roles = [r for r in audience.roles if ROLE_SCOPE.get(r) != SCOPE_REGION]
        if self_roles:
            who |= Q(user__grants__role__in=self_roles)
        q &= who
    return q


def _grids(region: Region):
    """``grid_of(path)``: the grid (网格) a path lies in, among the grids in or above ``region``."""
    above = [region.path[:i] for i in range(Region.steplen, len(region.path) + 1, Region.steplen)]
    grids = sorted(
        Region.objects.filter(Q(path__startswith=region.path) | Q(path__in=above), level__code="grid"),
        key=lambda r: -len(r.path),
    )

    def grid_of(path: str):
        return next((g for g in grids if path.startswith(g.path)), None)

    return grid_of


def persons_select(region: Region, audience) -> tuple[str, list]:
    """The persons ``audience`` reaches inside ``region`` as one SELECT of ``(person_id, user_id, grid_id,
    region_path)`` rows, for ``INSERT … SELECT``: a notice to a community of a million people writes its receipts
    in one statement, never a Python object per person. Same persons and grids as ``resolve`` (tested)."""
    audience = Audience.of(audience)
    persons = Person.objects.filter(_person_filter(region, audience)).order_by().values("pk").distinct()
    try:
        ids_sql, ids_params = persons.query.sql_with_params()
    except EmptyResultSet:  # nobody can match (staff roles only): a SELECT of no rows, same columns
        ids_sql, ids_params = f"SELECT e.id FROM {connection.ops.quote_name(Person._meta.db_table)} e WHERE 1 = 0", []
    grid_level = RegionLevel.objects.filter(code="grid").values_list("pk", flat=True).first()
    above = [region.path[:i] for i in range(Region.steplen, len(region.path) + 1, Region.steplen)]
    lengths = sorted(
        {
            len(p)
            for p in Region.objects.filter(Q(path__startswith=region.path) | Q(path__in=above), level_id=grid_level)
            .values_list("path", flat=True)
            .distinct()
        },
        reverse=True,  # the innermost grid first
    )
    person_table = connection.ops.quote_name(Person._meta.db_table)
    region_table = connection.ops.quote_name(Region._meta.db_table)
    joins, grid_ids, params = [], [], []
    for i, n in enumerate(lengths):  # a grid's path is a prefix of a fixed length: an index lookup per length
        joins.append(
            f"LEFT JOIN {region_table} g{i} ON g{i}.path = SUBSTR(p.region_path, 1, {int(n)}) AND g{i}.level_id = %s"
        )
        params.append(grid_level)
        grid_ids.append(f"g{i}.id")
    grid = f"COALESCE({', '.join(grid_ids)})" if len(grid_ids) > 1 else (grid_ids[0] if grid_ids else "NULL")
    sql = (
        f"SELECT p.id AS person_id, p.user_id AS user_id, {grid} AS grid_id, COALESCE(p.region_path, '') AS region_path FROM {person_table} p {' '.join(joins)} "
        f"WHERE p.id IN ({ids_sql})"
    )
    return sql, [*params, *ids_params]


def staff_recipients(region: Region, audience, taken: set[int]) -> list[Recipient]:
    """The staff accounts ``audience`` reaches by role (网格员, 社区工作人员 …), except the accounts in ``taken``
    (reached already as persons)."""
    audience = Audience.of(audience)
    staff_roles = [r for r in audience.roles if ROLE_SCOPE.get(r) == SCOPE_REGION]
    if not staff_roles:
        return []
    taken = set(taken)
    grid_of = _grids(region)
    out = []
    grants = (
        Grant.objects.filter(role__in=staff_roles, region__path__startswith=region.path, user__is_active=True)
        .select_related("region")
        .order_by("user_id", "pk")
    )
    wanted = [Region.objects.get(pk=pk).path for pk in audience.regions] if audience.regions else []
    for g in grants:
        if g.user_id in taken or (wanted and not g.region.path.startswith(tuple(wanted))):
            continue
        taken.add(g.user_id)
        grid = grid_of(g.region.path)
        out.append(Recipient(None, g.user_id, grid.pk if grid else None, g.region.path))
    return out


def resolve(region: Region, audience) -> list[Recipient]:
    """Everyone ``audience`` reaches inside ``region``: persons (with their account) and staff accounts."""
    audience = Audience.of(audience)
    out: dict[tuple, Recipient] = {}
    rows = (
        Person.objects.filter(_person_filter(region, audience))
        .order_by("pk")
        .values_list("pk", "user_id", "region_id", "region_path")
        .distinct()
    )
    grid_of = _grids(region)
    for pk, user_id, _region_id, path in rows:
        grid = grid_of(path or "")
        out[("p", pk)] = Recipient(pk, user_id, grid.pk if grid else None, path or "")
    taken = {r.user_id for r in out.values() if r.user_id}
    return [*out.values(), *staff_recipients(region, audience, taken)]
