"""The backup drill: data → ``linli_backup`` → ``linli_restore`` into a fresh database, media root and key store in
another process → the same rows per table, the same photo, and the ID number decrypts to the original."""

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from linli.core import backup, crypto

ROOT = Path(django_settings.BASE_DIR)
CHECK = """
import json, django
django.setup()
from linli.core import backup, crypto
from linli.people.models import Person
person = Person.objects.get(pk={pk})
print(json.dumps({{"counts": backup.table_counts(), "id_number": crypto.decrypt(person.id_number_enc)}}))
"""


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def _some_data(settings, tmp_path):
    """A small world with an event that has a photo in the media root, plus the original ID number."""
    from linli.events import services
    from linli.events.taxonomy import ensure_seeded
    from linli.events.tests.conftest import png
    from linli.testing import build_world

    settings.MEDIA_ROOT = tmp_path / "media-source"
    ensure_seeded()
    world = build_world()
    event = services.event_open(channel="app", category_code="0201", text="3栋楼下垃圾没人清运",
                                reporter=world.users["resident"], actor=world.users["resident"], house=world.house_a,
                                photos=[png()])  # fmt: skip
    photo = event.photos.get()
    return world.person_a, crypto.decrypt(world.person_a.id_number_enc), photo.image.name, photo.image.read()


def _drill(tmp_path, settings, database_url: str):
    person, original_id, photo_name, photo_bytes = _some_data(settings, tmp_path)
    archive, keys = tmp_path / "out" / "linli.tar.gz", tmp_path / "keys" / "linli.keys.json"
    call_command("linli_backup", output=archive, keys_output=keys, stdout=io.StringIO())
    source_counts = backup.table_counts()

    # The key ring is a separate private file, and nothing of it is inside the archive.
    assert keys.stat().st_mode & 0o777 == 0o600
    ring = json.loads(keys.read_text())
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        blobs = [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]
    assert "manifest.json" in names and f"media/{photo_name}" in names
    secrets = [*ring["keys"].values(), ring["index_key"]]
    assert not any(s.encode() in blob for s in secrets for blob in blobs)

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("LINLI_FIELD_KEYS", "REDIS_URL")}
    env.update(LINLI_VAR_DIR=str(fresh), DATABASE_URL=database_url)
    done = _manage(env, "linli_restore", str(archive), "--keys", str(keys))
    assert done.returncode == 0, done.stderr
    assert "与备份一致" in done.stdout and "people.Person.id_number_enc" in done.stdout

    checked = subprocess.run([sys.executable, "-c", CHECK.format(pk=person.pk)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    restored = json.loads(checked.stdout.strip().splitlines()[-1])
    assert restored["counts"] == source_counts
    assert restored["id_number"] == original_id
    assert (fresh / "media" / photo_name).read_bytes() == photo_bytes

    # A second restore into the now non-empty database is refused.
    again = _manage(env, "linli_restore", str(archive), "--keys", str(keys))
    assert again.returncode != 0 and "不是空的" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_sqlite_database(tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL drill is test_backup_restores_into_a_fresh_postgresql_database")
    _drill(tmp_path, settings, f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite3'}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_postgresql_database(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: pg_dump and pg_restore")
    import psycopg

    params = connection.settings_dict
    target = f"{params['NAME']}_restored"[:63]
    admin = psycopg.connect(host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"] or None,
                            password=params["PASSWORD"] or None, dbname="postgres", autocommit=True)  # fmt: skip
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
        user = params["USER"] or "postgres"
        auth = f"{user}:{params['PASSWORD']}@" if params["PASSWORD"] else f"{user}@"
        url = f"postgres://{auth}{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{target}"
        _drill(tmp_path, settings, url)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_key_file_of_another_backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "a.tar.gz"
    backup.backup(output=archive, keys_output=tmp_path / "a.keys.json")
    other = {"current": "k1", "keys": {"k1": crypto._new_key()}, "index_key": crypto._new_key()}
    (tmp_path / "other.json").write_text(json.dumps(other))
    with pytest.raises(backup.BackupError, match="不属于这个备份"):
        backup.restore(archive=archive, keys_file=tmp_path / "other.json")
    with pytest.raises(backup.BackupError, match="不是空的"):  # the test database itself is not empty
        backup.restore(archive=archive, keys_file=tmp_path / "a.keys.json")
