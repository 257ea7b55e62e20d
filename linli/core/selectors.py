"""Reads with rules on core records: the owner's own API tokens and security messages."""

from django.utils import timezone

from linli.core.models import AccountNotice, User


def api_tokens_of(*, user: User):
    """The user's tokens that still work, newest first (only their owner ever sees them)."""
    from knox.models import AuthToken

    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


_TOKENS = []


def tokens_with_key(key: str) -> list:
    """The API tokens (with their users) whose key prefix is ``key``, as knox reads them; SQL compiled once."""
    if not _TOKENS:
        from knox.models import get_token_model

        from linli.core.compiled import CompiledQuery

        model = get_token_model()
        _TOKENS.append(
            CompiledQuery(
                model, lambda key: model.objects.filter(token_key=key).select_related("user"), key=(model, "token_key")
            )
        )
    return _TOKENS[0].fetch(key=key)


def account_notices_of(*, user: User, limit: int = 10) -> list[AccountNotice]:
    return list(AccountNotice.objects.filter(user=user)[:limit])


def otp_devices_of(*, user: User):
    """The user's confirmed TOTP devices (the second factor they can verify with)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True)


def region_pk_at(path: str) -> int | None:
    """The id of the region at ``path`` (a parent, found from a child's path), or None."""
    from linli.core.models import Region

    return Region.objects.filter(path=path).values_list("pk", flat=True).first()


def region_rows():
    """Regions with their level joined in, in tree order; not yet restricted (the generic views restrict)."""
    from linli.core.models import Region

    return Region.objects.select_related("level").order_by("path")


def region_neighbourhood(*, user: User, region) -> dict:
    """What a region's page shows around it: the ancestors the user may see and the children. What other apps
    place in the region (buildings and their counts) comes from their registered detail sections."""
    from linli.core.models import Region
    from linli.core.scoping import restrict

    return {
        "ancestors": restrict(user, "region.view", Region.objects.get_ancestors(region)),
        "children": Region.objects.get_children(region).select_related("level"),
    }


def audit_rows():
    from linli.core.models import AuditLog

    return AuditLog.objects.all()


def change_rows():
    from linli.core.models import ObjectChange

    return ObjectChange.objects.select_related("target_type")


def departments():
    """Functional departments (职能部门), by name: the organisations an event can be escalated to."""
    from linli.core.models import Organisation

    return Organisation.objects.filter(kind="department").order_by("name")


def organisations_by_pk(pks) -> list:
    from linli.core.models import Organisation

    return list(Organisation.objects.filter(pk__in=[pk for pk in pks if pk]))


def regions_by_pk(pks: list[int]) -> dict:
    """Regions by id (names for rows the caller already restricted, such as the start page's breakdown)."""
    from linli.core.models import Region

    return Region.objects.in_bulk(pks)


def child_regions(region, *, limit: int = 30) -> list:
    """The regions one level below ``region``, in tree order (at most ``limit``)."""
    from linli.core.models import Region

    return list(Region.objects.get_children(region)[:limit])
