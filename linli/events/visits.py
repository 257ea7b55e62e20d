"""Opening an event from a visit (走访发现问题，一键转为事件): the events layer joins the two modules."""

from django.db import transaction

from linli.core.errors import ConflictError
from linli.core.models import User
from linli.events import services
from linli.events.models import Channel, Event
from linli.housing.models import House
from linli.people import services as people_services
from linli.people.models import Residency, Visit


@transaction.atomic
def event_from_visit(*, visit: Visit, actor: User, text: str = "", category_code: str | None = None) -> Event:
    """Open a patrol event about what a visit found, and link it to the visit; a visit opens at most one event."""
    locked = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("person", "household__house", "region")
        .get(pk=visit.pk)
    )
    if locked.event_id:
        raise ConflictError(f"该走访已转为事件 {locked.event_number}，请勿重复提交。")
    text = (text or "").strip() or _default_text(locked)
    house = _house_of(locked)
    event = services.event_open(
        channel=Channel.PATROL,
        category_code=category_code or None,
        text=text,
        reporter=actor,
        actor=actor,
        house=house,
        region=locked.region,
    )
    people_services.visit_link_event(actor=actor, visit=locked, event_id=event.pk, event_number=event.number)
    visit.event_id, visit.event_number = event.pk, event.number
    return event


def _house_of(visit: Visit) -> House | None:
    """Where the visit took place: the household's house, else the person's current (main) house."""
    if visit.household_id and visit.household.house_id:
        return visit.household.house
    if visit.person_id:
        row = (
            Residency.objects.filter(person_id=visit.person_id, end__isnull=True)
            .select_related("house__building__grid")
            .order_by("kind", "pk")
            .first()
        )
        return row.house if row else None
    return None


def _default_text(visit: Visit) -> str:
    found = visit.follow_up or visit.notes
    return f"走访发现（{visit.visited_on:%m月%d日}{visit.get_kind_display()}，对象：{visit.target_name}）：{found}"[
        :4000
    ]
