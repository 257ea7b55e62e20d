"""``pk_url`` is ``reverse(name, args=[pk])`` reversed once: the same URL for every page, prefix and pk."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from linli.core.http import pk_url

NAMES = ["people:person_detail", "people:household_detail", "housing:house_detail", "events:event_detail"]


@pytest.mark.parametrize("name", NAMES)
def test_a_detail_url_is_what_reverse_gives(name):
    for pk in (1, 7, 10, 987654321, 1234567890123):
        assert pk_url(name, pk) == reverse(name, args=[pk])


def test_the_script_prefix_of_the_request_is_kept():
    """Behind a proxy at /linli/ the links carry the prefix; the next request at / does not."""
    try:
        set_script_prefix("/linli/")
        assert pk_url("people:person_detail", 5) == reverse("people:person_detail", args=[5])
        assert pk_url("people:person_detail", 5).startswith("/linli/")
    finally:
        clear_script_prefix()
    assert pk_url("people:person_detail", 5) == reverse("people:person_detail", args=[5])
    assert not pk_url("people:person_detail", 5).startswith("/linli/")


def test_a_model_links_its_detail_page(world):
    assert world.person_a.get_absolute_url() == reverse("people:person_detail", args=[world.person_a.pk])
    assert world.house_a.get_absolute_url() == reverse("housing:house_detail", args=[world.house_a.pk])


def test_a_pk_that_is_not_a_number_is_refused():
    with pytest.raises((ValueError, TypeError)):
        pk_url("people:person_detail", "1/../../admin")
    with pytest.raises(TypeError):
        pk_url("people:person_detail", None)
    with pytest.raises(NoReverseMatch):
        pk_url("people:no_such_page", 1)
