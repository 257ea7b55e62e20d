"""Files the platform keeps (uploads, problem-rows files, exports), on Django's storage, optionally sealed.

Every file lives under a key (``imports/12-ab34.bin``) in the ``default`` storage: a folder under ``var/media`` by
default, an S3-compatible bucket with ``LINLI_STORAGE=s3`` (settings.py), so a web process keeps nothing on its own
disk and any process can open what another wrote. Nothing here has a public URL: files are served only through
the views that check who may read them.

A file that holds personal data in clear (an uploaded ledger, a clear export) is *sealed*: encrypted with the
current field-encryption key (AES-GCM), readable by the server only. Small files are sealed in one piece (``LSF1``);
large ones in authenticated 1 MiB chunks (``LSS1``), so neither writing nor reading holds the whole file in memory.
Keys only ever get added, so a sealed file stays readable after ``rotate_keys``.

Files written before the storage existed sit under ``var/`` with the same key (``var/imports/…``,
``var/exports/…``); they are still found there, read and deleted, so an upgrade needs no migration.
"""

import io
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages

from linli.core import crypto

MAGIC = b"LSF1"
STREAM_MAGIC = b"LSS1"
STREAM_CHUNK = 1 << 20
LEGACY_FOLDERS = ("imports", "exports")  # where files were written under var/ before the storage


def storage() -> Storage:
    return storages["default"]


def _check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts:
        raise ValueError(f"bad attachment key: {key!r}")
    return key


def _legacy(key: str) -> Path | None:
    """The file of ``key`` as it was kept before the storage (``var/<key>``), if it is still there."""
    if PurePosixPath(key).parts[0] not in LEGACY_FOLDERS:
        return None
    path = Path(settings.VAR_DIR) / key
    return path if path.is_file() else None


# --- sealing ---------------------------------------------------------------------------------------------------


def _key() -> tuple[bytes, bytes]:
    ring = crypto.keyring()
    return ring["current"].encode(), ring["keys"][ring["current"]]


def _key_for(kid: bytes) -> bytes:
    key = crypto.keyring()["keys"].get(kid.decode())
    if key is None:
        crypto.keyring.cache_clear()
        key = crypto.keyring()["keys"][kid.decode()]
    return key


def seal(data: bytes) -> bytes:
    kid, key = _key()
    nonce = secrets.token_bytes(12)
    body = AESGCM(key).encrypt(nonce, data, b"linli-file:" + kid)
    return MAGIC + bytes([len(kid)]) + kid + nonce + body


def unseal(blob: bytes) -> bytes:
    if not blob.startswith(MAGIC):
        raise ValueError("not a sealed file")
    n = blob[4]
    kid = blob[5 : 5 + n]
    nonce = blob[5 + n : 17 + n]
    return AESGCM(_key_for(kid)).decrypt(nonce, blob[17 + n :], b"linli-file:" + kid)


def _chunk_aad(kid: bytes, index: int, final: bool) -> bytes:
    return b"linli-stream:" + kid + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def seal_stream(src, out) -> None:
    """Encrypt the open file ``src`` into the open file ``out`` in 1 MiB chunks, never all of it in memory.

    Each chunk is its own AES-GCM message; its number and whether it is the last are authenticated, so chunks
    cannot be reordered, dropped or the file cut short without ``open_sealed_stream`` noticing.
    """
    kid, key = _key()
    aead = AESGCM(key)
    prefix = secrets.token_bytes(4)
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


def open_sealed_stream(fh) -> Iterator[bytes]:
    """Yield the clear chunks of a file written by ``seal_stream``; raises if it was altered or cut short."""
    with fh:
        if fh.read(4) != STREAM_MAGIC:
            raise ValueError("not a sealed file")
        kid = fh.read(fh.read(1)[0])
        prefix = fh.read(4)
        aead, index = AESGCM(_key_for(kid)), 0
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


# --- the API ---------------------------------------------------------------------------------------------------


def save(key: str, content: bytes, *, sealed: bool = False) -> str:
    """Keep ``content`` under ``key`` (sealed in one piece if asked); returns the key it was kept under.

    The storage may change the name when ``key`` is taken; the returned key is the one to remember.
    """
    data = seal(content) if sealed else content
    return storage().save(_check_key(key), File(io.BytesIO(data), name=key))


def save_file(key: str, src, *, sealed: bool = False) -> str:
    """Keep the open file ``src`` under ``key``; sealed in chunks if asked, streaming (for large exports)."""
    _check_key(key)
    if not sealed:
        src.seek(0)
        return storage().save(key, File(src, name=key))
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as out:
        seal_stream(src, out)
        out.seek(0)
        return storage().save(key, File(out, name=key))


def open(key: str):
    """The stored bytes of ``key`` as an open binary file (as kept: a sealed file stays sealed)."""
    _check_key(key)
    legacy = _legacy(key)
    if legacy is not None and not storage().exists(key):
        return legacy.open("rb")
    return storage().open(key, "rb")


def read(key: str) -> bytes:
    """The clear bytes of ``key``: unsealed when it was sealed (in one piece or in chunks)."""
    with open(key) as fh:
        head = fh.read(4)
        if head == STREAM_MAGIC:
            fh.seek(0)
            return b"".join(open_sealed_stream(fh))
        blob = head + fh.read()
    return unseal(blob) if blob.startswith(MAGIC) else blob


def chunks(key: str) -> Iterator[bytes]:
    """The clear bytes of ``key`` in pieces, for a streaming response; a file sealed in chunks is never whole."""
    fh = open(key)
    head = fh.read(4)
    fh.seek(0)
    if head == STREAM_MAGIC:
        return open_sealed_stream(fh)
    if head == MAGIC:
        with fh:
            return iter([unseal(fh.read())])
    return _plain(fh)


def _plain(fh) -> Iterator[bytes]:
    with fh:
        while piece := fh.read(STREAM_CHUNK):
            yield piece


def exists(key: str) -> bool:
    return bool(key) and (storage().exists(_check_key(key)) or _legacy(key) is not None)


def size(key: str) -> int:
    legacy = _legacy(key)
    if legacy is not None and not storage().exists(key):
        return legacy.stat().st_size
    return storage().size(_check_key(key))


def delete(key: str) -> None:
    """Remove ``key`` wherever it is kept; a missing file is not an error."""
    if not key:
        return
    storage().delete(_check_key(key))
    legacy = _legacy(key)
    if legacy is not None:
        legacy.unlink(missing_ok=True)
