"""Demo content: one matchmaking event on the soonest upcoming demo event,
with a few published members registered and some meetings booked
(`hub_demo` / `make run`). Idempotent."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from wagtail.models import Locale

from events.models import MatchmakingEvent, Meeting, MeetingStatus, Participant, Table
from events.services import meeting_book, participant_prefill
from hub.models import EventPage
from members.models import Member

TABLES = ("Table 1", "Table 2", "Table 3", "Table 4")
PARTICIPANTS = 12
MEETINGS = 8


def matchmaking_demo_load() -> str:
    now = timezone.now()
    pages = EventPage.objects.live().filter(start__gt=now).order_by("start")
    default = Locale.get_default()
    page = pages.filter(locale=default).first() or pages.first()
    if page is None:
        return "matchmaking: no upcoming event page"
    event, created = MatchmakingEvent.objects.get_or_create(
        page=page,
        defaults={
            "registration_opens": now - timedelta(days=1),
            "registration_closes": page.start,
            "capacity": 60,
            "meetings_start": page.start,
            "meetings_end": page.start + timedelta(hours=2),
            "slot_minutes": 20,
        },
    )
    for n, label in enumerate(TABLES):
        Table.objects.get_or_create(
            event=event, label=label, defaults={"sort_order": n}
        )
    Table.objects.get_or_create(
        event=event,
        label="Online",
        defaults={"link": "https://meet.example.org/hub-matchmaking", "sort_order": 9},
    )
    # Members with something to offer and to seek, so suggestions have reasons.
    members = (
        Member.objects.published()
        .annotate(n_offers=Count("offers"), n_seeks=Count("seeks"))
        .filter(n_offers__gt=0, n_seeks__gt=0)
        .order_by("pk")[:PARTICIPANTS]
    )
    for member in members:
        prefill = participant_prefill(member=member)
        Participant.objects.get_or_create(
            event=event,
            member=member,
            defaults={
                "offer": prefill["offer"] or member.headline or member.name,
                "seek": prefill["seek"] or member.headline or member.name,
            },
        )
    participants = list(Participant.objects.filter(event=event).order_by("pk"))
    if not Meeting.objects.filter(event=event).exists():
        for i in range(min(MEETINGS, len(participants) // 2)):
            meeting = Meeting.objects.create(
                event=event,
                requester=participants[i],
                receiver=participants[-1 - i],
                message="",
            )
            # The first half accepted (booked), the rest still waiting.
            if i % 2 == 0:
                meeting_book(meeting=meeting)
    booked = Meeting.objects.filter(event=event, status=MeetingStatus.ACCEPTED)
    return (
        f"matchmaking: {page.title} ({len(participants)} participants, "
        f"{booked.count()} meetings booked)"
    )
