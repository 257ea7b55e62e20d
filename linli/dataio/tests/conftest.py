import pytest


@pytest.fixture(autouse=True)
def _private_var(settings, tmp_path):
    """Uploads, exports and progress files of a test go to its own folder, never the project's var/."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    if settings.LINLI_STORAGE == "s3":  # the run of .ci/s3: every upload, problem-rows file and export went to S3
        assert not any((tmp_path / "media").rglob("*")), "a file of record was written to the local disk"
