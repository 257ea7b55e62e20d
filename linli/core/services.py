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
def region_move(*, actor: User | None, region: Region, parent: Region) -> Region:
    """Put ``region`` (and everything under it) under ``parent``: the tree's paths change, so every table that copied
    a region path (``m.region_table``) is rewritten in the same transaction, and once it commits the counters
    (``core.tallies``, kept per region path) are counted again for every kind, in the background."""
    region = Region.objects.select_for_update().select_related("level").get(pk=region.pk)
    parent = Region.objects.select_related("level").get(pk=parent.pk)
    if parent.path.startswith(region.path):
        raise DomainError("上级区域：不能把区域移到它自己或它的下级之下", field="parent")
    if parent.level.depth >= region.level.depth:
        raise DomainError(f"上级区域：{region.level.name}不能挂在{parent.level.name}之下", field="parent")
    if region.path[: -Region.steplen] == parent.path:
        raise DomainError(f"上级区域：{region.name}已在{parent.name}之下", field="parent")
    before = audit.snapshot(region)
    old = region.path
    Region.objects.move(region, parent, pos="last-child")
    region = Region.objects.select_related("level").get(pk=region.pk)
    new = region.path
    _repath(old, new)
    audit.log_change(actor=actor, obj=region, action=ObjectChange.Action.UPDATE, before=before)

    def recount():
        from linli.core.tasks import recount_tallies

        recount_tallies()

    transaction.on_commit(recount)
    return region


def _repath(old: str, new: str) -> None:
    """Rewrite the copies of the paths under ``old`` (every registered region table but the tree itself)."""
    from django.apps import apps
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Concat, Substr

    from linli.core.modules import region_tables

    for table in region_tables():
        model = apps.get_model(table.model)
        if model is Region:
            continue  # treebeard moved the tree
        rows = model._base_manager.filter(**{f"{table.field}__startswith": old})
        rows.update(**{table.field: Concat(Value(new), Substr(F(table.field), len(old) + 1), output_field=CharField())})


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


# --- second factor and API tokens -------------------------------------------------------------------


def account_notify(*, user: User, message: str) -> None:
    """Tell an account's owner about a change to their security (shown at next login and on 账号安全)."""
    from linli.core.models import AccountNotice

    AccountNotice.objects.create(user=user, message=message[:500])


@transaction.atomic
def account_notices_take(*, user: User) -> list:
    """The owner's unseen security messages, marked seen (shown once at login; kept on 账号安全)."""
    from django.utils import timezone

    from linli.core.models import AccountNotice

    notices = list(AccountNotice.objects.filter(user=user, seen_at__isnull=True).order_by("created_at"))
    AccountNotice.objects.filter(pk__in=[n.pk for n in notices]).update(seen_at=timezone.now())
    return notices


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: User | None, why: str) -> int:
    """Revoke every API token of ``user`` (password or second factor changed, or the owner asked)."""
    from knox.models import AuthToken

    count, _ = AuthToken.objects.filter(user=user).delete()
    if count:
        audit.record(actor=actor, action=AuditLog.Action.TOKEN_REVOKE, target=user, reason=why, extra={"count": count})
    return count


def otp_device_pending(*, user: User):
    """The TOTP device being enrolled (unconfirmed), created on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="默认设备", confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, user: User, device, token: str) -> bool:
    """Confirm a new TOTP device with its first code; an earlier device is replaced openly, never silently.

    The caller has checked that the session may enrol: a user with a confirmed device must have passed the
    second factor in this session (see ``views.accounts.otp_setup``).
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    old = list(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk))
    replaced = [d for d in old if d.confirmed]
    TOTPDevice.objects.filter(pk__in=[d.pk for d in old]).delete()
    if replaced:
        audit.record(
            actor=user,
            action=AuditLog.Action.OTP_REPLACE,
            target=user,
            extra={"removed": [d.name for d in replaced], "device": device.name},
        )
        api_tokens_revoke_all(user=user, actor=user, why="更换二次验证设备")
        account_notify(
            user=user,
            message="您的二次验证设备已更换，原设备不再可用，原有接口令牌已全部吊销。如非本人操作，请立即联系管理员。",
        )
    else:
        audit.record(actor=user, action=AuditLog.Action.OTP_ENROL, target=user, extra={"device": device.name})
    return True


@transaction.atomic
def otp_reset(*, user: User, actor: User, reason: str) -> int:
    """An administrator removes a user's TOTP devices (lost phone): audited with a reason; the owner is told.

    The user enrols a new device at their next login; their API tokens are revoked, and sessions verified
    with the old device lose that verification (django-otp no longer finds the device).
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("事由：请填写重置原因（至少 2 个字）", field="reason")
    if not actor.has_role("admin"):
        raise DomainError("只有系统管理员可以重置二次验证。")
    devices = list(TOTPDevice.objects.filter(user=user))
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(
        actor=actor, action=AuditLog.Action.OTP_RESET, target=user, reason=reason,
        extra={"removed": [d.name for d in devices]},
    )  # fmt: skip
    api_tokens_revoke_all(user=user, actor=actor, why="管理员重置二次验证")
    account_notify(
        user=user,
        message=f"管理员 {actor.display_name} 重置了您的二次验证设备（事由：{reason}），请在下次登录时重新绑定；"
        "原有接口令牌已全部吊销。如非您本人申请，请立即联系社区或系统管理员。",
    )
    return len(devices)


@transaction.atomic
def api_token_issue(*, user: User) -> tuple:
    """Issue an expiring API token (hashed at rest); staff get a short life, residents a longer one.

    Returns ``(row, token)``: the token text exists only in this answer. Expired tokens of the user are
    purged, and beyond ``API_TOKEN_LIMIT_PER_USER`` the oldest are revoked.
    """
    from django.conf import settings
    from django.utils import timezone
    from knox.models import AuthToken

    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    ttl = settings.API_TOKEN_TTL_STAFF if user.is_staff_role else settings.API_TOKEN_TTL_RESIDENT
    row, token = AuthToken.objects.create(user=user, expiry=ttl)
    keep = (
        AuthToken.objects.filter(user=user)
        .order_by("-created")
        .values_list("digest", flat=True)[: settings.API_TOKEN_LIMIT_PER_USER]
    )
    AuthToken.objects.filter(user=user).exclude(digest__in=list(keep)).delete()
    audit.record(
        actor=user, action=AuditLog.Action.TOKEN_ISSUE, target=user,
        extra={"token": row.token_key[:8], "expiry": row.expiry.isoformat()},
    )  # fmt: skip
    return row, token


@transaction.atomic
def api_token_revoke(*, user: User, token_id: str) -> None:
    """The owner revokes one of their tokens; another user's token is 'not found', like a missing one."""
    from knox.models import AuthToken

    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_id).delete()
    if not deleted:
        raise DomainError("没有找到该令牌（可能已过期或已吊销）。", code="not_found")
    audit.record(actor=user, action=AuditLog.Action.TOKEN_REVOKE, target=user, extra={"token": token_id[:8]})
