"""Calls (issue 19): funding calls, calls for projects or partners and support
programmes that editors publish, each with a deadline, the kinds of member it
is for, sectors and languages. Which members and experiments fit a call is the
matchmaking engine's answer (members/calls.py); the page only holds the call.
A call leaves every list once its deadline has passed."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from modelcluster.fields import ParentalManyToManyField

from hub.blocks import BodyBlock
from hub.models.base import HubPageMixin, TextLanguageMixin, plain_text


class CallType(models.TextChoices):
    FUNDING = "funding", _("Funding call")
    PROJECTS = "projects", _("Call for projects")
    PARTNERS = "partners", _("Call for partners")
    SUPPORT = "support", _("Support programme")


def _kind_choices():
    # The member kinds belong to the members app, which imports the hub's
    # taxonomies: read them when the form is built, not at import time.
    from members.models import MemberKind

    return MemberKind.choices


class CallPageForm(WagtailAdminPageForm):
    eligible_kinds = forms.MultipleChoiceField(
        label=_("for"),
        choices=_kind_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty when every kind of member may apply."),
    )
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=lambda: list(settings.LANGUAGES),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Languages in which applications are accepted."),
    )


class CallIndexPage(HubPageMixin, Page):
    """Open calls, the nearest deadline first."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["hub.HomePage"]
    subpage_types = ["hub.CallPage"]

    class Meta:
        verbose_name = _("call index page")
        verbose_name_plural = _("call index pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["calls"] = (
            CallPage.objects_open().child_of(self).select_related("locale")
        )
        return context


class CallPage(TextLanguageMixin, HubPageMixin, Page):
    call_type = models.CharField(
        _("type of call"),
        max_length=16,
        choices=CallType.choices,
        default=CallType.FUNDING,
    )
    organiser = models.CharField(_("organised by"), max_length=200, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    intro = models.TextField(
        _("introduction"),
        help_text=_(
            "What the call is for, in two or three sentences: matching reads it."
        ),
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    eligible_kinds = models.JSONField(_("for"), default=list, blank=True)
    sectors = ParentalManyToManyField(
        "hub.Sector", blank=True, related_name="calls", verbose_name=_("sectors")
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated; matching reads them."),
    )
    application_url = models.URLField(_("how to apply"), max_length=500, blank=True)

    base_form_class = CallPageForm

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("call_type"),
                FieldPanel("organiser"),
                FieldPanel("deadline"),
                FieldPanel("application_url"),
            ],
            heading=_("Call details"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("eligible_kinds"),
                FieldPanel("sectors", widget=forms.CheckboxSelectMultiple),
                FieldPanel("languages"),
                FieldPanel("keywords"),
            ],
            heading=_("Who it is for"),
        ),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("content_language"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("keywords"),
        index.FilterField("deadline"),
    ]

    parent_page_types = ["hub.CallIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    @classmethod
    def objects_open(cls, *, now=None):
        """Live, public calls whose deadline has not passed, soonest first."""
        return (
            cls.objects.live()
            .public()
            .filter(deadline__gte=now or timezone.now())
            .order_by("deadline", "pk")
        )

    @property
    def is_open(self) -> bool:
        return self.deadline >= timezone.now()

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    def get_intro_text(self) -> str:
        return plain_text(self.intro)

    def get_kinds_display(self) -> list[str]:
        labels = dict(_kind_choices())
        return [str(labels[k]) for k in self.eligible_kinds if k in labels]

    def get_languages_display(self) -> list[str]:
        labels = dict(settings.LANGUAGES)
        return [str(labels[k]) for k in self.languages if k in labels]
