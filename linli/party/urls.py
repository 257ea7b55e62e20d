from django.urls import path

from linli.party.views import console, resident

app_name = "party"
urlpatterns = [
    path("console/party/organizations/", console.OrganizationListView.as_view(), name="partyorg_list"),
    path("console/party/organizations/new/", console.organization_add, name="partyorg_add"),
    path("console/party/organizations/<int:pk>/", console.OrganizationDetailView.as_view(), name="partyorg_detail"),
    path("console/party/organizations/<int:pk>/cycle/", console.organization_cycle, name="partyorg_cycle"),
    path("console/party/members/", console.MemberListView.as_view(), name="partymember_list"),
    path("console/party/members/new/", console.member_add, name="partymember_add"),
    path("console/party/members/<int:pk>/", console.MemberDetailView.as_view(), name="partymember_detail"),
    path("console/party/members/<int:pk>/unmask/", console.member_unmask, name="partymember_unmask"),
    path("console/party/meetings/", console.MeetingListView.as_view(), name="partymeeting_list"),
    path("console/party/meetings/new/", console.meeting_add, name="partymeeting_add"),
    path("console/party/meetings/calendar/", console.meeting_calendar, name="partymeeting_calendar"),
    path("console/party/meetings/<int:pk>/", console.MeetingDetailView.as_view(), name="partymeeting_detail"),
    path("console/party/meetings/<int:pk>/attendance/", console.meeting_attendance, name="partymeeting_attendance"),
    path("console/party/meetings/<int:pk>/minutes/", console.meeting_minutes, name="partymeeting_minutes"),
    path("console/party/meetings/<int:pk>/files/", console.meeting_file, name="partymeeting_file"),
    path("console/party/compliance/", console.compliance, name="compliance"),
    path("console/party/disclosures/", console.DisclosureListView.as_view(), name="partydisclosure_list"),
    path("console/party/disclosures/new/", console.disclosure_add, name="partydisclosure_add"),
    path("console/party/disclosures/<int:pk>/", console.DisclosureDetailView.as_view(), name="partydisclosure_detail"),
    path("console/party/disclosures/<int:pk>/review/", console.disclosure_review, name="partydisclosure_review"),
    path("console/party/units/", console.UnitListView.as_view(), name="partyunit_list"),
    path("console/party/units/<int:pk>/", console.UnitDetailView.as_view(), name="partyunit_detail"),
    path("console/party/positions/", console.PositionListView.as_view(), name="partyposition_list"),
    path("console/party/cadres/", console.CadreListView.as_view(), name="partycadre_list"),
    path("console/party/report/", console.report, name="report"),
    path("m/party/", resident.my_branch, name="my_branch"),
    path("m/party/meetings/", resident.my_meetings, name="my_meetings"),
    path("m/party/meetings/<int:pk>/", resident.my_meeting, name="my_meeting"),
    path("m/party/learning/", resident.my_learning, name="my_learning"),
    path("m/party/disclosures/<int:pk>/", resident.disclosure, name="my_disclosure"),
]
