"""Field-key rotation: add a new AES key, make it current, re-encrypt every ciphertext in small batches.

Reads accept every key in the ring (each ciphertext names its key), so the platform keeps working while rows are
re-encrypted; each batch locks only its own rows for a moment. The blind-index (HMAC) key is not rotated: see
docs/privacy.md.
"""

import base64
import json
import os
import secrets
from collections import Counter
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction

from linli.core import crypto
from linli.core.modules import encrypted_fields


def targets() -> list[tuple[str, list[str]]]:
    """Every model's ciphertext columns, found by field type (``EncryptedTextField``), never from a hand list.

    A hand list missed ``Event.contact_phone_enc`` once, leaving event phones under the old key; any app's new
    encrypted column is rotated without editing this file.
    """
    return [(model._meta.label, names) for model, names in encrypted_fields()]


def _next_id(keys: dict) -> str:
    n = max((int(k[1:]) for k in keys if k[1:].isdigit()), default=0) + 1
    return f"k{n}"


def new_keyring(data: dict) -> tuple[dict, str]:
    kid = _next_id(data["keys"])
    data = {**data, "keys": {**data["keys"], kid: base64.b64encode(secrets.token_bytes(32)).decode()}, "current": kid}
    return data, kid


def add_key_to_file(path: Path | None = None) -> str:
    """Append a new key to var/keys.json and make it current (atomic replace, mode 0600)."""
    path = Path(path or settings.LINLI_KEYS_FILE)
    crypto.keyring()  # creates the file on a fresh install
    data, kid = new_keyring(json.loads(path.read_text()))
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    tmp.replace(path)
    crypto.keyring.cache_clear()
    return kid


def env_keyring_with_new_key() -> tuple[str, str]:
    data, kid = new_keyring(json.loads(os.environ["LINLI_FIELD_KEYS"]))
    return json.dumps(data), kid


def status() -> dict[str, Counter]:
    out = {}
    for label, fields in targets():
        model = apps.get_model(label)
        counts: Counter = Counter()
        for field in fields:
            for value in model.objects.exclude(**{field: ""}).values_list(field, flat=True).iterator(chunk_size=5000):
                counts[crypto.key_id(value)] += 1
        out[label] = counts
    return out


def reencrypt(*, batch_size: int = 1000, log=lambda msg: None) -> int:
    """Re-encrypt every value not under the current key; returns the number of values changed."""
    crypto.keyring.cache_clear()
    current = crypto.keyring()["current"]
    prefix = f"{current}:"
    changed = 0
    for label, fields in targets():
        model = apps.get_model(label)
        last = 0
        while True:
            with transaction.atomic():
                qs = model.objects.filter(pk__gt=last).order_by("pk")
                ids = list(qs.values_list("pk", flat=True)[:batch_size])
                if not ids:
                    break
                rows = list(model.objects.select_for_update().filter(pk__in=ids).only("pk", *fields))
                dirty = []
                for row in rows:
                    touched = False
                    for field in fields:
                        value = getattr(row, field)
                        if value and not value.startswith(prefix):
                            setattr(row, field, crypto.encrypt(crypto.decrypt(value)))
                            touched = True
                            changed += 1
                    if touched:
                        dirty.append(row)
                if dirty:
                    model.objects.bulk_update(dirty, fields, batch_size=batch_size)
                last = ids[-1]
        log(f"{label}: done")
    return changed
