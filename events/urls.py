from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("<int:pk>/", views.participants, name="participants"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path("<int:pk>/agenda/", views.agenda, name="agenda"),
    path("<int:pk>/agenda.ics", views.agenda_ical, name="agenda_ical"),
    path(
        "<int:pk>/request/<int:participant_pk>/",
        views.meeting_request_view,
        name="request",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/<str:action>/",
        views.meeting_answer,
        name="answer",
    ),
]
