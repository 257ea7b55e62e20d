"""Reads with rules on core records: the owner's own API tokens and security messages."""

from django.utils import timezone

from linli.core.models import AccountNotice, User


def api_tokens_of(*, user: User):
    """The user's tokens that still work, newest first (only their owner ever sees them)."""
    from knox.models import AuthToken

    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def account_notices_of(*, user: User, limit: int = 10) -> list[AccountNotice]:
    return list(AccountNotice.objects.filter(user=user)[:limit])
