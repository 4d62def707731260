"""Registration, meeting requests and the booking of slots and tables.

The booking never double-books: a meeting takes its two `SlotHold` rows
(unique per participant and slot) and its own (slot, table) pair (unique) in
one savepoint, so of two transactions that reach for the same place the
second gets an IntegrityError and tries the next slot or table. Keys are
taken in one order (participants by id, then the table) so that concurrent
bookings never wait on each other in a cycle.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import (
    MatchmakingEvent,
    Meeting,
    MeetingStatus,
    Participant,
    Slot,
    SlotHold,
    Table,
)
from hub.emails import absolute_url, email_messages
from members.accounts import address_languages
from members.models import ContactRequest, ContactStatus, Member
from members.permissions import (
    member_appearing_q,
    member_may_act,
    member_require_act,
)

logger = logging.getLogger(__name__)

TEXT_MAX = 1000
MESSAGE_MAX = 500
BOOKING_ATTEMPTS = 3


def _manages(user, member: Member) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and member.managers.filter(user=user).exists()
    )


def _require_manages(user, member: Member) -> None:
    if not _manages(user, member):
        raise PermissionDenied(_("You do not manage this member."))
    member_require_act(member)


def _text(value: str, *, field: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > maximum:
        raise ValidationError(
            {field: _("Write at most %(count)d characters.") % {"count": maximum}}
        )
    return value


# Slots -----------------------------------------------------------------------


def matchmaking_slots_sync(*, event: MatchmakingEvent) -> int:
    """Make the event's slots follow its times, slot length and breaks.

    Slots that no meeting holds are replaced; held ones are kept, so editing
    the times after meetings were booked never moves a booked meeting.
    Returns the number of slots.
    """
    wanted = event.slot_times()
    with transaction.atomic():
        MatchmakingEvent.objects.select_for_update().filter(pk=event.pk).exists()
        held = set(
            Meeting.objects.filter(event=event, slot__isnull=False).values_list(
                "slot_id", flat=True
            )
        )
        existing = {s.start: s for s in Slot.objects.filter(event=event)}
        keep = {start for start, _end in wanted}
        Slot.objects.filter(event=event).exclude(pk__in=held).exclude(
            start__in=keep
        ).delete()
        for start, end in wanted:
            slot = existing.get(start)
            if slot is None:
                Slot.objects.create(event=event, start=start, end=end)
            elif slot.end != end and slot.pk not in held:
                Slot.objects.filter(pk=slot.pk).update(end=end)
    return Slot.objects.filter(event=event).count()


# Registration ----------------------------------------------------------------


def participant_register(
    *, user, event: MatchmakingEvent, member: Member, offer: str, seek: str
) -> Participant:
    """`user`, a manager of a published `member`, registers it (or updates
    what it offers and seeks at the event)."""
    _require_manages(user, member)
    offer = _text(offer, field="offer", maximum=TEXT_MAX)
    seek = _text(seek, field="seek", maximum=TEXT_MAX)
    with transaction.atomic():
        # One registration at a time per event, so capacity holds.
        MatchmakingEvent.objects.select_for_update().filter(pk=event.pk).exists()
        existing = Participant.objects.filter(event=event, member=member).first()
        if existing is not None:
            existing.offer, existing.seek = offer, seek
            existing.save(update_fields=["offer", "seek"])
            return existing
        if not event.registration_is_open:
            raise ValidationError(_("Registration for this event is not open."))
        if Participant.objects.filter(event=event).count() >= event.capacity:
            raise ValidationError(_("This event is full."))
        return Participant.objects.create(
            event=event, member=member, offer=offer, seek=seek, registered_by=user
        )


def participant_prefill(*, member: Member) -> dict:
    """What the member offers and seeks on its profile, one line each: only
    the sections it shows to members, as other participants will read them
    (a section kept for matching only starts empty)."""
    today = timezone.localdate()

    def lines(section, items):
        if not member.section_visible(section, to_member=True):
            return ""
        return "\n".join(
            item.text
            for item in items.all()
            if item.expires_on is None or item.expires_on >= today
        )

    return {
        "offer": lines("offers", member.offers),
        "seek": lines("seeks", member.seeks),
    }


# Meetings --------------------------------------------------------------------


def meeting_request(
    *, user, requester: Participant, receiver: Participant, message: str = ""
) -> Meeting:
    """The requester's manager asks the receiver for a meeting."""
    _require_manages(user, requester.member)
    if requester.event_id != receiver.event_id:
        raise ValidationError(_("Both must take part in the same event."))
    if requester.pk == receiver.pk or _manages(user, receiver.member):
        raise ValidationError(_("You cannot meet yourself."))
    if not member_may_act(receiver.member):
        raise ValidationError(_("This participant cannot take meetings."))
    if requester.event.is_over:
        raise ValidationError(_("This event is over."))
    message = _text(message, field="message", maximum=MESSAGE_MAX, required=False)
    try:
        with transaction.atomic():
            return Meeting.objects.create(
                event_id=requester.event_id,
                requester=requester,
                receiver=receiver,
                message=message,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("A meeting between you is already requested or booked."),
            code="duplicate",
        ) from exc


