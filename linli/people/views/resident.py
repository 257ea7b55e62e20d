"""Resident app (小屏): my home and my data, always masked."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from linli.core.scoping import restrict
from linli.people.models import Person, Residency


def _me(request) -> Person | None:
    return Person.objects.filter(user=request.user).select_related("household__house").first()


@login_required(login_url="/accounts/login/?next=/m/")
def my_home(request):
    me = _me(request)
    residencies = restrict(request.user, "residency.view", Residency.objects.filter(end__isnull=True))
    residencies = residencies.select_related("house__building__compound", "house__unit", "person").order_by("house_id")
    members = []
    if me and me.household_id:
        members = restrict(request.user, "person.view", Person.objects.filter(household_id=me.household_id)).order_by(
            "pk"
        )
    houses = {}
    for r in residencies:
        houses.setdefault(r.house, []).append(r)
    return render(request, "people/resident/my_home.html", {"me": me, "houses": houses, "members": members})


@login_required(login_url="/accounts/login/?next=/m/")
def my_data(request):
    me = _me(request)
    tags = me.tag_assignments.filter(tag__sensitivity=0).select_related("tag") if me else []
    return render(request, "people/resident/my_data.html", {"me": me, "tags": tags})
