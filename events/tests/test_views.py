"""Participants' pages and the services behind them: registration, the two
lists, requests and answers, agendas and iCal, the outcome, reminders."""

import datetime

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

import icalendar
import pytest
from bs4 import BeautifulSoup

from events.models import Meeting, MeetingStatus, Participant, Slot
from events.services import (
    matchmaking_slots_sync,
    meeting_accept,
    meeting_outcome_record,
    meeting_reminders_send,
    meeting_request,
)
from events.tests.factories import matchmaking_event_build, participant_build
from members.models import ContactRequest, MemberManager, Offer, Seek
from search.graph import collaboration_graph, graph_reset
from search.services import index_refresh

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def event():
    return matchmaking_event_build(tables=2, slots=4)


def test_slots_follow_times_and_skip_breaks():
    """Twenty-minute slots from 9:00 to 11:00 with a break 9:40-10:00 give
    five slots, none inside the break; editing keeps booked slots."""
    event = matchmaking_event_build(tables=1, slots=6)
    start = timezone.localtime(event.meetings_start)
    event.breaks = f"{start:%H}:40-{start.hour + 1:02d}:00"
    event.save()
    matchmaking_slots_sync(event=event)
    starts = [timezone.localtime(s.start).strftime("%H:%M") for s in event.slots.all()]
    h, h1 = f"{start:%H}", f"{start.hour + 1:02d}"
    assert starts == [f"{h}:00", f"{h}:20", f"{h1}:00", f"{h1}:20", f"{h1}:40"]


def test_registration_is_prefilled_from_the_profile(client, event):
    """The form carries the profile's offers and seeks; posting registers."""
    registered = participant_build(event, 1)
    user = registered.user
    member = registered.participant.member
    registered.participant.delete()
    Offer.objects.create(member=member, text="Ateliers de réparation")
    Seek.objects.create(member=member, text="Local à Anderlecht")
    client.force_login(user)
    url = reverse("events:register", args=[event.pk])
    page = soup(client.get(url))
    assert "Ateliers de réparation" in page.select_one("#id_offer").text
    assert "Local à Anderlecht" in page.select_one("#id_seek").text
    response = client.post(
        url, {"member": member.pk, "offer": "Réparations", "seek": "Un local"}
    )
    assert response.status_code == 302
    participant = Participant.objects.get(event=event, member=member)
    assert (participant.offer, participant.seek) == ("Réparations", "Un local")


def test_registration_closed_and_capacity(event):
    """Closed registration and a full event refuse a new participant."""
    first = participant_build(event, 1)
    event.capacity = 1
    event.save()
    second = participant_build(event, 2)
    second.participant.delete()
    from events.services import participant_register

    with pytest.raises(ValidationError):
        participant_register(
            user=second.user,
            event=event,
            member=second.participant.member,
            offer="x",
            seek="y",
        )
    event.capacity = 10
    event.registration_closes = timezone.now() - datetime.timedelta(minutes=1)
    event.registration_opens = event.registration_closes - datetime.timedelta(days=1)
    event.save()
    with pytest.raises(ValidationError):
        participant_register(
            user=second.user,
            event=event,
            member=second.participant.member,
            offer="x",
            seek="y",
        )
    assert first.participant.pk


def test_only_participants_see_offers_and_nobody_sees_private_fields(client, event):
    """Visitors and non-participants get names only; participants see what
    the others offer and seek; a pending member and e-mails never show."""
    a = participant_build(event, 1, email="secret-a@example.org", phone="+32 2 555")
    b = participant_build(event, 2)
    hidden = participant_build(event, 3, name="Pending Coop", status="pending")
    url = reverse("events:participants", args=[event.pk])
    for viewer in (None, hidden.user):
        client.logout()
        if viewer:
            client.force_login(viewer)
        html = client.get(url).text
        assert a.participant.member.name in html
        assert a.participant.offer not in html
        assert "Pending Coop" not in html
        assert "secret-a@example.org" not in html
    client.force_login(b.user)
    html = client.get(url).text
    assert a.participant.offer in html
    assert "Pending Coop" not in html
    assert "secret-a@example.org" not in html and "+32 2 555" not in html
    found = client.get(url, {"kind": a.participant.member.kind, "q": "Offer 1"})
    names = [h.text for h in soup(found).select("li.participant h3")]
    assert names == [a.participant.member.name]
    for name in ("suggestions", "agenda", "agenda_ical"):
        client.force_login(hidden.user)
        assert client.get(reverse(f"events:{name}", args=[event.pk])).status_code == 403


