"""Participants' pages: register, the participant list, suggested meetings,
requests and answers, the personal agenda and its iCal file.

Anyone sees the public list (names, kinds, headlines of published members);
only a participant sees what the others offer and seek, searches them and
asks them for meetings. The rules live in `events.services`.
"""

from datetime import UTC

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import icalendar

from events import selectors, services
from events.forms import MeetingRequestForm, RegistrationForm
from events.models import MatchmakingEvent, Meeting, Participant
from hub.models.events import ICAL_CONTENT_TYPE
from members.models import Member
from members.permissions import member_appearing_q
from search.client import SearchUnavailable


def _event(pk) -> MatchmakingEvent:
    event = get_object_or_404(MatchmakingEvent.objects.select_related("page"), pk=pk)
    if not event.page.live:
        raise Http404
    return event


def _id(value) -> int | None:
    """A positive id from a query or form value, else None."""
    return int(value) if value and str(value).isdigit() else None


def _acting(request, event) -> Participant | None:
    """The participant the user acts as: `as` (a form's hidden field or the
    address), else the first it manages."""
    chosen = _id(request.POST.get("as") or request.GET.get("as"))
    return selectors.participant_acting(user=request.user, event=event, pk=chosen)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def participants(request, pk):
    event = _event(pk)
    me = _acting(request, event)
    context = {"event": event, "page": event.page, "me": me}
    if me is None:
        context["participants"] = selectors.participants_appearing(event=event)
        context["may_register"] = (
            request.user.is_authenticated
            and event.registration_is_open
            and Member.objects.managed_by(request.user)
            .filter(member_appearing_q())
            .exists()
        )
        return render(request, "events/participants_public.html", context)
    text = request.GET.get("q", "")[:200]
    kind = request.GET.get("kind", "")[:40]
    sector = request.GET.get("sector", "")[:64]
    found = selectors.participants_search(
        event=event, text=text, kind=kind, sector=sector
    )
    context |= {"found": found, "q": text, "kind": kind, "sector": sector}
    return render(request, "events/participants.html", context)


@login_required
def register(request, pk):
    event = _event(pk)
    members = Member.objects.managed_by(request.user).filter(member_appearing_q())
    if not members.exists():
        raise PermissionDenied(_("Only a published member can register."))
    chosen = (
        members.filter(pk=_id(request.GET.get("member"))).first() or members.first()
    )
    existing = Participant.objects.filter(event=event, member=chosen).first()
    if not event.registration_is_open and existing is None:
        messages.error(request, _("Registration for this event is not open."))
        return redirect("events:participants", pk=event.pk)
    if request.method == "POST":
        form = RegistrationForm(request.POST, members=members)
        if form.is_valid():
            try:
                services.participant_register(
                    user=request.user, event=event, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("You are registered."))
                return redirect("events:suggestions", pk=event.pk)
    else:
        initial = {"member": chosen}
        if existing is not None:
            initial |= {"offer": existing.offer, "seek": existing.seek}
        else:
            initial |= services.participant_prefill(member=chosen)
        form = RegistrationForm(initial=initial, members=members)
    return render(
        request,
        "events/register.html",
        {"event": event, "page": event.page, "form": form, "existing": existing},
    )


def _participant_required(request, event) -> Participant:
    me = _acting(request, event)
    if me is None:
        raise PermissionDenied(_("Only participants see this page."))
    return me


@login_required
def suggestions(request, pk):
    event = _event(pk)
    me = _participant_required(request, event)
    try:
        found = selectors.meeting_suggestions(participant=me)
        unavailable = False
    except SearchUnavailable:
        found, unavailable = [], True
    return render(
        request,
        "events/suggestions.html",
        {
            "event": event,
            "page": event.page,
            "me": me,
            "suggestions": found,
            "unavailable": unavailable,
            "form": MeetingRequestForm(),
        },
    )


@login_required
@require_POST
def meeting_request_view(request, pk, participant_pk):
    event = _event(pk)
    me = _participant_required(request, event)
    other = get_object_or_404(
        selectors.participants_appearing(event=event), pk=participant_pk
    )
    form = MeetingRequestForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_request(
                user=request.user,
                requester=me,
                receiver=other,
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("Meeting requested with %(name)s.") % {"name": other.member.name},
            )
    return redirect("events:agenda", pk=event.pk)


ACTIONS = {"accept", "decline", "withdraw", "yes", "no"}


@login_required
@require_POST
def meeting_answer(request, pk, meeting_pk, action):
    event = _event(pk)
    meeting = get_object_or_404(
        Meeting.objects.select_related(
            "slot", "requester__member", "receiver__member", "event__page"
        ),
        pk=meeting_pk,
        event=event,
    )
    # The side of this meeting the user manages, whichever profile it acts
    # as elsewhere (an account may manage several participants).
    me = (
        selectors.participants_of_user(user=request.user, event=event)
        .filter(pk__in=(meeting.requester_id, meeting.receiver_id))
        .first()
    )
    if action not in ACTIONS:
        raise Http404
    if me is None:
        raise PermissionDenied(_("Only the two sides of a meeting answer it."))
    try:
        if action == "accept":
            booking = services.meeting_accept(user=request.user, meeting=meeting)
            messages.success(
                request,
                _("Meeting booked: %(slot)s, %(table)s.")
                % {"slot": booking.meeting.slot, "table": booking.meeting.table},
            )
        elif action == "decline":
            services.meeting_decline(user=request.user, meeting=meeting)
        elif action == "withdraw":
            services.meeting_withdraw(user=request.user, meeting=meeting)
        else:
            services.meeting_outcome_record(
                user=request.user,
                meeting=meeting,
                participant=me,
                led_to_something=action == "yes",
            )
            messages.success(request, _("Thank you for telling us."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("events:agenda", pk=event.pk)


@login_required
def agenda(request, pk):
    event = _event(pk)
    me = _participant_required(request, event)
    return render(
        request,
        "events/agenda.html",
        {
            "event": event,
            "page": event.page,
            "me": me,
            "agenda": selectors.agenda_for(participant=me),
            "now": timezone.now(),
        },
    )


@login_required
def agenda_ical(request, pk):
    event = _event(pk)
    me = _participant_required(request, event)
    found = selectors.agenda_for(participant=me)
    host = request.get_host().split(":")[0] or "hub"
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{host}//Matchmaking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", event.page.title)
    for meeting in found.booked:
        item = icalendar.Event()
        item.add("uid", f"meeting-{meeting.pk}-{me.pk}@{host}")
        item.add("dtstamp", timezone.now().astimezone(UTC))
        item.add("dtstart", meeting.slot.start.astimezone(UTC))
        item.add("dtend", meeting.slot.end.astimezone(UTC))
        item.add(
            "summary",
            _("Meeting with %(name)s") % {"name": meeting.with_whom.member.name},
        )
        location = ", ".join(
            part for part in (str(meeting.table), event.page.location) if part
        )
        item.add("location", location)
        if meeting.table.link:
            item.add("url", meeting.table.link)
        item.add("description", event.page.title)
        calendar.add_component(item)
    response = HttpResponse(calendar.to_ical(), content_type=ICAL_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{event.page.slug}-agenda.ics"
    )
    return response
