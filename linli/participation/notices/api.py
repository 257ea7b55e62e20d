"""API of participation's notices part."""


def register(router) -> None:
    """Register this part's viewsets on the /api/v1/ router."""


api_urlpatterns = []
