"""Security review item 6: exports written by the worker rest encrypted in the storage, like uploads."""

import io
import zipfile

import pytest
from cryptography.exceptions import InvalidTag

from linli.core import attachments
from linli.dataio import exports
from linli.dataio.models import ExportJob
from linli.dataio.tests.helpers import read_xlsx


def test_sealed_files_round_trip_over_many_chunks_and_refuse_a_cut(tmp_path, monkeypatch, settings):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(attachments, "STREAM_CHUNK", 10)
    data = bytes(range(256)) * 3
    target = tmp_path / "x.sealed"
    with target.open("wb") as out:
        attachments.seal_stream(io.BytesIO(data), out)
    assert data[:32] not in target.read_bytes()
    assert b"".join(attachments.open_sealed_stream(target.open("rb"))) == data
    cut = tmp_path / "cut.sealed"
    cut.write_bytes(target.read_bytes()[:-40])
    with pytest.raises((ValueError, InvalidTag)):
        b"".join(attachments.open_sealed_stream(cut.open("rb")))


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
    with attachments.open(job.file) as fh:
        raw = fh.read()
    assert not raw.startswith(b"PK") and not zipfile.is_zipfile(io.BytesIO(raw))
    response = client.get(f"/console/exports/{job.pk}/download/")
    rows = read_xlsx(b"".join(response.streaming_content))
    assert sorted(r[0] for r in rows[1:]) == ["张三", "李四"]
    assert response["Content-Disposition"].startswith("attachment")
