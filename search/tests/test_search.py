"""Collaborator and experiment search against the real Elasticsearch node."""

import threading
import uuid

from django.core.management import call_command

import pytest

from hub.taxonomy import Sector
from members.models import Member, MemberKind
from members.tests.factories import MemberFactory
from projects.models import Stage
from projects.tests.factories import ProjectFactory
from search.client import index_alias
from search.node import LocalNode
from search.selectors import documents_search, suggestions
from search.services import index_rebuild, index_refresh
from search.text import fold, stem

pytestmark = pytest.mark.django_db(transaction=True)


def found(query, document="member", **kwargs):
    index_refresh()
    page = documents_search(document=document, query=query, **kwargs)
    return [hit.id for hit in page.hits]


def test_fold_and_stem_are_language_aware():
    """Accents fold away; FR/NL/EN plurals meet their singular stems."""
    assert fold("Évaluation d'impact à Molenbeek") == "evaluation d impact a molenbeek"
    assert set(stem("logements")) & set(stem("logement"))
    assert set(stem("woningen").split()) & set(stem("woning").split())
    assert set(stem("evaluations").split()) & set(stem("evaluation").split())
    assert stem("de la les het the") == ""


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Nous rénovons des logements sociaux.", "logement"),
        ("Wij bouwen betaalbare woningen.", "woning"),
        ("We run impact evaluations for cooperatives.", "evaluation"),
    ],
)
def test_stemming_in_each_language(search_index, settings, text, query):
    """A singular query finds the plural form, in French, Dutch and English."""
    settings.HUB_EMBEDDINGS = False
    member = MemberFactory(name="Lab", description=text)
    MemberFactory(name="Other", description="Rien à voir: maraîchage urbain.")
    assert found(query) == [member.pk]


def test_stop_words_alone_match_nothing(search_index, settings):
    """A query made of French, Dutch and English stop words finds nothing."""
    settings.HUB_EMBEDDINGS = False
    MemberFactory(description="Le centre de la ville et les quartiers van de stad")
    assert found("de la les van the") == []


def test_accent_insensitive_matching(search_index, settings):
    """'ecole' finds 'école' and 'Etterbeek' finds 'etterbeek'."""
    settings.HUB_EMBEDDINGS = False
    school = MemberFactory(name="École des devoirs", description="Soutien scolaire")
    assert found("ecole") == [school.pk]
    assert found("ÉCOLE DES DEVOIRS")[0] == school.pk


def test_french_query_finds_dutch_profile(search_index):
    """Cross-lingual retrieval: no shared word, the embeddings bring it."""
    dutch = MemberFactory(
        name="Fietsatelier Noord",
        headline="Herstelling van tweedehands fietsen",
        description="Wij herstellen oude fietsen en leren jongeren fietsen repareren.",
    )
    MemberFactory(
        name="Potager",
        headline="Maraîchage bio",
        description="Nous cultivons des légumes en circuit court.",
    )
    results = found("réparation de vélos d'occasion")
    assert results and results[0] == dutch.pk


def test_typo_tolerance(search_index, settings):
    """A misspelt name still finds the member."""
    settings.HUB_EMBEDDINGS = False
    member = MemberFactory(name="Schaerbeek Solidaire", description="épicerie sociale")
    assert found("Scharbeek solidair") == [member.pk]


def test_facet_counts_equal_database_counts(search_index, settings):
    """Kind and sector counts under a sector filter match the ORM's counts."""
    settings.HUB_EMBEDDINGS = False
    housing = Sector.objects.create(
        slug="housing", name_en="Housing", name_fr="Logement", name_nl="Wonen"
    )
    food = Sector.objects.create(
        slug="food", name_en="Food", name_fr="Alimentation", name_nl="Voeding"
    )
    for i, kind in enumerate(
        [MemberKind.ENTREPRENEUR] * 3
        + [MemberKind.RESEARCHER] * 2
        + [MemberKind.FEDERATION]
    ):
        member = MemberFactory(kind=kind)
        member.sectors.add(housing if i % 2 == 0 else food)
    index_refresh()
    page = documents_search(document="member", filters={"sector": ["housing"]})
    expected = Member.objects.filter(sectors__slug="housing")
    assert page.total == expected.count()
    kinds = {
        v.value: v.count for f in page.facets if f.name == "kind" for v in f.values
    }
    for kind in MemberKind.values:
        assert kinds.get(kind, 0) == expected.filter(kind=kind).count()
    sectors = {v.value: v for f in page.facets if f.name == "sector" for v in f.values}
    # A facet is counted without its own filter, so the other value stays offered.
    assert sectors["food"].count == Member.objects.filter(sectors__slug="food").count()
    assert sectors["housing"].selected and sectors["housing"].label == "Housing"


def test_highlighted_snippet(search_index, settings):
    """Matching words come back wrapped in <mark>, with the text escaped."""
    settings.HUB_EMBEDDINGS = False
    MemberFactory(description="Ateliers <b>gratuits</b> de compostage collectif")
    index_refresh()
    hit = documents_search(document="member", query="compostage").hits[0]
    assert "<mark>compostage</mark>" in hit.highlight
    assert "<b>" not in hit.highlight


