"""The editors' view: grid, figures, no-shows and CSV exports; editing the
event lays out its slots; only editors reach it."""

import csv
import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from events.models import Meeting, Participant
from events.services import meeting_accept, meeting_request
from events.tests.factories import (
    editors_group,
    matchmaking_event_build,
    participant_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user = get_user_model().objects.create_user(
        "editor", "editor@example.org", "pw", is_staff=True
    )
    user.groups.add(editors_group())
    return user


def test_grid_figures_no_show_and_csv(client, editor):
    """The grid shows the booked pair at its slot and table; figures count
    requested and accepted; a no-show is recorded; CSVs hold no e-mail."""
    event = matchmaking_event_build(tables=2, slots=3)
    a = participant_build(event, 1, email="private-a@example.org")
    b = participant_build(event, 2)
    c = participant_build(event, 3)
    Participant.objects.filter(pk=c.participant.pk).update(offer="=HYPERLINK(1)")
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    meeting_accept(user=b.user, meeting=meeting)
    meeting_request(user=c.user, requester=c.participant, receiver=a.participant)
    client.force_login(editor)
    url = reverse("events_admin_event", args=[event.pk])
    page = BeautifulSoup(client.get(url).content, "html.parser")
    figures = {dd["data-figure"]: dd.text for dd in page.select("dd[data-figure]")}
    assert figures["requested"] == "2" and figures["accepted"] == "1"
    first_row = page.select("table[data-grid] tbody tr")[0]
    assert "Participant 1 – Participant 2" in first_row.select("td")[0].text
    response = client.post(
        reverse("events_admin_no_show", args=[event.pk, meeting.pk]), {"no_show": "1"}
    )
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).no_show
    for view in ("participants", "meetings"):
        response = client.get(reverse("events_admin_csv", args=[event.pk, view]))
        text = response.content.decode()
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) == 4 if view == "participants" else 3
        assert "private-a@example.org" not in text
        # A text a spreadsheet would run as a formula is kept as text.
        assert "=HYPERLINK" not in [cell[:10] for row in rows for cell in row]
    assert "'=HYPERLINK(1)" in text_of_participants(client, event)
    assert client.get(reverse("events_admin")).status_code == 200


def test_only_editors_reach_it(client):
    """A member is sent to the admin's log-in; an admin user without the
    events permission is refused."""
    event = matchmaking_event_build()
    a = participant_build(event, 1)
    urls = [
        reverse("events_admin"),
        reverse("events_admin_event", args=[event.pk]),
        reverse("events_admin_csv", args=[event.pk, "meetings"]),
    ]
    client.force_login(a.user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    moderators, _created = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    staff = get_user_model().objects.create_user("staff", "s@example.org", "pw")
    staff.groups.add(moderators)
    client.force_login(staff)
    for url in urls:
        # Wagtail answers a refusal with a redirect to the admin's home.
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home"), url


def test_editing_the_event_in_the_admin_lays_out_the_slots(client, editor):
    """Changing the slot length through the snippet form regenerates slots."""
    event = matchmaking_event_build(tables=1, slots=6, minutes=20)
    assert event.slots.count() == 6
    event.slot_minutes = 30
    event.save()
    assert event.slots.count() == 4
    client.force_login(editor)
    edit = reverse("wagtailsnippets_events_matchmakingevent:edit", args=[event.pk])
    assert client.get(edit).status_code == 200


def text_of_participants(client, event) -> str:
    url = reverse("events_admin_csv", args=[event.pk, "participants"])
    return client.get(url).content.decode()
