"""The demo platform: the context every app's demo step shares, the runner, and core's own step.

``manage.py linli_demo`` builds one :class:`DemoContext` and runs ``linli.core.modules.demo_steps()`` in the order
their ``after`` asks. Each app adds its own rows in its ``demo.py`` and registers the step in ``apps.py``::

    m.demo(DemoStep("people", demo.run, after=("housing",)))

Core's step (:func:`run`) plans the town (``core/demo_layout.py``), then writes the region tree 西秀区 → 街道 → 社区
→ 网格 → 十联户, the organisations and the staff accounts. Reference data lives in ``<app>/data/demo_*.json``.
Everything random is drawn from streams seeded by ``--seed``: the same seed gives the same platform. See
``docs/demo.md``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from linli.core import bulk
from linli.core import services as core_services
from linli.core.identity import credit_check_char
from linli.core.models import Organisation, Region, RegionLevel, User
from linli.core.roles import Role

DEFAULT_PERSONS = 6908
DEFAULT_SEED = 1
BATCH = 5000


# --- reference data ------------------------------------------------------------------------------------------


@functools.cache
def load(package: str, name: str):
    """The demo data file ``<package>/data/<name>`` (JSON), read once. Treat it as read-only."""
    return json.loads((resources.files(package) / "data" / name).read_text(encoding="utf-8"))


def weighted(weights: dict[str, int]) -> tuple[list[str], list[int]]:
    """``{"王": 720, "李": 720, …}`` → (values, cumulative weights) for ``Random.choices``."""
    values, cum, total = [], [], 0
    for value, weight in weights.items():
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五, 725 → 七百二十五 (up to 9999)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += CN_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def dec(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _org_code(rng: random.Random) -> str:
    """A 9-character 组织机构代码 with a valid GB 11714 check character."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(chars) for _ in range(8))
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(rng: random.Random, prefix: str, area: str = "520402", taken: set | None = None) -> str:
    """A fictitious 统一社会信用代码: registration/category ``prefix`` (e.g. "91"), area, org code, check."""
    while True:
        body = f"{prefix}{area}{_org_code(rng)}"
        code = body + credit_check_char(body)
        if taken is None or code not in taken:
            if taken is not None:
                taken.add(code)
            return code


def _names() -> dict:
    return load("linli.core", "demo_names.json")


@functools.cache
def _surnames() -> tuple[list[str], list[int]]:
    return weighted(_names()["surnames"])


@functools.cache
def _given() -> dict[tuple[str, str], list[str]]:
    """Given names by (generation, sex): old (born before 1958), mid (to 1982), young (to 2004), kid."""
    return {tuple(key.split("/")): names for key, names in _names()["given"].items()}


def random_name(rng: random.Random) -> str:
    """A name for a contact person or a 联户长 (born 1958–1982)."""
    values, cum = _surnames()
    sex = "M" if rng.random() < 0.5 else "F"
    return rng.choices(values, cum_weights=cum)[0] + rng.choice(_given()[("mid", sex)])


def random_mobile(rng: random.Random) -> str:
    return rng.choice(_names()["phone_prefixes"]) + f"{rng.randint(0, 99_999_999):08d}"


def random_landline(rng: random.Random) -> str:
    return f"0851-3{rng.randint(100_0000, 999_9999)}"


class Names:
    """Names fitting a person's birth year, birth dates and unique mobile numbers, all from one seeded stream.

    ``ethnic_surnames`` (ethnic group → weights) lets an ethnic group's common surnames come up more often;
    without it every surname comes from the town's table.
    """

    def __init__(self, rng: random.Random, today: dt.date, ethnic_surnames: dict | None = None):
        self.rng = rng
        self.today = today
        self.surnames = _surnames()
        self.ethnic_surnames = {k: weighted(v) for k, v in (ethnic_surnames or {}).items()}
        self.given_names = _given()
        self.phone_prefixes = _names()["phone_prefixes"]
        self.phones: set[str] = set()

    def surname(self, ethnicity: str = "汉族") -> str:
        rng = self.rng
        values, cum = self.ethnic_surnames.get(ethnicity, self.surnames) if rng.random() < 0.7 else self.surnames
        return rng.choices(values, cum_weights=cum)[0]

    def given(self, sex: str, birth: dt.date) -> str:
        year = birth.year
        gen = "old" if year < 1958 else "mid" if year < 1983 else "young" if year < 2005 else "kid"
        return self.rng.choice(self.given_names[(gen, sex)])

    def birth(self, age: int) -> dt.date:
        today = self.today
        try:
            anchor = today.replace(year=today.year - age)
        except ValueError:  # 29 February
            anchor = today.replace(year=today.year - age, day=28)
        return anchor - dt.timedelta(days=self.rng.randint(0, 364))

    def phone(self) -> str:
        rng = self.rng
        while True:
            number = rng.choice(self.phone_prefixes) + f"{rng.randint(0, 99_999_999):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


