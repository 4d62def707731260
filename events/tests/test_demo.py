"""`hub_demo` sets up one matchmaking event, so `make run` shows one."""

from django.core.management import call_command
from django.urls import reverse

import pytest

from events.models import MatchmakingEvent, Meeting, MeetingStatus

pytestmark = pytest.mark.django_db


def test_demo_has_one_matchmaking_event_with_booked_meetings(client):
    """An upcoming event with open registration, participants and booked
    meetings; loading twice adds nothing; its page links to the meetings."""
    call_command("hub_demo")
    event = MatchmakingEvent.objects.get()
    assert event.registration_is_open
    booked = Meeting.objects.filter(event=event, status=MeetingStatus.ACCEPTED)
    first = (event.participants.count(), Meeting.objects.count(), booked.count())
    assert first[0] >= 6 and first[2] >= 2
    call_command("hub_demo")
    assert MatchmakingEvent.objects.count() == 1
    assert (
        event.participants.count(),
        Meeting.objects.count(),
        booked.count(),
    ) == first
    page = client.get(event.page.url)
    assert reverse("events:participants", args=[event.pk]) in page.text
