"""Replace the clear birth year with the birth decade and a keyed blind index of the year.

The index needs the platform's blind-index key, so the data step runs in Python through ``linli.core.crypto``:
one UPDATE per distinct birth year (about a hundred), on SQLite and PostgreSQL alike. Change-log snapshots of
persons written before lose the clear birth year, birth date and ID mask they held (docs/security.md).
"""

from django.db import migrations, models

from linli.core import crypto

PURPOSE = "birth-year"  # linli.people.models.BIRTH_YEAR_PURPOSE, frozen here
CLEAR_KEYS = ("出生年份", "出生日期", "证件号码")  # birth_year, birth_date and id_number_masked in old snapshots


def index_birth_years(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    years = Person.objects.filter(birth_year__isnull=False).values_list("birth_year", flat=True).distinct()
    for year in list(years):
        Person.objects.filter(birth_year=year).update(
            birth_decade=year // 10 * 10, birth_year_index=crypto.blind_index(str(year), PURPOSE)
        )


def scrub_change_log(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectChange = apps.get_model("core", "ObjectChange")
    kind = ContentType.objects.filter(app_label="people", model="person").first()
    if kind is None:
        return
    last = 0
    while True:
        rows = list(ObjectChange.objects.filter(target_type=kind, pk__gt=last).order_by("pk")[:2000])
        if not rows:
            break
        dirty = []
        for row in rows:
            touched = False
            for side in ("before", "after"):
                data = getattr(row, side)
                if isinstance(data, dict) and any(k in data for k in CLEAR_KEYS):
                    setattr(row, side, {k: v for k, v in data.items() if k not in CLEAR_KEYS})
                    touched = True
            if touched:
                dirty.append(row)
        ObjectChange.objects.bulk_update(dirty, ["before", "after"])
        last = rows[-1].pk


def restore_birth_years(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    by_index = {crypto.blind_index(str(y), PURPOSE): y for y in range(1850, 2200)}
    indexes = Person.objects.exclude(birth_year_index="").values_list("birth_year_index", flat=True).distinct()
    for index in list(indexes):
        Person.objects.filter(birth_year_index=index).update(birth_year=by_index.get(index))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_birth_year_drop_clear_birth_date"),
        ("core", "0004_auditlog_search_action"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_decade",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="出生年代"),
        ),
        migrations.AddField(
            model_name="person",
            name="birth_year_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=40),
        ),
        migrations.RunPython(index_birth_years, restore_birth_years),
        migrations.RunPython(scrub_change_log, migrations.RunPython.noop),
        migrations.RemoveField(model_name="person", name="birth_year"),
    ]
