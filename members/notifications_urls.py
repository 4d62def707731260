from django.urls import path

from members import follows_views
from members import notifications_views as views

app_name = "alerts"

urlpatterns = [
    path("", views.saved_search_list, name="list"),
    path("save/", views.saved_search_save, name="save"),
    path("<int:pk>/", views.saved_search_update, name="update"),
    path("<int:pk>/delete/", views.saved_search_delete, name="delete"),
    path("preferences/", views.preferences_update, name="preferences"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
    path("notifications/bell/", views.notification_bell, name="bell"),
    path("following/", follows_views.follow_list, name="follows"),
    path(
        "follow/member/<slug:slug>/", follows_views.follow_member, name="follow_member"
    ),
    path(
        "follow/experiment/<slug:slug>/",
        follows_views.follow_project,
        name="follow_project",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
