from django.urls import path

from linli.housing.views import console, maps

app_name = "housing"
urlpatterns = [
    path("console/housing/houses/", console.HouseListView.as_view(), name="house_list"),
    path("console/housing/houses/<int:pk>/", console.HouseDetailView.as_view(), name="house_detail"),
    path("console/housing/houses/<int:pk>/edit/", console.house_edit, name="house_edit"),
    path("console/housing/buildings/", console.BuildingListView.as_view(), name="building_list"),
    path("console/housing/buildings/<int:pk>/", console.BuildingDetailView.as_view(), name="building_detail"),
    path("console/housing/compounds/", console.CompoundListView.as_view(), name="compound_list"),
    path("console/housing/compounds/<int:pk>/", console.CompoundDetailView.as_view(), name="compound_detail"),
    path("map/communities/<int:pk>/base.geojson", maps.base_geojson, name="base_map"),
]
