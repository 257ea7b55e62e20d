"""The big screen 大屏 (``/screen/``): a dark page designed at 1920×1080, scaled to any 16:9 display."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from linli.core.permissions import requires
from linli.core.scoping import has_action
from linli.dashboard import selectors
from linli.dashboard.stream import make_ticket


def stream_base(request) -> str:
    """Where the browser opens the live stream: LINLI_STREAM_URL, or this host at LINLI_STREAM_PORT ("" if none)."""
    if settings.LINLI_STREAM_URL:
        return settings.LINLI_STREAM_URL
    if settings.LINLI_STREAM_PORT:
        host = request.get_host().rsplit(":", 1)[0]
        return f"{request.scheme}://{host}:{settings.LINLI_STREAM_PORT}"
    return ""


@login_required
@requires("screen.view")
@require_GET
def screen(request):
    region = selectors.region_for(request.user, request.GET.get("region"))
    base = stream_base(request)
    context = {
        "region": region,
        "title": region.name if region else "全部辖区",
        "choices": selectors.scope_choices(request.user, region),
        "stream_url": f"{reverse('dashboard:stream')}?region={region.pk if region else ''}",
        "can_drill": has_action(request.user, "event.view"),
        "events_url": reverse("events:event_list"),
        "supervision_url": reverse("events:supervision_list"),
    }
    response = render(request, "dashboard/screen.html", context)
    if base.startswith("http"):
        response._csp_update = {"connect-src": [base]}
    return response


@login_required
@requires("screen.view")
@require_GET
def stream(request):
    """Hand the viewer over to the stream process with a signed ticket for their region: answered at once, so no
    web worker is held by an open screen (``linli/dashboard/stream.py``)."""
    region = selectors.region_for(request.user, request.GET.get("region"))
    base = stream_base(request)
    if not base:
        return HttpResponse("实时推送服务未启用（未设置 LINLI_STREAM_PORT 或 LINLI_STREAM_URL）", status=503,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    ticket = make_ticket(selectors._paths(request.user, region))
    response = HttpResponseRedirect(f"{base}/screen/stream?region={region.pk if region else ''}&t={ticket}")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@requires("screen.view")
@require_GET
def map_json(request):
    region = selectors.region_for(request.user, request.GET.get("region"))
    return JsonResponse(selectors.map_data(request.user, region))
