"""Keep only the birth year in clear; drop the clear birth date and the stored ID mask.

Both are derived from the encrypted ID number on read. The data step runs before the columns go, with the ORM
(``ExtractYear``), so it works on SQLite and PostgreSQL alike.
"""

from django.db import migrations, models
from django.db.models.functions import ExtractYear


def copy_birth_year(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Person.objects.filter(birth_date__isnull=False).update(birth_year=ExtractYear("birth_date"))


class Migration(migrations.Migration):
    dependencies = [("people", "0003_visits")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_year",
            field=models.PositiveSmallIntegerField(blank=True, db_index=True, null=True, verbose_name="出生年份"),
        ),
        migrations.RunPython(copy_birth_year, migrations.RunPython.noop),
        migrations.RemoveField(model_name="person", name="birth_date"),
        migrations.RemoveField(model_name="person", name="id_number_masked"),
    ]
