"""``restrict(user, action)``: the only way a queryset reaches a user.

Each scoped model registers how its rows hang off the scope tree (a ``region_path`` column), how an
organisation reaches them (a department reaches what was sent to it, a property company its compounds)
and which rows are a resident's own. ``restrict`` ORs together what every grant allowing the action
reaches. No grant, no rows: out of scope behaves exactly like missing (views answer 404).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from linli.core.roles import ROLE_SCOPE, SCOPE_ALL, SCOPE_ORG, SCOPE_REGION, SCOPE_SELF, role_allows


@dataclass(frozen=True)
class Scope:
    kind: str
    model: str  # "app_label.ModelName"
    region_path: str | None = "region_path"
    org: Callable[[list[int]], Q] | None = None
    own: Callable[[object], Q] | None = None

    def get_model(self) -> type[Model]:
        return apps.get_model(self.model)


_registry: dict[str, Scope] = {}
_extensions: dict[str, list[dict]] = {}  # kind → rules other apps add (``extend``), kept whatever the app order


def register(kind: str, model: str, **kwargs) -> None:
    _registry[kind] = _extended(Scope(kind=kind, model=model, **kwargs))


def extend(kind: str, *, own: Callable[[object], Q] | None = None, org: Callable[[list[int]], Q] | None = None):
    """Widen ``kind``'s scope from another app: its ``own``/``org`` rule is ORed with the registered one.

    For rules the owning app cannot state without importing an app above it: which houses are a resident's own is
    known to people (who lives where), so people extends housing's ``house`` scope."""
    rule = {"own": own, "org": org}
    if rule not in _extensions.setdefault(kind, []):
        _extensions[kind].append(rule)
    if kind in _registry:
        _registry[kind] = _extended(_registry[kind], [rule])


def _extended(scope: Scope, rules: list[dict] | None = None) -> Scope:
    from dataclasses import replace

    own, org = scope.own, scope.org
    for rule in _extensions.get(scope.kind, []) if rules is None else rules:
        own = _either(own, rule["own"])
        org = _either(org, rule["org"])
    return replace(scope, own=own, org=org)


def _either(first, second):
    if first is None or second is None:
        return first or second
    return lambda arg: first(arg) | second(arg)


def scope_for(kind: str) -> Scope:
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(f"no scope registered for {kind!r}") from None


def scopes() -> list[Scope]:
    """Every registered scope, in registration order (the permission matrix is generated from it)."""
    return list(_registry.values())


def kind_of(model: type[Model]) -> str:
    label = model._meta.label
    for kind, scope in _registry.items():
        if scope.model == label:
            return kind
    raise LookupError(f"{label} is not a scoped model")


def _minimal_prefixes(paths: list[str]) -> list[str]:
    """Drop paths under another path already in the list: one LIKE per independent subtree."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


@dataclass(frozen=True)
class Reach:
    """What a user's grants reach for one action: everything, region subtrees, organisations, their own rows."""

    all: bool = False
    prefixes: tuple[str, ...] = ()  # minimal region paths: none lies under another
    org_ids: tuple[int, ...] = ()
    own: bool = False

    @property
    def nothing(self) -> bool:
        return not (self.all or self.prefixes or self.org_ids or self.own)

    def covers_path(self, path: str | None) -> bool:
        """Whether a record placed at region ``path`` lies in the reach by region (or the reach is everything)."""
        return self.all or (bool(path) and path.startswith(self.prefixes))

    def path_q(self, column: str = "region_path") -> Q | None:
        """``column`` under one of the prefixes; None means everything, ``Q(pk__in=[])`` nothing."""
        if self.all:
            return None
        q = Q(pk__in=[])
        for prefix in self.prefixes:
            q |= Q(**{f"{column}__startswith": prefix})
        return q


NO_REACH = Reach()
ALL_REACH = Reach(all=True)


