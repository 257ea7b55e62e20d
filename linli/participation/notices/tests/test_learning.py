"""Learning materials: assigned to groups, study time per person and year, completion."""

import datetime as dt

import pytest
from django.urls import reverse

from linli.core.errors import DomainError
from linli.participation.notices import selectors, services
from linli.participation.notices.models import StudyProgress


def _material(world, **kw):
    kw.setdefault("author", world.users["staff"])
    kw.setdefault("region", world.community)
    kw.setdefault("title", "民法典学习")
    kw.setdefault("body", "第二百七十八条……")
    kw.setdefault("minutes_required", 2)
    return services.material_create(**kw)


def test_a_material_is_assigned_to_the_group_and_study_time_adds_up(world):
    material = _material(world, audience={"regions": [world.grid_a.pk]})
    assert material.assigned == 1
    assert StudyProgress.objects.get(material=material).person == world.person_a
    services.record_study(world.person_a, material, 60)
    progress = services.record_study(world.person_a, material, 10_000)  # one beat counts two minutes at most
    assert progress.seconds == 180 and progress.completed_at is not None
    services.record_study(world.person_a, material, 30, on=dt.date(2025, 12, 31))
    year = dt.date.today().year
    assert services.study_seconds(world.person_a, year) == 180
    assert services.study_seconds(world.person_a, 2025) == 30
    figures = selectors.material_progress(user=world.users["staff"], material=material)
    assert (figures["total"], figures["done"], figures["people"][0]["name"]) == (1, 1, "张*")


def test_the_study_page_counts_time_through_its_heartbeat(world, login):
    material = _material(world)
    client = login(world.users["resident"])
    page = client.get(reverse("participation:my_material", args=[material.pk])).content.decode()
    assert "study.js" in page and "已学" in page
    beat = reverse("participation:study_beat", args=[material.pk])
    assert client.post(beat, {"seconds": "30"}).json() == {"minutes": 0, "seconds": 30, "completed": False}
    assert client.post(beat, {"seconds": "abc"}).status_code == 400
    assert "民法典学习" in client.get(reverse("participation:my_learning")).content.decode()


def test_residents_not_assigned_do_not_see_the_material(world, login):
    material = _material(world, audience={"regions": [world.grid_b.pk]})
    client = login(world.users["resident"])
    assert client.get(reverse("participation:my_material", args=[material.pk])).status_code == 404
    assert client.post(reverse("participation:study_beat", args=[material.pk]), {"seconds": "30"}).status_code == 404


def test_a_video_needs_a_link_and_a_document_a_file(world):
    with pytest.raises(DomainError, match="视频链接"):
        _material(world, kind="video", url="javascript:alert(1)")
    with pytest.raises(DomainError, match="文档：请上传文档"):
        _material(world, kind="document")


def test_staff_see_the_progress_page(world, login):
    material = _material(world)
    client = login(world.users["staff"])
    assert "民法典学习" in client.get(reverse("participation:learningmaterial_list")).content.decode()
    page = client.get(material.get_absolute_url()).content.decode()
    assert "应学" in page and "张*" in page


def test_the_personal_data_copy_holds_my_study_time(world):
    material = _material(world)
    services.record_study(world.person_a, material, 120)
    rows = selectors.personal_data_study(world.person_a)
    assert rows[0]["学习资料"] == "民法典学习" and rows[0]["累计学习时长（分钟）"] == 2
    assert rows[-1]["学习资料"].endswith("年合计")


def test_assigned_residents_get_a_message_pointing_to_the_material(world, django_capture_on_commit_callbacks):
    from linli.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        material = _material(world)
    message = Notification.objects.get(recipient=world.users["resident"], kind="learning")
    assert message.url == reverse("participation:my_material", args=[material.pk])
