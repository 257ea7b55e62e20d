from django.urls import path

from linli.people.views import console, resident, visits

app_name = "people"
urlpatterns = [
    path("console/people/persons/", console.PersonListView.as_view(), name="person_list"),
    path("console/people/persons/add/", console.person_add, name="person_add"),
    path("console/people/persons/<int:pk>/", console.PersonDetailView.as_view(), name="person_detail"),
    path("console/people/persons/<int:pk>/edit/", console.person_edit, name="person_edit"),
    path("console/people/persons/<int:pk>/unmask/", console.person_unmask, name="person_unmask"),
    path("console/people/households/", console.HouseholdListView.as_view(), name="household_list"),
    path("console/people/households/<int:pk>/", console.HouseholdDetailView.as_view(), name="household_detail"),
    path("console/people/entities/", console.EntityListView.as_view(), name="entity_list"),
    path("console/people/entities/<int:pk>/", console.EntityDetailView.as_view(), name="entity_detail"),
    path("console/people/places/", console.PlaceListView.as_view(), name="place_list"),
    path("console/people/places/<int:pk>/", console.PlaceDetailView.as_view(), name="place_detail"),
    path("console/people/visits/", visits.VisitListView.as_view(), name="visit_list"),
    path("console/people/visits/add/", visits.visit_add, name="visit_add"),
    path("console/people/visits/due/", visits.visit_overdue, name="visit_overdue"),
    path("console/people/visits/<int:pk>/", visits.VisitDetailView.as_view(), name="visit_detail"),
    path("console/people/visits/photos/<int:pk>/", visits.visit_photo, name="visit_photo"),
    path("m/home/", resident.my_home, name="my_home"),
    path("m/me/", resident.my_data, name="my_data"),
]
