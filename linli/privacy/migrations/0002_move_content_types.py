from django.db import migrations

MODELS = ["consentrecord", "consenttext", "correctionrequest", "correctiontransition", "legalhold", "retentionpolicy"]


def forwards(apps, schema_editor):
    """Point the existing content types at the privacy app, so change logs written before the move still find their
    records (the auditor's trail and the resident's change history look records up by content type)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="privacy", model=model).exists():
            ContentType.objects.filter(app_label="dataio", model=model).update(app_label="privacy")


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="dataio", model=model).exists():
            ContentType.objects.filter(app_label="privacy", model=model).update(app_label="dataio")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("privacy", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
