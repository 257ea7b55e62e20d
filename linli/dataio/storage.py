"""Files kept under var/: uploads sealed with the field key (AES-GCM), exports readable by the server only.

An uploaded ledger holds every ID number of a community in clear, so it never rests on disk unencrypted: it is
sealed with the current field-encryption key and opened again only in memory. Keys only ever get added, so a
sealed file stays readable after ``rotate_keys``.
"""

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from linli.core import crypto

MAGIC = b"LSF1"


def folder(name: str) -> Path:
    path = Path(settings.VAR_DIR) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def seal(data: bytes) -> bytes:
    ring = crypto.keyring()
    kid = ring["current"].encode()
    nonce = secrets.token_bytes(12)
    body = AESGCM(ring["keys"][ring["current"]]).encrypt(nonce, data, b"linli-file:" + kid)
    return MAGIC + bytes([len(kid)]) + kid + nonce + body


def unseal(blob: bytes) -> bytes:
    if not blob.startswith(MAGIC):
        raise ValueError("not a sealed file")
    n = blob[4]
    kid = blob[5 : 5 + n]
    nonce = blob[5 + n : 17 + n]
    key = crypto.keyring()["keys"].get(kid.decode())
    if key is None:
        crypto.keyring.cache_clear()
        key = crypto.keyring()["keys"][kid.decode()]
    return AESGCM(key).decrypt(nonce, blob[17 + n :], b"linli-file:" + kid)


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def store_upload(name: str, data: bytes) -> str:
    path = folder("imports") / name
    write_private(path, seal(data))
    return str(path.relative_to(settings.VAR_DIR))


def load_upload(relative: str) -> bytes:
    return unseal((Path(settings.VAR_DIR) / relative).read_bytes())


def remove(relative: str) -> None:
    if relative:
        try:
            (Path(settings.VAR_DIR) / relative).unlink()
        except FileNotFoundError:
            pass


def absolute(relative: str) -> Path:
    return Path(settings.VAR_DIR) / relative
