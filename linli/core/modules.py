"""The module contract: everything an app tells the platform, said once, in its own ``apps.py``.

Every Linli app's ``AppConfig`` subclasses :class:`ModuleConfig` and fills in ``register(m)``; nobody else edits
a list on its behalf. The platform (menus, home page, search, URL roots, the API router, the personal-data copy,
retention, key rotation, the dashboard, the demo) reads what was registered here::

    class PollsConfig(ModuleConfig):
        name = "linli.polls"
        label = "polls"
        verbose_name = "投票"
        urls = "linli.polls.urls"            # console and resident pages (optional)
        api = "linli.polls.api.views"        # a module with ``register(router)`` (optional)

        def register(self, m):
            m.scope("poll", "polls.Poll")
            m.allow(OFFICE_ROLES, {"poll.view", "poll.add"})
            m.menu("议事", MenuItem("投票", "polls:poll_list", "poll.view"))

``python manage.py linli_modules`` prints what each app registered. See ``docs/adding-a-module.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps


@dataclass(frozen=True)
class PersonalDataSection:
    """One part of a resident's personal-data copy (PIPL Art. 45): what the platform holds about ``person``.

    ``collect(person)`` returns rows (a list of dicts of label → value, already readable: codes turned into words),
    or one dict for a single record (a value in it may itself be a list of such dicts), or None when nothing is
    held. The copy shows every registered section in ``order``; an app with personal data registers one so a
    future app's data is in the copy without editing the privacy app. Never put another person's clear data in it.
    """

    key: str
    label: str
    collect: Callable[[Any], list[dict]]
    order: int = 100
    app: str = ""


@dataclass(frozen=True)
class RetentionKind:
    """A kind of record with a storage limit (PIPL Art. 19): ``purge(cutoff, held_person_ids)`` deletes or
    anonymises the rows older than ``cutoff`` whose person is not under a legal hold and returns how many.

    ``min_days`` is a floor set by law (logs: six months): a policy may not go below it and the purge never does.
    ``key`` is stored in ``privacy.RetentionPolicy.kind`` (at most 20 characters)."""

    key: str
    label: str
    default_days: int
    purge: Callable[..., int]
    note: str = ""
    min_days: int = 0
    min_reason: str = ""
    app: str = ""


@dataclass(frozen=True)
class AuditTrail:
    """Where the auditor's person trail looks (``privacy`` 个人信息审计): for a list of person ids,
    ``accesses(person_ids)`` returns a ``Q`` on ``core.AuditLog`` (or None) and ``changes(person_ids)`` a ``Q`` on
    ``core.ObjectChange`` (or None) for this app's records about those persons."""

    key: str
    accesses: Callable[[list[int]], Any] | None = None
    changes: Callable[[list[int]], Any] | None = None
    app: str = ""


@dataclass(frozen=True)
class Statistic:
    """A figure a dashboard (the big screen) may show: ``compute(user, region)`` → number, restricted to the user.

    ``action`` is what the viewer needs (``event.stats``); ``region`` is a ``core.Region`` or None (all the user
    may see). ``compute`` also takes ``cap=n``: a count may then stop at n + 1 (the console home shows "100,000+").

    ``home`` places the figure on the console's start page (its position; 0: not there), linking to the page
    ``url`` names. ``breakdown(user, region)`` → {child region path: n} in one grouped query, for the start page's
    table of the regions one level down (the column is headed ``label``)."""

    key: str
    label: str
    compute: Callable[..., int | float]
    action: str
    unit: str = ""
    url: str = ""
    home: int = 0
    breakdown: Callable[[Any, Any], dict[str, int]] | None = None
    app: str = ""


@dataclass(frozen=True)
class ResidentLink:
    """A tile on the resident app's home page (小屏): ``label`` linking to the page ``url`` names, at ``order``.

    ``visible(user)`` → bool hides it from residents it is not for (a party branch's page from non-members)."""

    key: str
    label: str
    url: str
    order: int = 100
    visible: Callable[[Any], bool] | None = None
    app: str = ""


@dataclass(frozen=True)
class SearchProvider:
    """Answers the console's search box: ``search(user, query, limit)`` → list of hits (dicts with at least
    ``text`` and ``url``), each already restricted to what ``user`` may see, or a :class:`SearchAnswer`.

    The search page shows each provider's hits under its ``label``, through ``template`` when given (it receives
    ``answer``), and opens the hit at once when the whole search found exactly one. A provider may raise
    ``DomainError`` (too many exact lookups): the page shows its message."""

    key: str
    label: str
    search: Callable[[Any, str, int], Any]
    action: str
    order: int = 100
    template: str = ""
    app: str = ""


