"""What people adds to other apps' pages through the registry (``m.section``, ``m.search``, ``m.stat``).

Housing's house page shows its residents through :func:`house_residents`; housing never imports people.
"""

from django.urls import reverse

from linli.core.scoping import can


def house_residents(user, house) -> dict:
    """The 住户 tab of a house: who lives there now and who did before, limited to persons the user may see."""
    from linli.people.selectors import house_people

    now, before = house_people(user=user, house=house)
    return {"residents_now": now, "residents_before": before}


def house_buttons(user, house) -> list[dict]:
    """登记住户 on a house page, for those who may register persons there."""
    if can(user, "person.add") and can(user, "house.view", house):
        return [{"label": "登记住户", "url": f"{reverse('people:person_add')}?house={house.pk}", "style": "primary"}]
    return []


def house_owners(user, house) -> dict | None:
    """The 产权人 tab of a house: its current owners and their shares, then the history; for who may see persons."""
    from linli.people.ownership import house_owner_rows

    if not can(user, "person.view"):
        return None
    rows = house_owner_rows(house)
    return {"owners_now": [r for r in rows if r.end is None], "owners_before": [r for r in rows if r.end is not None]}
