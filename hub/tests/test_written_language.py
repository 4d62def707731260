"""Members' own texts carry `lang` where they are written in another language
than the page (WCAG 3.1.2), and stay unmarked when the guess is unsure."""

from django.utils import translation

import pytest

from hub.language import written_language
from members.tests.factories import MemberFactory
from projects.tests.factories import ProjectFactory

FRENCH = (
    "Nous sommes une coopérative de logement qui accompagne les familles dans "
    "la rénovation de leur habitat avec des artisans du quartier."
)
DUTCH = (
    "Wij zijn een coöperatie die met de buurt werkt aan betaalbare woningen en "
    "ook huurders begeleidt bij de renovatie van hun huis."
)
ENGLISH = (
    "We are a housing cooperative that helps families renovate their homes with "
    "craftspeople from the neighbourhood."
)


@pytest.mark.parametrize(
    ("text", "language"), [(FRENCH, "fr"), (DUTCH, "nl"), (ENGLISH, "en")]
)
def test_a_paragraph_is_recognised(text, language):
    assert written_language(text) == language


@pytest.mark.parametrize(
    "text", ["Repair café", "Habitat groupé Molenbeek", "", "Social housing, Brussels"]
)
def test_short_texts_are_not_guessed(text):
    """A few words of a name or a headline are too little to tell."""
    assert written_language(text) is None


def test_a_text_mixing_two_languages_evenly_is_not_guessed():
    assert written_language(FRENCH + " " + ENGLISH) is None


@pytest.mark.django_db
def test_profile_marks_a_french_description_on_an_english_page(client):
    member = MemberFactory(description=FRENCH, headline="Logement")
    html = client.get(member.get_absolute_url()).content.decode()
    assert '<div class="description" lang="fr">' in html


@pytest.mark.django_db
def test_profile_leaves_a_description_in_the_page_language_unmarked(client):
    member = MemberFactory(description=FRENCH)
    with translation.override("fr"):
        url = member.get_absolute_url()
    html = client.get(url).content.decode()
    assert '<div class="description">' in html
    assert 'class="description" lang=' not in html


@pytest.mark.django_db
def test_experiment_marks_a_dutch_summary_on_a_french_page(client):
    project = ProjectFactory(summary=DUTCH)
    with translation.override("fr"):
        url = project.get_absolute_url()
    html = client.get(url).content.decode()
    assert '<p class="lead" lang="nl">' in html
