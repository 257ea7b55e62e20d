"""The resident app's home (小屏)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from linli.core.modules import resident_links


@login_required(login_url="/accounts/login/?next=/m/")
def home(request):
    person = getattr(request.user, "person", None)
    links = resident_links(request.user)
    return render(request, "core/resident/home.html", {"person": person, "links": links})
