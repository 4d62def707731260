"""The shared cache of anonymous search results, against the real node.

A repeated anonymous search is answered from the cache; the events that make
a cached page stale empty it (a publish, an unpublish or suspension, an edit
of a record the page shows, a rebuild), and an edit of a record the page does
not show leaves it. Signed-in people always get a fresh search.

To see whether a page came from the cache, a test removes a shown document
from the index behind the indexer's back (no announcement): a fresh search no
longer finds it, a cached page still does.
"""

from django.contrib.auth import get_user_model

import pytest

from members.models import MemberStatus
from members.tests.factories import MemberFactory
from search.client import get_client, index_alias
from search.result_cache import result_cache_clear
from search.services import index_rebuild, index_refresh

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "compostage"


@pytest.fixture(autouse=True)
def cache_on(settings, tmp_path):
    """The production set-up: pages pickled to files, reused for 60 s."""
    settings.CACHES = {
        **settings.CACHES,
        "search": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "search"),
        },
    }
    settings.HUB_SEARCH_CACHE_SECONDS = 60


@pytest.fixture
def network(search_index):
    shown = [
        MemberFactory(name=f"Compost {n}", description="Compostage de quartier.")
        for n in range(3)
    ]
    other = MemberFactory(name="Vélo Brol", description="Réparation de vélos.")
    index_refresh()
    result_cache_clear()
    return shown, other


def _names(client, url="/api/v1/members", **params) -> list[str]:
    response = client.get(url, {"q": QUERY, **params})
    assert response.status_code == 200
    return sorted(r["document"]["name"] for r in response.json()["results"])


def _remove_behind_the_indexers_back(member) -> None:
    get_client().delete(index=index_alias("member"), id=member.pk, refresh=True)


def _edit(member, **fields) -> None:
    for name, value in fields.items():
        setattr(member, name, value)
    member.save()
    index_refresh()


def test_a_repeated_anonymous_search_comes_from_the_cache(client, network):
    """The second identical search shows what the index held at the first."""
    shown, _other = network
    first = _names(client)
    assert first == ["Compost 0", "Compost 1", "Compost 2"]
    _remove_behind_the_indexers_back(shown[0])
    assert _names(client) == first
    # Another page size is another search: fresh, without the removed one.
    assert _names(client, size=5) == ["Compost 1", "Compost 2"]


def test_a_signed_in_person_gets_a_fresh_search(client, network):
    """Logged in, the same search is run again: the removed document is gone."""
    shown, _other = network
    assert len(_names(client)) == 3
    _remove_behind_the_indexers_back(shown[0])
    user = get_user_model().objects.create_user("reader", "r@example.org", "x")
    client.force_login(user)
    assert _names(client) == ["Compost 1", "Compost 2"]


def test_the_search_page_and_site_search_use_it_too(client, network):
    """The members page (full and htmx) and the site search page are cached."""
    shown, _other = network
    urls = ["/en/members/", "/en/search/"]
    for url in urls:
        assert "Compost 0" in client.get(url, {"q": QUERY}).content.decode()
    _remove_behind_the_indexers_back(shown[0])
    for url in urls:
        assert "Compost 0" in client.get(url, {"q": QUERY}).content.decode()
    # The other language is another entry (facet labels are translated).
    assert "Compost 0" not in client.get("/fr/members/", {"q": QUERY}).content.decode()


def test_an_edit_of_a_shown_record_empties_its_pages(client, network):
    shown, _other = network
    _names(client)
    _remove_behind_the_indexers_back(shown[2])
    _edit(shown[0], name="Compost zéro")
    assert _names(client) == ["Compost 1", "Compost zéro"]


def test_an_edit_of_an_unrelated_record_leaves_the_cache(client, network):
    """Editors save all evening: an edit elsewhere does not drop the page."""
    shown, other = network
    _edit(other, headline="Ateliers")  # known to the cache from now on
    cached = _names(client)
    _remove_behind_the_indexers_back(shown[0])
    _edit(other, headline="Ateliers du samedi")
    assert _names(client) == cached


def test_a_publish_empties_the_cache(client, network):
    shown, _other = network
    _names(client)
    _remove_behind_the_indexers_back(shown[0])
    MemberFactory(name="Compost 3", description="Compostage collectif.")
    index_refresh()
    assert _names(client) == ["Compost 1", "Compost 2", "Compost 3"]


@pytest.mark.parametrize("status", [MemberStatus.SUSPENDED, MemberStatus.PENDING])
def test_an_unpublish_or_suspension_empties_the_cache(client, network, status):
    shown, _other = network
    _names(client)
    _edit(shown[1], status=status)
    assert _names(client) == ["Compost 0", "Compost 2"]


def test_a_rebuild_empties_the_cache(client, network):
    shown, _other = network
    _names(client)
    _remove_behind_the_indexers_back(shown[0])
    index_rebuild(document="member")
    index_refresh()
    # The rebuild put the removed document back, and the page shows it.
    assert _names(client) == ["Compost 0", "Compost 1", "Compost 2"]


def test_a_page_read_before_a_change_is_searchable_is_not_kept(client, network):
    """An edit drained but not yet refreshed: the page read then is not kept."""
    shown, _other = network
    _names(client)  # every shown record now has a stamp
    shown[0].name = "Compost nul"
    shown[0].save()  # drained on commit; the index shows it after its refresh
    _names(client)
    index_refresh()
    assert "Compost nul" in _names(client)


def test_off_when_the_setting_is_zero(client, network, settings):
    settings.HUB_SEARCH_CACHE_SECONDS = 0
    shown, _other = network
    _names(client)
    _remove_behind_the_indexers_back(shown[0])
    assert _names(client) == ["Compost 1", "Compost 2"]


def test_a_lost_generation_never_brings_old_pages_back(client, network):
    """The generation counter evicted (a full file cache or Redis LRU): the
    next one starts from the clock, so pages cached in an earlier era, which
    a publish since made stale, are not served again."""
    from search.result_cache import _cache, _name

    shown, _other = network
    _cache().delete(_name("generation"))
    first = _names(client)  # cached under the era that starts now
    _remove_behind_the_indexers_back(shown[0])
    result_cache_clear()  # a publish: a new era
    _cache().delete(_name("generation"))  # then the counter is evicted
    assert _names(client) == sorted(set(first) - {shown[0].name})
