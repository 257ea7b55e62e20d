"""Login, logout and the TOTP second factor (enrolment and verification)."""

import base64
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from linli.core import audit, selectors, services
from linli.core.errors import DomainError
from linli.core.forms import LoginForm, OTPReplaceForm, OTPTokenForm
from linli.core.http import safe_next
from linli.core.middleware import otp_required
from linli.core.models import AuditLog


def _next_url(request, default: str) -> str:
    return safe_next(request, default)


def _with_next(name: str, request) -> str:
    return f"{_resolve(name)}?{urlencode({'next': _next_url(request, '/')})}"


def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user, backend="linli.core.auth.UsernameOrPhoneBackend")
        audit.record(actor=user, action=AuditLog.Action.LOGIN, target=user)
        for notice in services.account_notices_take(user=user):
            messages.warning(request, notice.message)
        if otp_required(user):
            has_device = selectors.otp_devices_of(user=user).exists()
            target = "core:otp_verify" if has_device else "core:otp_setup"
            return redirect(_with_next(target, request))
        return redirect(_next_url(request, "/"))
    context = {"form": form, "expired": request.GET.get("expired")}
    template = "core/resident/login.html" if request.GET.get("next", "").startswith("/m/") else "core/login.html"
    return render(request, template, context)


def _resolve(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
def otp_setup(request):
    """Enrol a TOTP device: show the QR code, confirm with the first code.

    A user who already has a confirmed device may enrol another (replacing it) only from a session that
    passed the second factor, and re-authenticates fully on the form (password and a code of the current
    device): the password alone never reaches a new secret. A lost device is reset by an
    administrator (audited, with a reason), after which this page serves the first enrolment again.
    """
    has_confirmed = selectors.otp_devices_of(user=request.user).exists()
    if has_confirmed and not request.user.is_verified():
        messages.info(request, "您的账号已绑定身份验证器，请先输入动态验证码；如设备丢失，请联系系统管理员重置。")
        return redirect(f"{_resolve('core:otp_verify')}?next={_next_url(request, '/')}")
    device = services.otp_device_pending(user=request.user)
    if has_confirmed:
        form = OTPReplaceForm(request.POST or None, user=request.user)
    else:
        form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_device_confirm(user=request.user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "二次验证设备已更换。" if has_confirmed else "二次验证已启用。")
            return redirect(_next_url(request, "/"))
        form.add_error("token", "验证码不正确，请核对手机时间后重试。")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = base64.b64encode(buffer.getvalue()).decode()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {"form": form, "qr_svg": svg, "secret": secret, "replacing": has_confirmed}
    return render(request, "core/otp_setup.html", context)


@login_required
def otp_verify(request):
    devices = list(selectors.otp_devices_of(user=request.user))
    if not devices:
        return redirect(_with_next("core:otp_setup", request))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_next_url(request, "/"))
        audit.record(actor=request.user, action=AuditLog.Action.LOGIN_FAILED, target=request.user, extra={"otp": True})
        form.add_error("token", "验证码不正确。")
    return render(request, "core/otp_verify.html", {"form": form})


def _account_security(request, template: str, url_name: str):
    """账号安全: the owner's second factor, API tokens (revocable) and security messages."""
    if request.method == "POST":
        token_id = request.POST.get("revoke", "")
        try:
            if token_id == "all":
                count = services.api_tokens_revoke_all(user=request.user, actor=request.user, why="本人吊销全部令牌")
                messages.success(request, f"已吊销全部 {count} 个接口令牌。")
            else:
                services.api_token_revoke(user=request.user, token_id=token_id)
                messages.success(request, f"已吊销令牌 {token_id[:8]}…，使用它的程序需要重新登录。")
        except DomainError as e:
            messages.error(request, e.message)
        return redirect(url_name)
    context = {
        "tokens": selectors.api_tokens_of(user=request.user),
        "notices": selectors.account_notices_of(user=request.user),
        "devices": selectors.otp_devices_of(user=request.user),
        "otp_required": otp_required(request.user),
    }
    return render(request, template, context)


@login_required
def console_account_security(request):
    return _account_security(request, "core/console/account_security.html", "core:account_security")


@login_required(login_url="/accounts/login/?next=/m/account/")
def resident_account_security(request):
    return _account_security(request, "core/resident/account_security.html", "core:resident_account_security")


@login_required
def password_change(request):
    """Change one's password (required once after a generated initial password); staff pass TOTP first."""
    if otp_required(request.user) and not request.user.is_verified():
        return redirect(f"{_resolve('core:otp_verify')}?next={request.path}")
    form = PasswordChangeForm(request.user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.password_must_change:
            user.password_must_change = False
            user.save(update_fields=["password_must_change"])
        update_session_auth_hash(request, user)
        audit.record(actor=user, action=AuditLog.Action.OTHER, target=user, field="password", reason="修改密码")
        messages.success(request, "密码已修改，原有接口令牌已全部吊销。")
        return redirect("/")
    return render(request, "core/password_change.html", {"form": form, "forced": request.user.password_must_change})
