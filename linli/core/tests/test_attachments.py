"""Attachments: one API over Django's storage, the same contract on the local disk and on an S3-compatible bucket."""

import io
import os

import pytest

from linli.core import attachments


@pytest.fixture
def local(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
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


def test_s3_backend_meets_the_same_contract(settings, tmp_path, monkeypatch):
    server_module = pytest.importorskip("moto.server", reason="moto is not installed (dev dependency)")
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("storages.backends.s3")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
        boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(Bucket="linli-test")
        settings.VAR_DIR = tmp_path
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "linli-test",
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
        assert type(attachments.storage()).__name__ == "S3Storage"
        _contract(tmp_path)
        assert not any(tmp_path.rglob("*.bin"))  # nothing was written to the local disk
    finally:
        server.stop()
