from django.urls import path

from hub import moderation_views as views

app_name = "report"

urlpatterns = [
    path("member/<slug:slug>/", views.report_member, name="member"),
    path("project/<slug:slug>/", views.report_project, name="project"),
]
