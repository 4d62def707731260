"""What a person saw on the demo network (issue 15, item 7), against the real node:
a Dutch word found few of the profiles a French or English one found, two-word
queries found nearly every member, and a page past the end said "23 members"
and "No member matches" at once."""

from urllib.parse import parse_qs, urlsplit

import pytest

from hub.taxonomy import Sector
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory
from search.selectors import documents_search
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

TOPICS = [
    ("Sociaal restaurant", "Een sociaal restaurant met betaalbare maaltijden."),
    ("Finance sociale", "Des prêts sociaux pour les petites entreprises sociales."),
    ("Social work lab", "Social workers and students run a social help desk."),
    ("Social cycling", "Social bike rides and repair workshops for teenagers."),
    ("Épicerie sociale", "Une épicerie sociale qui vend des produits frais."),
    ("Sociale kruidenier", "Sociale kruidenier met verse groenten uit de buurt."),
    ("Social theatre", "A social theatre company touring schools."),
    ("Jobs sociaux", "Insertion sociale par le travail dans la logistique."),
]


@pytest.fixture
def housing():
    return Sector.objects.create(
        slug="housing", name_en="Housing", name_fr="Logement", name_nl="Wonen"
    )


def test_dutch_query_finds_french_and_english_profiles_on_the_topic(
    search_index, housing
):
    """'huisvesting' (Dutch for housing) is in no profile, yet it finds the French
    and the English housing profiles, filed under the sector whose labels are
    Housing / Logement / Wonen, and not the profiles on other topics."""
    french = MemberFactory(
        name="Toit Partagé",
        description="Coopérative qui loue des appartements abordables à des familles.",
    )
    english = MemberFactory(
        name="Shared Roof",
        description="A cooperative renting affordable flats to families.",
    )
    for member in (french, english):
        member.sectors.add(housing)
        member.save()
    others = [MemberFactory(name=name, description=text) for name, text in TOPICS]
    index_refresh()
    page = documents_search(document="member", query="huisvesting", facets=False)
    found = {hit.id for hit in page.hits}
    assert {french.pk, english.pk} <= found
    assert not found & {member.pk for member in others}


def test_two_word_query_does_not_return_nearly_every_member(search_index, housing):
    """'social housing' finds the social housing profiles, first, and not every
    profile that says 'social' about something else."""
    landlord = MemberFactory(
        name="Public landlord",
        description="We rent 2,000 social housing flats and renovate them.",
    )
    agency = MemberFactory(
        name="Agence immobilière sociale",
        description="Nous louons des logements sociaux à des ménages modestes.",
    )
    others = [MemberFactory(name=name, description=text) for name, text in TOPICS]
    index_refresh()
    page = documents_search(document="member", query="social housing", facets=False)
    assert {hit.id for hit in page.hits[:2]} == {landlord.pk, agency.pk}
    assert page.total <= 2 + len(others) // 4


def test_each_word_of_a_longer_query_counts(search_index, settings):
    """Of a query's words, up to three must all match; one shared word is not
    enough to be a result."""
    settings.HUB_EMBEDDINGS = False
    both = MemberFactory(name="Zon", description="Zonnepanelen voor huurders.")
    MemberFactory(name="Huurders", description="Juridisch advies voor huurders.")
    MemberFactory(name="Zonne", description="Zonnepanelen op scholen.")
    index_refresh()
    page = documents_search(document="member", query="zonnepanelen huurders")
    assert [hit.id for hit in page.hits] == [both.pk]


def _members(n, text):
    MemberFactory.create_batch(n, description=text)
    index_refresh()


def test_member_page_past_the_end_redirects_to_the_last_page(client, search_index):
    """?page=99999 of 23 results goes to page 2 (the last), keeping the query and
    filters; that page lists the last three members and no "No member matches"."""
    _members(23, "Coopérative de compostage collectif.")
    response = client.get(
        "/en/members/", {"q": "compostage", "kind": "entrepreneur", "page": 99999}
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/en/members/"
    assert parse_qs(target.query) == {
        "q": ["compostage"],
        "kind": ["entrepreneur"],
        "page": ["2"],
    }
    last = client.get(response["Location"])
    assert last.status_code == 200
    assert last.context["page_obj"].number == 2
    assert len(last.context["results"]) == 3
    assert "No member matches" not in last.text


def test_page_past_the_end_of_no_results_goes_to_the_first_page(client, search_index):
    """With nothing found, page 3 goes to the plain search (no page parameter),
    which says that nothing matches; htmx requests are redirected the same way."""
    _members(2, "Coopérative de compostage collectif.")
    response = client.get("/en/members/", {"q": "xylophone", "page": 3})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"q": ["xylophone"]}
    partial = client.get(
        "/en/members/", {"q": "xylophone", "page": 3}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 302
    assert partial["Location"] == response["Location"]


def test_experiment_page_past_the_end_redirects_to_the_last_page(client, search_index):
    """The experiments search does the same: page 5 of one page goes to page 1."""
    ProjectFactory.create_batch(3, status=ProjectStatus.PUBLISHED)
    index_refresh()
    response = client.get("/en/projects/", {"q": "heat pumps", "page": 5})
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"q": ["heat pumps"]}
    assert client.get(response["Location"]).status_code == 200


def test_api_page_past_the_end_is_a_404_that_names_the_last_page(client, search_index):
    """The API answers a page past the end with 404 and says how many pages there
    are; the last page itself is a 200."""
    _members(23, "Coopérative de compostage collectif.")
    past = client.get("/api/v1/members", {"q": "compostage", "page": 3, "size": 20})
    assert past.status_code == 404
    assert "2 pages" in past.json()["detail"]
    last = client.get("/api/v1/members", {"q": "compostage", "page": 2, "size": 20})
    assert last.status_code == 200 and len(last.json()["results"]) == 3


def test_each_word_scores_by_its_best_form():
    """A word is one clause that scores by its best form (as written, folded,
    stemmed or translated) plus a small share of the others: a word that
    matches four ways does not count four times against a word matched once."""
    from search.selectors import WORD_FORMS_TIE_BREAKER, _text_query

    query = _text_query("member", "sociale huisvesting").to_dict()
    words = query["bool"]["must"][0]["bool"]["should"]
    assert len(words) == 2
    assert all(set(word) == {"dis_max"} for word in words)
    assert all(len(word["dis_max"]["queries"]) >= 3 for word in words)
    assert 0 < WORD_FORMS_TIE_BREAKER < 1


def test_dutch_compound_of_words_missing_from_the_dictionaries(search_index, settings):
    """'impactmeting' is in no bilingual dictionary, nor is 'impact': the Dutch
    word list splits it into 'impact' + 'meting' (measurement), and the English
    profile on impact measurement is found without the encoder."""
    settings.HUB_EMBEDDINGS = False
    lab = MemberFactory(
        name="Evaluation lab",
        description="Impact measurement for social enterprises and their funders.",
    )
    others = [MemberFactory(name=name, description=text) for name, text in TOPICS]
    index_refresh()
    page = documents_search(document="member", query="impactmeting", facets=False)
    assert [hit.id for hit in page.hits] == [lab.pk]
    assert not {hit.id for hit in page.hits} & {member.pk for member in others}
