from django.urls import path

from members.views import contact as views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_request_list, name="list"),
    path("new/<slug:receiver_slug>/", views.contact_request_new, name="new"),
    path("<int:pk>/", views.contact_request_detail, name="detail"),
    path("<int:pk>/accept/", views.contact_request_accept, name="accept"),
    path("<int:pk>/decline/", views.contact_request_decline, name="decline"),
    path("<int:pk>/withdraw/", views.contact_request_withdraw_view, name="withdraw"),
    path(
        "<int:pk>/collaboration/",
        views.contact_request_collaboration,
        name="collaboration",
    ),
]
