"""The shared cache of matches, against the real node.

Repeated requests reuse a ranking; what the visitor changes (the record, its
partners, its dismissals) shows at once; an unpublished record never comes
back from the cache; an index change empties it.
"""

import pytest

from members.models import Dismissal, MemberStatus, Offer
from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search import api, suggestions
from search.graph import graph_reset
from search.match_cache import match_cache_clear
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def cache_on(settings, tmp_path):
    """The production set-up: rankings pickled to files, reused for 60 s."""
    settings.CACHES = {
        **settings.CACHES,
        "matches": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "matches"),
        },
    }
    settings.HUB_MATCH_CACHE_SECONDS = 60
    graph_reset()
    match_cache_clear()
    yield
    match_cache_clear()
    graph_reset()


def counted(monkeypatch, module, name) -> list:
    """Record each call of `module.name`, which still runs for real."""
    calls = []
    real = getattr(module, name)

    def wrapper(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.fixture
def cargo(search_index):
    owner = MemberFactory(name="Cargo Asso", description="vélo cargo")
    riders = [
        MemberFactory(name=f"Cycliste {n}", description="Livraisons en vélo cargo.")
        for n in range(3)
    ]
    for rider in riders:
        Offer.objects.create(member=rider, text="livraison en vélo cargo")
    project = ProjectFactory(
        title="Vélo cargo", summary="Livraisons", owner=owner, status="published"
    )
    ProjectPartnerFactory(project=project, member=owner)
    ProjectNeed.objects.create(project=project, text="livraison en vélo cargo")
    index_refresh()
    return project, owner, riders


def _slugs(client, project) -> list[str]:
    response = client.get(f"/api/v1/projects/{project.slug}/matches?size=5")
    assert response.status_code == 200
    return [r["slug"] for r in response.json()["results"]]


def test_repeated_requests_reuse_the_ranking(client, cargo, monkeypatch):
    """The same request twice ranks once and answers the same."""
    project, _owner, riders = cargo
    calls = counted(monkeypatch, api, "members_for_project")
    first = _slugs(client, project)
    assert set(first) >= {r.slug for r in riders}
    assert _slugs(client, project) == first
    assert len(calls) == 1
    # Another size or kind is another ranking.
    client.get(f"/api/v1/projects/{project.slug}/matches?size=3")
    assert len(calls) == 2


def test_an_unpublished_member_never_comes_back_from_the_cache(
    client, cargo, monkeypatch
):
    """A member hidden elsewhere (no drain here yet) is dropped from the
    cached ranking before it is shown."""
    project, _owner, riders = cargo
    calls = counted(monkeypatch, api, "members_for_project")
    assert riders[0].slug in _slugs(client, project)
    # As another web process would: the row changes, this cache is untouched.
    type(riders[0]).objects.filter(pk=riders[0].pk).update(
        status=MemberStatus.SUSPENDED
    )
    slugs = _slugs(client, project)
    assert riders[0].slug not in slugs
    assert {riders[1].slug, riders[2].slug} <= set(slugs)
    assert len(calls) == 1


def test_own_changes_and_dismissals_show_at_once(cargo, monkeypatch):
    """The panel follows a dismissal, a new partner and an edit of the
    experiment at once."""
    project, _owner, riders = cargo
    calls = counted(monkeypatch, suggestions, "members_for_project")
    ids = {
        m.member_id for m in suggestions.project_partner_suggestions(project=project)
    }
    assert {r.pk for r in riders} <= ids
    suggestions.project_partner_suggestions(project=project)
    assert len(calls) == 1

    Dismissal.objects.create(project=project, suggested_member=riders[0])
    ids = {
        m.member_id for m in suggestions.project_partner_suggestions(project=project)
    }
    assert riders[0].pk not in ids and len(calls) == 2

    ProjectPartnerFactory(project=project, member=riders[1])
    ids = {
        m.member_id for m in suggestions.project_partner_suggestions(project=project)
    }
    assert riders[1].pk not in ids and len(calls) == 3

    project.summary = "Livraisons du dernier kilomètre"
    project.save()
    suggestions.project_partner_suggestions(project=project)
    assert len(calls) == 4


def test_an_index_change_in_this_process_empties_the_cache(client, cargo, monkeypatch):
    """Saving another member drains the outbox, which forgets every cached
    ranking (in every process: they share the files), so the change shows on
    the next request."""
    project, _owner, _riders = cargo
    calls = counted(monkeypatch, api, "members_for_project")
    assert "velo-courier" not in _slugs(client, project)
    newcomer = MemberFactory(
        name="Vélo Courier", slug="velo-courier", description="vélo cargo"
    )
    Offer.objects.create(member=newcomer, text="livraison en vélo cargo")
    index_refresh()
    assert "velo-courier" in _slugs(client, project)
    assert len(calls) == 2


def test_member_matches_and_similar_projects_are_cached(client, cargo, monkeypatch):
    """The member endpoint and "Similar experiments" reuse their rankings, and
    an experiment unpublished since is dropped from them."""
    project, _owner, riders = cargo
    twin = ProjectFactory(
        title="Vélo cargo bis", summary="Livraisons", status=ProjectStatus.PUBLISHED
    )
    index_refresh()
    similar_calls = counted(monkeypatch, suggestions, "_similar_projects")
    similar = suggestions.similar_projects(project=project)
    assert twin.pk in {m.project_id for m in similar}
    type(twin).objects.filter(pk=twin.pk).update(status=ProjectStatus.DRAFT)
    similar = suggestions.similar_projects(project=project)
    assert twin.pk not in {m.project_id for m in similar}
    assert len(similar_calls) == 1

    calls = counted(monkeypatch, api, "projects_for_member")
    url = f"/api/v1/members/{riders[0].slug}/matches"
    assert project.slug in [p["slug"] for p in client.get(url).json()["projects"]]
    type(project).objects.filter(pk=project.pk).update(status=ProjectStatus.DRAFT)
    assert project.slug not in [p["slug"] for p in client.get(url).json()["projects"]]
    assert len(calls) == 1


def test_rankings_made_before_a_drain_is_searchable_are_not_kept(
    client, cargo, monkeypatch
):
    """Right after a drain (before Elasticsearch's refresh) a ranking may miss
    the change: it is answered but not cached; once settled, it is."""
    project, _owner, _riders = cargo
    calls = counted(monkeypatch, api, "members_for_project")
    match_cache_clear(visible=False)
    _slugs(client, project)
    _slugs(client, project)
    assert len(calls) == 2
    monkeypatch.setattr("search.match_cache.SETTLING_SECONDS", -1.0)
    _slugs(client, project)
    _slugs(client, project)
    assert len(calls) == 3


def test_off_when_zero(client, cargo, settings, monkeypatch):
    """HUB_MATCH_CACHE_SECONDS=0 ranks on every request."""
    settings.HUB_MATCH_CACHE_SECONDS = 0
    project, _owner, _riders = cargo
    calls = counted(monkeypatch, api, "members_for_project")
    _slugs(client, project)
    _slugs(client, project)
    assert len(calls) == 2
