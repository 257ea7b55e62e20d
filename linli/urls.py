from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from linli.core.modules import url_modules
from linli.core.views import pages

# Each app's pages come from its config (``urls = "linli.<app>.urls"``), in INSTALLED_APPS order. The API comes
# before them: every app's URLs hang at the root, so an API request tried them all first (about 3 % of the CPU
# of an API create went to failed matches). Nothing under api/v1/ is shadowed: the router's paths end in a slash or
# a format suffix, and the one app path there (api/v1/events/classify) has neither.
urlpatterns = [
    path("", pages.home, name="root"),
    path("api/v1/", include("linli.api_urls")),
    *[path("", include(module)) for module in url_modules()],
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "linli.core.views.errors.bad_request"
handler403 = "linli.core.views.errors.permission_denied"
handler404 = "linli.core.views.errors.page_not_found"
handler500 = "linli.core.views.errors.server_error"
