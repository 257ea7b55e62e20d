from linli.participation.deliberation import api as deliberation
from linli.participation.notices import api as notices
from linli.participation.votes import api as votes


def register(router) -> None:
    notices.register(router)
    deliberation.register(router)
    votes.register(router)


api_urlpatterns = [*notices.api_urlpatterns, *deliberation.api_urlpatterns, *votes.api_urlpatterns]
