"""Joins the three parts' first migrations (notices, deliberation, votes were written side by side)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0002_deliberation"),
        ("participation", "0002_notices"),
        ("participation", "0002_votes"),
    ]

    operations = []
