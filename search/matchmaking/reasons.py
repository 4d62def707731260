"""Reasons several directions give in the same words."""

from django.utils.translation import gettext as _

from search.labels import FacetLabels, facet_label
from search.matchmaking.base import Reason

LANGUAGE_NAMES = {"fr": "French", "nl": "Dutch", "en": "English", "de": "German"}


def sector_reason(
    slug: str, weight: float, labels: FacetLabels | None = None
) -> Reason:
    """`labels`, shared by the reasons of one ranking, reads the sectors' names
    once for all of them (one query a ranking, not one a reason)."""
    label = (labels or FacetLabels())("sector", slug)
    return Reason(
        "shared_sector",
        _("Works on %(sector)s too") % {"sector": label.lower()},
        {"sector": slug},
        weight,
    )


def sector_reasons(ctx, matches) -> None:
    """The taxonomy signal's reasons in every direction: the first sector a
    candidate shares (`evidence["sectors"]`), one sector-table query for all."""
    labels = FacetLabels()
    weight = ctx.weights.get("taxonomy", 0.0)
    for match in matches:
        for slug in sorted(match.candidate.evidence["sectors"])[:1]:
            match.reasons.append(sector_reason(slug, weight, labels))


def meaning_reason(text: str, similarity: float, weight: float) -> Reason:
    return Reason(
        "similar_profile",
        text,
        {"similarity": round(similarity, 2)},
        weight * similarity,
    )


def place_reason(key: str, value: str, weight: float) -> Reason:
    """`key` is "commune" (a Brussels commune, labelled) or "country"."""
    label = facet_label("commune", value) if key == "commune" else value
    return Reason(
        "same_place", _("Also in %(place)s") % {"place": label}, {key: value}, weight
    )


def language_reason(text: str, language: str, weight: float) -> Reason:
    """`text` names the language with %(language)s."""
    name = _(LANGUAGE_NAMES.get(language, language))
    return Reason(
        "shared_language", text % {"language": name}, {"language": language}, weight
    )
