"""Attachments: one API over Django's storage, the same contract on the local disk and on an S3-compatible bucket.

The S3 contract runs against an in-process moto server, or against the S3-compatible server process that CI starts
(`.ci/s3`) when ``LINLI_TEST_S3_ENDPOINT`` names it. `.ci/s3` also runs this file, the import/export tests and the
photo tests a second time with ``LINLI_STORAGE=s3`` pointing at that server.
"""

import io
import os
import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings

from linli.core import attachments

S3_ENDPOINT = os.environ.get("LINLI_TEST_S3_ENDPOINT", "")
S3_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}


@pytest.fixture
def local(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def _contract(tmp_path) -> None:
    """What every backend must do: keep, read back, seal at rest, stream, size, refuse bad keys, delete."""
    secret = "520402198001011234 张三".encode()
    key = attachments.save("imports/1-a.bin", secret, sealed=True)
    assert key.startswith("imports/")
    with attachments.open(key) as fh:
        raw = fh.read()
    assert raw.startswith(attachments.MAGIC) and secret not in raw
    assert attachments.read(key) == secret
    assert b"".join(attachments.chunks(key)) == secret
    assert attachments.exists(key) and attachments.size(key) == len(raw)

    big = os.urandom(100) * 30_000  # 3 MB: three sealed chunks
    streamed = attachments.save_file("exports/2-b.xlsx.sealed", io.BytesIO(big), sealed=True)
    with attachments.open(streamed) as fh:
        assert fh.read(4) == attachments.STREAM_MAGIC
    assert b"".join(attachments.chunks(streamed)) == big
    assert attachments.read(streamed) == big

    plain = attachments.save("exports/3-c.xlsx", b"PK plain")
    assert attachments.read(plain) == b"PK plain"

    taken = attachments.save("imports/1-a.bin", b"other", sealed=True)
    assert taken != key and attachments.read(key) == secret  # a taken key is never overwritten

    with pytest.raises(ValueError):
        attachments.save("../outside.bin", b"x")
    for name in (key, streamed, plain, taken):
        attachments.delete(name)
        assert not attachments.exists(name)
    attachments.delete(key)  # already gone: not an error


def test_local_storage_keeps_sealed_files_under_media(local):
    _contract(local)


def test_files_written_under_var_before_the_storage_are_still_read_and_deleted(local):
    legacy = local / "imports" / "7-old.bin"
    legacy.parent.mkdir()
    legacy.write_bytes(attachments.seal(b"old ledger"))
    assert attachments.exists("imports/7-old.bin")
    assert attachments.read("imports/7-old.bin") == b"old ledger"
    attachments.delete("imports/7-old.bin")
    assert not legacy.exists() and not attachments.exists("imports/7-old.bin")


@contextmanager
def _s3_server(monkeypatch):
    """The endpoint of an S3-compatible server: CI's server process if named, else an in-process moto server."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    if S3_ENDPOINT:
        yield S3_ENDPOINT
        return
    server_module = pytest.importorskip("moto.server", reason="moto is not installed (dev dependency)")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_s3_backend_meets_the_same_contract(settings, tmp_path, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("storages.backends.s3")
    with _s3_server(monkeypatch) as endpoint:
        bucket = f"linli-test-{uuid.uuid4().hex[:12]}"  # a bucket of its own, also on a server shared with others
        client = boto3.client("s3", endpoint_url=endpoint, **S3_CREDENTIALS)
        client.create_bucket(Bucket=bucket)
        settings.VAR_DIR = tmp_path
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": bucket,
                    "endpoint_url": endpoint,
                    "region_name": "us-east-1",
                    "access_key": "test",
                    "secret_key": "test",
                    "default_acl": "private",
                    "file_overwrite": False,
                    "addressing_style": "path",
                },
            },
        }
        try:
            assert type(attachments.storage()).__name__ == "S3Storage"
            _contract(tmp_path)
            assert not any(tmp_path.rglob("*.bin"))  # nothing was written to the local disk
            assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0  # and every delete reached the bucket
        finally:
            client.delete_bucket(Bucket=bucket)


@pytest.mark.skipif(
    not (S3_ENDPOINT and django_settings.LINLI_STORAGE == "s3"),
    reason="only in the run of .ci/s3 with LINLI_STORAGE=s3 against its S3 server",
)
def test_with_linli_storage_s3_files_land_in_the_configured_bucket(tmp_path, monkeypatch, settings):
    """The settings of production (LINLI_STORAGE=s3 + AWS_*) put attachments into the bucket of the server CI runs."""
    boto3 = pytest.importorskip("boto3")
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    options = django_settings.STORAGES["default"]["OPTIONS"]
    with _s3_server(monkeypatch) as endpoint:
        assert options["endpoint_url"] == endpoint
        client = boto3.client("s3", endpoint_url=endpoint, **S3_CREDENTIALS)
        key = attachments.save(f"imports/ci-{uuid.uuid4().hex[:8]}.bin", b"ledger", sealed=True)
        name = f"{options['location'].strip('/')}/{key}".lstrip("/")
        stored = client.get_object(Bucket=options["bucket_name"], Key=name)["Body"].read()
        assert stored.startswith(attachments.MAGIC) and b"ledger" not in stored  # sealed at rest, in the bucket
        attachments.delete(key)
        assert client.list_objects_v2(Bucket=options["bucket_name"], Prefix=name).get("KeyCount", 0) == 0
        assert not (tmp_path / "media").exists()
