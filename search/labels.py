"""Human labels for facet values, in the active language."""

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from hub.taxonomy import Commune, Discipline, Sector

# Each language by its own name, as language pickers do.
LANGUAGE_NAMES = {
    "fr": "Français",
    "nl": "Nederlands",
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "ar": "العربية",
    "tr": "Türkçe",
    "pl": "Polski",
    "ro": "Română",
}
SDG_NAMES = {
    1: gettext_lazy("No poverty"),
    2: gettext_lazy("Zero hunger"),
    3: gettext_lazy("Good health and well-being"),
    4: gettext_lazy("Quality education"),
    5: gettext_lazy("Gender equality"),
    6: gettext_lazy("Clean water and sanitation"),
    7: gettext_lazy("Affordable and clean energy"),
    8: gettext_lazy("Decent work and economic growth"),
    9: gettext_lazy("Industry, innovation and infrastructure"),
    10: gettext_lazy("Reduced inequalities"),
    11: gettext_lazy("Sustainable cities and communities"),
    12: gettext_lazy("Responsible consumption and production"),
    13: gettext_lazy("Climate action"),
    14: gettext_lazy("Life below water"),
    15: gettext_lazy("Life on land"),
    16: gettext_lazy("Peace, justice and strong institutions"),
    17: gettext_lazy("Partnerships for the goals"),
}


class FacetLabels:
    """Labels for one response; taxonomy names are read once per instance."""

    def __init__(self):
        self._terms: dict = {}

    def terms(self, model) -> dict[str, str]:
        if model not in self._terms:
            language = get_language()
            self._terms[model] = {
                t.slug: t.label(language) for t in model.objects.all()
            }
        return self._terms[model]

    def __call__(self, name: str, value: str) -> str:
        return facet_label(name, value, terms=self.terms)


def facet_label(name: str, value: str, *, terms=None) -> str:
    from members.models import LegalForm, MemberKind
    from projects.models import Stage

    if name in ("kind", "need"):
        return str(MemberKind(value).label) if value in MemberKind.values else value
    terms = terms or FacetLabels().terms
    if name == "sector":
        return terms(Sector).get(value, value)
    if name == "discipline":
        return terms(Discipline).get(value, value)
    if name == "commune":
        return str(Commune(value).label) if value in Commune.values else value
    if name == "language":
        return LANGUAGE_NAMES.get(value, value.upper())
    if name == "legal_form":
        return str(LegalForm(value).label) if value in LegalForm.values else value
    if name == "stage":
        return str(Stage(value).label) if value in Stage.values else value
    if name == "sdg":
        # isdigit() alone accepts "¹" and other digits int() refuses.
        number = int(value) if value.isascii() and value.isdigit() else 0
        return f"{number}. {SDG_NAMES[number]}" if number in SDG_NAMES else value
    if name in ("emes", "open"):
        return _("Yes") if value == "true" else _("No")
    return value
