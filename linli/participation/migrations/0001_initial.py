# The app's first migration is empty; each part (notices, deliberation, votes) adds its own tables after it.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
