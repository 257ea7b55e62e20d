from django.urls import path

from linli.dataio.views import console

app_name = "dataio"
urlpatterns = [
    path("console/imports/", console.import_list, name="import_list"),
    path("console/imports/template/<str:kind>.xlsx", console.import_template, name="import_template"),
    path("console/imports/<int:pk>/", console.import_detail, name="import_detail"),
    path("console/imports/<int:pk>/progress/", console.import_progress, name="import_progress"),
    path("console/imports/<int:pk>/commit/", console.import_commit, name="import_commit"),
    path("console/imports/<int:pk>/rollback/", console.import_rollback, name="import_rollback"),
    path("console/imports/<int:pk>/retry/", console.import_retry, name="import_retry"),
    path("console/imports/<int:pk>/errors.xlsx", console.import_errors, name="import_errors"),
    path("console/exports/", console.export_list, name="export_list"),
    path("console/exports/new/", console.export_new, name="export_new"),
    path("console/exports/<int:pk>/", console.export_detail, name="export_detail"),
    path("console/exports/<int:pk>/download/", console.export_download, name="export_download"),
]
