"""PostgreSQL: an index on the reversed name, for the given-name search (小明 finds 王小明, 欧阳小明).

The search asks ``reverse(name) LIKE '明小%'`` (the name ends with the text): with this index that is a range
scan instead of a scan of every person in the user's scope. SQLite has no expression index of this kind and
needs none at its sizes: nothing is done there.
"""

from django.db import migrations

CREATE = 'CREATE INDEX IF NOT EXISTS person_name_reversed ON people_person ((reverse("name")) text_pattern_ops)'
DROP = "DROP INDEX IF EXISTS person_name_reversed"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0006_encrypted_text_fields")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