# --- the context -----------------------------------------------------------------------------------------------


@dataclass
class Result:
    """What was created, for the summary."""

    counts: dict
    logins: list  # (username, role label, scope, password)
    seconds: float


@dataclass
class DemoContext:
    """What the demo steps share: the seed and its random streams, the town plan, and what earlier steps made.

    ``random(name)`` is a stream of its own per name, seeded by the demo seed: a step that draws from its own
    stream stays the same when another step changes. ``rng`` is the shared stream ``"extra"`` (core, housing and
    people draw from it in turn, so the order of their draws is part of the data). Named objects (``add``/``get``,
    ``ctx["org:西秀区城市管理局"]``) carry what a later step needs: ``district``, ``street:<name>``,
    ``community:<code>``, ``main_community``, ``org:<name>``, ``property_companies``.
    """

    persons: int = DEFAULT_PERSONS
    seed: Any = DEFAULT_SEED
    log: Callable[[str], None] = field(default=lambda message: None)
    today: dt.date = field(default_factory=timezone.localdate)
    password: str = field(default_factory=lambda: settings.DEMO_PASSWORD)
    plans: list = field(default_factory=list)  # (street, street code, demo_layout.CommunityPlan); 彩虹社区 first
    regions: dict[int, Region] = field(default_factory=dict)  # every region by id, paths as stored
    paths: dict[int, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # demo accounts by username
    credit_codes: set[str] = field(default_factory=set)  # 统一社会信用代码 handed out so far
    counts: dict[str, int] = field(default_factory=dict)  # label → rows, for the summary
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    objects: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    # PostgreSQL loads rows with COPY; other databases with bulk_create.
    copy: bool = field(default_factory=lambda: connection.vendor == "postgresql")
    _streams: dict[str, random.Random] = field(default_factory=dict, repr=False)

    # random streams
    def random(self, name: str) -> random.Random:
        """The seeded stream ``name``: the same seed and name always give the same numbers."""
        if name not in self._streams:
            self._streams[name] = random.Random(f"{self.seed}:{name}")
        return self._streams[name]

    @property
    def rng(self) -> random.Random:
        return self.random("extra")

    # named objects
    def add(self, key: str, obj) -> None:
        if key in self.objects:
            raise ValueError(f"demo object {key!r} is set twice")
        self.objects[key] = obj

    def get(self, key: str, default=None):
        return self.objects.get(key, default)

    def __getitem__(self, key: str):
        try:
            return self.objects[key]
        except KeyError:
            raise KeyError(f"no demo step made {key!r}: does the step that needs it name its maker in ``after``?")

    # the summary
    def count(self, label: str, value: int) -> None:
        self.counts[label] = value

    def login(self, username: str, role: str, scope: str) -> None:
        self.logins.append((username, Role(role).label, scope, self.password))

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    # bulk writes
    def reserve_ids(self, model, objs: list) -> None:
        """Take ids for ``objs`` from the table's sequence (PostgreSQL), so rows can be copied in with them."""
        bulk.reserve_ids(model, objs)

    def save(self, model, objs: list) -> None:
        """Insert many rows: COPY on PostgreSQL (ids reserved beforehand or left to the database), else bulk_create."""
        bulk.insert(model, objs, batch_size=BATCH, reserve=False)


def generate(persons: int = DEFAULT_PERSONS, seed=DEFAULT_SEED, log: Callable[[str], None] | None = None) -> Result:
    """Run every app's demo step in order; the database should hold no regions yet."""
    from linli.core.modules import demo_steps

    ctx = DemoContext(persons=persons, seed=seed, **({"log": log} if log else {}))
    for step in demo_steps():
        step.run(ctx)
    ctx.count("账号", User.objects.count())
    return Result(counts=ctx.counts, logins=ctx.logins, seconds=ctx.elapsed())


# --- core's step: the region tree, organisations and staff accounts -----------------------------------------------


def run(ctx: DemoContext) -> None:
    """Plan the town, then write 区 → 街道 → 社区 → 网格 → 十联户, the organisations and the staff accounts."""
    from linli.core.demo_layout import plan_all

    ctx.plans = plan_all(ctx.persons, ctx.seed)
    planned = sum(h.size for _, _, p in ctx.plans for h in p.houses)
    ctx.log(f"规划完成：{len(ctx.plans)} 个社区，计划 {planned:,} 人")
    data = load("linli.core", "demo_core.json")
    names = Names(ctx.random("staff:people"), ctx.today)
    staff = _staff_people(names, data["staff"])
    with transaction.atomic():
        levels = _levels(data["levels"])
        _tree(ctx, data["district"], levels, staff, names)
        _organisations(ctx, data)
        _accounts(ctx, data["accounts"], staff)
    for code, name in RegionLevel.objects.values_list("code", "name"):
        ctx.count(name, Region.objects.filter(level__code=code).count())
    ctx.count("机构", Organisation.objects.count())


def _staff_people(names: Names, keys: list[str]) -> dict[str, tuple[str, str]]:
    """Names and phones for the staff accounts and the leaders of the tree."""
    out = {}
    for key in keys:
        sex = "M" if names.rng.random() < 0.55 else "F"
        birth = names.birth(names.rng.randint(26, 55))
        out[key] = (names.surname() + names.given(sex, birth), names.phone())
    return out


def _levels(spec) -> dict[str, RegionLevel]:
    out = {}
    for code, name, depth in spec:
        level = RegionLevel.objects.filter(code=code).first() or RegionLevel.objects.filter(depth=depth).first()
        out[code] = level or RegionLevel.objects.create(code=code, name=name, depth=depth)
    return out


def _region(name, level, parent=None, **kw) -> Region:
    return core_services.region_create(actor=None, name=name, level=level, parent=parent, **kw)


def _tree(ctx: DemoContext, spec: dict, levels, staff, names: Names) -> None:
    """区 → 街道 → 社区 → 网格 → 十联户, one level at a time and in name order (siblings rarely shift)."""
    plans = ctx.plans

    def someone(year: int) -> str:
        sex = "M" if names.rng.random() < 0.5 else "F"
        return names.surname() + names.given(sex, dt.date(year, 1, 1))

    district = _region(
        spec["name"],
        levels["district"],
        code=spec["code"],
        lat=dec(spec["lat"]),
        lng=dec(spec["lng"]),
        leader_name=staff["district_head"][0],
    )
    streets: dict[str, Region] = {}
    for i, (street, street_code) in enumerate(sorted({(s, c) for s, c, _ in plans}, key=lambda item: item[1])):
        same = [p for s, _, p in plans if s == street]
        streets[street] = _region(
            street,
            levels["street"],
            district,
            code=street_code,
            lat=dec(sum(p.lat for p in same) / len(same)),
            lng=dec(sum(p.lng for p in same) / len(same)),
            leader_name=staff["street_head" if i == 0 else "street2_head"][0],
        )
    communities: dict[str, Region] = {}
    for street, _, plan in sorted(plans, key=lambda item: item[2].code):
        communities[plan.code] = _region(
            plan.name,
            levels["community"],
            streets[street],
            code=plan.code,
            boundary=plan.ring,
            lat=dec(plan.lat),
            lng=dec(plan.lng),
            leader_name=someone(1975),
        )
    main = plans[0][2]
    for _, _, plan in plans:
        community = communities[plan.code]
        for g, grid in enumerate(plan.grids):
            leader = staff[f"grid{g + 1}"][0] if plan is main and g < 2 else someone(1985)
            region = _region(
                grid.name,
                levels["grid"],
                community,
                code=f"{plan.code}{g + 1:03d}",
                boundary=grid.ring,
                lat=dec(grid.lat),
                lng=dec(grid.lng),
                leader_name=leader,
            )
            grid.pk = region.pk
    # 十联户 come by the thousand: bulk-inserted with the paths treebeard gives children appended in order.
    unit_level = levels["unit"]
    for _, _, plan in plans:
        grids = Region.objects.in_bulk([grid.pk for grid in plan.grids])
        units, owners = [], []
        for g, grid in enumerate(plan.grids):
            parent = grids[grid.pk]
            mine = [(i, name) for i, (gi, name) in enumerate(plan.unit_names) if gi == g]
            for step, (seq, (i, name)) in enumerate(enumerate(mine), 1):
                lng, lat = plan.unit_centres[i]
                units.append(
                    Region(
                        name=name,
                        level=unit_level,
                        code=f"{plan.code}{g + 1:03d}{seq + 1:03d}",
                        lat=dec(lat),
                        lng=dec(lng),
                        path=Region._get_path(parent.path, parent.depth + 1, step),
                        depth=parent.depth + 1,
                        numchild=0,
                    )
                )
                owners.append(i)
            parent.numchild = len(mine)
        Region.objects.bulk_create(units, batch_size=BATCH)
        Region.objects.bulk_update(list(grids.values()), ["numchild"], batch_size=1000)
        plan.unit_pks = [0] * len(plan.unit_names)
        for i, region in zip(owners, units, strict=True):
            plan.unit_pks[i] = region.pk
    # Sorted insertion may have shifted paths: read them back once everything exists.
    ctx.regions = {r.pk: r for r in Region.objects.all()}
    ctx.paths = {pk: r.path for pk, r in ctx.regions.items()}
    ctx.log(f"区域：{len(ctx.regions):,} 个（{ctx.elapsed():.0f} 秒）")
    ctx.add("district", ctx.regions[district.pk])
    for name, street in streets.items():
        ctx.add(f"street:{name}", ctx.regions[street.pk])
    for code, community in communities.items():
        ctx.add(f"community:{code}", ctx.regions[community.pk])
    ctx.add("main_community", ctx.regions[communities[main.code].pk])


def _organisations(ctx: DemoContext, data: dict) -> None:
    """Departments of the district and the street, property companies, and each community's service centre."""
    rng = ctx.rng
    district = ctx["district"]
    street = ctx[f"street:{ctx.plans[0][0]}"]
    for name, where in data["departments"]:
        ctx.add(
            f"org:{name}",
            core_services.organisation_create(
                actor=None,
                name=name,
                kind=Organisation.Kind.DEPARTMENT,
                region=district if where == "district" else street,
                credit_code=credit_code(rng, "11", taken=ctx.credit_codes),
                contact_name=random_name(rng),
                contact_phone=random_landline(rng),
            ),
        )
    companies = []
    for name in data["property_companies"]:
        company = core_services.organisation_create(
            actor=None,
            name=name,
            kind=Organisation.Kind.PROPERTY,
            region=district,
            credit_code=credit_code(rng, "91", taken=ctx.credit_codes),
            contact_name=random_name(rng),
            contact_phone=random_mobile(rng),
        )
        ctx.add(f"org:{name}", company)
        companies.append(company)
    # The first manages the main community's first compound; the demo property account works for it.
    ctx.add("property_companies", companies)
    for _, _, plan in sorted(ctx.plans, key=lambda item: item[2].code):
        community = ctx[f"community:{plan.code}"]
        name = f"{community.name}服务中心"
        ctx.add(
            f"org:{name}",
            core_services.organisation_create(
                actor=None,
                name=name,
                kind=Organisation.Kind.SERVICE_CENTRE,
                region=community,
                credit_code=credit_code(rng, "12", taken=ctx.credit_codes),
                contact_name=community.leader_name,
                contact_phone=random_landline(rng),
            ),
        )


def _accounts(ctx: DemoContext, accounts: list, staff: dict) -> None:
    """The staff demo accounts (self-service accounts belong to people's step: they are linked to persons)."""
    community = ctx["main_community"]
    grids = list(Region.objects.filter(depth=community.depth + 1, path__startswith=community.path).order_by("code"))
    scopes = {
        "district": ("region", ctx["district"]),
        "street": ("region", ctx[f"street:{ctx.plans[0][0]}"]),
        "community": ("region", community),
        "grid1": ("region", grids[0]),
        "grid2": ("region", grids[1] if len(grids) > 1 else grids[0]),
        "dept": ("org", ctx["org:西秀区城市管理局"]),
        "property": ("org", ctx["property_companies"][0]),
    }
    for username, role, scope in accounts:
        full_name, phone = staff[username]
        user = core_services.user_create(
            actor=None, username=username, password=ctx.password, full_name=full_name, phone=phone, otp_exempt=True
        )
        if role == Role.ADMIN:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        where, anchor = scopes.get(scope, (None, None))
        core_services.grant_add(
            actor=None,
            user=user,
            role=role,
            region=anchor if where == "region" else None,
            organisation=anchor if where == "org" else None,
        )
        if scope in ("grid1", "grid2"):
            Region.objects.filter(pk=anchor.pk).update(leader_user=user, leader_name=full_name)
        ctx.users[username] = user
        ctx.login(username, role, anchor.name if anchor is not None else "全平台")