def grant_reach(user, action: str | None = None) -> Reach:
    """The one place that turns a user's grants into what they reach.

    With ``action``, only grants whose role allows it count, each by how its role is anchored (``ROLE_SCOPE``):
    the whole platform, a region and everything under it, an organisation, or the user's own records. Without
    ``action``, every grant counts and nothing is cut short: the regions the user works in (for choosing a
    region in a form) and the organisations they belong to. A missing, anonymous or inactive user reaches
    nothing; a superuser everything.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_REACH
    if action is None:
        return _membership(user)
    if user.is_superuser:
        return ALL_REACH
    paths: list[str] = []
    org_ids: list[int] = []
    own = False
    for grant in user.active_grants():
        mode = ROLE_SCOPE.get(grant.role)
        if not role_allows(grant.role, action):
            continue
        if mode == SCOPE_ALL:
            return ALL_REACH
        if mode == SCOPE_REGION and grant.region_id:
            paths.append(grant.region.path)
        elif mode == SCOPE_ORG and grant.organisation_id:
            org_ids.append(grant.organisation_id)
        elif mode == SCOPE_SELF:
            own = True
    return Reach(prefixes=tuple(_minimal_prefixes(paths)), org_ids=tuple(dict.fromkeys(org_ids)), own=own)


def _membership(user) -> Reach:
    """Every grant of ``user``, whatever its role allows: where they work, which organisations they belong to."""
    grants = user.active_grants()
    return Reach(
        all=user.is_superuser or any(ROLE_SCOPE.get(g.role) == SCOPE_ALL for g in grants),
        prefixes=tuple(_minimal_prefixes([g.region.path for g in grants if g.region_id])),
        org_ids=tuple(dict.fromkeys(g.organisation_id for g in grants if g.organisation_id)),
        own=any(ROLE_SCOPE.get(g.role) == SCOPE_SELF for g in grants),
    )


def scope_q(user, action: str) -> Q | None:
    """The filter that ``action`` allows ``user``; None means everything, ``Q(pk__in=[])`` nothing."""
    scope = scope_for(action.split(".", 1)[0])
    reach = grant_reach(user, action)
    if reach.all:
        return None
    q = Q(pk__in=[])
    if reach.prefixes and scope.region_path:
        q |= reach.path_q(scope.region_path)
    if reach.org_ids and scope.org:
        q |= scope.org(list(reach.org_ids))
    if reach.own and scope.own:
        q |= scope.own(user)
    return q


def restrict(user, action: str, queryset: QuerySet | None = None) -> QuerySet:
    """Rows of the action's kind that ``user`` may ``action``: ``restrict(user, "person.view")``."""
    scope = scope_for(action.split(".", 1)[0])
    qs = queryset if queryset is not None else scope.get_model()._default_manager.all()
    q = scope_q(user, action)
    return qs if q is None else qs.filter(q)


def can(user, action: str, obj: Model | None = None) -> bool:
    """Whether ``user`` may ``action`` at all, or on ``obj`` (checked against the database)."""
    if obj is None:
        return has_action(user, action)
    return restrict(user, action, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def has_action(user, action: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(role_allows(g.role, action) for g in user.active_grants())


def max_tag_sensitivity(user) -> int:
    from linli.core.roles import ROLE_TAG_SENSITIVITY

    if user is None or not user.is_authenticated:
        return -1
    if user.is_superuser:
        return 3
    return max((ROLE_TAG_SENSITIVITY.get(g.role, 0) for g in user.active_grants()), default=-1)


def region_prefixes(user) -> list[str] | None:
    """Paths of the regions the user works in (None: everywhere). For choosing a region in a form."""
    reach = grant_reach(user)
    return None if reach.all else list(reach.prefixes)


def allows_in_region(user, action: str, region) -> bool:
    """Whether ``user`` may ``action`` on a record placed at ``region`` (the region or one above it is granted)."""
    return grant_reach(user, action).covers_path(region.path)


def require_in_region(user, action: str, region, what: str) -> None:
    """Raise a DomainError naming ``what`` unless ``allows_in_region``; ``user=None`` is the system itself."""
    from linli.core.errors import DomainError

    if user is None or allows_in_region(user, action, region):
        return
    verb = {"add": "登记", "change": "修改", "delete": "删除", "import": "导入"}.get(action.split(".")[-1], "操作")
    raise DomainError(f"{what}：您没有在“{region.name}”{verb}的权限", field=what, code="forbidden")
