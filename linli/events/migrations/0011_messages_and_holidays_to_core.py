"""Messages and the holiday calendar move to core.

Holiday and HolidayYear keep their tables (state only: ``core.Holiday`` now owns them). The inbox
(``Notification``) and the outbound log (``OutboundMessage``) are copied, ids and times kept, into core's tables,
which point at any record; an event becomes (content type ``events.event``, its id). Backwards the rows about
events (or about nothing) are copied back; messages about other records cannot be represented and stay behind.
"""

from django.core.management.color import no_style
from django.db import migrations
from django.db.models import Q

COMMON = {
    "Notification": ["recipient_id", "kind", "title", "body", "url", "read_at", "created_at"],
    "OutboundMessage": [
        "channel",
        "backend",
        "recipient_id",
        "to_masked",
        "template",
        "params",
        "status",
        "created_at",
    ],
}


def _copy(rows, target, fields, extra, schema_editor):
    """Copy ``rows`` (a queryset) into the model ``target``, ids and times kept; ``extra(row)`` adds the pointer."""
    db = schema_editor.connection.alias
    created = target._meta.get_field("created_at")
    created.auto_now_add = False  # keep each message's own time
    try:
        batch = []
        for row in rows.order_by("pk").iterator(chunk_size=2000):
            batch.append(target(pk=row.pk, **{f: getattr(row, f) for f in fields}, **extra(row)))
            if len(batch) >= 2000:
                target.objects.using(db).bulk_create(batch, ignore_conflicts=True)  # rows copied before stay
                batch = []
        target.objects.using(db).bulk_create(batch, ignore_conflicts=True)  # rows copied before stay
    finally:
        created.auto_now_add = True
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [target]):
            cursor.execute(sql)


def forward(apps, schema_editor):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    olds = {name: apps.get_model("events", name) for name in COMMON}
    if not any(m.objects.using(db).exists() for m in olds.values()):
        return
    event_type, _ = ContentType.objects.using(db).get_or_create(app_label="events", model="event")

    def pointer(row):
        return {"target_type_id": event_type.pk if row.event_id else None, "target_id": row.event_id}

    for name, old in olds.items():
        _copy(old.objects.using(db).all(), apps.get_model("core", name), COMMON[name], pointer, schema_editor)


def backward(apps, schema_editor):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Event = apps.get_model("events", "Event")
    event_type = ContentType.objects.using(db).filter(app_label="events", model="event").first()
    for name, fields in COMMON.items():
        new = apps.get_model("core", name)
        about_events = Q(target_type__isnull=True)
        if event_type is not None:
            about_events |= Q(target_type=event_type)
        rows = new.objects.using(db).filter(about_events)
        ids = set(rows.exclude(target_id=None).values_list("target_id", flat=True))
        existing = set(Event.objects.using(db).filter(pk__in=ids).values_list("pk", flat=True))

        def pointer(row, existing=existing):
            return {"event_id": row.target_id if row.target_id in existing else None}

        _copy(rows, apps.get_model("events", name), fields, pointer, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_holidays_and_messages"),
        ("events", "0010_alter_event_contact_phone_enc"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Holiday"), migrations.DeleteModel(name="HolidayYear")],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="Notification"),
        migrations.DeleteModel(name="OutboundMessage"),
    ]
