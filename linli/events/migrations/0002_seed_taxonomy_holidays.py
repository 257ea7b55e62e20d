from django.db import migrations


def seed(apps, schema_editor):
    from linli.events.taxonomy import load_holidays, load_taxonomy

    load_taxonomy(apps.get_model("events", "Category"))
    load_holidays(apps.get_model("events", "Holiday"), apps.get_model("events", "HolidayYear"))


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
