"""What events tell the privacy app (registered in apps.py): a resident's own events for their data copy, and the
storage limit of the phone number a reporter left on an event."""

import datetime as dt

from linli.events.models import Event


def personal_data_events(person) -> list[dict]:
    """The events the person reported from their account: number, category, status, dates and the address they
    gave. Nothing about handlers or other people."""
    if not person.user_id:
        return []
    rows = (
        Event.objects.filter(reporter_user_id=person.user_id)
        .select_related("category", "house__building__compound", "house__unit", "building__compound")
        .order_by("-created_at", "-pk")[:500]
    )
    return [
        {
            "事件编号": e.number,
            "分类": e.category.name if e.category_id else "",
            "状态": e.resident_status,
            "上报时间": e.created_at.isoformat(),
            "结案时间": e.closed_at.isoformat() if e.closed_at else None,
            "地址": e.location_label,
        }
        for e in rows
    ]


def purge_closed_event_phones(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Clear the contact phone of events closed before ``cutoff`` (the return visit is long done); the event itself
    stays. Events reported from the account of a person under a legal hold keep theirs."""
    from linli.people.models import Person

    held_users = Person.objects.filter(pk__in=held_person_ids, user__isnull=False).values("user_id")
    qs = Event.objects.filter(closed_at__lt=cutoff).exclude(contact_phone_enc="")
    qs = qs.exclude(reporter_user_id__in=held_users)
    return qs.update(contact_phone_enc="", contact_phone_hash="", contact_phone_masked="")
