"""The events part of the JSON API: public participant list (public fields
only) and a participant's own agenda; both in the OpenAPI schema."""

from django.urls import reverse

import pytest

from events.services import meeting_accept, meeting_request
from events.tests.factories import matchmaking_event_build, participant_build

pytestmark = pytest.mark.django_db


def test_public_participant_list_has_public_fields_only(client):
    """Published participants with name, kind, headline and link; no e-mail,
    phone, offer or seek; a member awaiting review is left out."""
    event = matchmaking_event_build()
    a = participant_build(event, 1, email="hidden@example.org", phone="+32 2 000")
    participant_build(event, 2, name="Waiting Coop", status="pending")
    response = client.get(reverse("api-v1:event_participants", args=[event.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    (row,) = body["participants"]
    assert set(row) == {"name", "slug", "kind", "headline", "url"}
    assert row["name"] == a.participant.member.name
    text = response.content.decode()
    for secret in ("hidden@example.org", "+32 2 000", "Offer 1", "Waiting Coop"):
        assert secret not in text
    assert client.get(reverse("api-v1:event_participants", args=[0])).status_code == 404


def test_agenda_is_the_participants_own(client):
    """Anonymous: 401; a member not taking part: 403; each side of a booked
    meeting reads the same slot and table."""
    event = matchmaking_event_build()
    a, b = participant_build(event, 1), participant_build(event, 2)
    outsider = participant_build(event, 3)
    outsider.participant.delete()
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    meeting = meeting_accept(user=b.user, meeting=meeting).meeting
    url = reverse("api-v1:event_agenda", args=[event.pk])
    assert client.get(url).status_code == 401
    client.force_login(outsider.user)
    assert client.get(url).status_code == 403
    # A member slug the account does not take part as: never another agenda.
    client.force_login(a.user)
    assert client.get(url, {"member": b.participant.member.slug}).status_code == 403
    assert client.get(url, {"member": "no-such-member"}).status_code == 403
    seen = []
    for side, other in ((a, b), (b, a)):
        client.force_login(side.user)
        body = client.get(url).json()
        (booked,) = body["meetings"]
        assert booked["with_member"]["name"] == other.participant.member.name
        seen.append((booked["start"], booked["table"]))
    assert seen[0] == seen[1]
    assert seen[0][1] == meeting.table.label


def test_events_endpoints_are_in_the_openapi_schema(client):
    paths = client.get(reverse("api-v1:openapi-json")).json()["paths"]
    assert "/api/v1/events/{event_id}/participants" in paths
    assert "/api/v1/events/{event_id}/agenda" in paths