@dataclass
class SearchAnswer:
    """What a provider found: ``hits`` (dicts with ``text`` and ``url``), a ``message`` for the user (nothing
    found, a malformed ID number) and anything else its ``template`` shows, in ``extra``."""

    hits: list[dict] = field(default_factory=list)
    message: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DetailSection:
    """A part of another app's detail page: the house page shows its residents through people's section.

    ``model`` is the page's model (``"housing.House"``); the page renders ``template`` with what
    ``context(user, obj)`` returns (None: not for this user). ``buttons(user, obj)`` adds buttons to the page
    header: dicts with ``label``, ``url`` and ``style``. The house page shows each section as a tab labelled
    ``label`` (``?tab=<key>``); the region page (``"core.Region"``) as a card, and also reads ``map_points``,
    ``map_base`` and ``child_notes`` ({child region pk: "12 栋楼"}) from the context."""

    key: str
    model: str
    label: str
    template: str
    context: Callable[[Any, Any], dict | None]
    buttons: Callable[[Any, Any], list[dict]] | None = None
    order: int = 100
    app: str = ""


@dataclass(frozen=True)
class DemoStep:
    """Part of the demo platform: ``run(ctx)`` adds this app's demo rows. ``after`` names steps that must run
    first; ``ctx`` is a :class:`linli.core.demo.DemoContext` shared by the steps (its ``rng`` is seeded)."""

    key: str
    run: Callable[[Any], None]
    after: tuple[str, ...] = ()
    app: str = ""


@dataclass(frozen=True)
class RegionTable:
    """A table that stores a region path (copied from the region tree): a region move must rewrite it."""

    model: str  # "app_label.ModelName"
    field: str = "region_path"
    app: str = ""


@dataclass
class Registry:
    """What every app registered. Read through the accessor functions below, never edited by hand."""

    urls: list[tuple[str, str]] = field(default_factory=list)  # (app label, urls module)
    api: list[tuple[str, str]] = field(default_factory=list)  # (app label, module with register(router))
    sections: dict[str, DetailSection] = field(default_factory=dict)  # "model:key" → a part of a detail page
    personal_data: dict[str, PersonalDataSection] = field(default_factory=dict)
    retention: dict[str, RetentionKind] = field(default_factory=dict)
    stats: dict[str, Statistic] = field(default_factory=dict)
    search: dict[str, SearchProvider] = field(default_factory=dict)
    demo: dict[str, DemoStep] = field(default_factory=dict)
    region_tables: dict[str, RegionTable] = field(default_factory=dict)
    audit_trails: dict[str, AuditTrail] = field(default_factory=dict)
    checks: dict[str, list[Callable]] = field(default_factory=dict)  # check point → functions that may refuse
    services: dict[str, Callable] = field(default_factory=dict)  # service name → the one app's function
    resident_links: dict[str, ResidentLink] = field(default_factory=dict)  # tiles of the resident home
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (app, what, name): linli_modules prints it


registry = Registry()


def _unique(table: dict, key: str, value, what: str) -> None:
    old = table.get(key)
    if old is not None and old != value:
        raise ValueError(
            f"{what} {key!r} is registered twice ({getattr(old, 'app', '?')} and {getattr(value, 'app', '?')})"
        )
    table[key] = value


