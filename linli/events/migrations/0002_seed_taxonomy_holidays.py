from django.db import migrations


def seed(apps, schema_editor):
    from linli.core.calendar import load_holidays
    from linli.events.taxonomy import load_taxonomy

    load_taxonomy(apps.get_model("events", "Category"))
    load_holidays(apps.get_model("events", "Holiday"), apps.get_model("events", "HolidayYear"))


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
