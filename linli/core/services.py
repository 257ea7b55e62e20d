"""Writes on the scope tree, users and grants."""

from decimal import Decimal

from django.db import transaction

from linli.core import audit
from linli.core.errors import DomainError
from linli.core.geo import validate_ring
from linli.core.models import AuditLog, Grant, ObjectChange, Organisation, Region, RegionLevel, User
from linli.core.roles import ROLE_SCOPE, SCOPE_ORG, SCOPE_REGION


@transaction.atomic
def region_create(
    *,
    actor: User | None,
    name: str,
    level: RegionLevel,
    parent: Region | None = None,
    code: str = "",
    boundary=None,
    lat=None,
    lng=None,
    leader_name: str = "",
) -> Region:
    name = (name or "").strip()
    if not name:
        raise DomainError("名称：不能为空", field="name")
    if parent is not None and level.depth <= parent.level.depth:
        raise DomainError(f"层级：{level.name}不能挂在{parent.level.name}之下", field="level")
    if boundary is not None:
        boundary = validate_ring(boundary)
    fields = dict(name=name, level=level, code=code, boundary=boundary, lat=lat, lng=lng, leader_name=leader_name)
    if parent is not None:
        region = Region.objects.add_child(parent, create_kwargs=fields)
    else:
        region = Region.objects.add_root(create_kwargs=fields)
    audit.log_change(actor=actor, obj=region, action=ObjectChange.Action.CREATE, before=None)
    return region


@transaction.atomic
def region_set_geometry(*, actor: User | None, region: Region, boundary=None, lat=None, lng=None) -> Region:
    before = audit.snapshot(region)
    region.boundary = validate_ring(boundary) if boundary is not None else None
    region.lat = Decimal(str(lat)) if lat is not None else None
    region.lng = Decimal(str(lng)) if lng is not None else None
    region.save(update_fields=["boundary", "lat", "lng"])
    audit.log_change(actor=actor, obj=region, action=ObjectChange.Action.UPDATE, before=before)
    return region


@transaction.atomic
def organisation_create(*, actor: User | None, name: str, kind: str, region: Region, **extra) -> Organisation:
    if Organisation.objects.filter(region=region, name=name).exists():
        raise DomainError(f"名称：“{name}”在{region.name}已存在", field="name")
    org = Organisation.objects.create(name=name, kind=kind, region=region, region_path=region.path, **extra)
    audit.log_change(actor=actor, obj=org, action=ObjectChange.Action.CREATE, before=None)
    return org


@transaction.atomic
def grant_add(
    *, actor: User | None, user: User, role: str, region: Region | None = None, organisation: Organisation | None = None
) -> Grant:
    scope = ROLE_SCOPE.get(role)
    if scope is None:
        raise DomainError(f"角色：未知角色“{role}”", field="role")
    if scope == SCOPE_REGION and region is None:
        raise DomainError("区域：该角色需要指定区域", field="region")
    if scope == SCOPE_ORG and organisation is None:
        raise DomainError("机构：该角色需要指定机构", field="organisation")
    grant, _ = Grant.objects.get_or_create(user=user, role=role, region=region, organisation=organisation)
    audit.record(actor=actor, action=AuditLog.Action.GRANT, target=user, extra={"grant": str(grant)})
    if hasattr(user, "_grants_cache"):
        del user._grants_cache
    return grant


@transaction.atomic
def user_create(
    *, actor: User | None, username: str, password: str, full_name: str = "", phone: str = "", otp_exempt=False
) -> User:
    from linli.core.identity import parse_phone

    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名：“{username}”已被使用", field="username")
    user = User(username=username, full_name=full_name, otp_exempt=otp_exempt)
    if phone:
        user.set_phone(parse_phone(phone, field="手机号"))
    user.set_password(password)
    user.save()
    audit.log_change(actor=actor, obj=user, action=ObjectChange.Action.CREATE, before=None)
    return user
