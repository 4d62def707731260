"""The shared cache of matches, against the real node.

Repeated requests reuse a ranking; what the visitor changes (the record, its
partners, its dismissals) shows at once; an unpublished record never comes
back from the cache; an index change drops the rankings it can change, and
only those.
"""

import pytest

from members.models import Dismissal, MemberKind, MemberStatus, Offer
from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import graph_reset
from search.matchmaking import services
from search.matchmaking.cache import match_cache_clear, match_cache_stats
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
    calls = counted(monkeypatch, services, "members_for_project")
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
    calls = counted(monkeypatch, services, "members_for_project")
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
    calls = counted(monkeypatch, services, "members_for_project")
    ids = {m.member_id for m in services.project_partner_suggestions(project=project)}
    assert {r.pk for r in riders} <= ids
    services.project_partner_suggestions(project=project)
    assert len(calls) == 1

    Dismissal.objects.create(project=project, suggested_member=riders[0])
    ids = {m.member_id for m in services.project_partner_suggestions(project=project)}
    assert riders[0].pk not in ids and len(calls) == 2

    ProjectPartnerFactory(project=project, member=riders[1])
    ids = {m.member_id for m in services.project_partner_suggestions(project=project)}
    assert riders[1].pk not in ids and len(calls) == 3

    project.summary = "Livraisons du dernier kilomètre"
    project.save()
    services.project_partner_suggestions(project=project)
    assert len(calls) == 4


def test_a_new_member_drops_the_rankings_of_members(client, cargo, monkeypatch):
    """Saving another member drains the outbox, which drops the cached
    rankings of members (in every process: they share the files), so the
    change shows on the next request."""
    project, _owner, _riders = cargo
    calls = counted(monkeypatch, services, "members_for_project")
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
    similar_calls = counted(monkeypatch, services, "similar_projects_ranked")
    similar = services.similar_projects(project=project)
    assert twin.pk in {m.project_id for m in similar}
    type(twin).objects.filter(pk=twin.pk).update(status=ProjectStatus.DRAFT)
    similar = services.similar_projects(project=project)
    assert twin.pk not in {m.project_id for m in similar}
    assert len(similar_calls) == 1

    calls = _computed(monkeypatch)["projects_for_member"]
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
    calls = counted(monkeypatch, services, "members_for_project")
    match_cache_clear(visible=False)
    _slugs(client, project)
    _slugs(client, project)
    assert len(calls) == 2
    monkeypatch.setattr("search.matchmaking.cache.SETTLING_SECONDS", -1.0)
    _slugs(client, project)
    _slugs(client, project)
    assert len(calls) == 3


def test_off_when_zero(client, cargo, settings, monkeypatch):
    """HUB_MATCH_CACHE_SECONDS=0 ranks on every request."""
    settings.HUB_MATCH_CACHE_SECONDS = 0
    project, _owner, _riders = cargo
    calls = counted(monkeypatch, services, "members_for_project")
    _slugs(client, project)
    _slugs(client, project)
    assert len(calls) == 2


def _computed(monkeypatch) -> dict[str, list]:
    """Rankings computed (not served from the cache), per function; a
    member's two lists, ranked together, count as the functions ranking each."""
    calls = {
        name: counted(monkeypatch, services, name)
        for name in (
            "members_for_project",
            "projects_for_member",
            "members_for_member",
            "similar_projects_ranked",
        )
    }
    real = services._member_lists

    def member_lists(**kwargs):
        for name in kwargs.get("lists", ("projects", "members")):
            calls[f"{name}_for_member"].append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "_member_lists", member_lists)
    return calls


def _counts(calls) -> dict[str, int]:
    return {name: len(made) for name, made in calls.items()}


