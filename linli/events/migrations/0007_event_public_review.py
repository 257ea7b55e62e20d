import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """What Open311 publishes of a resident's text: a reviewed, redacted copy (empty until staff review it)."""

    dependencies = [
        ("events", "0006_queue_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="public_description",
            field=models.TextField(blank=True, max_length=4000, verbose_name="对外公开描述"),
        ),
        migrations.AddField(
            model_name="event",
            name="public_reviewed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="公开内容审核时间"),
        ),
        migrations.AddField(
            model_name="event",
            name="public_reviewed_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to=settings.AUTH_USER_MODEL, verbose_name="公开内容审核人",
            ),
        ),
    ]
