from django.urls import path

from members.views import dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("privacy/", dashboard.privacy, name="privacy"),
    path("privacy/export/", dashboard.privacy_export, name="privacy_export"),
    path("privacy/delete/", dashboard.privacy_delete, name="privacy_delete"),
]
