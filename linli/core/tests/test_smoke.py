import pytest


@pytest.mark.django_db
def test_grid_worker_sees_own_person_page(world, login):
    c = login(world.users["grid1"])
    r = c.get(f"/console/people/persons/{world.person_a.pk}/")
    assert r.status_code == 200
    assert "张三" in r.content.decode()
