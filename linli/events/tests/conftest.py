import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


def png(name: str = "photo.png", color=(200, 30, 30)) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture
def open_event(world):
    """Open an event in grid A (house_a) reported by the resident, or anywhere with keyword overrides."""
    from linli.events import services

    def _open(**kwargs):
        params = dict(
            channel="app",
            category_code="0201",
            text="3栋楼下垃圾堆了三天没人清运，气味很大",
            reporter=world.users["resident"],
            actor=world.users["resident"],
            house=world.house_a,
        )
        params.update(kwargs)
        return services.event_open(**params)

    return _open


@pytest.fixture(autouse=True)
def _fresh_event_caches():
    """Each test's rows are rolled back: start every test with empty per-process caches."""
    from linli.events import caches

    caches.clear_all()
    yield
    caches.clear_all()
