"""Events: validation, listing order and the iCal downloads."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

import icalendar
import pytest

from hub.tests.factories import EventPageFactory


def test_end_before_start_is_invalid(tree):
    """An event cannot end before it starts."""
    event = tree.event
    event.end = event.start - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as excinfo:
        event.full_clean()
    assert "end" in excinfo.value.message_dict


def test_event_may_end_when_it_starts(tree):
    """A zero-length event (end == start) is valid."""
    tree.event.end = tree.event.start
    tree.event.full_clean()


def test_index_lists_upcoming_first_then_past(client, tree):
    """Upcoming events come soonest first; past events follow, latest first."""
    now = timezone.now()

    def event(slug, days):
        start = now + datetime.timedelta(days=days)
        return EventPageFactory(
            parent=tree.event_index,
            title=slug,
            slug=slug,
            start=start,
            end=start + datetime.timedelta(hours=2),
        )

    far_past = event("far-past", -30)
    far_future = event("far-future", 30)
    recent_past = event("recent-past", -2)
    tomorrow = event("tomorrow", 1)

    response = client.get(tree.event_index.url)
    assert response.status_code == 200
    assert list(response.context["upcoming_events"]) == [
        tomorrow,
        tree.event,  # in a week
        far_future,
    ]
    assert list(response.context["past_events"]) == [recent_past, far_past]

    html = response.text
    positions = [
        html.index(f'href="{page.url}"')
        for page in (tomorrow, tree.event, far_future, recent_past, far_past)
    ]
    assert positions == sorted(positions)
    assert html.index("Upcoming events") < html.index("Past events")


def test_running_event_counts_as_upcoming(tree):
    """An event that has started but not ended is still listed as upcoming."""
    now = timezone.now()
    running = EventPageFactory(
        parent=tree.event_index,
        start=now - datetime.timedelta(hours=1),
        end=now + datetime.timedelta(hours=1),
    )
    assert running in tree.event_index.get_upcoming_events()


def test_event_page_shows_when_where_and_registration(client, tree):
    """The event page shows venue, address, registration and the iCal link."""
    response = client.get(tree.event.url)
    html = response.text
    assert "La Salle des Machines" in html
    assert "Quai des Charbonnages 40<br>1080 Molenbeek-Saint-Jean" in html
    assert 'href="https://events.example.org/matchmaking"' in html
    assert 'href="/en/events/matchmaking-evening/ical/"' in html


def test_ical_download(client, tree):
    """/ical/ is a calendar file with the event and a link back to its page."""
    event = tree.event
    response = client.get(f"{event.url}ical/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="matchmaking-evening.ics"'
    )

    calendar = icalendar.Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    page_url = event.get_full_url()
    assert page_url.startswith("http://")
    assert str(vevent["SUMMARY"]) == "Matchmaking evening"
    assert vevent.decoded("DTSTART") == event.start
    assert vevent.decoded("DTEND") == event.end
    assert str(vevent["LOCATION"]) == (
        "La Salle des Machines, Quai des Charbonnages 40, 1080 Molenbeek-Saint-Jean"
    )
    assert str(vevent["URL"]) == page_url
    description = str(vevent["DESCRIPTION"])
    assert page_url in description
    assert event.intro in description
    assert "https://events.example.org/matchmaking" in description
    assert str(vevent["UID"]).startswith(f"event-{event.pk}@")


def test_index_ical_feed_has_only_upcoming_events(client, tree):
    """The index's /ical/ lists the upcoming events, not the past ones."""
    start = timezone.now() - datetime.timedelta(days=5)
    EventPageFactory(
        parent=tree.event_index,
        title="Old workshop",
        start=start,
        end=start + datetime.timedelta(hours=1),
    )
    response = client.get(f"{tree.event_index.url}ical/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="events.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries == ["Matchmaking evening"]


def test_unknown_subroute_is_404(client, tree):
    """Only the page itself and its ical/ route exist."""
    assert client.get(f"{tree.event.url}nothing/").status_code == 404
