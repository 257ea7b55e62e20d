"""Administrators configure the rewards that points buy; the ledger is read-only here (changes are postings)."""

from django.contrib import admin

from linli.volunteering.models import PointEntry, Reward


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "provider", "cost", "stock", "active"]
    list_filter = ["kind", "active"]
    exclude = ["region_path"]

    def save_model(self, request, obj, form, change):
        obj.region_path = obj.region.path
        super().save_model(request, obj, form, change)


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "memo", "actor", "reverses"]
    readonly_fields = ["memo", "actor", "reverses", "signup", "wish", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
