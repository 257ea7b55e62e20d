"""Where the ledger engine keeps its files: uploads and problem-rows files under ``imports/``, exports under
``exports/``, all through ``linli.core.attachments`` (Django's storage, sealed at rest).

An uploaded ledger holds every ID number of a community in clear, so it never rests unencrypted: it is sealed
with the current field-encryption key and opened again only in memory. Progress files of running jobs stay on
the local disk (``folder``): they matter only while the job runs, and go to Redis when several machines share it.
"""

from pathlib import Path

from django.conf import settings

from linli.core import attachments


def folder(name: str) -> Path:
    path = Path(settings.VAR_DIR) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(name: str, data: bytes) -> str:
    return attachments.save(f"imports/{name}", data, sealed=True)


def load_upload(key: str) -> bytes:
    return attachments.read(key)


def exists(key: str) -> bool:
    return attachments.exists(key)


def remove(key: str) -> None:
    attachments.delete(key)
