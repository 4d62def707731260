from collections.abc import Iterable
from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.images import get_image_model_string
from wagtail.models import Page, Site
from wagtail.search import index

import icalendar

from hub.blocks import BodyBlock
from hub.models.base import HubPageMixin, TextLanguageMixin

ICAL_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _site_name(request) -> str:
    site = Site.find_for_request(request)
    return (site and site.site_name) or settings.WAGTAIL_SITE_NAME


def calendar_response(
    events: Iterable["EventPage"], *, request, name: str, filename: str
) -> HttpResponse:
    """An iCalendar file of `events`, offered for download as `filename`."""
    site_name = _site_name(request)
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{site_name}//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event.get_ical_event(request))
    response = HttpResponse(calendar.to_ical(), content_type=ICAL_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


class EventIndexPage(RoutablePageMixin, HubPageMixin, Page):
    """Upcoming events (soonest first), then past events (latest first)."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["hub.HomePage"]
    subpage_types = ["hub.EventPage"]

    past_per_page = 10

    class Meta:
        verbose_name = _("event index page")
        verbose_name_plural = _("event index pages")

    def get_events(self):
        return (
            EventPage.objects.live()
            .public()
            .child_of(self)
            .select_related("image", "locale")
        )

    def get_upcoming_events(self):
        # An event that has started but not ended is still worth going to.
        return self.get_events().filter(end__gte=timezone.now()).order_by("start", "pk")

    def get_past_events(self):
        return (
            self.get_events().filter(end__lt=timezone.now()).order_by("-start", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.get_past_events(), self.past_per_page)
        context.update(
            upcoming_events=self.get_upcoming_events(),
            past_events=paginator.get_page(request.GET.get("page")),
            ical_url=self.get_ical_url(request),
        )
        return context

    def get_ical_url(self, request=None) -> str:
        url = self.get_url(request)
        return url + self.reverse_subpage("ical") if url else ""

    @path("ical/", name="ical")
    def ical(self, request):
        return calendar_response(
            self.get_upcoming_events(),
            request=request,
            name=self.title,
            filename=f"{self.slug}.ics",
        )


class EventPage(TextLanguageMixin, RoutablePageMixin, HubPageMixin, Page):
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))
    place = models.CharField(
        _("venue"),
        max_length=200,
        blank=True,
        help_text=_("The name of the place, or 'Online'."),
    )
    address = models.TextField(_("address"), blank=True)
    registration_url = models.URLField(_("registration link"), blank=True)
    intro = models.TextField(
        _("introduction"),
        help_text=_("One or two sentences, shown in listings and search results."),
    )
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("place"),
                FieldPanel("address"),
                FieldPanel("registration_url"),
            ],
            heading=_("When and where"),
        ),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("content_language"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("place"),
        index.SearchField("address"),
        index.SearchField("body"),
        index.FilterField("start"),
        index.FilterField("end"),
    ]

    parent_page_types = ["hub.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("event page")
        verbose_name_plural = _("event pages")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")),
                name="hub_event_ends_after_start",
                violation_error_message=_("An event cannot end before it starts."),
            )
        ]

    def clean(self):
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("An event cannot end before it starts.")})

    def get_main_image(self):
        return self.image

    @property
    def is_past(self) -> bool:
        return self.end < timezone.now()

    @property
    def location(self) -> str:
        address = ", ".join(
            line.strip() for line in self.address.splitlines() if line.strip()
        )
        return ", ".join(part for part in (self.place, address) if part)

    def get_ical_url(self, request=None) -> str:
        url = self.get_url(request)
        return url + self.reverse_subpage("ical") if url else ""

    def get_ical_event(self, request) -> icalendar.Event:
        page_url = self.get_full_url(request)
        host = urlsplit(page_url or "").hostname or "hub"
        description = [self.intro]
        if self.registration_url:
            description.append(gettext("Registration: %s") % self.registration_url)
        description.append(page_url)

        event = icalendar.Event()
        # Stable across downloads, so calendars update the event instead of
        # adding a copy.
        event.add("uid", f"event-{self.pk}@{host}")
        event.add("dtstamp", timezone.now().astimezone(UTC))
        # UTC needs no VTIMEZONE block, which some calendar apps mishandle.
        event.add("dtstart", self.start.astimezone(UTC))
        event.add("dtend", self.end.astimezone(UTC))
        event.add("summary", self.title)
        if self.location:
            event.add("location", self.location)
        event.add("description", "\n\n".join(part for part in description if part))
        event.add("url", page_url)
        if self.last_published_at:
            event.add("last-modified", self.last_published_at.astimezone(UTC))
        return event

    @path("ical/", name="ical")
    def ical(self, request):
        return calendar_response(
            [self], request=request, name=self.title, filename=f"{self.slug}.ics"
        )
