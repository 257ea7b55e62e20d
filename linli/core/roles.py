"""Roles and the actions they allow: the one table the whole platform consults.

An action is ``<kind>.<verb>`` (``person.view``, ``house.export``). A grant gives a role over a region
(and everything under it), over an organisation (department or property company), or over the user's
own records (residents). ``restrict()`` in ``scoping.py`` turns grants and this table into querysets.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    AUDITOR = "auditor", "审计员"
    LEADER = "leader", "区/街道领导"
    STREET_STAFF = "street_staff", "街道工作人员"
    COMMUNITY_STAFF = "community_staff", "社区工作人员"
    GRID_LEADER = "grid_leader", "网格长"
    GRID_WORKER = "grid_worker", "网格员"
    UNIT_LEADER = "unit_leader", "联户长"
    DEPT_STAFF = "dept_staff", "部门人员"
    PROPERTY_STAFF = "property_staff", "物业人员"
    PARTY_MEMBER = "party_member", "党员"
    VOLUNTEER = "volunteer", "志愿者"
    RESIDENT = "resident", "居民"


# How a role's grant is anchored.
SCOPE_ALL = "all"  # the whole platform
SCOPE_REGION = "region"  # a region node and everything under it
SCOPE_ORG = "org"  # an organisation (department, property company)
SCOPE_SELF = "self"  # the user's own person, household and homes

ROLE_SCOPE = {
    Role.ADMIN: SCOPE_ALL,
    Role.AUDITOR: SCOPE_ALL,
    Role.LEADER: SCOPE_REGION,
    Role.STREET_STAFF: SCOPE_REGION,
    Role.COMMUNITY_STAFF: SCOPE_REGION,
    Role.GRID_LEADER: SCOPE_REGION,
    Role.GRID_WORKER: SCOPE_REGION,
    Role.UNIT_LEADER: SCOPE_REGION,
    Role.DEPT_STAFF: SCOPE_ORG,
    Role.PROPERTY_STAFF: SCOPE_ORG,
    Role.PARTY_MEMBER: SCOPE_SELF,
    Role.VOLUNTEER: SCOPE_SELF,
    Role.RESIDENT: SCOPE_SELF,
}

# Roles that work in the console and must therefore use a second factor and the staff idle timeout.
STAFF_ROLES = {
    Role.ADMIN, Role.AUDITOR, Role.LEADER, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_LEADER,
    Role.GRID_WORKER, Role.UNIT_LEADER, Role.DEPT_STAFF, Role.PROPERTY_STAFF,
}  # fmt: skip

PEOPLE_KINDS = ("person", "household", "residency", "tagassignment")
PLACE_KINDS = ("region", "compound", "building", "house", "entity", "place")
ALL_KINDS = PEOPLE_KINDS + PLACE_KINDS


def _grant(kinds, verbs):
    return {f"{k}.{v}" for k in kinds for v in verbs}


_office = (
    _grant(ALL_KINDS, ("view", "add", "change", "delete", "export", "import"))
    | _grant(("person",), ("unmask",))
    | {"tag.view"}
)
_grid = (
    _grant(ALL_KINDS, ("view", "add", "change", "export", "import")) | _grant(("person",), ("unmask",)) | {"tag.view"}
)

ROLE_ACTIONS: dict[str, set[str]] = {
    Role.ADMIN: {"*"},
    Role.AUDITOR: {"audit.view", "region.view", "tag.view"},
    Role.LEADER: _grant(ALL_KINDS, ("view",)) | {"tag.view"},
    Role.STREET_STAFF: _office,
    Role.COMMUNITY_STAFF: _office,
    Role.GRID_LEADER: _grid,
    Role.GRID_WORKER: _grid,
    Role.UNIT_LEADER: _grant(("person", "household", "house", "building", "region"), ("view",)) | {"tag.view"},
    Role.DEPT_STAFF: {"region.view"},
    Role.PROPERTY_STAFF: _grant(("compound", "building", "house", "residency", "person"), ("view",)),
    Role.PARTY_MEMBER: _grant(("person", "household", "residency", "house"), ("view",)),
    Role.VOLUNTEER: _grant(("person", "household", "residency", "house"), ("view",)),
    Role.RESIDENT: _grant(("person", "household", "residency", "house"), ("view",)),
}

# Events (工单): added by the events app. dispatch = 受理/派遣/改派/挂起/结案; handle = 签收/退回/办结 as handler.
_EVENT_OFFICE = {
    "event.view",
    "event.add",
    "event.dispatch",
    "event.handle",
    "event.verify",
    "event.export",
    "event.stats",
    "event.unmask_reporter",  # 回访: reveal the reporter's phone, with a reason, audited
}
_EVENT_ACTIONS = {
    Role.LEADER: {"event.view", "event.export", "event.stats", "event.supervise"},
    Role.STREET_STAFF: _EVENT_OFFICE | {"event.supervise"},
    Role.COMMUNITY_STAFF: _EVENT_OFFICE,
    Role.GRID_LEADER: {"event.view", "event.add", "event.handle", "event.verify", "event.export", "event.stats"},
    Role.GRID_WORKER: {"event.view", "event.add", "event.handle", "event.verify", "event.export", "event.stats"},
    Role.UNIT_LEADER: {"event.view", "event.add"},
    Role.DEPT_STAFF: {"event.view", "event.handle", "event.export"},
    Role.PROPERTY_STAFF: {"event.view", "event.handle", "event.export"},
    Role.PARTY_MEMBER: {"event.view", "event.add", "event.rate"},
    Role.VOLUNTEER: {"event.view", "event.add", "event.rate"},
    Role.RESIDENT: {"event.view", "event.add", "event.rate"},
}
for _role, _actions in _EVENT_ACTIONS.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _actions

# Highest tag sensitivity a role may see: 0 公开, 1 内部, 2 敏感, 3 高度敏感 (health, 社区矫正, minors…).
ROLE_TAG_SENSITIVITY = {
    Role.ADMIN: 3,
    Role.AUDITOR: 0,
    Role.LEADER: 1,
    Role.STREET_STAFF: 2,
    Role.COMMUNITY_STAFF: 3,
    Role.GRID_LEADER: 3,
    Role.GRID_WORKER: 2,
    Role.UNIT_LEADER: 1,
    Role.DEPT_STAFF: 0,
    Role.PROPERTY_STAFF: 0,
    Role.PARTY_MEMBER: 0,
    Role.VOLUNTEER: 0,
    Role.RESIDENT: 0,
}


# --- dataio: imports, exports and personal-data protections (added by linli.dataio) ----------------------
# importbatch: the import ledger; correction: residents' correction requests (PIPL Art. 46); consent: consent
# records for sensitive processing (PIPL Art. 29/31); retention: purge periods and legal holds.
_DATAIO_OFFICE = _grant(("importbatch", "correction", "consent"), ("view", "change")) | {"consent.add"}
for _role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_LEADER, Role.GRID_WORKER):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _DATAIO_OFFICE
ROLE_ACTIONS[Role.AUDITOR] = ROLE_ACTIONS[Role.AUDITOR] | {
    "importbatch.view", "correction.view", "consent.view", "retention.view",
}  # fmt: skip
for _role in (Role.RESIDENT, Role.PARTY_MEMBER, Role.VOLUNTEER):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {"correction.view", "correction.add", "consent.view"}


# --- visits (走访记录): added by linli.people ----------------------------------------------------------------
# Grid workers and community/street staff record and read visits in their scope; leaders read them.
_VISIT_OFFICE = {"visit.view", "visit.add", "visit.export"}
for _role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_LEADER, Role.GRID_WORKER):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _VISIT_OFFICE
ROLE_ACTIONS[Role.LEADER] = ROLE_ACTIONS[Role.LEADER] | {"visit.view"}


def role_allows(role: str, action: str) -> bool:
    allowed = ROLE_ACTIONS.get(role, set())
    return "*" in allowed or action in allowed
