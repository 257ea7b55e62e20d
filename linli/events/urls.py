from django.urls import path, re_path

from linli.events.api.views import ClassifyView
from linli.events.open311 import views as open311
from linli.events.views import console, resident, workbench

F = r"\.(?P<fmt>xml|json)$"

app_name = "events"
urlpatterns = [
    # Before the /api/v1/ router (included later in linli/urls.py), which would read "classify" as an event id.
    path("api/v1/events/classify", ClassifyView.as_view(), name="api_classify"),
    path("console/events/", console.EventListView.as_view(), name="event_list"),
    path("console/events/queue/", console.EventQueueView.as_view(), name="event_queue"),
    path("console/events/queue/dispatch/", console.bulk_dispatch, name="event_bulk_dispatch"),
    path("console/events/tasks/", console.MyTasksView.as_view(), name="my_tasks"),
    path("console/events/supervision/", console.SupervisionListView.as_view(), name="supervision_list"),
    path("console/events/intake/", console.event_intake, name="event_intake"),
    path("console/events/patrol/", console.patrol, name="patrol"),
    path("console/events/hotline/", console.hotline_import, name="hotline_import"),
    path("console/events/hotline/template.csv", console.hotline_template, name="hotline_template"),
    path("console/events/stats/", console.stats, name="stats"),
    path("console/events/classify/", console.classify_partial, name="classify_partial"),
    path("console/events/categories.json", console.category_json, name="category_json"),
    path("console/events/inbox/", console.inbox, name="inbox"),
    path("console/events/inbox/read/", console.inbox_read, name="inbox_read_all"),
    path("console/events/inbox/<int:pk>/read/", console.inbox_read, name="inbox_read"),
    path("console/m/", workbench.workbench, name="workbench"),
    path("console/events/from-visit/<int:pk>/", workbench.visit_open_event, name="visit_open_event"),
    path("console/events/<int:pk>/", console.event_detail, name="event_detail"),
    path("console/events/<int:pk>/act/<slug:action>/", console.event_act, name="event_act"),
    path("console/events/<int:pk>/reporter-phone/", console.reveal_reporter_phone, name="reveal_reporter_phone"),
    path("console/events/<int:pk>/public-text/", console.event_public_text, name="event_public_text"),
    path("console/events/task/<int:pk>/<slug:action>/", console.task_act, name="task_act"),
    path("events/photos/<int:pk>/", console.photo, name="photo"),
    path("m/events/", resident.my_events, name="my_events"),
    path("m/events/new/", resident.report, name="report"),
    path("m/events/place/", resident.resolve_point, name="resolve_point"),
    path("m/events/<int:pk>/", resident.my_event_detail, name="my_event_detail"),
    path("m/events/<int:pk>/rate/", resident.rate, name="rate"),
    path("m/inbox/", resident.my_inbox, name="my_inbox"),
    # Open311 GeoReport v2
    re_path(r"^open311/v2/discovery" + F, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + F, open311.service_list, name="open311_services"),
    re_path(r"^open311/v2/services/(?P<code>[^/]+?)" + F, open311.service_definition, name="open311_service"),
    re_path(r"^open311/v2/requests" + F, open311.requests_view, name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[^/]+?)" + F, open311.request_detail, name="open311_request"),
    re_path(r"^open311/v2/tokens/(?P<token>[^/]+?)" + F, open311.token_view, name="open311_token"),
    re_path(r"^open311/v2/servicerequestupdates" + F, open311.updates_view, name="open311_updates"),
]
