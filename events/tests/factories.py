"""Matchmaking events for tests: an event page with slots, tables and
registered members, each managed by a user of its own."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from events.models import MatchmakingEvent, Meeting, Participant, Table
from events.services import matchmaking_slots_sync
from hub.tests.factories import (
    EventIndexPageFactory,
    EventPageFactory,
    site_root_ensure,
)
from members.models import MemberManager
from members.tests.factories import MemberFactory


def matchmaking_event_build(
    *, tables: int = 3, slots: int = 6, minutes: int = 20, days_ahead: int = 7
) -> MatchmakingEvent:
    root = site_root_ensure()
    index = EventIndexPageFactory(parent=root)
    start = (timezone.now() + datetime.timedelta(days=days_ahead)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    page = EventPageFactory(
        parent=index, start=start, end=start + datetime.timedelta(hours=8)
    )
    event = MatchmakingEvent.objects.create(
        page=page,
        registration_opens=timezone.now() - datetime.timedelta(days=1),
        registration_closes=start,
        capacity=200,
        meetings_start=start,
        meetings_end=start + datetime.timedelta(minutes=minutes * slots),
        slot_minutes=minutes,
    )
    for i in range(tables):
        Table.objects.create(event=event, label=f"Table {i + 1}", sort_order=i)
    matchmaking_slots_sync(event=event)
    return event


@dataclass
class Registered:
    participant: Participant
    user: object


def participant_build(event: MatchmakingEvent, n: int, **member) -> Registered:
    user = get_user_model().objects.create_user(
        username=f"participant{event.pk}-{n}",
        email=f"participant{event.pk}-{n}@example.org",
        password="secret-password-1",
    )
    member = MemberFactory(name=member.pop("name", f"Participant {n}"), **member)
    MemberManager.objects.create(member=member, user=user)
    participant = Participant.objects.create(
        event=event,
        member=member,
        offer=f"Offer {n}",
        seek=f"Seek {n}",
        registered_by=user,
    )
    return Registered(participant, user)


def events_world_build(*, objects: dict, page) -> dict:
    """A matchmaking event on `page` for the access matrix and the leak
    scanner (hub/tests/worlds.py): the target's and the other member's
    managers take part, registered with what the form pre-fills (so a private
    section copied there would show); the other asks the target for a
    meeting; a suspended and a pending member are registered too."""
    from events.services import participant_prefill

    start = page.start
    event = MatchmakingEvent.objects.create(
        page=page,
        registration_opens=timezone.now() - datetime.timedelta(days=1),
        registration_closes=start,
        meetings_start=start,
        meetings_end=start + datetime.timedelta(hours=1),
        slot_minutes=20,
    )
    Table.objects.create(event=event, label="Table 1")
    found = {}
    for key in ("target", "other", "suspended", "pending_member"):
        member = objects[key]
        prefill = participant_prefill(member=member)
        found[key] = Participant.objects.create(
            event=event,
            member=member,
            offer=prefill["offer"] or f"{member.name} offers",
            seek=prefill["seek"] or f"{member.name} seeks",
        )
    request = Meeting.objects.create(
        event=event, requester=found["other"], receiver=found["target"]
    )
    return {
        "matchmaking": event,
        "matchmaking_target": found["target"],
        "matchmaking_request": request,
    }


def editors_group():
    """Wagtail's Editors group with the admin and events permissions (a
    transactional test's flush removes the group its migration created)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            Q(content_type__app_label="wagtailadmin", codename="access_admin")
            | Q(content_type__app_label="events")
        )
    )
    return editors