def test_autocomplete_names_and_taxonomy_terms(search_index, settings):
    """Prefixes complete names and sector labels, accents optional."""
    settings.HUB_EMBEDDINGS = False
    member = MemberFactory(name="Coopérative Bâtir Ensemble")
    member.sectors.add(
        Sector.objects.create(
            slug="construction",
            name_en="Construction",
            name_fr="Construction",
            name_nl="Bouw",
        )
    )
    index_refresh()
    texts = [s["text"] for s in suggestions(prefix="cooperat")]
    assert "Coopérative Bâtir Ensemble" in texts
    assert "Bouw" in [s["text"] for s in suggestions(prefix="bou")]


def test_pagination_and_newest_sort(search_index, settings):
    """25 members give a second page of 5; 'newest' puts the last created first."""
    settings.HUB_EMBEDDINGS = False
    members = MemberFactory.create_batch(25, description="réseau")
    index_refresh()
    first = documents_search(document="member", query="réseau", size=20)
    second = documents_search(document="member", query="réseau", offset=20, size=20)
    assert first.total == 25 and len(second.hits) == 5
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    newest = documents_search(document="member", query="réseau", sort="newest", size=1)
    assert newest.hits[0].id == members[-1].pk


def test_project_facets_stage_and_needs(search_index, settings):
    """Experiments filter by stage and by the kind of partner they seek."""
    settings.HUB_EMBEDDINGS = False
    pilot = ProjectFactory(stage=Stage.PILOT)
    pilot.needs.create(kind=MemberKind.RESEARCHER, text="evaluation")
    pilot.save()
    ProjectFactory(stage=Stage.IDEA)
    index_refresh()
    page = documents_search(document="project", filters={"stage": ["pilot"]})
    assert [h.id for h in page.hits] == [pilot.pk]
    page = documents_search(document="project", filters={"need": ["researcher"]})
    assert [h.id for h in page.hits] == [pilot.pk]


def test_search_page_live_update_returns_only_the_results(
    client, search_index, settings
):
    """With htmx the view answers with the results block; without, the full page."""
    settings.HUB_EMBEDDINGS = False
    MemberFactory(name="Repair Café Ixelles", description="réparation")
    index_refresh()
    full = client.get("/en/members/", {"q": "réparation"})
    partial = client.get("/en/members/", {"q": "réparation"}, HTTP_HX_REQUEST="true")
    assert "<html" in full.text and "Repair Café Ixelles" in full.text
    assert "<html" not in partial.text and "Repair Café Ixelles" in partial.text
    assert partial.text.lstrip().startswith('<div id="search-body"')


def test_rebuild_while_another_thread_searches(search_index, settings):
    """Searches keep answering, with results, during an alias-swapping rebuild."""
    settings.HUB_EMBEDDINGS = False
    MemberFactory.create_batch(30, description="énergie solidaire")
    index_refresh()
    failures, totals, stop = [], [], threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                totals.append(
                    documents_search(document="member", query="énergie").total
                )
            except Exception as exc:  # noqa: BLE001 - any failure fails the test
                failures.append(exc)

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        for _ in range(3):
            index_rebuild(document="member")
    finally:
        stop.set()
        thread.join()
    assert not failures
    assert totals and min(totals) == 30


def test_outage_then_sync_leaves_index_equal_to_database(settings, elasticsearch_url):
    """Node stopped mid-edit: saves succeed; restarted + search_sync → index == DB."""
    node = LocalNode(f"outage-{uuid.uuid4().hex[:6]}")
    state = node.start()
    settings.ELASTICSEARCH_URL = state.url
    settings.HUB_INDEX_PREFIX = "outage"
    settings.HUB_EMBEDDINGS = False
    try:
        members = MemberFactory.create_batch(20, description="avant la panne")
        node.stop(keep_data=True)

        for member in members[:10]:
            member.description = "modifié pendant la panne"
            member.save()
        for member in members[10:15]:
            member.delete()
        created = MemberFactory(description="créé pendant la panne")

        node.start()
        call_command("search_sync", "--all")
        index_refresh()
        from search.client import get_client

        client = get_client()
        indexed = {
            int(hit["_id"]): hit["_source"]
            for hit in client.search(index=index_alias("member"), size=100)["hits"][
                "hits"
            ]
        }
        database = {m.pk: m for m in Member.objects.published()}
        assert set(indexed) == set(database)
        assert created.pk in indexed
        for pk, member in database.items():
            assert indexed[pk]["description"] == member.description
            assert indexed[pk]["name"] == member.name
    finally:
        node.stop()


def test_site_search_combines_pages_members_and_experiments(
    client, search_index, settings
):
    """/search/ lists matching members and experiments beside editorial pages."""
    settings.HUB_EMBEDDINGS = False
    member = MemberFactory(name="Compost Collectif Forest", description="compostage")
    project = ProjectFactory(title="Compostage de quartier", summary="bacs partagés")
    index_refresh()
    response = client.get("/en/search/", {"q": "compostage"})
    assert response.status_code == 200
    assert member.name in response.text and project.title in response.text
    assert "/members/?q=compostage" in response.text
