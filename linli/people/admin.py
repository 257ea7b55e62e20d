"""Tags are configuration (the tree, sensitivity, consent); people themselves are kept in the console."""

from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from linli.people.models import Tag


@admin.register(Tag)
class TagAdmin(TreeAdmin):
    form = movenodeform_factory(Tag, fields=["name", "code", "sensitivity", "requires_consent", "color", "description"])
    list_display = ["name", "code", "sensitivity", "requires_consent"]
