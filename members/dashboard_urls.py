from django.urls import path

from members.views import dashboard

app_name = "dashboard"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
]
