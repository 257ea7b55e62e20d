"""Pages of participation's deliberation part (URL names must be unique across the app's parts)."""

from django.urls import path

from linli.participation.deliberation import views

C = "console/participation/"
urlpatterns = [
    path(f"{C}matters/", views.MatterList.as_view(), name="matter_list"),
    path(f"{C}matters/new/", views.matter_add, name="matter_add"),
    path(f"{C}matters/<int:pk>/", views.MatterDetail.as_view(), name="matter_detail"),
    path(f"{C}matters/<int:pk>/do/<slug:op>/", views.matter_action, name="matter_action"),
    path(f"{C}matters/<int:pk>/documents/<int:doc>/", views.matter_document, name="matter_document"),
    path(f"{C}matters/<int:pk>/photos/<int:photo>/", views.meeting_photo, name="meeting_photo"),
    path(f"{C}follow-ups/overdue/", views.FollowUpOverdue.as_view(), name="follow_up_overdue"),
    path(f"{C}polls/", views.PollList.as_view(), name="poll_list"),
    path(f"{C}polls/new/", views.poll_add, name="poll_add"),
    path(f"{C}polls/<int:pk>/", views.PollDetail.as_view(), name="poll_detail"),
    path(f"{C}polls/<int:pk>/close/", views.poll_close, name="poll_close"),
    path("m/matters/", views.my_matters, name="my_matters"),
    path("m/matters/new/", views.my_matter_new, name="my_matter_new"),
    path("m/matters/<int:pk>/", views.my_matter_detail, name="my_matter_detail"),
    path("m/matters/<int:pk>/do/<slug:op>/", views.my_matter_action, name="my_matter_action"),
    # The same files for the resident app: residents are kept out of /console/ (they see public matters' files).
    path("m/matters/<int:pk>/documents/<int:doc>/", views.matter_document, name="my_matter_document"),
    path("m/matters/<int:pk>/photos/<int:photo>/", views.meeting_photo, name="my_meeting_photo"),
    path("m/polls/", views.my_polls, name="my_polls"),
    path("m/polls/<int:pk>/", views.my_poll_detail, name="my_poll_detail"),
]
