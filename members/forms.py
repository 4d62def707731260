"""Forms for member self-service: profile, offers and seeks, managers,
affiliations and account deletion."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from wagtail.admin.forms import WagtailAdminModelForm

from hub.taxonomy import Discipline, Sector
from members.image_upload import LogoUploadMixin
from members.models import (
    VISIBILITY_SECTIONS,
    ManagerRole,
    Member,
    Offer,
    Seek,
    Visibility,
)
from members.services.profiles import VERIFICATIONS, member_verification_set
from search.labels import LANGUAGE_NAMES


def parse_skills(value: str) -> list[str]:
    """Split comma-separated skills: trimmed, no empties, no case-insensitive
    repeats, in the order given."""
    skills, seen = [], set()
    for part in (value or "").split(","):
        skill = " ".join(part.split())
        if skill and skill.casefold() not in seen:
            seen.add(skill.casefold())
            skills.append(skill)
    return skills


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Taxonomy terms as checkboxes, labelled in the active language."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.label()


def visibility_field_name(section: str) -> str:
    return f"visibility_{section}"


def empty_choice_label(field: forms.ChoiceField, label) -> None:
    """Replace a select's "---------" with words that say what to do."""
    field.choices = [("", label), *[c for c in field.choices if c[0] != ""]]


# Fields of the collapsed EMES section: it opens when one holds an answer or
# an error.
EMES_FIELDS = [
    "emes_social_aim",
    "emes_limited_profit",
    "emes_wage_ratio",
    "emes_economic_viability",
    "emes_democratic_governance",
    "regional_recognition",
    "recognition_date",
    "recognition_number",
]