class Module:
    """What ``ModuleConfig.register(m)`` receives: one method per thing an app may tell the platform."""

    def __init__(self, label: str):
        self.label = label

    def _log(self, what: str, name: str) -> None:
        registry.log.append((self.label, what, name))

    # -- who sees what ------------------------------------------------------------------------------------------
    def scope(self, kind: str, model: str, **kwargs) -> None:
        """A scoped model (see ``core/scoping.py``). Its ``region_path`` column, if any, is a region table."""
        from linli.core import scoping

        scoping.register(kind, model, **kwargs)
        region_path = kwargs.get("region_path", "region_path")
        if region_path:
            self.region_table(model, region_path)
        self._log("scope", kind)

    def extend_scope(self, kind: str, **kwargs) -> None:
        """Widen another app's scope by a rule only this app can state (``own=`` or ``org=``, ORed with the
        owner's): people says which houses are a resident's own, since only people knows who lives where."""
        from linli.core import scoping

        scoping.extend(kind, **kwargs)
        self._log("scope +", kind)

    def allow(self, roles: Iterable[str] | str, actions: Iterable[str]) -> None:
        """Give ``roles`` the ``actions`` (``"poll.view"``). Roles are ``core.roles.Role`` values."""
        from linli.core.roles import Role, grant

        roles = [roles] if isinstance(roles, str) else list(roles)
        grant(roles, set(actions))
        who = "、".join(Role(r).label for r in roles)
        self._log("actions", f"{who} ← {', '.join(sorted(set(actions)))}")

    def tag_sensitivity(self, role: str, level: int) -> None:  # pragma: no cover - reserved for new roles
        from linli.core.roles import ROLE_TAG_SENSITIVITY

        ROLE_TAG_SENSITIVITY[role] = level

    def region_table(self, model: str, field_name: str = "region_path") -> None:
        if "__" in field_name:  # a path reached through a relation is not stored here
            return
        _unique(registry.region_tables, model, RegionTable(model, field_name, self.label), "region table")

    # -- the console ---------------------------------------------------------------------------------------------
    def menu(self, group: str, item) -> None:
        from linli.core.navigation import register_menu

        register_menu(group, item)
        self._log("menu", f"{group} › {item.label}")

    def home_cards(self, provider: Callable, *, cached: bool = False) -> None:
        """``provider(user)`` → cards and lists for the console's start page (``core/home.py``); ``cached``: its
        answer depends only on the user's scope, so the page may keep it for a few minutes."""
        from linli.core.home import register_home_cards

        register_home_cards(provider, cached=cached)
        self._log("home", getattr(provider, "__qualname__", str(provider)))

    def resident_link(self, link: ResidentLink) -> None:
        """A tile on the resident app's home page (``core/resident/home.html``)."""
        _unique(registry.resident_links, link.key, _with_app(link, self.label), "resident link")
        self._log("resident link", link.key)

    def search(self, provider: SearchProvider) -> None:
        _unique(registry.search, provider.key, _with_app(provider, self.label), "search provider")
        self._log("search", provider.key)

    def section(self, section: DetailSection) -> None:
        """Add a part (a tab) to another app's detail page, without that app importing this one."""
        _unique(registry.sections, f"{section.model}:{section.key}", _with_app(section, self.label), "section")
        self._log("section", f"{section.model} › {section.label}")

    def stat(self, statistic: Statistic) -> None:
        _unique(registry.stats, statistic.key, _with_app(statistic, self.label), "statistic")
        self._log("stat", statistic.key)

    # -- personal data --------------------------------------------------------------------------------------------
    def personal_data(self, section: PersonalDataSection) -> None:
        _unique(registry.personal_data, section.key, _with_app(section, self.label), "personal-data section")
        self._log("personal data", section.key)

    def retention(self, kind: RetentionKind) -> None:
        if len(kind.key) > 20:  # privacy.RetentionPolicy.kind is 20 characters; SQLite would not say so
            raise ValueError(f"retention kind {kind.key!r} is longer than 20 characters")
        _unique(registry.retention, kind.key, _with_app(kind, self.label), "retention kind")
        self._log("retention", kind.key)

    def audit_trail(self, trail: AuditTrail) -> None:
        _unique(registry.audit_trails, trail.key, _with_app(trail, self.label), "audit trail")
        self._log("audit trail", trail.key)

    # -- rules a lower app asks a higher one about ---------------------------------------------------------------
    def check(self, point: str, func: Callable[..., None]) -> None:
        """Run ``func(**kwargs)`` wherever a lower app calls ``run_checks(point, **kwargs)``; it refuses by raising
        ``DomainError``. ``people`` asks ``"people.tag_assign"`` (person, tag): privacy refuses a sensitive tag
        without consent, and people never imports privacy."""
        funcs = registry.checks.setdefault(point, [])
        if func not in funcs:
            funcs.append(func)
        self._log("check", point)

    def provide(self, name: str, func: Callable) -> None:
        """Offer ``func`` to apps that may not import this one: they call ``ask(name, …)`` and get ``None`` back
        while no app provides it. One provider per name (``"party.position_holders"``: the persons holding a
        双报到 position, which volunteering dispatches a wish to)."""
        _unique(registry.services, name, func, "service")
        self._log("provides", name)

    # -- the demo ---------------------------------------------------------------------------------------------------
    def demo(self, step: DemoStep) -> None:
        _unique(registry.demo, step.key, _with_app(step, self.label), "demo step")
        self._log("demo", step.key)


