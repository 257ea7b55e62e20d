"""Administration of configuration: regions, levels, organisations, users and grants; audit is read-only."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from linli.core import calendar, services
from linli.core.errors import DomainError
from linli.core.models import (
    AccountNotice,
    AuditLog,
    Grant,
    Holiday,
    HolidayYear,
    Notification,
    ObjectChange,
    Organisation,
    OutboundMessage,
    Region,
    RegionLevel,
    User,
)

admin.site.site_header = "邻里 · 系统管理"
admin.site.site_title = "邻里系统管理"


@admin.register(RegionLevel)
class RegionLevelAdmin(admin.ModelAdmin):
    list_display = ["depth", "code", "name"]


class RegionAdminForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        Region.objects.all(), required=False, label="上级区域", help_text="新建时选择；建成后不可移动"
    )

    class Meta:
        model = Region
        fields = ["parent", "name", "level", "code", "leader_name", "leader_user", "lat", "lng", "boundary"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions are appended under a parent through the service; moving is not offered (paths are copied)."""

    form = RegionAdminForm
    list_display = ["indented_name", "level", "code", "leader_name"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    readonly_fields = ["path"]
    raw_id_fields = ["leader_user"]

    @admin.display(description="名称")
    def indented_name(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}"

    def get_fields(self, request, obj=None):
        fields = ["name", "level", "code", "leader_name", "leader_user", "lat", "lng", "boundary", "path"]
        return (["parent"] + fields[:-1]) if obj is None else fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.region_create(
            actor=request.user, name=data["name"], level=data["level"], parent=data.get("parent"), code=data.get("code", ""),
            boundary=data.get("boundary"), lat=data.get("lat"), lng=data.get("lng"), leader_name=data.get("leader_name", ""),
        )  # fmt: skip
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "credit_code"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["region"]
    exclude = ["region_path"]

    def save_model(self, request, obj, form, change):
        obj.region_path = obj.region.path
        super().save_model(request, obj, form, change)


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    raw_id_fields = ["region", "organisation"]


@admin.register(User)
class LinliUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "phone_masked", "is_active", "last_login"]
    search_fields = ["username", "full_name"]
    inlines = [GrantInline]
    fieldsets = [
        (None, {"fields": ["username", "password", "full_name", "phone_masked"]}),
        ("状态", {"fields": ["is_active", "is_staff", "is_superuser", "otp_exempt"]}),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["phone_masked", "last_login", "date_joined"]
    change_form_template = "admin/core/user/change_form.html"

    def get_urls(self):
        extra = [
            path("<int:pk>/otp-reset/", self.admin_site.admin_view(self.otp_reset_view), name="core_user_otp_reset")
        ]
        return extra + super().get_urls()

    def otp_reset_view(self, request, pk: int):
        """Reset a user's second factor (lost phone): asks for a reason, audits it, tells the owner."""
        if not request.user.is_superuser and not request.user.has_role("admin"):
            raise PermissionDenied
        user = get_object_or_404(User, pk=pk)
        form = OTPResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = services.otp_reset(user=user, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as e:
                form.add_error("reason", e.message)
            else:
                messages.success(
                    request, f"已重置 {user} 的二次验证（移除 {count} 个设备），已记入访问记录并通知本人。"
                )
                return redirect("admin:core_user_change", user.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"重置二次验证：{user}",
            "target": user,
            "form": form,
            "devices": TOTPDevice.objects.filter(user=user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/core/user/otp_reset.html", context)


class OTPResetForm(forms.Form):
    reason = forms.CharField(
        label="事由",
        min_length=2,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例如：手机丢失，本人到社区核实身份后申请。事由记入访问记录，并告知账号本人。",
        error_messages={"required": "请填写重置事由。", "min_length": "请填写事由（至少 2 个字）。"},
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action", "target_repr", "field", "reason", "result", "ip"]
    list_filter = ["action", "result"]
    search_fields = ["actor_name", "target_repr", "reason"]


@admin.register(ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_name", "target_repr"]


# TOTP devices: visible to administrators, never added, edited or deleted here. Replacing a device is done by its
# owner after passing the second factor; a lost one is reset from the user's page (audited, with a reason).
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class ReadOnlyTOTPDeviceAdmin(ReadOnlyAdmin, TOTPDeviceAdmin):
    list_display = ["user", "name", "confirmed"]
    fieldsets = [(None, {"fields": ["user", "name", "confirmed"]})]
    actions = None


@admin.register(AccountNotice)
class AccountNoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "message", "seen_at"]


# API tokens: administrators see that they exist (owner, prefix, expiry), and never add one for someone else.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ReadOnlyAuthTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "token_key", "created", "expiry"]
    fields = ["user", "token_key", "created", "expiry"]
    search_fields = ["user__username"]


# --- the working calendar (linli.core.calendar) and messages (linli.core.notifications) -------------------


def calendar_warning(request) -> None:
    """Warn while next year's official holiday notice is missing: its deadlines fall back to plain weekends."""
    last = calendar.last_known_year()
    today = timezone.localdate()
    horizon = (today + dt.timedelta(days=60)).year
    if last is None or last < horizon:
        missing = (last or today.year - 1) + 1
        messages.warning(
            request,
            f"{missing} 年的放假与调休安排尚未录入：超出 {last or '已录入年份'} 年的处置时限按普通周末估算（事件上标注“时限为估算”）。"
            "国务院办公厅通知发布后，请在此录入放假日与调休上班日，并在“节假日年度”中登记该年为已录入。",
        )


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind", "date"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        calendar_warning(request)
        return super().changelist_view(request, extra_context)


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ["year", "published", "source"]

    def changelist_view(self, request, extra_context=None):
        calendar_warning(request)
        return super().changelist_view(request, extra_context)


for model, fields in (
    (Notification, ["recipient", "kind", "title", "target_type", "target_id", "read_at", "created_at"]),
    (OutboundMessage, ["channel", "backend", "to_masked", "template", "status", "created_at"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {"list_display": fields}))