class MemberForm(LogoUploadMixin, forms.ModelForm):
    """Every field a member edits itself. Status and EMES verification are set
    by editors in the admin and are deliberately absent."""

    sectors = TermMultipleChoiceField(
        label=_("Sectors"), queryset=Sector.objects.all(), required=False
    )
    disciplines = TermMultipleChoiceField(
        label=_("Disciplines"), queryset=Discipline.objects.all(), required=False
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("Separate skills with commas, e.g. co-design, carpentry, GIS."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        required=False,
        choices=list(LANGUAGE_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_("Two letters, e.g. BE."),
    )
    website = forms.URLField(
        label=_("Website"), required=False, max_length=500, assume_scheme="https"
    )
    email = forms.EmailField(
        label=_("Contact e-mail (private)"),
        required=False,
        help_text=_(
            "Never shown publicly; shared only when you accept a contact request."
        ),
    )
    phone = forms.CharField(
        label=_("Contact phone (private)"),
        required=False,
        max_length=40,
        help_text=_(
            "Never shown publicly; shared only when you accept a contact request."
        ),
    )
    emes_wage_ratio = forms.DecimalField(
        label=_("Highest-to-lowest wage ratio"),
        required=False,
        min_value=1,
        max_digits=5,
        decimal_places=2,
        error_messages={
            "min_value": _(
                "A ratio is at least 1: the highest wage cannot be lower than "
                "the lowest."
            )
        },
        help_text=_(
            "The highest gross wage divided by the lowest one, e.g. 2.5. "
            "It is at least 1. The EMES criterion is met at 4 or less "
            "(a gap of at most 1 to 4)."
        ),
    )

    class Meta:
        model = Member
        fields = [
            "kind",
            "is_organisation",
            "name",
            "headline",
            "description",
            "legal_form",
            "enterprise_number",
            "sectors",
            "disciplines",
            "skills",
            "languages",
            "commune",
            "city",
            "postcode",
            "country",
            "website",
            "email",
            "phone",
            "open_to_collaboration",
            "emes_social_aim",
            "emes_limited_profit",
            "emes_wage_ratio",
            "emes_economic_viability",
            "emes_democratic_governance",
            "regional_recognition",
            "recognition_date",
            "recognition_number",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "recognition_date": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "is_organisation": _("This profile is for an organisation"),
            "commune": _("Brussels commune"),
        }
        help_texts = {
            "is_organisation": _(
                "Ticked for an association, cooperative, company, public body or "
                "network. Untick it for a profile of yourself as a person."
            ),
            "headline": _("One line shown under your name and in search results."),
            "recognition_date": _("Required when you are recognised."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        member = self.instance
        self.fields["kind"].label = _("Kind of member")
        empty_choice_label(self.fields["kind"], _("Choose a kind of member…"))
        empty_choice_label(self.fields["legal_form"], _("Choose a legal form…"))
        empty_choice_label(self.fields["commune"], _("Choose a commune…"))
        if member.pk:
            self.initial["skills"] = ", ".join(member.skills or [])
        for section, label in VISIBILITY_SECTIONS.items():
            # Not required: the select has no empty choice, and a missing
            # value keeps the current visibility.
            self.fields[visibility_field_name(section)] = forms.ChoiceField(
                label=label,
                choices=Visibility.choices,
                initial=member.visibility_of(section),
                required=False,
            )

    @property
    def visibility_fields(self):
        return [self[visibility_field_name(section)] for section in VISIBILITY_SECTIONS]

    @property
    def emes_open(self) -> bool:
        """Whether the EMES section starts open: it holds an answer or an
        error (most profiles are not social enterprises)."""
        if self.is_bound:
            return any(
                self.data.get(name) not in (None, "") or name in self.errors
                for name in EMES_FIELDS
            )
        return any(
            self.initial.get(name) not in (None, "", False) for name in EMES_FIELDS
        )

    def clean_skills(self):
        return parse_skills(self.cleaned_data["skills"])

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()

    def clean(self):
        # Member.clean() requires the date when recognised.
        cleaned = super().clean()
        if "regional_recognition" in cleaned and not cleaned["regional_recognition"]:
            cleaned["recognition_date"] = None
            cleaned["recognition_number"] = ""
        return cleaned

    def visibility(self) -> dict[str, str]:
        return {
            section: self.cleaned_data[visibility_field_name(section)]
            or self.instance.visibility_of(section)
            for section in VISIBILITY_SECTIONS
        }

    def _post_clean(self):
        super()._post_clean()
        # The instance is validated before the sections are copied in; apply
        # them here so `form.instance` is complete once the form is valid.
        if not self.errors:
            self.instance.visibility = self.visibility()


class MemberAdminForm(WagtailAdminModelForm):
    """The editors' member form (Wagtail admin): ticking or unticking a
    verification records when and by whom; the dates are never typed."""

    def save(self, commit=True):
        for flag in VERIFICATIONS:
            if flag in self.changed_data:
                member_verification_set(
                    member=self.instance,
                    user=self.for_user,
                    flag=flag,
                    verified=self.cleaned_data[flag],
                )
        return super().save(commit=commit)


class ItemForm(forms.ModelForm):
    """A line of offers or seeks. An extra line left empty is skipped, so its
    text is not marked required; filled in part, it asks for the text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.empty_permitted:
            self.fields["text"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("text") and "text" not in self.errors:
            self.add_error(
                "text", _("Write what this line is about, or leave the line empty.")
            )
        return cleaned


class OfferForm(ItemForm):
    class Meta:
        model = Offer
        fields = ["text", "expires_on"]
        labels = {"text": _("What you offer"), "expires_on": _("Until (optional)")}
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"})}


class SeekForm(ItemForm):
    class Meta:
        model = Seek
        fields = ["text", "kind", "expires_on"]
        labels = {
            "text": _("What you seek"),
            "kind": _("Kind of partner (optional)"),
            "expires_on": _("Until (optional)"),
        }
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty_choice_label(self.fields["kind"], _("Any kind of partner"))


# One empty line to fill in; "Add another line" (hub/static/js/formset.js)
# adds more, and a saved form comes back with a fresh empty line.
OfferFormSet = inlineformset_factory(
    Member,
    Offer,
    form=OfferForm,
    fk_name="member",
    extra=1,
    can_delete=True,
    can_delete_extra=False,
)
SeekFormSet = inlineformset_factory(
    Member,
    Seek,
    form=SeekForm,
    fk_name="member",
    extra=1,
    can_delete=True,
    can_delete_extra=False,
)


class ManagerAddForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of their account"),
        help_text=_(
            "We send an invitation to this address if it belongs to a verified "
            "account; the person accepts it before they can edit the profile."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ManagerRole.choices,
        initial=ManagerRole.EDITOR,
        help_text=_(
            "Owners can also add and remove managers; editors only edit the profile."
        ),
    )


class AffiliationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Member.objects.none()
    )
    title = forms.CharField(
        label=_("Title or role (optional)"), required=False, max_length=120
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ClaimForm(forms.Form):
    evidence = forms.CharField(
        label=_("Why is this profile yours?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Your role in the organisation, an address on its website, its "
            "enterprise number: whatever lets an editor check. At most 2,000 "
            "characters."
        ),
    )


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good."), required=True
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
