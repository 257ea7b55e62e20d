from django.urls import path

from linli.volunteering.views import console, resident

app_name = "volunteering"
urlpatterns = [
    # console (中屏)
    path("console/volunteering/", console.wish_dashboard, name="wish_dashboard"),
    path("console/volunteering/wishes/", console.WishListView.as_view(), name="wish_list"),
    path("console/volunteering/wishes/new/", console.wish_add, name="wish_add"),
    path("console/volunteering/wishes/<int:pk>/", console.WishDetailView.as_view(), name="wish_detail"),
    path("console/volunteering/wishes/<int:pk>/photo/", console.wish_photo, name="wish_photo"),
    path("console/volunteering/wishes/<int:pk>/<str:op>/", console.wish_act, name="wish_act"),
    path("console/volunteering/activities/", console.ActivityListView.as_view(), name="activity_list"),
    path("console/volunteering/activities/new/", console.activity_add, name="activity_add"),
    path("console/volunteering/activities/<int:pk>/", console.ActivityDetailView.as_view(), name="activity_detail"),
    path("console/volunteering/activities/<int:pk>/finish/", console.activity_finish, name="activity_finish"),
    path("console/volunteering/signups/<int:pk>/confirm/", console.signup_confirm, name="signup_confirm"),
    path("console/volunteering/corrections/", console.correction_list, name="correction_list"),
    path("console/volunteering/corrections/<int:pk>/", console.correction_decide, name="correction_decide"),
    path("console/volunteering/redemptions/", console.redemption_list, name="redemption_list"),
    path("console/volunteering/redemptions/<int:pk>/reverse/", console.redemption_reverse, name="redemption_reverse"),
    path("console/volunteering/volunteers/", console.VolunteerListView.as_view(), name="volunteer_list"),
    path("console/volunteering/volunteers/<int:pk>/", console.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("console/volunteering/teams/", console.TeamListView.as_view(), name="team_list"),
    path("console/volunteering/teams/new/", console.team_add, name="team_add"),
    path("console/volunteering/teams/<int:pk>/", console.TeamDetailView.as_view(), name="team_detail"),
    # resident app (小屏)
    path("m/wishes/", resident.wall, name="wall"),
    path("m/wishes/new/", resident.wish_new, name="wish_new"),
    path("m/wishes/mine/", resident.my_wishes, name="my_wishes"),
    path("m/wishes/ranking/", resident.ranking, name="ranking"),
    path("m/wishes/<int:pk>/", resident.wish_detail, name="resident_wish_detail"),
    path("m/wishes/<int:pk>/photo/", resident.wish_photo, name="resident_wish_photo"),
    path("m/wishes/<int:pk>/<str:op>/", resident.wish_act, name="resident_wish_act"),
    path("m/volunteer/", resident.activities, name="activities"),
    path("m/volunteer/join/", resident.join, name="join"),
    path("m/volunteer/activities/<int:pk>/signup/", resident.signup, name="signup"),
    path("m/volunteer/signups/<int:pk>/cancel/", resident.signup_cancel, name="signup_cancel"),
    path("m/volunteer/signups/<int:pk>/correction/", resident.correction_new, name="correction_new"),
    path("m/volunteer/scan/<str:token>/", resident.scan, name="scan"),
    path("m/volunteer/hours/", resident.hours, name="hours"),
    path("m/volunteer/certificates/new/", resident.certificate_new, name="certificate_new"),
    path("m/volunteer/certificates/<int:pk>.pdf", resident.certificate_download, name="certificate_pdf"),
    path("m/volunteer/points/", resident.points, name="points"),
    path("m/volunteer/points/rewards/<int:pk>/redeem/", resident.redeem, name="redeem"),
    # public
    path("verify/volunteer-certificate/<str:code>/", resident.certificate_verify, name="certificate_verify"),
]
