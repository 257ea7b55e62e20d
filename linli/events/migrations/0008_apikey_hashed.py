import hashlib

from django.db import migrations, models


def hash_keys(apps, schema_editor):
    """Replace every stored key by its SHA-256 and a short prefix; the clients keep using the same keys."""
    ApiKey = apps.get_model("events", "ApiKey")
    for row in ApiKey.objects.all():
        row.key_hash = hashlib.sha256(row.key.encode()).hexdigest()
        row.prefix = row.key[:8]
        row.save(update_fields=["key_hash", "prefix"])


class Migration(migrations.Migration):
    """Store Open311 API keys hashed (SHA-256) with a display prefix, never in plain text."""

    dependencies = [("events", "0007_event_public_review")]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="key_hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="密钥摘要（SHA-256）"),
        ),
        migrations.AddField(
            model_name="apikey",
            name="prefix",
            field=models.CharField(default="", editable=False, max_length=16, verbose_name="密钥前缀"),
            preserve_default=False,
        ),
        migrations.RunPython(hash_keys, migrations.RunPython.noop),
        migrations.RemoveField(model_name="apikey", name="key"),
        migrations.AlterField(
            model_name="apikey",
            name="key_hash",
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name="密钥摘要（SHA-256）"),
        ),
    ]
