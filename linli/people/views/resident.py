"""Resident app (小屏): my home and my data, always masked."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from linli.people import selectors
from linli.people.models import Person


def _me(request) -> Person | None:
    return selectors.me(user=request.user)


@login_required(login_url="/accounts/login/?next=/m/")
def my_home(request):
    me = _me(request)
    residencies = selectors.my_current_residencies(user=request.user)
    members = []
    if me and me.household_id:
        members = selectors.household_members(user=request.user, household_id=me.household_id)
    houses = {}
    for r in residencies:
        houses.setdefault(r.house, []).append(r)
    return render(request, "people/resident/my_home.html", {"me": me, "houses": houses, "members": members})


@login_required(login_url="/accounts/login/?next=/m/")
def my_data(request):
    me = _me(request)
    tags = me.tag_assignments.filter(tag__sensitivity=0).select_related("tag") if me else []
    return render(request, "people/resident/my_data.html", {"me": me, "tags": tags})