def _with_app(obj, label: str):
    from dataclasses import replace

    return obj if obj.app else replace(obj, app=label)


class ModuleConfig(AppConfig):
    """Base of every Linli app's config. Set ``urls``/``api`` if the app has pages/an API; fill in ``register``."""

    urls: str | None = None  # module with urlpatterns, included at the site root (paths carry their own prefix)
    api: str | None = None  # module with ``register(router)`` and optionally ``api_urlpatterns``
    default = False  # this base is never an app's config itself; each subclass is (see __init_subclass__)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = cls.__dict__.get("default", True)  # apps.py imports this base: Django must pick the subclass

    def register(self, m: Module) -> None:
        """Tell the platform about this app. Called once, from ``ready()``."""

    def ready(self):
        m = Module(self.label)
        if self.urls:
            registry.urls.append((self.label, self.urls))
        if self.api:
            registry.api.append((self.label, self.api))
        self.register(m)


# -- reading the registry ---------------------------------------------------------------------------------------------


def module_configs() -> list[ModuleConfig]:
    return [c for c in apps.get_app_configs() if isinstance(c, ModuleConfig)]


def url_modules() -> list[str]:
    return [mod for _, mod in registry.urls]


def api_modules() -> list:
    return [import_module(mod) for _, mod in registry.api]


def personal_data_sections() -> list[PersonalDataSection]:
    return sorted(registry.personal_data.values(), key=lambda s: (s.order, s.key))


def retention_kinds() -> list[RetentionKind]:
    return list(registry.retention.values())


def retention_kind(key: str) -> RetentionKind:
    return registry.retention[key]


def audit_trails() -> list[AuditTrail]:
    return sorted(registry.audit_trails.values(), key=lambda t: t.key)


def run_checks(point: str, **kwargs) -> None:
    """Ask every app that registered a check at ``point``; the first refusal (a ``DomainError``) propagates."""
    for func in registry.checks.get(point, ()):
        func(**kwargs)


_MISSING = object()


def ask(name: str, *args, default=None, **kwargs):
    """Call the function some app registered with ``m.provide(name, …)``; ``default`` when none did (the app that
    would answer is not installed), so the caller degrades instead of importing a sibling app."""
    func = registry.services.get(name)
    return default if func is None else func(*args, **kwargs)


def provides(name: str) -> bool:
    return name in registry.services


def statistics() -> list[Statistic]:
    return list(registry.stats.values())


def resident_links(user) -> list[ResidentLink]:
    """The registered resident-home tiles ``user`` should see, in order."""
    links = sorted(registry.resident_links.values(), key=lambda x: (x.order, x.key))
    return [x for x in links if x.visible is None or x.visible(user)]


def search_providers() -> list[SearchProvider]:
    return sorted(registry.search.values(), key=lambda p: (p.order, p.key))


def detail_sections(model: str) -> list[DetailSection]:
    """The sections other apps add to ``model``'s detail page (``"housing.House"``), in order."""
    return sorted((s for s in registry.sections.values() if s.model == model), key=lambda s: (s.order, s.key))


def region_tables() -> list[RegionTable]:
    return sorted(registry.region_tables.values(), key=lambda t: t.model)


def demo_steps() -> list[DemoStep]:
    """Every registered demo step, ordered so each runs after the steps it names (then by app order)."""
    steps = dict(registry.demo)
    order = [c.label for c in module_configs()]
    done: list[DemoStep] = []
    seen: set[str] = set()

    def visit(key: str, path: tuple[str, ...] = ()) -> None:
        if key in seen:
            return
        if key in path:
            raise ValueError(f"demo steps depend on each other in a circle: {' → '.join((*path, key))}")
        step = steps.get(key)
        if step is None:
            raise LookupError(f"demo step {path[-1] if path else '?'!r} needs {key!r}, which no app registered")
        for dep in step.after:
            visit(dep, (*path, key))
        seen.add(key)
        done.append(step)

    for step in sorted(steps.values(), key=lambda s: order.index(s.app) if s.app in order else len(order)):
        visit(step.key)
    return done


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model's encrypted columns, found by field type (``core.fields.EncryptedTextField``), never a list."""
    from linli.core.fields import EncryptedTextField

    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            out.append((model, names))
    return sorted(out, key=lambda pair: pair[0]._meta.label)
