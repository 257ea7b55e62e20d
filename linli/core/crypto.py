"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

Ciphertexts are ``<key id>:<base64(nonce || ciphertext)>`` so that keys can rotate: new writes use the
current key, reads pick the key named in the value, and ``manage.py rotate_keys`` re-encrypts.
Blind indexes are keyed hashes of the normalised value, so an exact lookup needs no decryption and the
database never sees the plain value.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@lru_cache(maxsize=1)
def keyring() -> dict:
    """Keys from ``LINLI_FIELD_KEYS`` (JSON) or ``var/keys.json``, created on first use."""
    raw = os.environ.get("LINLI_FIELD_KEYS")
    if raw:
        data = json.loads(raw)
    else:
        path = settings.LINLI_KEYS_FILE
        if path.exists():
            data = json.loads(path.read_text())
        else:
            data = {"current": "k1", "keys": {"k1": _new_key()}, "index_key": _new_key()}
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
    return {
        "current": data["current"],
        "keys": {kid: base64.b64decode(k) for kid, k in data["keys"].items()},
        "index_key": base64.b64decode(data["index_key"]),
    }


def encrypt(value: str | None) -> str:
    if value in (None, ""):
        return ""
    ring = keyring()
    kid = ring["current"]
    nonce = secrets.token_bytes(12)
    ct = AESGCM(ring["keys"][kid]).encrypt(nonce, value.encode(), kid.encode())
    return f"{kid}:{base64.b64encode(nonce + ct).decode()}"


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    kid, _, body = token.partition(":")
    raw = base64.b64decode(body)
    key = keyring()["keys"].get(kid)
    if key is None:  # another process rotated the keys (manage.py rotate_keys): reload once
        keyring.cache_clear()
        key = keyring()["keys"][kid]
    return AESGCM(key).decrypt(raw[:12], raw[12:], kid.encode()).decode()


def key_id(token: str) -> str:
    return token.partition(":")[0]


def blind_index(value: str | None, purpose: str) -> str:
    """Keyed hash of a normalised value; ``purpose`` separates ID numbers from phones."""
    if not value:
        return ""
    mac = hmac.new(keyring()["index_key"], f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]
