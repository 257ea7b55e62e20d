from django.urls import path

from linli.dataio.views import console, resident

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
    path("console/privacy/audit/", console.audit_person, name="audit_person"),
    path("console/privacy/corrections/", console.correction_list, name="correction_list"),
    path("console/privacy/corrections/<int:pk>/", console.correction_detail, name="correction_detail"),
    path("console/privacy/consents/", console.consent_list, name="consent_list"),
    path("console/privacy/retention/", console.retention, name="retention"),
    path("m/me/data/", resident.my_data, name="my_data"),
    path("m/me/data/export.json", resident.my_data_json, name="my_data_json"),
    path("m/me/data/export.xlsx", resident.my_data_xlsx, name="my_data_xlsx"),
    path("m/me/corrections/new/", resident.correction_new, name="correction_new"),
    path("m/me/corrections/<int:pk>/withdraw/", resident.correction_withdraw, name="correction_withdraw"),
]
