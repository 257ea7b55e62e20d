"""Files kept under var/: uploads and exports sealed with the field key (AES-GCM), readable by the server only.

An uploaded ledger holds every ID number of a community in clear, so it never rests on disk unencrypted: it is
sealed with the current field-encryption key and opened again only in memory. Keys only ever get added, so a
sealed file stays readable after ``rotate_keys``.
"""

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
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


STREAM_MAGIC = b"LSS1"
STREAM_CHUNK = 1 << 20


def _chunk_aad(kid: bytes, index: int, final: bool) -> bytes:
    return b"linli-stream:" + kid + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def seal_file(src, dst: Path) -> None:
    """Encrypt the open file ``src`` into ``dst`` (mode 0600) in 1 MiB chunks, never all of it in memory.

    Each chunk is its own AES-GCM message; its number and whether it is the last are authenticated, so chunks
    cannot be reordered, dropped or the file cut short without ``open_sealed`` noticing.
    """
    ring = crypto.keyring()
    kid = ring["current"].encode()
    aead = AESGCM(ring["keys"][ring["current"]])
    prefix = secrets.token_bytes(4)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(STREAM_MAGIC + bytes([len(kid)]) + kid + prefix)
        index, chunk = 0, src.read(STREAM_CHUNK)
        while True:
            following = src.read(STREAM_CHUNK)
            final = not following
            body = aead.encrypt(prefix + index.to_bytes(8, "big"), chunk, _chunk_aad(kid, index, final))
            out.write(len(body).to_bytes(4, "big") + body)
            if final:
                break
            index, chunk = index + 1, following


def open_sealed(path: Path):
    """Yield the clear chunks of a file written by ``seal_file``; raises if it was altered or cut short."""
    with path.open("rb") as fh:
        if fh.read(4) != STREAM_MAGIC:
            raise ValueError("not a sealed file")
        kid = fh.read(fh.read(1)[0])
        prefix = fh.read(4)
        key = crypto.keyring()["keys"].get(kid.decode())
        if key is None:
            crypto.keyring.cache_clear()
            key = crypto.keyring()["keys"][kid.decode()]
        aead, index = AESGCM(key), 0
        while True:
            head = fh.read(4)
            if len(head) < 4:
                raise ValueError("sealed file is truncated")
            body = fh.read(int.from_bytes(head, "big"))
            nonce = prefix + index.to_bytes(8, "big")
            try:
                yield aead.decrypt(nonce, body, _chunk_aad(kid, index, True))
                return
            except InvalidTag:
                yield aead.decrypt(nonce, body, _chunk_aad(kid, index, False))
            index += 1


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
