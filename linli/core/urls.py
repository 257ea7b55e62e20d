from django.urls import path, re_path
from django.views.generic import RedirectView

from linli.core.views import accounts, console, resident

app_name = "core"
urlpatterns = [
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("accounts/otp/", accounts.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", accounts.otp_setup, name="otp_setup"),
    path("accounts/password/", accounts.password_change, name="password_change"),
    path("console/account/", accounts.console_account_security, name="account_security"),
    path("console/", console.home, name="console_home"),
    path("console/search/", console.search, name="search"),
    path("console/regions/", console.RegionListView.as_view(), name="region_list"),
    path("console/regions/<int:pk>/", console.RegionDetailView.as_view(), name="region_detail"),
    path("console/audit/", console.AuditListView.as_view(), name="audit_list"),
    path("console/changes/", console.ChangeListView.as_view(), name="change_list"),
    path("m/", resident.home, name="resident_home"),
    path("m/account/", accounts.resident_account_security, name="resident_account_security"),
    # Holidays and messages moved from events to core: their old admin addresses still lead there.
    re_path(
        r"^admin/events/(?P<model>holiday|holidayyear|notification|outboundmessage)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/core/%(model)s/%(rest)s", query_string=True),
    ),
]
