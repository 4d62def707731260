from django.urls import path

from members.views import account, dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("account/", account.account_settings, name="account_settings"),
    path(
        "suggestions/<int:member_pk>/projects/<int:project_pk>/dismiss/",
        dashboard.dismiss_project,
        name="dismiss_project",
    ),
    path(
        "suggestions/<int:member_pk>/members/<int:other_pk>/dismiss/",
        dashboard.dismiss_member,
        name="dismiss_member",
    ),
    path("privacy/", dashboard.privacy, name="privacy"),
    path("privacy/export/", dashboard.privacy_export, name="privacy_export"),
    path("privacy/delete/", dashboard.privacy_delete, name="privacy_delete"),
]
