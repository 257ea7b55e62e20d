"""Login, logout and the TOTP second factor (enrolment and verification)."""

import base64
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.core import audit
from linli.core.forms import LoginForm, OTPTokenForm
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
        if otp_required(user):
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
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
    """Enrol a TOTP device: show the QR code, confirm with the first code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="默认设备", confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            messages.success(request, "二次验证已启用。")
            return redirect(_next_url(request, "/"))
        form.add_error("token", "验证码不正确，请核对手机时间后重试。")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = base64.b64encode(buffer.getvalue()).decode()
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "core/otp_setup.html", {"form": form, "qr_svg": svg, "secret": secret})


@login_required
def otp_verify(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
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
