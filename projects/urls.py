from django.urls import path

from projects import team_views, views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path(
        "partnerships/<int:pk>/confirm/",
        views.partnership_confirm,
        name="partnership_confirm",
    ),
    path(
        "partnerships/<int:pk>/decline/",
        views.partnership_decline,
        name="partnership_decline",
    ),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/needs/", views.project_needs, name="needs"),
    path("<slug:slug>/submit/", views.project_submit, name="submit"),
    path("<slug:slug>/publish/", views.project_publish, name="publish"),
    path("<slug:slug>/archive/", views.project_archive, name="archive"),
    path("<slug:slug>/reopen/", views.project_reopen, name="reopen"),
    path("<slug:slug>/partners/", views.project_partners, name="partners"),
    path("<slug:slug>/team/", team_views.project_team, name="team"),
    path(
        "<slug:slug>/suggested-partners/",
        views.project_suggested_partners,
        name="suggested_partners",
    ),
    path(
        "<slug:slug>/suggested-partners/<int:member_pk>/dismiss/",
        views.project_suggestion_dismiss,
        name="suggestion_dismiss",
    ),
    path(
        "<slug:slug>/partners/<int:pk>/remove/",
        views.partner_remove,
        name="partner_remove",
    ),
]