def test_an_edit_drops_only_the_rankings_it_can_change(cargo, monkeypatch):
    """A researcher's new profile text can change the rankings of researchers
    and of people to meet, which are made again and show it; the experiment's
    entrepreneurs, the experiments a member could join and the similar
    experiments cannot change, and stay cached."""
    project, _owner, riders = cargo
    scholar = MemberFactory(
        name="Labo Mobilité",
        kind=MemberKind.RESEARCHER,
        description="Histoire des jardins botaniques.",
    )
    index_refresh()
    calls = _computed(monkeypatch)

    def rank_all():
        return (
            services.project_partner_suggestions(
                project=project, kind=MemberKind.ENTREPRENEUR
            ),
            services.project_partner_suggestions(
                project=project, kind=MemberKind.RESEARCHER
            ),
            services.member_suggestions(member=riders[0]),
            services.similar_projects(project=project),
        )

    _entrepreneurs, researchers, _dashboard, _similar = rank_all()
    score = {m.member_id: m.score for m in researchers}.get(scholar.pk, 0.0)
    rank_all()
    before = _counts(calls)
    assert before == {
        "members_for_project": 2,
        "projects_for_member": 1,
        "members_for_member": 1,
        "similar_projects_ranked": 1,
    }

    scholar.description = "Livraisons en vélo cargo : recherche appliquée."
    scholar.save()
    index_refresh()
    _entrepreneurs, researchers, _dashboard, _similar = rank_all()
    # Never stale: its words now match the experiment's.
    assert {m.member_id: m.score for m in researchers}[scholar.pk] > score
    assert _counts(calls) == before | {
        "members_for_project": 3,  # researchers again, entrepreneurs kept
        "members_for_member": 2,
    }
    rank_all()
    assert _counts(calls) == before | {
        "members_for_project": 3,
        "members_for_member": 2,
    }


def test_a_partner_edit_drops_the_experiments_it_is_on_only_if_it_shows(
    cargo, monkeypatch
):
    """The experiments a member could join read what their partners show
    (kind, country, offers...): a partner's new offer makes them again, a
    partner's new description (which they never read) does not."""
    project, owner, riders = cargo
    calls = _computed(monkeypatch)
    joinable = services.member_suggestions(member=riders[0])["projects"]
    assert project.pk in {m.project_id for m in joinable}
    services.member_suggestions(member=riders[0])
    assert len(calls["projects_for_member"]) == 1

    owner.description = "Vélo cargo, depuis 2015."
    owner.save()
    index_refresh()
    services.member_suggestions(member=riders[0])
    assert len(calls["projects_for_member"]) == 1

    Offer.objects.create(member=owner, text="formation à la conduite")
    index_refresh()
    services.member_suggestions(member=riders[0])
    assert len(calls["projects_for_member"]) == 2


def test_a_rebuild_drops_everything_and_hits_are_counted(client, cargo, monkeypatch):
    """Hits and misses are counted across processes; a rebuild (anything may
    have changed) drops every ranking."""
    from django.core.management import call_command

    project, _owner, _riders = cargo
    calls = counted(monkeypatch, services, "members_for_project")
    match_cache_stats(reset=True)
    _slugs(client, project)
    _slugs(client, project)
    assert match_cache_stats() == {
        "hits": 1,
        "misses": 1,
        "stale": 0,
        "hit_rate": 0.5,
    }
    call_command("search_rebuild", verbosity=0)
    _slugs(client, project)
    assert len(calls) == 2
    assert match_cache_stats(reset=True)["misses"] == 2
    assert match_cache_stats()["hits"] == 0


def test_a_members_missing_lists_are_ranked_in_one_round_trip(cargo, monkeypatch):
    """The dashboard's two lists, when neither is cached, share one round trip
    to Elasticsearch and are the lists ranked one by one (dismissals applied);
    when one is cached, only the other is ranked."""
    from search.matchmaking import pipeline

    project, owner, riders = cargo
    me = riders[0]
    Dismissal.objects.create(member=me, suggested_member=riders[1])
    round_trips = []
    real = pipeline.msearch
    monkeypatch.setattr(
        pipeline, "msearch", lambda searches: round_trips.append(1) or real(searches)
    )
    found = services.member_suggestions(member=me)
    assert len(round_trips) == 1
    alone = {
        "projects": services.projects_for_member(member=me, size=5),
        "members": services.members_for_member(
            member=me, size=5, exclude={riders[1].pk}
        ),
    }
    assert {k: [(m.id, m.score) for m in v] for k, v in found.items()} == {
        k: [(m.id, m.score) for m in v] for k, v in alone.items()
    }
    assert riders[1].pk not in {m.id for m in found["members"]}
    assert project.pk in {m.id for m in found["projects"]}

    calls = _computed(monkeypatch)
    Dismissal.objects.create(member=me, suggested_member=riders[2])
    services.member_suggestions(member=me)
    assert len(calls["projects_for_member"]) == 0
    assert len(calls["members_for_member"]) == 1
