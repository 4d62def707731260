"""The matchmaking part of the JSON API (mounted on /api/v1/events/ by
`EventsConfig.ready`): an event's public participant list, and a logged-in
participant's own agenda.

The public list carries public fields only (name, kind, headline, profile
link) of published members; what participants offer and seek at the event
stays among participants.
"""

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ninja import Router, Schema, Status

from events import selectors
from events.models import MatchmakingEvent

router = Router(tags=["events"])


class ErrorOut(Schema):
    detail: str


class PublicParticipantOut(Schema):
    name: str
    slug: str
    kind: str
    headline: str
    url: str


class EventParticipantsOut(Schema):
    event: str
    registration_open: bool
    total: int
    participants: list[PublicParticipantOut]


class PersonOut(Schema):
    name: str
    slug: str
    url: str


class AgendaMeetingOut(Schema):
    start: datetime
    end: datetime
    table: str
    link: str
    with_member: PersonOut


class AgendaRequestOut(Schema):
    id: int
    direction: str
    with_member: PersonOut
    requested_at: datetime


class AgendaOut(Schema):
    event: str
    member: PersonOut
    meetings: list[AgendaMeetingOut]
    requests: list[AgendaRequestOut]


def _event(event_id: int) -> MatchmakingEvent:
    return get_object_or_404(
        MatchmakingEvent.objects.select_related("page").filter(page__live=True),
        pk=event_id,
    )


def _person(member) -> dict:
    return {"name": member.name, "slug": member.slug, "url": member.get_absolute_url()}


@router.get(
    "/{event_id}/participants",
    response={200: EventParticipantsOut, 404: ErrorOut},
    summary="The public participant list of a matchmaking event",
)
def event_participants(request: HttpRequest, event_id: int):
    event = _event(event_id)
    participants = list(selectors.participants_appearing(event=event))
    return {
        "event": event.page.title,
        "registration_open": event.registration_is_open,
        "total": len(participants),
        "participants": [
            {
                "name": p.member.name,
                "slug": p.member.slug,
                "kind": p.member.kind,
                "headline": p.member.headline,
                "url": p.member.get_absolute_url(),
            }
            for p in participants
        ],
    }


@router.get(
    "/{event_id}/agenda",
    response={200: AgendaOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The logged-in participant's own agenda at a matchmaking event",
)
def event_agenda(request: HttpRequest, event_id: int, member: str = ""):
    """For a session of a manager of a participating, published member
    (`member`: its slug, when the account manages several)."""
    event = _event(event_id)
    if not request.user.is_authenticated:
        return Status(401, {"detail": "Log in first."})
    mine = selectors.participant_choices(user=request.user, event=event)
    # A named member that is not one of the account's participants is a 403,
    # never another participant's agenda.
    me = mine.filter(member__slug=member).first() if member else mine.first()
    if me is None:
        return Status(403, {"detail": "Only participants have an agenda."})
    agenda = selectors.agenda_for(participant=me)
    return {
        "event": event.page.title,
        "member": _person(me.member),
        "meetings": [
            {
                "start": m.slot.start,
                "end": m.slot.end,
                "table": m.table.label,
                "link": m.table.link,
                "with_member": _person(m.with_whom.member),
            }
            for m in agenda.booked
        ],
        "requests": [
            {
                "id": m.pk,
                "direction": "received" if m in agenda.received else "sent",
                "with_member": _person(m.with_whom.member),
                "requested_at": m.requested_at,
            }
            for m in agenda.received + agenda.sent
        ],
    }
