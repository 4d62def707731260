from django.urls import path

from members.views import claims
from members.views import profiles as views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path(
        "invitations/<int:pk>/",
        views.manager_invitation,
        name="manager_invitation",
    ),
    path(
        "invitations/<int:pk>/accept/",
        views.manager_invitation_accept,
        name="manager_invitation_accept",
    ),
    path(
        "invitations/<int:pk>/decline/",
        views.manager_invitation_decline,
        name="manager_invitation_decline",
    ),
    path("<slug:slug>/", views.member_detail, name="detail"),
    path("<slug:slug>/edit/", views.member_edit, name="edit"),
    path("<slug:slug>/claim/", claims.member_claim, name="claim"),
    path("<slug:slug>/managers/", views.member_managers, name="managers"),
    path(
        "<slug:slug>/managers/<int:pk>/remove/",
        views.member_manager_remove,
        name="manager_remove",
    ),
    path("<slug:slug>/affiliations/", views.member_affiliations, name="affiliations"),
    path(
        "<slug:slug>/affiliations/<int:pk>/remove/",
        views.member_affiliation_remove,
        name="affiliation_remove",
    ),
]
