"""Administrators configure the taxonomy, external codes, dispatch rules and API keys here (holidays: core)."""

from django.contrib import admin, messages

from linli.events.models import (
    ApiKey,
    Category,
    ClassificationFeedback,
    DispatchRule,
    Event,
    EventCounter,
    EventPhoto,
    EventTask,
    EventTransition,
    ExternalCode,
)


class ExternalCodeInline(admin.TabularInline):
    model = ExternalCode
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "handler_kind", "deadline", "urgency", "emergency", "active",
                    "version"]  # fmt: skip
    list_filter = ["parent", "handler_kind", "deadline_unit", "urgency", "emergency", "active"]
    search_fields = ["code", "name", "synonyms"]
    list_editable = ["active"]
    inlines = [ExternalCodeInline]

    @admin.display(description="默认时限", ordering="deadline_value")
    def deadline(self, obj):
        return obj.deadline_label


@admin.register(ExternalCode)
class ExternalCodeAdmin(admin.ModelAdmin):
    list_display = ["system", "code", "name", "category"]
    list_filter = ["system"]
    search_fields = ["code", "name", "category__code", "category__name"]


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "handler_kind", "organisation", "user", "active"]
    list_filter = ["handler_kind", "active"]
    autocomplete_fields = []
    raw_id_fields = ["category", "region", "organisation", "user"]


class TransitionInline(admin.TabularInline):
    model = EventTransition
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "action_label", "from_status", "to_status", "actor_name", "note", "public"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-mostly: the workflow is changed through the console, where every step is recorded."""

    list_display = ["number", "title", "channel", "category", "status", "region", "created_at", "due_at"]
    list_filter = ["status", "channel", "needs_triage", "flagged", "supervision"]
    search_fields = ["number", "title", "external_id"]
    readonly_fields = [f.name for f in Event._meta.fields if f.name not in ("flagged", "flag_note")]
    inlines = [TransitionInline]

    def has_add_permission(self, request):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are generated here and shown once; the database keeps only their SHA-256 and a prefix."""

    list_display = ["name", "prefix", "region", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    fields = ["name", "region", "active", "prefix", "created_at"]
    readonly_fields = ["prefix", "created_at"]
    raw_id_fields = ["region"]
    actions = ["regenerate"]

    def save_model(self, request, obj, form, change):
        if not change:
            key = ApiKey.generate()
            obj.set_key(key)
            super().save_model(request, obj, form, change)
            self._show_once(request, obj, key)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="重新生成所选密钥（旧密钥立即失效）")
    def regenerate(self, request, queryset):
        for obj in queryset:
            key = ApiKey.generate()
            obj.set_key(key)
            obj.save(update_fields=["key_hash", "prefix"])
            self._show_once(request, obj, key)

    @staticmethod
    def _show_once(request, obj, key):
        messages.warning(
            request,
            f"“{obj.name}”的接口密钥：{key} —— 只显示这一次，请立即复制并安全地交给对方系统；"
            "系统只保存它的摘要，之后无法再查看，遗失只能重新生成。",
        )


for model, fields in (
    (EventPhoto, ["event", "kind", "content_type", "size", "created_at"]),
    (EventTask, ["event", "organisation", "role", "status", "due_at"]),
    (ClassificationFeedback, ["suggested_code", "chosen_code", "actor", "created_at"]),
    (EventCounter, ["day", "last"]),
    (EventTransition, ["event", "action_label", "from_status", "to_status", "actor_name", "public", "created_at"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (admin.ModelAdmin,), {"list_display": fields}))
