"""Tags are configuration (the tree, sensitivity, consent); people themselves are kept in the console."""

from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from linli.people.models import Tag, VisitCycle


@admin.register(Tag)
class TagAdmin(TreeAdmin):
    form = movenodeform_factory(Tag, fields=["name", "code", "sensitivity", "requires_consent", "color", "description"])
    list_display = ["name", "code", "sensitivity", "requires_consent"]


@admin.register(VisitCycle)
class VisitCycleAdmin(admin.ModelAdmin):
    """走访周期: how often grid workers must visit persons with a tag (独居老人 every 7 days…)."""

    list_display = ["tag", "every_days", "active"]
    list_editable = ["every_days", "active"]
