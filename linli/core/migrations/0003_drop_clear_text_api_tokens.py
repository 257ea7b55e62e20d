"""Drop DRF's authtoken table: it kept API tokens in clear. Tokens are now django-rest-knox digests.

Clients holding an old token get 401 and ask for a new one at POST /api/v1/auth/token (same request shape).
"""

from django.db import migrations


def drop_clear_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name('authtoken_token')}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_account_notices_and_token_audit")]

    operations = [migrations.RunPython(drop_clear_tokens, migrations.RunPython.noop)]
