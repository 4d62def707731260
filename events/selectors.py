"""Reads for the matchmaking pages, the editors' view and the API."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from events.models import MatchmakingEvent, Meeting, MeetingStatus, Participant
from hub.taxonomy import Sector
from members.models import Member, MemberKind
from members.permissions import member_appearing_q
from search.suggestions import members_for_member


def matchmaking_for_page(*, page) -> MatchmakingEvent | None:
    """The matchmaking event set on `page` or on another language's copy of
    it (editors set it once, on whichever copy they edit)."""
    events = MatchmakingEvent.objects.filter(
        page__translation_key=page.translation_key
    ).order_by("page__locale_id")
    # The page's own first, then the oldest locale's copy (the default one).
    return min(events, key=lambda event: event.page_id != page.pk, default=None)


def participants_appearing(*, event: MatchmakingEvent) -> QuerySet:
    """Participants whose member may appear (published), by name."""
    return (
        Participant.objects.filter(event=event)
        .filter(member_appearing_q("member__"))
        .select_related("member")
        .order_by("member__name")
    )


def participants_of_user(*, user, event: MatchmakingEvent) -> QuerySet:
    """The participants of `event` whose members `user` manages."""
    if not user.is_authenticated:
        return Participant.objects.none()
    return (
        Participant.objects.filter(
            event=event, member__in=Member.objects.managed_by(user)
        )
        .select_related("member", "event")
        .order_by("pk")
    )


def participant_choices(*, user, event: MatchmakingEvent) -> QuerySet:
    """The participants `user` may act as: those it manages that may act."""
    return participants_of_user(user=user, event=event).filter(
        member_appearing_q("member__")
    )


def participant_acting(*, user, event: MatchmakingEvent, pk=None) -> Participant | None:
    """The participant `user` acts as: the one asked for (`pk`), else the
    first it manages. Only a member that may act counts."""
    mine = participant_choices(user=user, event=event)
    if pk:
        return mine.filter(pk=pk).first()
    return mine.first()


@dataclass
class ParticipantSearch:
    participants: list
    total: int
    facets: dict = field(default_factory=dict)


def participants_search(
    *, event: MatchmakingEvent, text: str = "", kind: str = "", sector: str = ""
) -> ParticipantSearch:
    """Participants that may appear, filtered by words (name, headline,
    offer, seek), kind and sector, with counts per kind and per sector of the
    words' results (each facet ignoring its own choice)."""
    base = participants_appearing(event=event)
    for word in text.split()[:10]:
        base = base.filter(
            Q(member__name__icontains=word)
            | Q(member__headline__icontains=word)
            | Q(offer__icontains=word)
            | Q(seek__icontains=word)
        )
    by_kind = base.filter(member__sectors__slug=sector) if sector else base
    by_sector = base.filter(member__kind=kind) if kind else base
    kinds = Counter(dict(by_kind.values_list("member__kind").annotate(n=Count("pk"))))
    sector_counts = Counter(
        dict(
            by_sector.filter(member__sectors__isnull=False)
            .values_list("member__sectors")
            .annotate(n=Count("pk", distinct=True))
        )
    )
    sectors = Sector.objects.filter(pk__in=list(sector_counts))
    results = base
    if kind:
        results = results.filter(member__kind=kind)
    if sector:
        results = results.filter(member__sectors__slug=sector)
    results = list(results.distinct().prefetch_related("member__sectors"))
    facets = {
        "kind": [
            {
                "value": value,
                "label": label,
                "count": kinds.get(value, 0),
                "selected": value == kind,
            }
            for value, label in MemberKind.choices
            if kinds.get(value)
        ],
        "sector": [
            {
                "value": term.slug,
                "label": term.label(),
                "count": sector_counts[term.pk],
                "selected": term.slug == sector,
            }
            for term in sorted(sectors, key=lambda t: (-sector_counts[t.pk], t.label()))
        ][:20],
    }
    return ParticipantSearch(results, len(results), facets)


@dataclass
class Suggestion:
    participant: Participant
    reasons: list
    score: float


