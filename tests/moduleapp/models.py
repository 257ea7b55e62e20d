from django.db import models

from linli.core.fields import EncryptedTextField


class Secret(models.Model):
    """A row with an encrypted column, as any future module might add (no migration: the test database is
    created from the models, see tests/test_key_rotation.py)."""

    label = models.CharField(max_length=20)
    value_enc = EncryptedTextField(blank=True)

    class Meta:
        app_label = "moduleapp"
