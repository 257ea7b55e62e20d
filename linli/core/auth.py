"""Login by username or mobile number; password and lockout rules."""

import re

from axes.handlers.database import AxesDatabaseHandler
from django.contrib.auth import password_validation
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import render

from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.identity import normalise_text, parse_phone


def login_mobile(value) -> str:
    """The mainland mobile number a login name spells (``+86 136-1234-5678`` → ``13612345678``), or ""."""
    name = normalise_text(value)
    digits = re.sub(r"[-()（）.]", "", name)
    if not re.fullmatch(r"(\+86|0086|86)?1[3-9]\d{9}", digits):
        return ""
    try:
        return parse_phone(digits)
    except DomainError:
        return ""


def find_login_user(value):
    """The account a login name designates: by mobile number (blind index) first, then by user name."""
    from linli.core.models import User

    phone = login_mobile(value)
    if phone:
        user = User.objects.filter(phone_hash=crypto.blind_index(phone, "phone")).first()
        if user is not None:
            return user
    return User.objects.filter(username=normalise_text(value)).first()


def login_identity(request, credentials=None) -> str:
    """The key that failed logins are counted under (django-axes ``AXES_USERNAME_CALLABLE``).

    Every spelling of one account counts together: full-width or half-width, upper or lower case, and the
    account's mobile number in any format count as its user name. A name that is no account is counted
    under its normalised spelling, so the answer looks the same whether or not the account exists.
    """
    from django.conf import settings

    field = settings.AXES_USERNAME_FORM_FIELD
    raw = (credentials or {}).get(field)
    if raw is None and request is not None:
        raw = request.POST.get(field, "")
    user = find_login_user(raw)
    if user is None:
        from linli.core.models import User

        user = User.objects.filter(username__iexact=normalise_text(raw)).first()
    if user is not None:
        return user.username.casefold()
    phone = login_mobile(raw)
    return phone or normalise_text(raw).casefold()[:150]


class LoginAttemptHandler(AxesDatabaseHandler):
    """django-axes counting per account (any address) and per address (any account), each with its limit.

    ``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]``: the account locks after ``AXES_FAILURE_LIMIT``
    failures; an address locks after ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures over any names (guessing one
    password against many accounts), a higher number because a community office shares one address.
    A successful login clears only the account's counter, so a valid login cannot reset an address.
    """

    def get_failures(self, request, credentials=None) -> int:
        from django.conf import settings

        per_account, per_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = per_address * settings.AXES_FAILURE_LIMIT // max(settings.LOGIN_ADDRESS_FAILURE_LIMIT, 1)
        return max(per_account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        count, _ = self.filter_user_attempts(request, credentials)[0].delete()
        return count


class UsernameOrPhoneBackend(ModelBackend):
    """Accepts a username or a mainland mobile number (looked up by its blind index)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from linli.core.models import User

        if username is None or password is None:
            return None
        user = find_login_user(username)
        if user is None:
            User().set_password(password)  # same work either way: no timing hint that the name is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, worded in Chinese (Django's zh-hans catalogue lacks the current wording)."""

    def get_error_message(self):
        return f"密码太短：至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"


class StaffPasswordLengthValidator:
    """Staff accounts need at least 12 characters (residents 8, by Django's own validator)."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password, user=None):
        if user is not None and getattr(user, "pk", None) and user.is_staff_role and len(password) < self.min_length:
            raise ValidationError(f"工作人员账号的密码至少需要 {self.min_length} 个字符。", code="password_too_short")

    def get_help_text(self):
        return f"工作人员账号的密码至少需要 {self.min_length} 个字符。"


def lockout_response(request, *args, **kwargs):
    """django-axes lockout: the same words whether or not the account exists."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = f"登录失败次数过多，请 {minutes} 分钟后再试。"
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": message}, status=429)
    from linli.core.forms import LoginForm

    return render(request, "core/login.html", {"form": LoginForm(request), "locked_message": message}, status=429)
