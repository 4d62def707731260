import logging

from django import forms
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from wagtail.admin.mail import send_mail
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.forms.forms import BaseForm, FormBuilder, WagtailAdminFormPageForm
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.forms.utils import get_field_clean_name
from wagtail.fields import RichTextField
from wagtail.search import index

from modelcluster.fields import ParentalKey

from hub.models.base import HubPageMixin, plain_text
from hub.models.site_settings import SiteSettings
from hub.throttling import client_ip, limit_consume

logger = logging.getLogger(__name__)

# Bots fill every input they find; people never see this one. The name looks
# like a field worth filling.
HONEYPOT_FIELD = "website"
CONSENT_FIELD = "consent"
RESERVED_FIELD_NAMES = frozenset({HONEYPOT_FIELD, CONSENT_FIELD})


class ContactForm(BaseForm):
    """The editor-built fields, then the honeypot and the privacy consent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        self.fields[CONSENT_FIELD] = forms.BooleanField(
            label=_("I agree that my message is processed as the privacy policy says."),
            required=True,
            error_messages={
                "required": _(
                    "Please accept the privacy policy: we cannot answer you otherwise."
                )
            },
        )

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    @property
    def honeypot_field(self):
        return self[HONEYPOT_FIELD]

    @property
    def consent_field(self):
        return self[CONSENT_FIELD]

    @property
    def editor_fields(self):
        """Bound fields built from the page's form fields, in order."""
        return [field for field in self if field.name not in RESERVED_FIELD_NAMES]

    def clean(self):
        cleaned_data = super().clean()
        # Neither is an answer: a stored submission implies consent (the form
        # cannot be sent without it), and the honeypot is always empty here.
        # Dropping them keeps them out of the stored data and the e-mail.
        cleaned_data.pop(CONSENT_FIELD, None)
        cleaned_data.pop(HONEYPOT_FIELD, None)
        return cleaned_data


class ContactFormBuilder(FormBuilder):
    def get_form_class(self):
        return type("ContactForm", (ContactForm,), self.formfields)


class FormPageAdminForm(WagtailAdminFormPageForm):
    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("form_fields")
        if formset is None:
            return cleaned_data
        for form in formset.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            label = form.cleaned_data.get("label", "")
            name = form.instance.clean_name or get_field_clean_name(label)
            if name in RESERVED_FIELD_NAMES:
                form.add_error(
                    "label",
                    _(
                        "The form already has a field with this name; please choose "
                        "another label."
                    ),
                )
        return cleaned_data


class FormField(AbstractFormField):
    page = ParentalKey("FormPage", on_delete=models.CASCADE, related_name="form_fields")

    class Meta(AbstractFormField.Meta):
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")


class FormPage(HubPageMixin, AbstractEmailForm):
    """A form built by editors; submissions are stored and e-mailed to editors.

    Every form ends with a required consent box that links to the privacy
    policy of the site settings, and hides a honeypot field: a submission that
    fills it gets the thank-you page but is neither stored nor sent.
    """

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link", "ul"]
    )
    thank_you_text = RichTextField(
        _("thank-you text"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Shown after a successful submission."),
    )

    form_builder = ContactFormBuilder
    base_form_class = FormPageAdminForm

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Form fields")),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading=_("E-mail to the editors"),
        ),
    ]

    search_fields = [*AbstractEmailForm.search_fields, index.SearchField("intro")]

    parent_page_types = ["hub.HomePage", "hub.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("form page")
        verbose_name_plural = _("form pages")

    def get_intro_text(self) -> str:
        return plain_text(self.intro)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["privacy_url"] = SiteSettings.for_request(request).privacy_url
        return context

    def serve(self, request, *args, **kwargs):
        if request.method == "POST" and request.POST.get(HONEYPOT_FIELD, "").strip():
            # Answer as if it worked, so the bot learns nothing.
            logger.info("Dropped a form submission with a filled honeypot on %s", self)
            return self.render_landing_page(request, None, *args, **kwargs)
        if request.method == "POST" and not limit_consume(
            action="contact_form", key=f"ip:{client_ip(request)}"
        ):
            return self._render_limited(request)
        return super().serve(request, *args, **kwargs)

    def _render_limited(self, request):
        """The form again, filled in, with why nothing was sent (a 429)."""
        form = self.get_form(request.POST, page=self, user=request.user)
        form.add_error(
            None,
            _(
                "Too many messages were sent from your connection in the last "
                "hour. Please try again later."
            ),
        )
        context = self.get_context(request)
        context["form"] = form
        return TemplateResponse(
            request, self.get_template(request), context, status=429
        )

    def send_mail(self, form):
        addresses = [address.strip() for address in self.to_address.split(",")]
        # Editors answer with "Reply": it should go to the sender, not to us.
        reply_to = [
            form.cleaned_data[name]
            for name, field in form.fields.items()
            if isinstance(field, forms.EmailField) and form.cleaned_data.get(name)
        ][:1]
        send_mail(
            self.subject or self.title,
            self.render_email(form),
            addresses,
            self.from_address,
            reply_to=reply_to or None,
        )
