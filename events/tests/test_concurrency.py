"""Booking under real concurrency, on PostgreSQL, with parallel processes.

Fifty participants request meetings and accept those they receive at the same
time, from eight processes. The database refuses what would double-book
(the unique holds per participant and slot, per table and slot) and the
second of two requests between the same pair; the test observes both
refusals, then checks from the meeting rows alone that nobody and no table
is in two places at once, and that every request a process was told was
stored is there, and nothing else.
"""

import multiprocessing
import random
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import connections

import pytest

from events.models import Meeting, MeetingStatus, Participant, SlotHold
from events.services import meeting_accept, meeting_request
from events.tests.factories import matchmaking_event_build, participant_build

PARTICIPANTS = 50
PROCESSES = 8
TABLES = 3
SLOTS = 6

pytestmark = pytest.mark.django_db(transaction=True)


def _user(participant: Participant):
    return participant.member.managers.get().user


def _accept_received(me: Participant, outcome: dict) -> None:
    user = _user(me)
    pending = Meeting.objects.filter(receiver=me, status=MeetingStatus.REQUESTED)
    for meeting in pending.select_related("receiver__member", "requester__member"):
        try:
            booking = meeting_accept(user=user, meeting=meeting)
        except ValidationError as exc:
            outcome["accept_refused"].append((meeting.pk, exc.code))
        else:
            outcome["accepted"].append(meeting.pk)
            outcome["conflicts"] += booking.conflicts


def _request_and_accept(job) -> dict:
    """One participant: request its targets, accepting what arrived between
    requests, as a person clicking through the agenda would."""
    participant_id, targets = job
    connections.close_all()
    outcome = {
        "requested": [],
        "request_refused": [],
        "accepted": [],
        "accept_refused": [],
        "conflicts": 0,
    }
    me = Participant.objects.select_related("member", "event").get(pk=participant_id)
    user = _user(me)
    for target in targets:
        receiver = Participant.objects.select_related("member").get(pk=target)
        try:
            meeting = meeting_request(
                user=user, requester=me, receiver=receiver, message="Shall we meet?"
            )
        except ValidationError as exc:
            outcome["request_refused"].append((target, exc.code))
        else:
            outcome["requested"].append(meeting.pk)
        _accept_received(me, outcome)
    connections.close_all()
    return outcome


def _accept_rest(participant_id) -> dict:
    connections.close_all()
    outcome = {"accepted": [], "accept_refused": [], "conflicts": 0}
    _accept_received(Participant.objects.get(pk=participant_id), outcome)
    connections.close_all()
    return outcome


def test_fifty_participants_at_once_never_double_book(postgresql):
    """Every stored request is one a process was told was stored; the mutual
    requests are refused as duplicates (exactly one per pair); acceptances
    past the event's 18 places are refused as full; nobody and no table
    holds two meetings in one slot."""
    event = matchmaking_event_build(tables=TABLES, slots=SLOTS)
    ids = [participant_build(event, n).participant.pk for n in range(PARTICIPANTS)]
    rng = random.Random(21)
    jobs, pairs = [], set()
    for i, pk in enumerate(ids):
        # Both neighbours: each neighbouring pair is asked from both sides at
        # once, so exactly one of the two requests must be refused.
        targets = {ids[(i + 1) % PARTICIPANTS], ids[i - 1]}
        targets |= set(rng.sample([t for t in ids if t != pk], 2))
        jobs.append((pk, sorted(targets)))
        pairs |= {frozenset((pk, t)) for t in targets}
    asked = sum(len(t) for _, t in jobs)

    connections.close_all()
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        first = pool.map(_request_and_accept, jobs, chunksize=1)
        rest = pool.map(_accept_rest, ids, chunksize=1)
    outcomes = first + rest

    requested = [pk for o in first for pk in o["requested"]]
    refused_requests = [r for o in first for r in o["request_refused"]]
    accepted = [pk for o in outcomes for pk in o["accepted"]]
    refused_accepts = Counter(code for o in outcomes for _, code in o["accept_refused"])
    races = sum(o["conflicts"] for o in outcomes)

    # No lost request, none invented: what processes were told was stored is
    # exactly what the table holds, one per pair.
    stored = list(Meeting.objects.filter(event=event).values_list("pk", flat=True))
    assert sorted(stored) == sorted(requested)
    assert len(stored) == len(pairs)
    assert len(refused_requests) == asked - len(pairs) > 0
    assert {code for _, code in refused_requests} == {"duplicate"}

    # Acceptances: at most one per place, the rest refused and left waiting.
    booked = Meeting.objects.filter(event=event, status=MeetingStatus.ACCEPTED)
    assert sorted(booked.values_list("pk", flat=True)) == sorted(accepted)
    assert 0 < len(accepted) <= TABLES * SLOTS
    assert refused_accepts["full"] > 0
    assert set(refused_accepts) <= {"full", "answered"}
    waiting = Meeting.objects.filter(event=event, status=MeetingStatus.REQUESTED)
    assert waiting.count() == len(stored) - len(accepted)

    # No double booking, read from the meetings themselves.
    places = Counter(booked.values_list("slot_id", "table_id"))
    assert max(places.values()) == 1
    per_person = Counter()
    for slot, a, b in booked.values_list("slot_id", "requester_id", "receiver_id"):
        per_person[(a, slot)] += 1
        per_person[(b, slot)] += 1
    assert max(per_person.values()) == 1
    # And the holds agree with them: two per meeting, in its slot.
    holds = Counter(
        SlotHold.objects.filter(meeting__in=booked).values_list("meeting_id", "slot_id")
    )
    assert sorted(holds) == sorted(booked.values_list("pk", "slot_id"))
    assert set(holds.values()) == {2}
    print(
        f"\nrequests {asked}: stored {len(stored)}, refused as duplicates "
        f"{len(refused_requests)}; accepted {len(accepted)} of {TABLES * SLOTS} "
        f"places; acceptances refused {dict(refused_accepts)}; places lost to a "
        f"concurrent booking and retried {races}"
    )
