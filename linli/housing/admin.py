"""Compounds and their property companies are configuration; houses are kept in the console."""

from django.contrib import admin

from linli.housing.models import Compound


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "property_company", "address"]
    search_fields = ["name"]
    raw_id_fields = ["community", "property_company"]
    exclude = ["region_path"]

    def save_model(self, request, obj, form, change):
        obj.region_path = obj.community.path
        super().save_model(request, obj, form, change)
