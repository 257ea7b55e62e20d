"""API of participation's deliberation part."""


def register(router) -> None:
    """Register this part's viewsets on the /api/v1/ router."""


api_urlpatterns = []
