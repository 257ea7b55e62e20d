import pytest


@pytest.fixture(autouse=True)
def _private_var(settings, tmp_path):
    """Uploads, exports and progress files of a test go to its own folder, never the project's var/."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
