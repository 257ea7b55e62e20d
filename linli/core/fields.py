"""Fields shared by every app."""

from django.db import models


class PrefixSearchField(models.CharField):
    """A text column searched by prefix (``LIKE 'x%'``): byte-wise "C" collation on PostgreSQL.

    On PostgreSQL ``LIKE 'prefix%'`` uses a b-tree index only under the "C" collation; SQLite's
    default BINARY collation already compares byte-wise. The collation is chosen per connection, so
    the same migration serves both databases.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class PathField(PrefixSearchField):
    """A materialised path of the scope tree; "all under X" is ``path LIKE 'X%'`` on an index."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)


class EncryptedTextField(models.TextField):
    """A column that holds ciphertext from ``core.crypto.encrypt`` (never plain text).

    Key rotation, backups and the data copy find encrypted columns by this type, so an app's new encrypted
    column is re-encrypted by ``rotate_keys`` without editing any list. The model encrypts on write and decrypts
    on read through its own properties (masked values are computed on read); the field only marks the column.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)
