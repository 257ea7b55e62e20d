from django.contrib import admin

from linli.privacy.models import ConsentText, LegalHold, RetentionPolicy


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["title", "purpose", "version", "effective_from", "is_active"]
    list_filter = ["purpose", "is_active"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["kind_label", "days", "active", "note"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "created_by", "created_at", "released_at"]
    readonly_fields = ["created_by", "created_at", "released_at", "released_by"]
