"""The resident app's home (小屏)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required(login_url="/accounts/login/?next=/m/")
def home(request):
    person = getattr(request.user, "person", None)
    return render(request, "core/resident/home.html", {"person": person})
