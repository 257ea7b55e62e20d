"""Pages of participation's notices part (URL names must be unique across the app's parts)."""

from django.urls import path

from linli.participation.notices import views

urlpatterns = [
    path("console/notices/", views.NoticeListView.as_view(), name="notice_list"),
    path("console/notices/new/", views.notice_add, name="notice_add"),
    path("console/notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("console/notices/<int:pk>/act/<slug:act>/", views.notice_act, name="notice_act"),
    path("console/notices/<int:pk>/inform/<int:delivery>/", views.notice_inform, name="notice_inform"),
    path("console/learning/", views.LearningMaterialListView.as_view(), name="learningmaterial_list"),
    path("console/learning/new/", views.material_add, name="learningmaterial_add"),
    path("console/learning/<int:pk>/", views.material_detail, name="learningmaterial_detail"),
    path("notices/<int:pk>/files/<int:file_pk>/", views.notice_file, name="notice_file"),
    path("learning/<int:pk>/file/", views.material_file, name="learningmaterial_file"),
    path("m/notices/", views.my_notices, name="my_notices"),
    path("m/notices/<int:pk>/", views.my_notice_detail, name="my_notice_detail"),
    path("m/notices/learning/", views.my_learning, name="my_learning"),
    path("m/notices/learning/<int:pk>/", views.my_material, name="my_material"),
    path("m/notices/learning/<int:pk>/beat/", views.study_beat, name="study_beat"),
]
