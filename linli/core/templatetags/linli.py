from django import template
from django.utils.html import format_html

from linli.core.timefmt import local_display

register = template.Library()


@register.simple_tag
def cell(column, obj):
    value = local_display(column.value(obj))
    if column.link and hasattr(obj, "get_absolute_url"):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), value if value != "" else "—")
    return "—" if value == "" else value


@register.simple_tag(takes_context=True)
def querystring_with(context, **kwargs):
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def when(value):
    """A datetime, date or ISO string (a change-log value) in local time: ``2026-12-06 15:04``."""
    return local_display(value)


@register.filter
def change_value(value):
    """A value in a change-log row as people read it: local time, 是/否, and — for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return local_display(value)


@register.filter
def sensitivity_badge(level: int) -> str:
    return {0: "bg-green-lt", 1: "bg-blue-lt", 2: "bg-orange-lt", 3: "bg-red-lt"}.get(level, "bg-secondary-lt")


@register.filter
def bs(field):
    """Render a form field's widget with Tabler/Bootstrap classes."""
    widget = field.field.widget
    kind = getattr(widget, "input_type", "")
    if kind in ("checkbox", "radio"):
        css = "form-check-input"
    elif kind == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.simple_tag
def map_config():
    """The maps' base layer settings as a JSON script element (id "linli-map-config") for static/linli/map.js."""
    from django.utils.html import json_script

    from linli.core.maps import tile_config

    return json_script(tile_config(), "linli-map-config")
