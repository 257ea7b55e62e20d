from linli.participation.deliberation.urls import urlpatterns as deliberation
from linli.participation.notices.urls import urlpatterns as notices
from linli.participation.votes.urls import urlpatterns as votes

app_name = "participation"
urlpatterns = [*notices, *deliberation, *votes]
