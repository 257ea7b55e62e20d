"""/api/v1/: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from linli.core.api import views as core_api
from linli.dataio.api import views as dataio_api
from linli.events.api import views as events_api
from linli.housing.api import views as housing_api
from linli.people.api import views as people_api

router = DefaultRouter()
core_api.register(router)
housing_api.register(router)
people_api.register(router)
events_api.register(router)
dataio_api.register(router)

urlpatterns = [
    path("auth/token", core_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens", core_api.TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<str:token_id>", core_api.TokenDetailView.as_view(), name="api-token-detail"),
    path("search", people_api.SearchView.as_view(), name="api-search"),
    path("", include(router.urls)),
]