def test_request_accept_shows_same_slot_and_table_in_both_agendas(client, event):
    """A request, accepted by the other side, appears in both agendas with
    the same slot and table, and in both iCal files."""
    a, b = participant_build(event, 1), participant_build(event, 2)
    client.force_login(a.user)
    response = client.post(
        reverse("events:request", args=[event.pk, b.participant.pk]),
        {"message": "Parlons vélo"},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    client.force_login(b.user)
    assert "Parlons vélo" in client.get(reverse("events:agenda", args=[event.pk])).text
    client.post(reverse("events:answer", args=[event.pk, meeting.pk, "accept"]))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ACCEPTED
    first = event.slots.first()
    assert (meeting.slot, meeting.table.label) == (first, "Table 1")
    for user in (a.user, b.user):
        client.force_login(user)
        row = soup(client.get(reverse("events:agenda", args=[event.pk]))).select_one(
            "tr.agenda__meeting"
        )
        moment = datetime.datetime.fromisoformat(row.select_one("time")["datetime"])
        assert moment == first.start
        assert row.select_one(".agenda__table").text.strip() == "Table 1"
        ical = client.get(reverse("events:agenda_ical", args=[event.pk]))
        (item,) = icalendar.Calendar.from_ical(ical.content).walk("VEVENT")
        assert item.decoded("dtstart") == first.start
        assert "Table 1" in str(item["location"])


def test_only_published_members_act(event):
    """A suspended participant can neither request nor accept."""
    a, b = participant_build(event, 1), participant_build(event, 2)
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    member = b.participant.member
    member.status = "suspended"
    member.save()
    with pytest.raises(PermissionDenied):
        meeting_accept(user=b.user, meeting=meeting)
    with pytest.raises(PermissionDenied):
        meeting_request(user=b.user, requester=b.participant, receiver=a.participant)
    with pytest.raises(PermissionDenied):
        meeting_request(user=b.user, requester=a.participant, receiver=b.participant)


def test_both_yes_adds_a_private_tie_only(event):
    """A yes from both records a contact marked as a collaboration: the
    graph shows the tie to the member's own managers (private) only."""
    graph_reset()
    a, b = participant_build(event, 1), participant_build(event, 2)
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    meeting = meeting_accept(user=b.user, meeting=meeting).meeting
    Slot.objects.filter(pk=meeting.slot_id).update(
        start=timezone.now() - datetime.timedelta(hours=1),
        end=timezone.now() - datetime.timedelta(minutes=40),
    )
    meeting.refresh_from_db()
    meeting_outcome_record(
        user=a.user, meeting=meeting, participant=a.participant, led_to_something=True
    )
    assert not ContactRequest.objects.exists()
    meeting_outcome_record(
        user=b.user, meeting=meeting, participant=b.participant, led_to_something=True
    )
    contact = ContactRequest.objects.get()
    assert contact.led_to_collaboration and contact.is_accepted
    graph_reset()
    graph = collaboration_graph()
    ma, mb = a.participant.member.pk, b.participant.member.pk
    assert mb in graph.neighbours(ma, private=True)
    assert mb not in graph.neighbours(ma)
    graph_reset()


def test_reminders_the_day_before_and_an_hour_before_once(event):
    """Each side gets one e-mail a day before and one an hour before."""
    a, b = participant_build(event, 1), participant_build(event, 2)
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    meeting_accept(user=b.user, meeting=meeting)
    meeting.refresh_from_db()
    start = meeting.slot.start
    assert meeting_reminders_send(now=start - datetime.timedelta(days=2)) == 0
    assert meeting_reminders_send(now=start - datetime.timedelta(hours=20)) == 2
    assert meeting_reminders_send(now=start - datetime.timedelta(hours=19)) == 0
    assert meeting_reminders_send(now=start - datetime.timedelta(minutes=50)) == 2
    assert meeting_reminders_send(now=start - datetime.timedelta(minutes=40)) == 0
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([a.user.email, b.user.email] * 2)
    assert b.participant.member.name in mail.outbox[0].body + mail.outbox[1].body


@pytest.mark.django_db(transaction=True)
def test_suggestions_name_other_participants_with_reasons(client, search_index):
    """The engine suggests the participant who offers what one seeks, with
    its reason; a member outside the event is never suggested."""
    graph_reset()
    event = matchmaking_event_build(tables=2, slots=4)
    a = participant_build(event, 1, name="Paniers Bio", description="")
    Seek.objects.create(member=a.participant.member, text="évaluation d'impact social")
    b = participant_build(event, 2, name="Impact Lab", description="")
    Offer.objects.create(member=b.participant.member, text="évaluation d'impact social")
    outsider = participant_build(event, 3, name="Hors événement", description="")
    Offer.objects.create(
        member=outsider.participant.member, text="évaluation d'impact social"
    )
    outsider.participant.delete()
    index_refresh()
    client.force_login(a.user)
    page = soup(client.get(reverse("events:suggestions", args=[event.pk])))
    items = page.select("li.suggestion")
    names = [item.select_one("h2 a").text for item in items]
    assert names == ["Impact Lab"]
    reasons = [li.text for li in items[0].select("ul.reasons li")]
    assert any("évaluation d'impact social" in r for r in reasons)
    graph_reset()


def test_the_scheduler_enqueues_reminders_that_the_worker_sends(event):
    """The "meeting-reminders" entry runs every five minutes; its task sends
    both reminders due for a meeting in forty minutes, once."""
    from hub.scheduler import entries

    (entry,) = [e for e in entries() if e.id == "meeting-reminders"]
    assert entry.trigger.interval == datetime.timedelta(minutes=5)
    a, b = participant_build(event, 1), participant_build(event, 2)
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    meeting = meeting_accept(user=b.user, meeting=meeting).meeting
    start = timezone.now() + datetime.timedelta(minutes=40)
    Slot.objects.filter(pk=meeting.slot_id).update(
        start=start, end=start + datetime.timedelta(minutes=20)
    )
    assert entry.enqueue().return_value == 4
    assert entry.enqueue().return_value == 0
    assert len(mail.outbox) == 4


def test_prefill_leaves_out_sections_kept_for_matching(event):
    """Offers shown to members are pre-filled; seeks kept private (used for
    matching only) are not, since other participants read the registration."""
    from events.services import participant_prefill
    from members.models import Visibility

    registered = participant_build(event, 1)
    member = registered.participant.member
    member.visibility = {"offers": Visibility.MEMBERS, "seeks": Visibility.MATCHING}
    member.save()
    Offer.objects.create(member=member, text="Cours de cuisine")
    Seek.objects.create(member=member, text="Secret de fabrication")
    assert participant_prefill(member=member) == {
        "offer": "Cours de cuisine",
        "seek": "",
    }


def test_every_language_copy_of_the_event_page_shows_the_meetings(client):
    """Editors set the meetings once, on one copy of the event page; the
    French and Dutch copies show the same panel and registration link."""
    from wagtail.models import Locale

    from events.models import MatchmakingEvent
    from hub.tests.factories import site_tree_build

    tree = site_tree_build()
    now = timezone.now()
    event = MatchmakingEvent.objects.create(
        page=tree.event,
        registration_opens=now - datetime.timedelta(days=1),
        registration_closes=now + datetime.timedelta(days=6),
        meetings_start=now + datetime.timedelta(days=7),
        meetings_end=now + datetime.timedelta(days=7, hours=1),
    )
    register = reverse("events:register", args=[event.pk]).split("/", 2)[2]
    assert register in client.get(tree.event.url).text
    for code in ("fr", "nl"):
        locale = Locale.objects.get_or_create(language_code=code)[0]
        for page in (tree.home, tree.event_index):
            page.copy_for_translation(locale).save_revision().publish()
        translated = tree.event.copy_for_translation(locale)
        translated.save_revision().publish()
        html = client.get(translated.url).text
        assert register in html, code


def test_bad_ids_in_the_address_are_not_errors(client, event):
    """`?as=` and `?member=` that are not numbers fall back, never a 500."""
    a = participant_build(event, 1)
    for anonymous in (True, False):
        if not anonymous:
            client.force_login(a.user)
        url = reverse("events:participants", args=[event.pk])
        assert client.get(url, {"as": "abc"}).status_code == 200
    register = reverse("events:register", args=[event.pk])
    assert client.get(register, {"member": "1 OR 1=1"}).status_code == 200


def test_an_account_with_two_participants_acts_as_either(client, event):
    """A manager of two participating members requests as the second one
    (the hidden `as` field), answers for whichever side of a meeting it
    manages, switches agendas, and cannot book a meeting with itself."""
    a, b, c = (participant_build(event, n) for n in (1, 2, 3))
    MemberManager.objects.create(member=c.participant.member, user=a.user)
    client.force_login(a.user)
    client.post(
        reverse("events:request", args=[event.pk, b.participant.pk]),
        {"message": "Bonjour", "as": c.participant.pk},
    )
    sent = Meeting.objects.get()
    assert sent.requester == c.participant
    # b asks a's second member; a accepts from the default agenda.
    sent.delete()
    asked = meeting_request(
        user=b.user, requester=b.participant, receiver=c.participant
    )
    client.post(reverse("events:answer", args=[event.pk, asked.pk, "accept"]))
    asked.refresh_from_db()
    assert asked.status == MeetingStatus.ACCEPTED
    agenda = client.get(
        reverse("events:agenda", args=[event.pk]), {"as": c.participant.pk}
    )
    assert b.participant.member.name in agenda.text
    with pytest.raises(ValidationError):
        meeting_request(user=a.user, requester=a.participant, receiver=c.participant)


def test_a_member_suspended_since_leaves_the_others_agenda_and_reminders(client, event):
    """Its name leaves the other side's agenda, iCal file and reminders."""
    a, b = participant_build(event, 1), participant_build(event, 2, name="Soon Gone")
    meeting = meeting_request(
        user=a.user, requester=a.participant, receiver=b.participant
    )
    meeting_accept(user=b.user, meeting=meeting)
    member = b.participant.member
    member.status = "suspended"
    member.save()
    client.force_login(a.user)
    assert "Soon Gone" not in client.get(reverse("events:agenda", args=[event.pk])).text
    ical = client.get(reverse("events:agenda_ical", args=[event.pk]))
    assert b"Soon Gone" not in ical.content
    meeting.refresh_from_db()
    sent = meeting_reminders_send(
        now=meeting.slot.start - datetime.timedelta(minutes=30)
    )
    assert sent == 0 and mail.outbox == []
