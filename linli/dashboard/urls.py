from django.urls import path

from linli.dashboard.views import analytics, screen

app_name = "dashboard"

urlpatterns = [
    path("screen/", screen.screen, name="screen"),
    path("screen/stream", screen.stream, name="stream"),
    path("screen/map.json", screen.map_json, name="map"),
    path("console/screen/analytics/", analytics.analytics_page, name="analytics"),
]
