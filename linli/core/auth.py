"""Login by username or mobile number; password and lockout rules."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.shortcuts import render

from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.identity import MOBILE_RE, normalise_text, parse_phone


class UsernameOrPhoneBackend(ModelBackend):
    """Accepts a username or a mainland mobile number (looked up by its blind index)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from linli.core.models import User

        if username is None or password is None:
            return None
        name = normalise_text(username)
        user = None
        if MOBILE_RE.fullmatch(name.replace("-", "")):
            try:
                phone = parse_phone(name)
            except DomainError:
                phone = ""
            if phone:
                user = User.objects.filter(phone_hash=crypto.blind_index(phone, "phone")).first()
        if user is None:
            user = User.objects.filter(username=name).first()
        if user is None:
            User().set_password(password)  # same work either way: no timing hint that the name is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


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
