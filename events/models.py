"""Matchmaking at the hub's events: registration and one-to-one meetings.

An editor turns an event page (hub.EventPage) into a matchmaking event with a
`MatchmakingEvent` attached to it one-to-one (no change to the page model).
Members register as `Participant`s, ask each other for a `Meeting`, and an
accepted meeting gets a `Slot` both have free and a `Table`.

No double booking, enforced by the database: a meeting holds its table in its
slot (unique per slot and table), and each of its two participants holds the
slot through one `SlotHold` row (unique per participant and slot).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from members.models import Member


class MatchmakingEvent(ClusterableModel):
    page = models.OneToOneField(
        "hub.EventPage",
        on_delete=models.CASCADE,
        related_name="matchmaking",
        verbose_name=_("event page"),
    )
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    capacity = models.PositiveIntegerField(
        _("capacity"),
        default=100,
        help_text=_("The most participants that may register."),
    )
    meetings_start = models.DateTimeField(_("first meeting starts"))
    meetings_end = models.DateTimeField(_("last meeting ends by"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("minutes per meeting"), default=20
    )
    breaks = models.TextField(
        _("breaks"),
        blank=True,
        help_text=_(
            "One break a line, as start and end times, for example 12:30-13:30."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    panels = [
        FieldPanel("page"),
        FieldRowPanel(
            [FieldPanel("registration_opens"), FieldPanel("registration_closes")]
        ),
        FieldPanel("capacity"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("meetings_start"), FieldPanel("meetings_end")]
                ),
                FieldPanel("slot_minutes"),
                FieldPanel("breaks"),
            ],
            heading=_("Meeting slots"),
        ),
        InlinePanel("tables", heading=_("Tables, rooms or online links"), min_num=1),
    ]

    class Meta:
        verbose_name = _("matchmaking event")
        verbose_name_plural = _("matchmaking events")
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_closes__gte=F("registration_opens")),
                name="events_registration_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(meetings_end__gt=F("meetings_start")),
                name="events_meetings_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="events_slot_at_least_5"
            ),
        ]

    def __str__(self):
        return str(self.page)

    def clean(self):
        errors = {}
        if (
            self.registration_opens
            and self.registration_closes
            and self.registration_closes < self.registration_opens
        ):
            errors["registration_closes"] = _(
                "Registration cannot close before it opens."
            )
        if (
            self.meetings_start
            and self.meetings_end
            and self.meetings_end <= self.meetings_start
        ):
            errors["meetings_end"] = _("Meetings must end after they start.")
        if self.slot_minutes is not None and self.slot_minutes < 5:
            errors["slot_minutes"] = _("A meeting lasts at least 5 minutes.")
        try:
            self.break_times()
        except ValueError:
            errors["breaks"] = _("Write each break as 12:30-13:30, one a line.")
        if errors:
            raise ValidationError(errors)

    @property
    def registration_is_open(self) -> bool:
        return self.registration_opens <= timezone.now() <= self.registration_closes

    @property
    def is_over(self) -> bool:
        return self.meetings_end < timezone.now()

    def break_times(self) -> list[tuple[datetime, datetime]]:
        """The breaks as moments on the day meetings start (local time)."""
        day = timezone.localtime(self.meetings_start).date()
        zone = timezone.get_current_timezone()
        out = []
        for line in self.breaks.splitlines():
            if not line.strip():
                continue
            start, end = (part.strip() for part in line.split("-", 1))
            moments = [
                datetime.combine(day, datetime.strptime(t, "%H:%M").time(), zone)
                for t in (start, end)
            ]
            if moments[1] <= moments[0]:
                raise ValueError(line)
            out.append((moments[0], moments[1]))
        return out

    def slot_times(self) -> list[tuple[datetime, datetime]]:
        """Slots of `slot_minutes` from the first meeting to the last, skipping
        those that overlap a break."""
        length = timedelta(minutes=self.slot_minutes)
        breaks = self.break_times()
        out = []
        start = self.meetings_start
        while start + length <= self.meetings_end:
            end = start + length
            overlapping = [b for b in breaks if b[0] < end and start < b[1]]
            if overlapping:
                start = max(b[1] for b in overlapping)
                continue
            out.append((start, end))
            start = end
        return out


class Table(models.Model):
    event = ParentalKey(
        MatchmakingEvent, on_delete=models.CASCADE, related_name="tables"
    )
    label = models.CharField(
        _("table or room"),
        max_length=80,
        help_text=_("For example 'Table 4', 'Room Senne' or 'Online'."),
    )
    link = models.URLField(
        _("online meeting link"),
        blank=True,
        help_text=_("For an online table: the video call's address."),
    )
    sort_order = models.PositiveIntegerField(default=0, editable=False)

    panels = [FieldPanel("label"), FieldPanel("link")]

    class Meta:
        verbose_name = _("table")
        verbose_name_plural = _("tables")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "label"], name="events_table_label_unique"
            )
        ]

    def __str__(self):
        return self.label


class Slot(models.Model):
    event = models.ForeignKey(
        MatchmakingEvent, on_delete=models.CASCADE, related_name="slots"
    )
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "start"], name="events_slot_start_unique"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="events_slot_ends_after_start"
            ),
        ]

    def __str__(self):
        start = timezone.localtime(self.start)
        return f"{start:%Y-%m-%d %H:%M}–{timezone.localtime(self.end):%H:%M}"


class Participant(models.Model):
    event = models.ForeignKey(
        MatchmakingEvent, on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="event_participations",
        verbose_name=_("member"),
    )
    offer = models.TextField(_("what we offer at this event"), max_length=1000)
    seek = models.TextField(_("what we seek at this event"), max_length=1000)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"], name="events_participant_once"
            )
        ]

    def __str__(self):
        return str(self.member)


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def open(cls) -> list[str]:
        return [cls.REQUESTED, cls.ACCEPTED]


class Meeting(models.Model):
    """A one-to-one meeting asked by one participant of another; once
    accepted it holds a slot and a table."""

    event = models.ForeignKey(
        MatchmakingEvent, on_delete=models.CASCADE, related_name="meetings"
    )
    requester = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="meetings_requested",
        verbose_name=_("requested by"),
    )
    receiver = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="meetings_received",
        verbose_name=_("requested of"),
    )
    message = models.TextField(_("message"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MeetingStatus.choices,
        default=MeetingStatus.REQUESTED,
        db_index=True,
    )
    slot = models.ForeignKey(
        Slot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("slot"),
    )
    table = models.ForeignKey(
        Table,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("table"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    no_show = models.BooleanField(
        _("no-show"),
        default=False,
        help_text=_("Set by an editor when a meeting did not take place."),
    )
    requester_outcome = models.BooleanField(
        _("led to something (requester)"), null=True, blank=True
    )
    receiver_outcome = models.BooleanField(
        _("led to something (receiver)"), null=True, blank=True
    )
    # The private tie recorded when both said yes (members.ContactRequest).
    contact_request = models.ForeignKey(
        "members.ContactRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_day_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_hour_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["slot__start", "requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=F("receiver")), name="events_meeting_not_self"
            ),
            # A table holds one meeting a slot.
            models.UniqueConstraint(
                fields=["slot", "table"], name="events_meeting_table_slot_once"
            ),
            # One open request (or meeting) per pair, whoever asked.
            models.UniqueConstraint(
                Least("requester", "receiver"),
                Greatest("requester", "receiver"),
                condition=Q(status__in=["requested", "accepted"]),
                name="events_meeting_pair_once",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", slot__isnull=False, table__isnull=False)
                | (~Q(status="accepted") & Q(slot__isnull=True, table__isnull=True)),
                name="events_meeting_booked_iff_accepted",
            ),
        ]

    def __str__(self):
        return f"{self.requester} → {self.receiver} ({self.get_status_display()})"

    def other(self, participant: Participant) -> Participant:
        return self.receiver if participant.pk == self.requester_id else self.requester

    def outcome_of(self, participant: Participant) -> bool | None:
        if participant.pk == self.requester_id:
            return self.requester_outcome
        return self.receiver_outcome


class SlotHold(models.Model):
    """A participant's slot taken by a meeting: one row per participant and
    slot, so nobody is in two meetings at once, on either side."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="holds"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="holds")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="holds")

    class Meta:
        verbose_name = _("slot held")
        verbose_name_plural = _("slots held")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "slot"], name="events_hold_participant_slot"
            ),
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="events_hold_meeting_side"
            ),
        ]

    def __str__(self):
        return f"{self.participant} @ {self.slot}"
