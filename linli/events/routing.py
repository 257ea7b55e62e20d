"""Who is concerned by an event: its place, its handler, its dispatchers and supervisors."""

import copy
from dataclasses import dataclass

from django.db.models import Q

from linli.core.models import Grant, Organisation, Region, User
from linli.core.roles import Role

STEPLEN = Region.steplen


def ancestor_paths(path: str) -> list[str]:
    """The path of every region from the root down to ``path`` itself."""
    return [path[:i] for i in range(STEPLEN, len(path) + 1, STEPLEN)]


def community_of(region: Region) -> Region:
    """The 社区 at or above ``region`` (or the region itself when it is above community level)."""
    from linli.events import caches

    index = caches.REGIONS.get()
    known = index.by_id.get(region.pk)
    if known is not None and known.path == region.path:
        if known.level.code == "community":
            return region
        for path in reversed(ancestor_paths(region.path)[:-1]):
            above = index.by_path.get(path)
            if above is not None and above.level.code == "community":
                return above
        return region
    if region.level.code == "community":
        return region
    found = Region.objects.filter(path__in=ancestor_paths(region.path), level__code="community").first()
    return found or region


def users_with(roles: list[str], *, paths: list[str] | None = None, org_ids: list[int] | None = None) -> list[User]:
    """Active users holding one of ``roles`` at exactly ``paths`` / in ``org_ids`` (cached per process)."""
    from linli.events import caches

    def load() -> list[User]:
        q = Q(role__in=roles, user__is_active=True)
        if paths is not None:
            q &= Q(region__path__in=paths)
        if org_ids is not None:
            q &= Q(organisation_id__in=org_ids)
        ids = Grant.objects.filter(q).values("user_id")
        return list(User.objects.filter(pk__in=ids).order_by("pk"))

    key_paths = tuple(sorted(paths)) if paths is not None else None
    key_orgs = tuple(sorted(org_ids)) if org_ids is not None else None
    # Copies: the cached instances are shared by every request of the process.
    return [copy.copy(u) for u in caches.users_with(tuple(sorted(roles)), key_paths, key_orgs, load)]


def level_code(region: Region) -> str:
    """The level of a region (区/街道/社区/网格…) without a query when the region tree is cached."""
    from linli.events import caches

    known = caches.region(region.pk)
    return known.level.code if known is not None else region.level.code


def dispatchers_for(event) -> list[User]:
    """Community staff of the event's community; street staff when the community has none."""
    paths = ancestor_paths(event.region_path)
    staff = users_with([Role.COMMUNITY_STAFF], paths=paths)
    return staff or users_with([Role.STREET_STAFF], paths=paths)


def supervisors_for(event) -> list[User]:
    """The staff of the community and street above the event: who 督办 goes to."""
    return users_with([Role.COMMUNITY_STAFF, Role.STREET_STAFF], paths=ancestor_paths(event.region_path))


def grid_workers_of(region: Region) -> list[User]:
    return users_with([Role.GRID_WORKER], paths=[region.path])


def handlers_for(event) -> list[User]:
    """The people who must act on the event now that it is dispatched."""
    if event.handler_user_id:
        return [event.handler_user]
    if event.handler_org_id:
        return users_with([Role.DEPT_STAFF, Role.PROPERTY_STAFF], org_ids=[event.handler_org_id])
    if event.handler_kind == "grid":
        return users_with([Role.GRID_WORKER, Role.GRID_LEADER], paths=[event.region_path])
    return dispatchers_for(event)


def reporters_for(event) -> list[User]:
    """The reporter and the reporters of every report merged into this one."""
    from linli.events.models import Event

    users = [event.reporter_user] if event.reporter_user_id else []
    users += [
        e.reporter_user
        for e in Event.objects.filter(parent=event, reporter_user__isnull=False).select_related("reporter_user")
    ]
    return users


@dataclass
class HandlerChoice:
    kind: str
    organisation: Organisation | None = None
    user: User | None = None
    source: str = ""  # "rule" | "default"

    @property
    def label(self) -> str:
        from linli.events.models import HandlerKind

        if self.user is not None:
            return self.user.display_name
        if self.organisation is not None:
            return self.organisation.name
        return HandlerKind(self.kind).label

    @property
    def is_concrete(self) -> bool:
        """Whether someone definite will receive the task."""
        return self.user is not None or self.organisation is not None or self.kind in ("grid", "care", "service_centre")


def suggest_handler(event) -> HandlerChoice | None:
    """The dispatch rule for (category, place), the most specific region first; else the category's default."""
    from linli.events import caches

    category = event.category
    if category is None:
        return None
    paths = set(ancestor_paths(event.region_path))
    cats = {None, category.pk, category.parent_id}
    rules = [r for r in caches.RULES.get() if r.region_path in paths and r.category_id in cats]
    if rules:

        def specificity(rule):
            cat = 2 if rule.category_id == category.pk else (1 if rule.category_id else 0)
            return (len(rule.region_path), cat, rule.pk)

        rule = max(rules, key=specificity)
        return HandlerChoice(kind=rule.handler_kind, organisation=rule.organisation, user=rule.user, source="rule")
    return default_handler(event, category.handler_kind or "grid")


def default_handler(event, kind: str) -> HandlerChoice:
    paths = ancestor_paths(event.region_path)
    if kind == "grid":
        workers = grid_workers_of(event.region) if level_code(event.region) != "community" else []
        return HandlerChoice(kind="grid", user=workers[0] if len(workers) == 1 else None, source="default")
    if kind == "property":
        company = None
        if event.building_id and event.building.compound_id:
            company = event.building.compound.property_company
        if company is not None:
            return HandlerChoice(kind="property", organisation=company, source="default")
        return default_handler(event, "grid")
    if kind == "department":
        depts = list(Organisation.objects.filter(kind="department", region__path__in=paths)[:2])
        return HandlerChoice(kind="department", organisation=depts[0] if len(depts) == 1 else None, source="default")
    if kind == "service_centre":
        centre = (
            Organisation.objects.filter(kind="service_centre", region__path__in=paths).order_by("-region__path").first()
        )
        return HandlerChoice(kind="service_centre", organisation=centre, source="default")
    return HandlerChoice(kind="care", source="default")