def meeting_suggestions(*, participant: Participant, size: int = 10) -> list:
    """Other participants the engine suggests `participant` should meet, with
    its reasons; those already asked or met are left out. The engine is asked
    for the participant's member among the event's participants only (its own
    managers look: its private ties count, as on its dashboard).

    Raises SearchUnavailable when the search node is down.
    """
    others = participants_appearing(event=participant.event).exclude(pk=participant.pk)
    asked = Meeting.objects.filter(
        Q(requester=participant) | Q(receiver=participant),
        status__in=MeetingStatus.open(),
    ).values_list("requester_id", "receiver_id")
    busy = {pk for pair in asked for pk in pair} - {participant.pk}
    by_member = {p.member_id: p for p in others if p.pk not in busy}
    if not by_member:
        return []
    outside = set(
        Member.objects.exclude(pk__in=list(by_member)).values_list("pk", flat=True)
    )
    matches = members_for_member(
        member=participant.member, size=size, exclude=outside, public_only=False
    )
    return [
        Suggestion(by_member[m.member_id], m.reasons, m.score)
        for m in matches
        if m.member_id in by_member
    ]


@dataclass
class Agenda:
    participant: Participant
    booked: list
    received: list
    sent: list
    closed: list


def agenda_for(*, participant: Participant) -> Agenda:
    """`participant`'s meetings with members that may still appear (one
    suspended since is left out: not named, not in the iCal file)."""
    meetings = (
        Meeting.objects.filter(
            (Q(requester=participant) & member_appearing_q("receiver__member__"))
            | (Q(receiver=participant) & member_appearing_q("requester__member__"))
        )
        .select_related("slot", "table", "requester__member", "receiver__member")
        .order_by("slot__start", "-requested_at")
    )
    booked, received, sent, closed = [], [], [], []
    for meeting in meetings:
        meeting.with_whom = meeting.other(participant)
        meeting.my_outcome = meeting.outcome_of(participant)
        if meeting.status == MeetingStatus.ACCEPTED:
            booked.append(meeting)
        elif meeting.status == MeetingStatus.REQUESTED:
            (received if meeting.receiver_id == participant.pk else sent).append(
                meeting
            )
        else:
            closed.append(meeting)
    return Agenda(participant, booked, received, sent, closed)


def event_figures(*, event: MatchmakingEvent) -> dict:
    """Meetings requested, accepted, held, declined, no-shows; participants."""
    now = timezone.now()
    meetings = Meeting.objects.filter(event=event)
    accepted = Q(status=MeetingStatus.ACCEPTED)
    return {
        "participants": Participant.objects.filter(event=event).count(),
        "capacity": event.capacity,
        **meetings.aggregate(
            requested=Count("pk"),
            accepted=Count("pk", filter=accepted),
            held=Count("pk", filter=accepted & Q(slot__end__lte=now, no_show=False)),
            declined=Count("pk", filter=Q(status=MeetingStatus.DECLINED)),
            withdrawn=Count("pk", filter=Q(status=MeetingStatus.WITHDRAWN)),
            waiting=Count("pk", filter=Q(status=MeetingStatus.REQUESTED)),
            no_shows=Count("pk", filter=accepted & Q(no_show=True)),
            led_to_something=Count(
                "pk", filter=Q(requester_outcome=True, receiver_outcome=True)
            ),
        ),
    }


def meeting_grid(*, event: MatchmakingEvent) -> dict:
    """Rows of slots, a cell per table: the meeting there or None."""
    tables = list(event.tables.all())
    booked = {
        (m.slot_id, m.table_id): m
        for m in Meeting.objects.filter(
            event=event, status=MeetingStatus.ACCEPTED
        ).select_related("requester__member", "receiver__member")
    }
    rows = [
        {"slot": slot, "cells": [booked.get((slot.pk, t.pk)) for t in tables]}
        for slot in event.slots.all()
    ]
    return {"tables": tables, "rows": rows}


def booked_counts(*, event: MatchmakingEvent) -> dict[int, int]:
    """Booked meetings per participant id."""
    counts: Counter = Counter()
    for a, b in Meeting.objects.filter(
        event=event, status=MeetingStatus.ACCEPTED
    ).values_list("requester_id", "receiver_id"):
        counts[a] += 1
        counts[b] += 1
    return dict(counts)
