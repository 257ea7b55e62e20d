"""Pages of participation's votes part (URL names must be unique across the app's parts)."""

from django.urls import path

from linli.participation.votes.views import console, resident

urlpatterns = [
    path("console/participation/votes/", console.OwnerVoteListView.as_view(), name="ownervote_list"),
    path("console/participation/votes/add/", console.vote_add, name="ownervote_add"),
    path("console/participation/votes/<int:pk>/", console.vote_detail, name="ownervote_detail"),
    path("console/participation/votes/<int:pk>/ballot/", console.ballot_enter, name="ownervote_ballot"),
    path("console/participation/votes/<int:pk>/close/", console.vote_close, name="ownervote_close"),
    path("console/participation/votes/<int:pk>/remind/", console.vote_remind, name="ownervote_remind"),
    path("console/participation/votes/<int:pk>/extend/", console.vote_extend, name="ownervote_extend"),
    path("m/votes/", resident.my_votes, name="ownervote_mine"),
    path("m/votes/<int:pk>/", resident.vote_page, name="ownervote_resident"),
    path("m/votes/<int:pk>/receipt/", resident.receipt_check, name="ownervote_receipt"),
]
