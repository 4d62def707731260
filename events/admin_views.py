"""The editors' view of a matchmaking event in the Wagtail admin: figures,
the grid by slot and table, participants, requests with no-shows, and CSV."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from events import selectors, services
from events.models import MatchmakingEvent, Meeting, Participant
from hub.spreadsheets import spreadsheet_rows_write

CSV_VIEWS = ("participants", "meetings")


def user_may_run_events(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_perm("wagtailadmin.access_admin")
        and user.has_perm("events.change_matchmakingevent")
    )


def _check_editor(request) -> None:
    if not user_may_run_events(request.user):
        raise PermissionDenied


class MatchmakingIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "events/admin/index.html"
    page_title = gettext_lazy("Matchmaking meetings")
    header_icon = "group"
    breadcrumbs_items = [
        {"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")},
        {"url": "", "label": gettext_lazy("Matchmaking meetings")},
    ]

    def dispatch(self, request, *args, **kwargs):
        _check_editor(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = MatchmakingEvent.objects.select_related("page").order_by(
            "-meetings_start"
        )
        context["rows"] = [
            (event, selectors.event_figures(event=event)) for event in events
        ]
        return context


class MatchmakingEventView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "events/admin/event.html"
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        _check_editor(request)
        self.event = get_object_or_404(
            MatchmakingEvent.objects.select_related("page"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Meetings: %(title)s") % {"title": self.event.page.title}

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("events_admin"), "label": _("Matchmaking meetings")},
            {"url": "", "label": self.event.page.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.event
        context.update(
            event=event,
            figures=selectors.event_figures(event=event),
            grid=selectors.meeting_grid(event=event),
            participants=Participant.objects.filter(event=event).select_related(
                "member"
            ),
            meetings=Meeting.objects.filter(event=event)
            .select_related("requester__member", "receiver__member", "slot", "table")
            .order_by("-requested_at"),
            now=timezone.now(),
            csv_views=CSV_VIEWS,
        )
        return context


@require_POST
def meeting_no_show(request, pk, meeting_pk):
    _check_editor(request)
    meeting = get_object_or_404(Meeting, pk=meeting_pk, event_id=pk)
    services.meeting_no_show_set(
        meeting=meeting, no_show=request.POST.get("no_show") == "1"
    )
    return redirect(reverse("events_admin_event", args=[pk]) + "#meetings")


def _csv_rows(view: str, event: MatchmakingEvent):
    if view == "participants":
        header = [
            _("Member"),
            _("Kind"),
            _("Offers at this event"),
            _("Seeks at this event"),
            _("Registered at"),
            _("Meetings booked"),
        ]
        booked = selectors.booked_counts(event=event)
        rows = (
            [
                p.member.name,
                p.member.get_kind_display(),
                p.offer,
                p.seek,
                p.registered_at.isoformat(timespec="minutes"),
                booked.get(p.pk, 0),
            ]
            for p in Participant.objects.filter(event=event).select_related("member")
        )
        return header, rows
    header = [
        _("Requested by"),
        _("Requested of"),
        _("Status"),
        _("Requested at"),
        _("Slot"),
        _("Table"),
        _("No-show"),
        _("Led to something (both)"),
    ]
    rows = (
        [
            m.requester.member.name,
            m.receiver.member.name,
            m.get_status_display(),
            m.requested_at.isoformat(timespec="minutes"),
            m.slot.start.isoformat(timespec="minutes") if m.slot else "",
            m.table.label if m.table else "",
            _("yes") if m.no_show else "",
            _("yes") if m.requester_outcome and m.receiver_outcome else "",
        ]
        for m in Meeting.objects.filter(event=event).select_related(
            "requester__member", "receiver__member", "slot", "table"
        )
    )
    return header, rows


def event_csv(request, pk, view):
    _check_editor(request)
    if view not in CSV_VIEWS:
        raise Http404
    event = get_object_or_404(MatchmakingEvent, pk=pk)
    header, rows = _csv_rows(view, event)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="matchmaking-{event.pk}-{view}.csv"'
    )
    spreadsheet_rows_write(response, [header, *rows])
    return response


def admin_urlpatterns():
    return [
        path("matchmaking/", MatchmakingIndexView.as_view(), name="events_admin"),
        path(
            "matchmaking/<int:pk>/",
            MatchmakingEventView.as_view(),
            name="events_admin_event",
        ),
        path(
            "matchmaking/<int:pk>/meetings/<int:meeting_pk>/no-show/",
            meeting_no_show,
            name="events_admin_no_show",
        ),
        path(
            "matchmaking/<int:pk>/<slug:view>.csv",
            event_csv,
            name="events_admin_csv",
        ),
    ]
