from django.urls import path

from members.views import profiles as views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("<slug:slug>/", views.member_detail, name="detail"),
]
