"""Resident app (/m/events/): report a problem, follow my reports on a public timeline, rate the result."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.errors import DomainError
from linli.core.scoping import has_action
from linli.events import routing, selectors, services
from linli.events.forms import RateForm, ReportForm
from linli.events.models import Channel, Event, EventPhoto, EventStatus
from linli.housing import selectors as housing_selectors
from linli.housing.models import House
from linli.people import selectors as people_selectors

LOGIN = "/accounts/login/?next=/m/events/"


def _own(request, pk) -> Event:
    event = selectors.own_event(user=request.user, pk=pk)
    if event is None:
        raise Http404("没有找到该事件。")
    return event


def _my_houses(user) -> list[House]:
    return people_selectors.my_houses(user=user)


def _community_buildings(user, houses):
    region = houses[0].building.grid if houses else services.home_region_of(user)
    return housing_selectors.buildings_in_community(routing.community_of(region) if region is not None else None)


@login_required(login_url=LOGIN)
def my_events(request):
    events = selectors.own_events(user=request.user)
    return render(request, "events/resident/my_events.html", {"events": events,
                  "unread": selectors.unread_count(user=request.user)})  # fmt: skip


@login_required(login_url=LOGIN)
def report(request):
    user = request.user
    if not has_action(user, "event.add"):
        raise Http404
    houses = _my_houses(user)
    buildings = _community_buildings(user, houses)
    form = ReportForm(request.POST or None, houses=houses, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        where = {}
        if data["place"] == "home":
            house = form.houses.get(data["house"] or "") or (houses[0] if houses else None)
            if house is None:
                form.add_error("place", "位置：您还没有登记住房，请选择楼栋或在地图上选点")
            where = {"house": house}
        elif data["place"] == "building":
            if not data["building"]:
                form.add_error("building", "楼栋：请选择楼栋")
            where = {"building": data["building"]}
        else:
            if data["lat"] is None or data["lng"] is None:
                form.add_error("place", "位置：请在地图上点选位置")
            elif not data["point_confirmed"]:
                form.add_error("place", "位置：请确认地图上选择的位置（点“确认这个位置”）")
            where = {"lat": data["lat"], "lng": data["lng"]}
        if not form.errors:
            try:
                event = services.event_open(
                    channel=Channel.RESIDENT_APP, category_code=None, text=data["text"], reporter=user, actor=user,
                    anonymous=data["anonymous"], address=data["address"], photos=request.FILES.getlist("photos"),
                    **where,
                )  # fmt: skip
            except DomainError as exc:
                for field, message in exc.errors:
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"已提交（编号 {event.number}），社区会尽快受理。")
                return redirect("events:my_event_detail", pk=event.pk)
    map_data = {"center": None, "base": None, "resolve": reverse("events:resolve_point")}
    region = houses[0].building.grid if houses else services.home_region_of(user)
    if region is not None:
        community = routing.community_of(region)
        map_data["base"] = reverse("housing:base_map", args=[community.pk])
    first = houses[0].building if houses else buildings.first()
    if first is not None and first.lat is not None:
        map_data["center"] = [float(first.lat), float(first.lng)]
    return render(request, "events/resident/report.html", {"form": form, "houses": houses, "map_data": map_data})


@login_required(login_url=LOGIN)
def resolve_point(request):
    """GET ?lat=&lng= (WGS-84): what the report would record for this point, for the resident to confirm.

    The same lookup as the report itself (``resolve_place``): a point in a compound names that compound and its
    nearest building; a point outside every compound names none and is kept as a point.
    """
    from linli.housing.selectors import place_at_point

    if not has_action(request.user, "event.add"):
        raise Http404
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        return JsonResponse({"error": "位置：经纬度不是数字"}, status=400)
    if not (3 <= lat <= 54 and 73 <= lng <= 136):
        return JsonResponse({"error": "位置：不在中国境内"}, status=400)
    spot = place_at_point(lat, lng)
    if spot.compound is None and spot.building is None:
        return JsonResponse({"inside": False, "label": "",
                             "message": "不在任何小区内：请确认这个位置，将按地图上的点记录"})  # fmt: skip
    return JsonResponse({"inside": True, "label": spot.label, "message": f"您选择的位置：{spot.label}",
                         "building": spot.building.pk if spot.building else None})  # fmt: skip


@login_required(login_url=LOGIN)
def my_event_detail(request, pk):
    event = _own(request, pk)
    shown = event.parent if event.parent_id else event
    photos = selectors.photos_of([event, shown])
    can_rate = not event.parent_id and not event.rating and event.status in (EventStatus.VERIFIED, EventStatus.CLOSED)
    Event_unread = selectors.inbox(user=request.user, unread_only=True).filter(event=event)
    Event_unread.update(read_at=timezone.now())
    return render(
        request,
        "events/resident/my_event_detail.html",
        {
            "event": event,
            "shown": shown,
            "timeline": selectors.public_timeline(event=event),
            "report_photos": [p for p in photos if p.kind == EventPhoto.Kind.REPORT and p.event_id == event.pk],
            "result_photos": [p for p in photos if p.kind == EventPhoto.Kind.RESULT],
            "can_rate": can_rate,
            "rate_form": RateForm(),
        },
    )


@login_required(login_url=LOGIN)
@require_POST
def rate(request, pk):
    event = _own(request, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "评价：请选择满意、基本满意或不满意")
        return redirect("events:my_event_detail", pk=pk)
    try:
        services.event_rate(event=event, actor=request.user, rating=form.cleaned_data["rating"],
                            comment=form.cleaned_data["comment"])  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "感谢您的评价！")
    return redirect("events:my_event_detail", pk=pk)


@login_required(login_url=LOGIN)
def my_inbox(request):
    rows = list(selectors.inbox(user=request.user)[:100])
    return render(request, "events/resident/inbox.html", {"rows": rows})
