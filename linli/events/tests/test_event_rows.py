"""The list row written in Python (``event_row``) is the markup the template wrote, for every kind of row."""

import datetime as dt
import itertools

import pytest
from django.template import Context, Template
from django.utils import timezone

from linli.events.factories import EventFactory
from linli.events.models import Event, EventStatus, Supervision

pytestmark = pytest.mark.django_db

# The row as templates/events/console/event_list.html wrote it before ``event_row``.
TEMPLATE_ROW = (
    "{% for e in rows %}\n"
    '        <tr class="{% if e.overdue_now %}table-danger{% elif e.warn_now %}table-warning{% endif %}" data-testid="event-row">\n'
    '          {% if bulk %}<td><input type="checkbox" class="form-check-input" name="ids" value="{{ e.pk }}" aria-label="选择 {{ e.number }}"></td>{% endif %}\n'
    '          <td class="font-monospace"><a href="{{ e.get_absolute_url }}">{{ e.number }}</a></td>\n'
    '          <td><span>{% if e.emergency %}<span class="badge bg-red-lt me-1">急</span>{% endif %}{% if e.flagged %}<span class="badge bg-purple-lt me-1">挂牌</span>{% endif %}{% if e.needs_triage %}<span class="badge bg-orange-lt me-1">待分拨</span>{% endif %}{% if e.possible_duplicate_of_id %}<span class="badge bg-yellow-lt me-1">疑似重复</span>{% endif %}{{ e.title }}</span></td>\n'
    '          <td>{{ e.category.name|default:"未分类" }}</td>\n'
    '          <td class="text-nowrap">{{ e.get_channel_display }}</td>\n'
    "          <td class=\"text-nowrap\"><span class=\"badge {% if e.status == 'pending' %}bg-blue-lt{% elif e.status == 'closed' %}bg-green-lt{% elif e.status == 'rejected' or e.status == 'merged' %}bg-secondary-lt{% else %}bg-azure-lt{% endif %}\">{{ e.get_status_display }}</span>\n"
    '            {% if e.supervision %}<span class="badge {% if e.supervision >= 2 %}bg-red-lt{% else %}bg-yellow-lt{% endif %}">{{ e.get_supervision_display }}</span>{% endif %}</td>\n'
    '          <td><span>{{ e.location_label|default:"—"|truncatechars:24 }}<span class="d-block small text-secondary">{{ e.region.name }}</span></span></td>\n'
    '          <td>{{ e.handler_label|default:"—" }}</td>\n'
    '          <td class="text-nowrap small">{{ e.created_at|date:"m-d H:i" }}</td>\n'
    '          <td class="text-nowrap small">{% if e.due_at %}{{ e.due_at|date:"m-d H:i" }}{% if e.overdue_now %}<div class="text-danger">已超期</div>{% endif %}{% else %}—{% endif %}</td>\n'
    "        </tr>\n"
    "{% endfor %}"
)
PYTHON_ROW = "{% load event_rows %}{% for e in rows %}\n        {% event_row e bulk %}\n{% endfor %}"


def _variety(world, open_event) -> list[Event]:
    """Events covering every branch of the row: states, badges, places, handlers, deadlines, odd text."""
    now = timezone.now()
    opened = open_event()  # a resident's report about a flat, with a category
    rows = [opened]
    statuses = list(EventStatus.values)
    flags = itertools.product([False, True], repeat=4)
    for i, (emergency, flagged, triage, late) in enumerate(flags):
        e = EventFactory(
            region=world.grid_a if i % 2 else world.grid_b,
            status=statuses[i % len(statuses)],
            emergency=emergency,
            flagged=flagged,
            needs_triage=triage,
            supervision=[Supervision.NONE, 1, 2, 3][i % 4],
            title=f'<b>"急"</b> & 事件{i}' + "很长的标题" * (i % 3),
            address=["", "彩虹路12号门口<script>", "一个非常非常非常非常非常非常非常长的地址"][i % 3],
            lat=26.5 if i % 5 == 0 else None,
            lng=106.7 if i % 5 == 0 else None,
            building=world.house_a.building if i % 4 == 1 else None,
            handler_org=world.department if i % 8 == 2 else None,
            house=world.house_a if i % 7 == 3 else None,
            handler_user=world.users["grid1"] if i % 3 == 1 else None,
            handler_kind=["", "grid", "care", "service_centre"][i % 4],
            due_at=(now - dt.timedelta(hours=1) if late else now + dt.timedelta(hours=5)) if i % 6 else None,
            possible_duplicate_of=opened if i % 5 == 2 else None,
        )
        rows.append(e)
    for i, e in enumerate(Event.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")):
        e.overdue_now = e.is_overdue(now)
        e.warn_now = i % 3 == 0 and not e.overdue_now
        rows[i] = e
    return rows


@pytest.mark.parametrize("bulk", [True, False])
def test_the_python_row_is_the_template_row(world, open_event, bulk):
    rows = _variety(world, open_event)
    context = {"rows": rows, "bulk": bulk}
    expected = Template(TEMPLATE_ROW).render(Context(context))
    written = Template(PYTHON_ROW).render(Context(context))
    assert "&lt;script&gt;" in written and "table-danger" in written and "疑似重复" in written
    assert written == expected


def test_the_queue_page_shows_the_rows_of_the_dispatchers_area(world, open_event, login):
    mine = open_event(text="楼道灯坏了一周<b>")
    page = login(world.users["staff"]).get("/console/events/queue/")
    body = page.content.decode()
    assert page.status_code == 200 and body.count('data-testid="event-row"') == 1
    assert f'href="/console/events/{mine.pk}/"' in body and "楼道灯坏了一周&lt;b&gt;" in body
