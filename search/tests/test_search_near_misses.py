"""A short page of results is completed by near misses (issue 15, item 7).

When the query's words (all of them, up to three; three in four of a longer
query) and the encoder's nearest profiles find fewer than a page, members
matching all the words but one follow, below every full match: a Dutch query
whose third word no profile on the topic uses ("luchtkwaliteit meten met
bewoners") still reaches the one profile on air quality. Two-word queries get
none: their near misses share a single word.
"""

import pytest

from members.tests.factories import MemberFactory
from search import selectors
from search.selectors import documents_search
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


def _ids(page):
    return [hit.id for hit in page.hits]


def test_near_miss_follows_the_full_matches(search_index, settings):
    settings.HUB_EMBEDDINGS = False
    full = MemberFactory(name="Bins", description="Compost bins for primary schools.")
    near = MemberFactory(name="Office", description="Compost bins for offices.")
    one = MemberFactory(name="Choir", description="A choir that tours schools.")
    index_refresh()
    page = documents_search(document="member", query="compost bins schools")
    assert _ids(page) == [full.pk, near.pk]
    assert page.total == 2
    assert page.hits[0].score > 100 * page.hits[1].score
    assert one.pk not in _ids(page)


def test_no_near_misses_once_the_page_is_full(search_index, settings):
    settings.HUB_EMBEDDINGS = False
    full = MemberFactory.create_batch(
        selectors.SHORT_PAGE, description="Compost bins for primary schools."
    )
    near = MemberFactory(name="Office", description="Compost bins for offices.")
    index_refresh()
    page = documents_search(document="member", query="compost bins schools")
    assert set(_ids(page)) == {member.pk for member in full}
    assert page.total == selectors.SHORT_PAGE
    assert near.pk not in _ids(page)


def test_two_word_queries_get_no_near_misses(search_index, settings):
    settings.HUB_EMBEDDINGS = False
    full = MemberFactory(name="Bins", description="Compost bins for primary schools.")
    MemberFactory(name="Office", description="Compost heaps for offices.")
    index_refresh()
    page = documents_search(document="member", query="compost bins")
    assert _ids(page) == [full.pk]


def test_near_misses_with_the_encoder_on(search_index, settings):
    """The same with the k-NN probe, which also counts the text hits, and with a
    facet filter: the near miss is listed last and counted in the total and the
    facets, like any other hit."""
    settings.HUB_EMBEDDINGS = True
    full = MemberFactory(
        name="Bins", kind="entrepreneur", description="Compost bins for schools."
    )
    near = MemberFactory(
        name="Office", kind="entrepreneur", description="Compost bins for offices."
    )
    index_refresh()
    page = documents_search(
        document="member",
        query="compost bins schools",
        filters={"kind": ["entrepreneur"]},
    )
    ids = _ids(page)
    assert ids[0] == full.pk and ids[-1] == near.pk
    assert page.total == len(ids)
    kinds = {f.name: f for f in page.facets}["kind"].values
    assert {v.value: v.count for v in kinds}["entrepreneur"] == len(ids)


def test_a_dutch_compound_counts_as_its_words(search_index, settings):
    """'toegankelijke onlineformulieren' is three words, as 'accessible online
    forms' is: the English profile on online forms, which lacks 'accessible',
    is a near miss; a profile sharing only 'toegankelijke' is not."""
    settings.HUB_EMBEDDINGS = False
    full = MemberFactory(
        name="Loket", description="Toegankelijke onlineformulieren voor iedereen."
    )
    near = MemberFactory(name="Forms", description="Online forms for city services.")
    one = MemberFactory(name="Gebouw", description="Toegankelijke gebouwen.")
    index_refresh()
    page = documents_search(document="member", query="toegankelijke onlineformulieren")
    assert _ids(page) == [full.pk, near.pk]
    assert one.pk not in _ids(page)
