"""Roles and the actions they allow: the one table the whole platform consults.

An action is ``<kind>.<verb>`` (``person.view``, ``house.export``). A grant gives a role over a region
(and everything under it), over an organisation (department or property company), or over the user's
own records (residents). ``restrict()`` in ``scoping.py`` turns grants and this table into querysets.
Core defines the roles and how each is anchored; every app adds the actions of its own kinds from its
``apps.py`` (``m.allow(roles, actions)``), so nobody edits this file to add a module.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    AUDITOR = "auditor", "审计员"
    LEADER = "leader", "区/街道领导"
    COMMAND_CENTRE = "command_centre", "指挥中心值班员"
    SCREEN_KIOSK = "screen_kiosk", "大屏展示账号"
    STREET_STAFF = "street_staff", "街道工作人员"
    COMMUNITY_STAFF = "community_staff", "社区工作人员"
    GRID_LEADER = "grid_leader", "网格长"
    GRID_WORKER = "grid_worker", "网格员"
    UNIT_LEADER = "unit_leader", "联户长"
    DEPT_STAFF = "dept_staff", "部门人员"
    PROPERTY_STAFF = "property_staff", "物业人员"
    PARTY_SECRETARY = "party_secretary", "党组织书记"
    PARTY_OFFICE = "party_office", "组织部"
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
    Role.COMMAND_CENTRE: SCOPE_REGION,
    Role.SCREEN_KIOSK: SCOPE_REGION,  # an unattended big screen: aggregates of its region, nothing else
    Role.STREET_STAFF: SCOPE_REGION,
    Role.COMMUNITY_STAFF: SCOPE_REGION,
    Role.GRID_LEADER: SCOPE_REGION,
    Role.GRID_WORKER: SCOPE_REGION,
    Role.UNIT_LEADER: SCOPE_REGION,
    Role.DEPT_STAFF: SCOPE_ORG,
    Role.PROPERTY_STAFF: SCOPE_ORG,
    Role.PARTY_SECRETARY: SCOPE_REGION,
    Role.PARTY_OFFICE: SCOPE_REGION,
    Role.PARTY_MEMBER: SCOPE_SELF,
    Role.VOLUNTEER: SCOPE_SELF,
    Role.RESIDENT: SCOPE_SELF,
}

# Roles that work in the console and must therefore use a second factor and the staff idle timeout.
STAFF_ROLES = {
    Role.ADMIN, Role.AUDITOR, Role.LEADER, Role.COMMAND_CENTRE, Role.STREET_STAFF, Role.COMMUNITY_STAFF,
    Role.GRID_LEADER, Role.GRID_WORKER, Role.UNIT_LEADER, Role.DEPT_STAFF, Role.PROPERTY_STAFF, Role.PARTY_SECRETARY,
    Role.PARTY_OFFICE,
}  # fmt: skip

# Groups of roles that apps grant actions to together (an app's ``apps.py`` says ``m.allow(OFFICE_ROLES, …)``).
OFFICE_ROLES = (Role.STREET_STAFF, Role.COMMUNITY_STAFF)  # 街道、社区工作人员
GRID_ROLES = (Role.GRID_LEADER, Role.GRID_WORKER)  # 网格长、网格员
PARTY_ROLES = (Role.PARTY_SECRETARY, Role.PARTY_OFFICE)  # 党组织书记、组织部: the only roles that see party members
SELF_ROLES = (Role.PARTY_MEMBER, Role.VOLUNTEER, Role.RESIDENT)  # people who act on their own records


def verbs(kinds, names) -> set[str]:
    """``verbs(("poll",), ("view", "add"))`` → ``{"poll.view", "poll.add"}``."""
    return {f"{k}.{v}" for k in kinds for v in names}


OFFICE_VERBS = ("view", "add", "change", "delete", "export", "import")
GRID_VERBS = ("view", "add", "change", "export", "import")

# Filled by every app's ``register()`` through ``grant()``; only the administrator's wildcard is written here.
ROLE_ACTIONS: dict[str, set[str]] = {role: set() for role in Role}
ROLE_ACTIONS[Role.ADMIN] = {"*"}

# Highest tag sensitivity a role may see: 0 公开, 1 内部, 2 敏感, 3 高度敏感 (health, 社区矫正, minors…).
ROLE_TAG_SENSITIVITY = {
    Role.ADMIN: 3,
    Role.AUDITOR: 0,
    Role.LEADER: 1,
    Role.COMMAND_CENTRE: 0,
    Role.SCREEN_KIOSK: 0,
    Role.STREET_STAFF: 2,
    Role.COMMUNITY_STAFF: 3,
    Role.GRID_LEADER: 3,
    Role.GRID_WORKER: 2,
    Role.UNIT_LEADER: 1,
    Role.DEPT_STAFF: 0,
    Role.PROPERTY_STAFF: 0,
    Role.PARTY_SECRETARY: 0,
    Role.PARTY_OFFICE: 0,
    Role.PARTY_MEMBER: 0,
    Role.VOLUNTEER: 0,
    Role.RESIDENT: 0,
}


def grant(roles, actions: set[str]) -> None:
    """Add ``actions`` to each of ``roles``. Called by ``ModuleConfig.register`` (``m.allow``), never by hand."""
    for role in roles:
        ROLE_ACTIONS.setdefault(role, set()).update(actions)


def role_allows(role: str, action: str) -> bool:
    allowed = ROLE_ACTIONS.get(role, set())
    return "*" in allowed or action in allowed
