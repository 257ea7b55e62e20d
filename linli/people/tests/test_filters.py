"""Filters validate their ranges: an impossible age is a 400 in Chinese, not a server error."""

import pytest


@pytest.mark.parametrize("query", [{"age_min": "100000"}, {"age_max": "100000"}, {"age_min": "-1"}, {"age_min": "1e9"}])
def test_api_refuses_an_age_out_of_range_with_a_chinese_message(world, api, query):
    response = api(world.users["grid1"]).get("/api/v1/persons/", query)
    assert response.status_code == 400
    (field,) = query
    assert "请填写 0–150 之间的整数" in response.json()[field][0]


def test_console_list_refuses_an_age_out_of_range_and_says_why(world, login):
    response = login(world.users["grid1"]).get("/console/people/persons/", {"age_min": "100000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "筛选条件有误" in page and "年龄≥：请填写 0–150 之间的整数" in page
    assert "张三" not in page  # an invalid filter shows nothing rather than everything


def test_console_export_refuses_an_invalid_filter(world, login):
    response = login(world.users["staff"]).get("/console/people/persons/", {"age_min": "x", "export": "xlsx"})
    assert response.status_code == 400 and "年龄≥：请填写 0–150 之间的整数" in response.content.decode()


def test_ages_in_range_still_filter(world, api):
    body = api(world.users["grid1"]).get("/api/v1/persons/", {"age_min": "18", "age_max": "150"}).json()
    assert body["count"] == 1  # 张三, born 1980, in grid A
