"""One row of the console's event lists, written out in Python.

The row had a dozen ``{% if %}`` and twenty variable lookups with filters; rendered by the template engine for
the 50 rows of a page it was the largest part of a queue page's CPU. ``event_row`` writes the same markup (the
tests compare it with what the template wrote), escaping every value as the template did.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime

from linli.core.http import pk_url
from linli.events.models import Channel, EventStatus, Supervision

register = template.Library()

# get_FOO_display() flattens the field's choices into a new dict on every call (three per row); the labels are fixed.
_CHANNEL = dict(Channel.choices)
_STATUS = dict(EventStatus.choices)
_SUPERVISION = dict(Supervision.choices)

_BADGES = (
    ("emergency", '<span class="badge bg-red-lt me-1">急</span>'),
    ("flagged", '<span class="badge bg-purple-lt me-1">挂牌</span>'),
    ("needs_triage", '<span class="badge bg-orange-lt me-1">待分拨</span>'),
    ("possible_duplicate_of_id", '<span class="badge bg-yellow-lt me-1">疑似重复</span>'),
)
_STATUS_BADGE = {"pending": "bg-blue-lt", "closed": "bg-green-lt", "rejected": "bg-secondary-lt",
                 "merged": "bg-secondary-lt"}  # fmt: skip
_CELL = "\n          "


def _time(value) -> str:
    """``value|date:"m-d H:i"`` in the current time zone ("" for none)."""
    return template_localtime(value).strftime("%m-%d %H:%M") if value else ""


@register.simple_tag
def event_row(e, bulk) -> str:
    esc = conditional_escape
    overdue = getattr(e, "overdue_now", False)
    row_class = "table-danger" if overdue else "table-warning" if getattr(e, "warn_now", False) else ""
    out = [f'<tr class="{row_class}" data-testid="event-row">', _CELL]
    number = esc(e.number)
    if bulk:
        out.append(f'<td><input type="checkbox" class="form-check-input" name="ids" value="{e.pk}" '
                   f'aria-label="选择 {number}"></td>')  # fmt: skip
    out.append(
        f'{_CELL}<td class="font-monospace"><a href="{esc(pk_url("events:event_detail", e.pk))}">{number}</a></td>'
    )
    badges = "".join(html for attr, html in _BADGES if getattr(e, attr))
    out.append(f"{_CELL}<td><span>{badges}{esc(e.title)}</span></td>")
    category = e.category if e.category_id else None
    out.append(f"{_CELL}<td>{esc(getattr(category, 'name', '') or '未分类')}</td>")
    out.append(f'{_CELL}<td class="text-nowrap">{esc(_CHANNEL.get(e.channel, e.channel))}</td>')
    status_badge = _STATUS_BADGE.get(e.status, "bg-azure-lt")
    out.append(f'{_CELL}<td class="text-nowrap"><span class="badge {status_badge}">{esc(_STATUS.get(e.status, e.status))}</span>'
               "\n            ")  # fmt: skip
    if e.supervision:
        level = "bg-red-lt" if e.supervision >= 2 else "bg-yellow-lt"
        out.append(f'<span class="badge {level}">{esc(_SUPERVISION.get(e.supervision, e.supervision))}</span>')
    out.append("</td>")
    location = Truncator(e.location_label or "—").chars(24)
    region = e.region.name if e.region_id else ""
    out.append(f'{_CELL}<td><span>{esc(location)}<span class="d-block small text-secondary">{esc(region)}</span>'
               "</span></td>")  # fmt: skip
    out.append(f"{_CELL}<td>{esc(e.handler_label or '—')}</td>")
    out.append(f'{_CELL}<td class="text-nowrap small">{_time(e.created_at)}</td>')
    if e.due_at:
        due = _time(e.due_at) + ('<div class="text-danger">已超期</div>' if overdue else "")
    else:
        due = "—"
    out.append(f'{_CELL}<td class="text-nowrap small">{due}</td>\n        </tr>')
    return mark_safe("".join(out))
