from django.urls import path

from linli.privacy.views import console, resident

app_name = "privacy"
urlpatterns = [
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
