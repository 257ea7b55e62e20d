"""Backups that restore: one archive of the database and the media files, and the key ring in a separate file.

``backup()`` writes a tar.gz with ``manifest.json`` (versions, time, applied migrations, rows per table, key ids
and a fingerprint of the key ring), the database and ``media/``:

- SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while the
  application keeps running; the rows per table are counted in that copy.
- PostgreSQL: ``pg_dump -Fc`` run on a snapshot exported from a REPEATABLE READ transaction
  (``pg_export_snapshot``), in which the rows per table are counted too, so the manifest matches the dump.

The database is dumped before the media files are copied: a photo uploaded in between is in the archive without
a row (harmless), never a row without its photo... unless a photo was deleted in between, which Linli never does.

The key ring (field-encryption keys and the blind-index key) is written to a SEPARATE file: an archive that
leaks without its keys does not reveal an ID number, so the two must be stored apart.

``restore()`` loads an archive into an empty database and media root (``force`` to overwrite), installs the key
ring, then proves the result: the rows per table equal the manifest and a value of every encrypted column
decrypts.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from linli.core import crypto
from linli.core.errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(DomainError):
    """A backup or restore that cannot go on, with the reason in Chinese."""


@dataclass
class Result:
    archive: Path | None = None
    keys_file: Path | None = None
    manifest: dict = field(default_factory=dict)
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    decrypted: list[str] = field(default_factory=list)


# --- key ring ------------------------------------------------------------------------------------------


def keyring_export() -> dict:
    """The key ring in the ``var/keys.json`` / ``LINLI_FIELD_KEYS`` format."""
    ring = crypto.keyring()
    return {
        "current": ring["current"],
        "keys": {kid: base64.b64encode(key).decode() for kid, key in sorted(ring["keys"].items())},
        "index_key": base64.b64encode(ring["index_key"]).decode(),
    }


def keyring_fingerprint(data: dict) -> str:
    """A short SHA-256 over the key ring: tells whether a key file belongs to an archive, reveals no key."""
    canonical = json.dumps(
        {"keys": dict(sorted(data["keys"].items())), "index_key": data["index_key"]}, sort_keys=True
    ).encode()
    return hashlib.sha256(b"linli-keyring:" + canonical).hexdigest()[:24]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def _read_keys(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        for key in data["keys"].values():
            base64.b64decode(key, validate=True)
        base64.b64decode(data["index_key"], validate=True)
        if data["current"] not in data["keys"]:
            raise KeyError("current")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"密钥文件 {path}：无法读取或格式不对（{exc}）", field="keys")
    return data


# --- counting ------------------------------------------------------------------------------------------


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _count(cursor, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for name in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")  # table names come from the catalogue
        counts[name] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    out: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        out.setdefault(app, []).append(name)
    return out


def table_counts(alias: str = "default") -> dict[str, int]:
    """Rows per table of the live database."""
    conn = connections[alias]
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            tables = _sqlite_tables(cursor)
        else:
            tables = sorted(conn.introspection.table_names(cursor))
        return _count(cursor, tables, conn.ops.quote_name)


# --- PostgreSQL helpers -------------------------------------------------------------------------------


def _pg_env(settings_dict: dict) -> dict:
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _run(cmd: list[str], env: dict, what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{what}：找不到 {cmd[0]}，请安装与服务器版本一致的 PostgreSQL 客户端（postgresql-client）")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{what}失败（{cmd[0]} 退出码 {proc.returncode}）：{proc.stderr.strip()[-800:]}")


# --- backup --------------------------------------------------------------------------------------------


def _snapshot_sqlite(conn, target: Path) -> tuple[dict, dict]:
    if conn.in_atomic_block:  # SQLite's backup would wait forever on the caller's own write lock
        raise BackupError("数据库：不能在一个未提交的事务中备份 SQLite")
    conn.ensure_connection()
    dst = sqlite3.connect(target)
    try:
        conn.connection.backup(dst)  # one step: a consistent copy even while others write
        cursor = dst.cursor()
        counts = _count(cursor, _sqlite_tables(cursor), lambda n: '"' + n.replace('"', '""') + '"')
        return counts, _migrations(cursor)
    finally:
        dst.close()


def _snapshot_postgresql(conn, target: Path) -> tuple[dict, dict]:
    env = _pg_env(conn.settings_dict)
    nested = conn.in_atomic_block  # inside a caller's transaction (tests): its isolation level is already set
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if not nested:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count(cursor, sorted(conn.introspection.table_names(cursor)), conn.ops.quote_name)
        migrations = _migrations(cursor)
        _run(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(target), "-d", conn.settings_dict["NAME"]],
             env, "pg_dump 备份数据库")  # fmt: skip
    return counts, migrations


def _version() -> str:
    try:
        return metadata.version("linli")
    except metadata.PackageNotFoundError:
        return "unknown"


def default_paths(now: dt.datetime | None = None) -> tuple[Path, Path]:
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    folder = Path(settings.VAR_DIR) / "backups"
    return folder / f"linli-{stamp}.tar.gz", folder / f"linli-{stamp}.keys.json"


def backup(*, output: Path, keys_output: Path | None, alias: str = "default") -> Result:
    """Write the archive to ``output`` and the key ring to ``keys_output`` (None: the keys are kept elsewhere)."""
    conn = connections[alias]
    if conn.vendor not in DB_FILES:
        raise BackupError(f"数据库：不支持备份 {conn.vendor}（仅 SQLite 与 PostgreSQL）")
    output = Path(output)
    if keys_output is not None and Path(keys_output).resolve() == output.resolve():
        raise BackupError("密钥文件不能与备份包是同一个文件", field="keys_output")
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    ring = keyring_export()
    with tempfile.TemporaryDirectory(prefix="linli-backup-") as tmp:
        db_file = Path(tmp) / DB_FILES[conn.vendor]
        if conn.vendor == "sqlite":
            counts, migrations = _snapshot_sqlite(conn, db_file)
        else:
            counts, migrations = _snapshot_postgresql(conn, db_file)
        media = sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "versions": {"linli": _version(), "django": django.get_version(), "python": platform.python_version()},
            "database": {"vendor": conn.vendor, "file": db_file.name},
            "tables": counts,
            "migrations": migrations,
            "media": {"files": len(media), "bytes": sum(p.stat().st_size for p in media)},
            "keys": {"current": ring["current"], "ids": sorted(ring["keys"]), "fingerprint": keyring_fingerprint(ring)},
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(db_file, arcname=db_file.name)
            for path in media:
                tar.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
        os.chmod(partial, 0o600)
        partial.replace(output)
    if keys_output is not None:
        _write_private(Path(keys_output), json.dumps(ring, indent=2) + "\n")
    return Result(archive=output, keys_file=keys_output, manifest=manifest)


# --- restore -------------------------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError):
        raise BackupError("备份包：缺少或无法读取 manifest.json，不是 Linli 备份")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份包：格式版本 {manifest.get('format')} 不受支持（本程序为 {FORMAT}）")
    return manifest


def _install_keys(data: dict, *, force: bool) -> None:
    fingerprint = keyring_fingerprint(data)
    raw = os.environ.get("LINLI_FIELD_KEYS")
    if raw:
        if keyring_fingerprint(json.loads(raw)) != fingerprint:
            raise BackupError(
                "密钥：环境变量 LINLI_FIELD_KEYS 与备份的密钥不一致；请把它设为密钥文件的内容后重试", field="keys"
            )
        return
    path = Path(settings.LINLI_KEYS_FILE)
    if path.exists():
        if keyring_fingerprint(json.loads(path.read_text())) == fingerprint:
            return
        if not force:
            raise BackupError(
                f"密钥：{path} 已存在且与备份的密钥不同；确认要替换请加 --force（先另存旧文件）", field="keys"
            )
        path.replace(path.with_name(path.name + f".before-restore-{timezone.now():%Y%m%d%H%M%S}"))
    _write_private(path, json.dumps(data, indent=2) + "\n")
    crypto.keyring.cache_clear()


def _database_is_empty(conn) -> bool:
    with conn.cursor() as cursor:
        tables = _sqlite_tables(cursor) if conn.vendor == "sqlite" else conn.introspection.table_names(cursor)
    return not tables


def _media_is_empty(root: Path) -> bool:
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def _restore_sqlite(conn, source: Path) -> None:
    name = conn.settings_dict["NAME"]
    conn.close()
    src = sqlite3.connect(source)
    dst = sqlite3.connect(name)
    try:
        src.backup(dst)  # replaces the whole target database, page by page, under SQLite's locks
    finally:
        src.close()
        dst.close()


def _restore_postgresql(conn, source: Path, *, clean: bool) -> None:
    conn.close()
    cmd = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
           "-d", conn.settings_dict["NAME"]]  # fmt: skip
    if clean:
        cmd[1:1] = ["--clean", "--if-exists"]
    _run([*cmd, str(source)], _pg_env(conn.settings_dict), "pg_restore 恢复数据库")


def _extract_media(tar: tarfile.TarFile, root: Path) -> int:
    members = [m for m in tar.getmembers() if m.name.startswith("media/") and m.isfile()]
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="linli-restore-") as tmp:
        tar.extractall(tmp, members=members, filter="data")  # refuses absolute paths, "..", links outside
        source = Path(tmp) / "media"
        for path in source.rglob("*"):
            if path.is_file():
                target = root / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
    return len(members)


def encrypted_columns() -> list[tuple]:
    """Every ``*_enc`` column of every installed model: the values the key ring must decrypt."""
    return [
        (model, f.name) for model in apps.get_models() for f in model._meta.concrete_fields if f.name.endswith("_enc")
    ]


def verify(manifest: dict, alias: str = "default") -> Result:
    """Rows per table equal to the manifest, and one value of every encrypted column decrypts."""
    result = Result(manifest=manifest)
    actual = table_counts(alias)
    for name, expected in manifest["tables"].items():
        if actual.get(name) != expected:
            result.mismatches[name] = (expected, actual.get(name, -1))
    for model, column in encrypted_columns():
        token = model.objects.using(alias).exclude(**{column: ""}).values_list(column, flat=True).first()
        if not token:
            continue
        try:
            crypto.decrypt(token)
        except Exception as exc:  # any failure means the key ring does not fit
            raise BackupError(f"解密校验：{model._meta.label}.{column} 无法用恢复的密钥解密（{type(exc).__name__}）")
        result.decrypted.append(f"{model._meta.label}.{column}")
    return result


def restore(*, archive: Path, keys_file: Path | None, force: bool = False, alias: str = "default") -> Result:
    """Load ``archive`` into the configured (empty) database and media root and install its key ring."""
    conn = connections[alias]
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"备份包：找不到 {archive}", field="archive")
    with tarfile.open(archive, "r:*") as tar:
        manifest = read_manifest(tar)
        vendor = manifest["database"]["vendor"]
        if vendor != conn.vendor:
            raise BackupError(f"数据库：备份来自 {vendor}，目标是 {conn.vendor}；只能恢复到同类数据库", field="archive")
        if keys_file is not None:
            keys = _read_keys(Path(keys_file))
        elif os.environ.get("LINLI_FIELD_KEYS") or Path(settings.LINLI_KEYS_FILE).exists():
            keys = keyring_export()
        else:  # do not let the key ring create fresh keys here: they could never decrypt the archive
            raise BackupError("密钥：请用 --keys 指定与该备份一起生成的密钥文件", field="keys")
        if keyring_fingerprint(keys) != manifest["keys"]["fingerprint"]:
            hint = "请用 --keys 指定与该备份一起生成的密钥文件" if keys_file is None else "该密钥文件不属于这个备份"
            raise BackupError(f"密钥：{hint}（指纹 {manifest['keys']['fingerprint']}）", field="keys")
        media_root = Path(settings.MEDIA_ROOT)
        if not force:
            if not _database_is_empty(conn):
                raise BackupError("数据库：目标数据库不是空的（已有数据表）；恢复只装入空库，确认覆盖请加 --force")
            if not _media_is_empty(media_root):
                raise BackupError(f"媒体文件：{media_root} 不是空的；确认覆盖请加 --force")
        _install_keys(keys, force=force)
        with tempfile.TemporaryDirectory(prefix="linli-restore-") as tmp:
            member = tar.getmember(manifest["database"]["file"])
            tar.extract(member, tmp, filter="data")
            source = Path(tmp) / member.name
            if vendor == "sqlite":
                _restore_sqlite(conn, source)
            else:
                _restore_postgresql(conn, source, clean=force)
        _extract_media(tar, media_root)
    with contextlib.suppress(Exception):
        conn.close()
    result = verify(manifest, alias)
    result.archive, result.keys_file = archive, keys_file
    return result
