from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hub.taxonomy import Discipline, Sector
from members.models import Member
from members.permissions import member_preparing_q
from projects.models import PartnerRole, Project, ProjectNeed
from search.labels import LANGUAGE_NAMES, SDG_NAMES


def parse_keywords(value: str) -> list[str]:
    """Split a comma-separated input into keywords: trimmed, no empties, no
    repeats (case-insensitive), in the order given."""
    keywords, seen = [], set()
    for part in (value or "").split(","):
        keyword = " ".join(part.split())
        if keyword and keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    return keywords


def sdg_choices():
    return [(n, f"{n}. {gettext(name)}") for n, name in SDG_NAMES.items()]


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Taxonomy terms as checkboxes, labelled in the active language."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.label()


class ProjectForm(forms.ModelForm):
    owner = forms.ModelChoiceField(
        label=_("Published by"),
        queryset=Member.objects.none(),
        help_text=_(
            "The member whose managers manage this experiment. It is listed "
            "as coordinator."
        ),
    )
    sectors = TermMultipleChoiceField(
        label=_("Sectors"), queryset=Sector.objects.all(), required=False
    )
    disciplines = TermMultipleChoiceField(
        label=_("Disciplines"), queryset=Discipline.objects.all(), required=False
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("Separate keywords with commas, e.g. housing, energy, co-design."),
    )
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_("Two-letter code, e.g. BE. Only outside the Brussels communes."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        required=False,
        choices=list(LANGUAGE_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    sdgs = forms.TypedMultipleChoiceField(
        label=_("UN sustainable development goals"),
        required=False,
        coerce=int,
        choices=sdg_choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Project
        fields = [
            "title",
            "summary",
            "description",
            "stage",
            "owner",
            "sectors",
            "disciplines",
            "keywords",
            "commune",
            "city",
            "country",
            "start_date",
            "end_date",
            "languages",
            "sdgs",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "summary": _("One or two sentences shown in search results."),
            "commune": _("For experiments in the Brussels-Capital Region."),
            "city": _("For experiments outside the Brussels communes."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            Member.objects.managed_by(user)
            .filter(member_preparing_q())
            .order_by("name")
        )
        self.fields["owner"].empty_label = _("Choose one of your profiles…")
        self.fields["commune"].choices = [
            ("", _("Choose a commune…")),
            *[choice for choice in self.fields["commune"].choices if choice[0] != ""],
        ]
        if self.instance.pk:
            self.initial["keywords"] = ", ".join(self.instance.keywords or [])

    def clean_keywords(self):
        return parse_keywords(self.cleaned_data.get("keywords", ""))

    def clean_country(self):
        return self.cleaned_data.get("country", "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", _("The end date cannot be before the start date.")
            )
        if cleaned.get("commune") and cleaned.get("city"):
            self.add_error(
                "city",
                _("Choose a Brussels commune or give a city, not both."),
            )
        return cleaned

    def service_kwargs(self) -> dict:
        """The cleaned values, as `project_create` and `project_update` take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProjectNeedForm(forms.ModelForm):
    class Meta:
        model = ProjectNeed
        fields = ["kind", "text", "status"]


ProjectNeedFormSet = inlineformset_factory(
    Project,
    ProjectNeed,
    form=ProjectNeedForm,
    extra=1,
    can_delete=True,
)


class PartnerAddForm(forms.Form):
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Member.objects.none(),
        to_field_name="slug",
        help_text=_(
            "Members you do not manage are asked to confirm before they appear "
            "on the experiment's page."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=PartnerRole.choices, initial=PartnerRole.PARTNER
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.published()
            .exclude(partnerships__project=project)
            .order_by("name")
        )
