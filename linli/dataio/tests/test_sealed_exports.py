"""Security review item 6: exports written by the worker rest encrypted under var/exports, like uploads."""

import io
import zipfile

import pytest
from cryptography.exceptions import InvalidTag
from django.conf import settings

from linli.dataio import exports, storage
from linli.dataio.models import ExportJob
from linli.dataio.tests.helpers import read_xlsx


def test_sealed_files_round_trip_over_many_chunks_and_refuse_a_cut(tmp_path, monkeypatch, settings):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(storage, "STREAM_CHUNK", 10)
    data = bytes(range(256)) * 3
    target = tmp_path / "x.sealed"
    storage.seal_file(io.BytesIO(data), target)
    assert data[:32] not in target.read_bytes()
    assert b"".join(storage.open_sealed(target)) == data
    cut = tmp_path / "cut.sealed"
    cut.write_bytes(target.read_bytes()[:-40])
    with pytest.raises((ValueError, InvalidTag)):
        b"".join(storage.open_sealed(cut))


@pytest.mark.django_db
def test_a_large_clear_export_rests_encrypted_and_opens_for_its_owner(
    world, login, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    client = login(world.users["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/console/people/persons/", {"export": "xlsx"})
    job = ExportJob.objects.get()
    assert job.status == "done"
    raw = (settings.VAR_DIR / job.file).read_bytes()
    assert not raw.startswith(b"PK") and not zipfile.is_zipfile(io.BytesIO(raw))
    response = client.get(f"/console/exports/{job.pk}/download/")
    rows = read_xlsx(b"".join(response.streaming_content))
    assert sorted(r[0] for r in rows[1:]) == ["张三", "李四"]
    assert response["Content-Disposition"].startswith("attachment")
