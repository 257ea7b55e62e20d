"""/api/v1/: every app's config names its API module (``api = "linli.<app>.api.views"``).

That module's ``register(router)`` adds its viewsets to the one router; an optional ``api_urlpatterns`` list adds
paths that are not viewsets (``auth/token``, ``search``).
"""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from linli.core.modules import api_modules

router = DefaultRouter()
extra = []
for module in api_modules():
    module.register(router)
    extra += getattr(module, "api_urlpatterns", [])

urlpatterns = [*extra, path("", include(router.urls))]