def _free_places(meeting: Meeting):
    """(slot, table) pairs both sides and a table have free, soonest first."""
    sides = [meeting.requester_id, meeting.receiver_id]
    busy = SlotHold.objects.filter(participant_id__in=sides).values("slot_id")
    slots = (
        Slot.objects.filter(event_id=meeting.event_id, start__gt=timezone.now())
        .exclude(pk__in=busy)
        .order_by("start")
    )
    tables = list(
        Table.objects.filter(event_id=meeting.event_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for slot in slots:
        taken = set(
            Meeting.objects.filter(slot=slot).values_list("table_id", flat=True)
        )
        for table_id in tables:
            if table_id not in taken:
                yield slot, table_id


@dataclass
class Booking:
    meeting: Meeting
    # Places another transaction took first while this one tried them.
    conflicts: int = 0


def _book(meeting: Meeting) -> Booking:
    sides = sorted([meeting.requester_id, meeting.receiver_id])
    booking = Booking(meeting)
    for slot, table_id in _free_places(meeting):
        try:
            with transaction.atomic():
                for participant_id in sides:
                    SlotHold.objects.create(
                        participant_id=participant_id, slot=slot, meeting=meeting
                    )
                Meeting.objects.filter(pk=meeting.pk).update(
                    status=MeetingStatus.ACCEPTED,
                    slot=slot,
                    table_id=table_id,
                    answered_at=timezone.now(),
                )
        except IntegrityError:
            booking.conflicts += 1
            continue
        meeting.refresh_from_db()
        return booking
    raise ValidationError(
        _("You have no free slot in common, or every table is taken."),
        code="full",
    )


def meeting_accept(*, user, meeting: Meeting) -> Booking:
    """The receiver's manager accepts: the pair gets the soonest slot both
    have free and a free table, in one transaction."""
    _require_manages(user, meeting.receiver.member)
    member_require_act(meeting.requester.member)
    for attempt in range(BOOKING_ATTEMPTS):
        try:
            with transaction.atomic():
                locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
                if locked.status != MeetingStatus.REQUESTED:
                    raise ValidationError(
                        _("This request was already answered or withdrawn."),
                        code="answered",
                    )
                return _book(locked)
        except OperationalError:
            # A deadlock the database broke: nothing was kept, try again.
            if attempt == BOOKING_ATTEMPTS - 1:
                raise
            logger.warning("Booking of meeting %s retried", meeting.pk)
    raise AssertionError("unreachable")


def meeting_book(*, meeting: Meeting) -> Booking:
    """Book a requested meeting without asking anyone (demo content): the
    same transaction as an acceptance."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != MeetingStatus.REQUESTED:
            raise ValidationError(_("This request was already answered or withdrawn."))
        return _book(locked)


def meeting_decline(*, user, meeting: Meeting) -> Meeting:
    _require_manages(user, meeting.receiver.member)
    updated = Meeting.objects.filter(
        pk=meeting.pk, status=MeetingStatus.REQUESTED
    ).update(status=MeetingStatus.DECLINED, answered_at=timezone.now())
    if not updated:
        raise ValidationError(_("This request was already answered or withdrawn."))
    meeting.refresh_from_db()
    return meeting


def meeting_withdraw(*, user, meeting: Meeting) -> Meeting:
    """Either side calls a request or a booked meeting off; its slot and
    table become free again."""
    if not (
        _manages(user, meeting.requester.member)
        or _manages(user, meeting.receiver.member)
    ):
        raise PermissionDenied(_("You are not part of this meeting."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status not in MeetingStatus.open():
            raise ValidationError(_("This meeting is already called off."))
        SlotHold.objects.filter(meeting=locked).delete()
        Meeting.objects.filter(pk=locked.pk).update(
            status=MeetingStatus.WITHDRAWN, slot=None, table=None
        )
    meeting.refresh_from_db()
    return meeting


def meeting_outcome_record(
    *, user, meeting: Meeting, participant: Participant, led_to_something: bool
) -> Meeting:
    """After the meeting, one side says whether it led to something. A yes
    from both records a private tie between the two members, the same one a
    contact request marked as having led to a collaboration records."""
    if participant.pk not in (meeting.requester_id, meeting.receiver_id):
        raise PermissionDenied(_("You are not part of this meeting."))
    _require_manages(user, participant.member)
    field = (
        "requester_outcome"
        if participant.pk == meeting.requester_id
        else "receiver_outcome"
    )
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("slot")
            .get(pk=meeting.pk)
        )
        if (
            locked.status != MeetingStatus.ACCEPTED
            or locked.slot.start > timezone.now()
        ):
            raise ValidationError(_("You can answer once the meeting has started."))
        setattr(locked, field, led_to_something)
        locked.save(update_fields=[field])
        if locked.requester_outcome and locked.receiver_outcome:
            _collaboration_record(locked)
    meeting.refresh_from_db()
    return meeting


def _collaboration_record(meeting: Meeting) -> None:
    """The pair's accepted contact request, marked as having led to a
    collaboration; one is created, already accepted, if they had none."""
    if meeting.contact_request_id:
        return
    a, b = meeting.requester.member, meeting.receiver.member
    pair = Q(sender=a, receiver=b) | Q(sender=b, receiver=a)
    contact = (
        ContactRequest.objects.filter(pair, status=ContactStatus.ACCEPTED)
        .order_by("pk")
        .first()
    )
    if contact is None:
        contact = ContactRequest.objects.create(
            sender=a,
            receiver=b,
            message=_("Met at %(event)s") % {"event": meeting.event.page.title},
            status=ContactStatus.ACCEPTED,
            answered_at=timezone.now(),
            led_to_collaboration=True,
        )
    elif not contact.led_to_collaboration:
        contact.led_to_collaboration = True
        contact.save(update_fields=["led_to_collaboration"])
    Meeting.objects.filter(pk=meeting.pk).update(contact_request=contact)


def meeting_no_show_set(*, meeting: Meeting, no_show: bool) -> None:
    """Editors record that a booked meeting did not take place."""
    Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.ACCEPTED).update(
        no_show=no_show
    )


# Reminders -------------------------------------------------------------------

REMINDERS = {
    # field: how long before the meeting, e-mail template prefix
    "reminded_day_at": timedelta(days=1),
    "reminded_hour_at": timedelta(hours=1),
}


def _manager_emails(member: Member) -> list[str]:
    emails = (
        member.managers.filter(user__is_active=True)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))


def meeting_reminders_send(*, now=None) -> int:
    """E-mail both sides of each booked meeting the day before and an hour
    before; each reminder is sent once (marked in the same transaction).
    Returns the e-mails sent."""
    now = now or timezone.now()
    sent = 0
    for field, ahead in REMINDERS.items():
        due = Meeting.objects.filter(
            # Both sides may still appear: a member suspended since is not
            # named to the other, nor reminded.
            member_appearing_q("requester__member__"),
            member_appearing_q("receiver__member__"),
            status=MeetingStatus.ACCEPTED,
            slot__start__gt=now,
            slot__start__lte=now + ahead,
            **{f"{field}__isnull": True},
        ).values_list("pk", flat=True)
        for pk in list(due):
            # Marked first, sent after the commit: no row stays locked while
            # a mail server answers; a failed send is unmarked for the next run.
            with transaction.atomic():
                meeting = (
                    Meeting.objects.select_for_update(of=("self",))
                    .select_related(
                        "slot",
                        "table",
                        "event__page",
                        "requester__member",
                        "receiver__member",
                    )
                    .filter(pk=pk, **{f"{field}__isnull": True})
                    .first()
                )
                if meeting is None:
                    continue
                Meeting.objects.filter(pk=pk).update(**{field: now})
            messages = []
            for side in (meeting.requester, meeting.receiver):
                other = meeting.other(side)
                messages += email_messages(
                    prefix="events/email/meeting_reminder",
                    context={
                        "meeting": meeting,
                        "event_title": meeting.event.page.title,
                        "other_name": other.member.name,
                        "slot": meeting.slot,
                        "table": meeting.table,
                        "agenda_url": absolute_url(
                            reverse("events:agenda", kwargs={"pk": meeting.event_id})
                        ),
                    },
                    languages=address_languages(_manager_emails(side.member)),
                )
            if messages:
                try:
                    get_connection().send_messages(messages)
                except OSError:
                    logger.exception("Could not send reminders for %s", pk)
                    Meeting.objects.filter(pk=pk, **{field: now}).update(
                        **{field: None}
                    )
                    continue
            sent += len(messages)
    return sent
