"""Suggestions for members and similar experiments, against the real node.

Each seeded case has a known right answer that must rank first, and every
reason given for it is checked against the database.
"""

import pytest

from members.models import (
    ContactRequest,
    ContactStatus,
    Dismissal,
    MemberKind,
    Offer,
    Seek,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectNeed, ProjectPartner, ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import CollaborationGraph, collaboration_graph, graph_reset
from search.services import index_refresh
from search.suggestions import (
    members_for_member,
    project_partner_suggestions,
    projects_for_member,
    similar_projects,
)

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISHED = ProjectStatus.PUBLISHED


def _partners(project_id) -> set[int]:
    return set(
        ProjectPartner.objects.filter(
            project_id=project_id, confirmed=True
        ).values_list("member_id", flat=True)
    )


def check_project_reasons(match, member):
    """Every reason for suggesting experiment `match` to `member` is true."""
    from members.models import Member
    from projects.models import Project

    project = Project.objects.get(pk=match.project_id)
    assert match.reasons, "a suggestion always says why"
    for reason in match.reasons:
        p = reason.params
        if reason.code == "partner_takes_part":
            assert p["partner_id"] in _partners(project.pk)
            assert Member.objects.get(pk=p["partner_id"]).name == p["partner"]
            shared = Project.objects.get(pk=p["project_id"])
            assert shared.title == p["project"]
            assert {member.pk, p["partner_id"]} <= _partners(shared.pk)
        elif reason.code == "seeks_what_you_offer":
            assert p["need"] in project.needs.values_list("text", flat=True)
            assert p["offer"] in member.offers.values_list("text", flat=True)
        elif reason.code == "partner_offers_what_you_seek":
            assert p["partner_id"] in _partners(project.pk)
            assert Offer.objects.filter(member_id=p["partner_id"], text=p["offer"])
            assert p["seek"] in member.seeks.values_list("text", flat=True)
        elif reason.code == "seeks_your_kind":
            assert p["kind"] == member.kind
            assert project.needs.filter(kind=member.kind).exists()
        elif reason.code == "team_lacks_your_kind":
            assert p["kind"] == member.kind
            team = Member.objects.filter(pk__in=_partners(project.pk))
            assert team.exists()
            assert not team.filter(kind=member.kind).exists()
        elif reason.code == "partners_in_your_country":
            assert p["country"] == member.country
            team = Member.objects.published().filter(pk__in=_partners(project.pk))
            assert team.count() == p["team"]
            assert team.filter(country=p["country"]).count() == p["partners"]
        elif reason.code == "team_has_kind_you_seek":
            assert member.seeks.filter(kind=p["kind"]).exists()
            team = Member.objects.published().filter(pk__in=_partners(project.pk))
            assert team.filter(kind=p["kind"]).exists()
        elif reason.code == "shared_sector":
            assert project.sectors.filter(slug=p["sector"]).exists()
            assert member.sectors.filter(slug=p["sector"]).exists()
        elif reason.code == "same_place":
            assert project.commune == member.commune == p["commune"]
        elif reason.code == "shared_language":
            assert p["language"] in project.languages
            assert p["language"] in member.languages
        elif reason.code == "similar_profile":
            assert p["similarity"] >= 0.5
        elif reason.code == "works_on_topic":
            assert set(p["skills"]) <= set(member.skills)
        else:
            pytest.fail(f"unchecked reason {reason.code}")


def check_member_reasons(match, member):
    """Every reason for suggesting member `match` to `member` is true."""
    from members.models import Member
    from projects.models import Project

    other = Member.objects.get(pk=match.member_id)
    assert match.reasons, "a suggestion always says why"
    for reason in match.reasons:
        p = reason.params
        if reason.code == "partner_of_partner":
            partner = Member.objects.get(pk=p["partner_id"])
            assert partner.name == p["partner"]
            shared = Project.objects.get(pk=p["project_id"])
            assert shared.title == p["project"]
            assert {other.pk, partner.pk} <= _partners(shared.pk)
            graph = collaboration_graph()
            assert graph.neighbours(member.pk, private=True).get(partner.pk)
        elif reason.code == "offers_what_you_seek":
            assert p["offer"] in other.offers.values_list("text", flat=True)
            assert p["seek"] in member.seeks.values_list("text", flat=True)
        elif reason.code == "seeks_what_you_offer":
            assert p["seek"] in other.seeks.values_list("text", flat=True)
            assert p["offer"] in member.offers.values_list("text", flat=True)
        elif reason.code == "shared_sector":
            assert other.sectors.filter(slug=p["sector"]).exists()
            assert member.sectors.filter(slug=p["sector"]).exists()
        elif reason.code == "same_place":
            assert other.commune == member.commune == p["commune"]
        elif reason.code == "shared_language":
            assert p["language"] in other.languages
            assert p["language"] in member.languages
        elif reason.code == "similar_profile":
            assert p["similarity"] >= 0.5
        else:
            pytest.fail(f"unchecked reason {reason.code}")


# Experiments a member could join


def test_project_of_a_past_partner_ranks_first(search_index):
    """An experiment in which the member's past partner takes part comes first,
    with the partner and the shared experiment named; the member's own
    experiments never appear."""
    me = MemberFactory(name="Atelier Nord", description="menuiserie")
    ally = MemberFactory(name="Régie Sud", description="menuiserie")
    past = ProjectFactory(title="Chantier école", status=PUBLISHED)
    ProjectPartnerFactory(project=past, member=me)
    ProjectPartnerFactory(project=past, member=ally)
    target = ProjectFactory(title="Potager collectif", status=PUBLISHED)
    ProjectPartnerFactory(project=target, member=ally)
    ProjectFactory(title="Autre chantier menuiserie", status=PUBLISHED)
    index_refresh()
    matches = projects_for_member(member=me)
    assert matches[0].project_id == target.pk
    assert past.pk not in {m.project_id for m in matches}
    reason = next(r for r in matches[0].reasons if r.code == "partner_takes_part")
    assert reason.params["partner"] == "Régie Sud"
    assert reason.params["project"] == "Chantier école"
    for match in matches:
        check_project_reasons(match, me)


def test_project_seeking_what_the_member_offers_ranks_first(search_index):
    """An experiment whose open need is what the member offers comes first."""
    me = MemberFactory(name="Impact Lab", kind=MemberKind.RESEARCHER, description="")
    Offer.objects.create(member=me, text="évaluation d'impact social")
    Seek.objects.create(member=me, text="comptabilité coopérative")
    target = ProjectFactory(title="Paniers solidaires", status=PUBLISHED)
    ProjectNeed.objects.create(
        project=target, kind=MemberKind.RESEARCHER, text="évaluation d'impact social"
    )
    helper = MemberFactory(name="Compta Coop", description="")
    Offer.objects.create(member=helper, text="comptabilité coopérative")
    ProjectPartnerFactory(project=target, member=helper)
    other = ProjectFactory(title="Repair café", status=PUBLISHED)
    ProjectNeed.objects.create(project=other, text="réparateurs de vélos")
    index_refresh()
    matches = projects_for_member(member=me)
    assert matches[0].project_id == target.pk
    codes = {r.code for r in matches[0].reasons}
    assert {"seeks_what_you_offer", "seeks_your_kind"} <= codes
    assert "partner_offers_what_you_seek" in codes
    for match in matches:
        check_project_reasons(match, me)


def test_dutch_profile_finds_french_project(search_index):
    """Cross-lingual: a Dutch profile about social housing finds the French
    experiment on social housing before an unrelated French one."""
    me = MemberFactory(
        name="Woonkracht",
        headline="Renovatie van sociale woningen",
        description="Wij renoveren sociale woningen en isoleren daken met bewoners.",
        languages=["nl", "fr"],
    )
    target = ProjectFactory(
        title="Rénovation de logements sociaux",
        summary="Isoler les toits des logements sociaux avec les habitants.",
        languages=["fr"],
        status=PUBLISHED,
    )
    ProjectFactory(
        title="Cuisine de quartier",
        summary="Des repas partagés et une épicerie solidaire pour le quartier.",
        languages=["fr"],
        status=PUBLISHED,
    )
    index_refresh()
    matches = projects_for_member(member=me)
    assert matches[0].project_id == target.pk
    for match in matches:
        check_project_reasons(match, me)


def test_dismissed_and_own_projects_never_appear(search_index):
    """Excluded ids (dismissals) and the member's experiments are left out,
    even when they would match best."""
    me = MemberFactory(description="menuiserie")
    Offer.objects.create(member=me, text="menuiserie solidaire")
    mine = ProjectFactory(title="Menuiserie solidaire", owner=me, status=PUBLISHED)
    dismissed = ProjectFactory(title="Menuiserie solidaire bis", status=PUBLISHED)
    kept = ProjectFactory(title="Menuiserie solidaire ter", status=PUBLISHED)
    index_refresh()
    matches = projects_for_member(member=me, exclude={dismissed.pk})
    ids = {m.project_id for m in matches}
    assert kept.pk in ids
    assert not ids & {mine.pk, dismissed.pk}


# People a member could work with


def test_partner_of_a_partner_is_suggested_not_the_partner(search_index):
    """The partner of a partner comes first and says through whom; the direct
    partner is already a collaborator and is not suggested."""
    me = MemberFactory(name="Atelier Nord")
    ally = MemberFactory(name="Régie Sud")
    friend = MemberFactory(name="Lab Habitat")
    MemberFactory(name="Lab Lointain", description="chimie des sols")
    first = ProjectFactory(title="Chantier école", status=PUBLISHED)
    ProjectPartnerFactory(project=first, member=me)
    ProjectPartnerFactory(project=first, member=ally)
    second = ProjectFactory(title="Toits verts", status=PUBLISHED)
    ProjectPartnerFactory(project=second, member=ally)
    ProjectPartnerFactory(project=second, member=friend)
    index_refresh()
    matches = members_for_member(member=me)
    assert matches[0].member_id == friend.pk
    ids = {m.member_id for m in matches}
    assert ally.pk not in ids and me.pk not in ids
    reason = matches[0].reasons[0]
    assert reason.code == "partner_of_partner"
    assert reason.params["partner"] == "Régie Sud"
    assert reason.params["project"] == "Toits verts"
    for match in matches:
        check_member_reasons(match, me)


def test_member_offering_what_i_seek_ranks_first(search_index):
    """Reciprocity: who offers what the member seeks, and who seeks what it
    offers, come before the others."""
    me = MemberFactory(name="Paniers Bio", description="")
    Seek.objects.create(member=me, text="évaluation d'impact social")
    Offer.objects.create(member=me, text="livraison à vélo")
    evaluator = MemberFactory(name="Impact Lab", description="")
    Offer.objects.create(member=evaluator, text="évaluation d'impact social")
    MemberFactory(name="Autre", description="chimie des sols")
    index_refresh()
    matches = members_for_member(member=me)
    assert matches[0].member_id == evaluator.pk
    assert matches[0].reasons[0].code == "offers_what_you_seek"
    for match in matches:
        check_member_reasons(match, me)


def test_dismissed_and_closed_members_never_appear(search_index):
    """Dismissed members and members not open to collaboration are left out."""
    me = MemberFactory(description="")
    Seek.objects.create(member=me, text="évaluation d'impact social")
    members = [MemberFactory(description="") for _ in range(3)]
    for other in members:
        Offer.objects.create(member=other, text="évaluation d'impact social")
    members[2].open_to_collaboration = False
    members[2].save()
    index_refresh()
    ids = {m.member_id for m in members_for_member(member=me, exclude={members[0].pk})}
    assert ids == {members[1].pk}


# Similar experiments and the partner panel


def test_similar_projects_are_published_others(search_index):
    """Similar experiments: the closest published one first, never the project
    itself nor a draft."""
    project = ProjectFactory(
        title="Compost de quartier",
        summary="Composter les déchets de cuisine du quartier.",
        keywords=["compost"],
        status=PUBLISHED,
    )
    close = ProjectFactory(
        title="Compost collectif",
        summary="Composter les déchets organiques des habitants.",
        keywords=["compost"],
        status=PUBLISHED,
    )
    ProjectFactory(title="Compost brouillon", status=ProjectStatus.DRAFT)
    ProjectFactory(title="Théâtre forum", summary="Du théâtre pour débattre.")
    index_refresh()
    matches = similar_projects(project=project)
    assert matches[0].project_id == close.pk
    assert project.pk not in {m.project_id for m in matches}
    assert all(m.source["slug"] != "compost-brouillon" for m in matches)
    reason = next(r for r in matches[0].reasons if r.code == "shared_keywords")
    assert reason.params["keywords"] == ["compost"]


def test_partner_panel_honours_dismissals_and_partners(search_index):
    """The panel never shows current partners or dismissed members."""
    owner = MemberFactory(description="vélo")
    project = ProjectFactory(title="Vélo cargo", owner=owner, status=PUBLISHED)
    ProjectPartnerFactory(project=project, member=owner)
    others = [MemberFactory(description="vélo cargo") for _ in range(3)]
    Dismissal.objects.create(project=project, suggested_member=others[0])
    index_refresh()
    ids = {m.member_id for m in project_partner_suggestions(project=project)}
    assert others[0].pk not in ids and owner.pk not in ids
    assert {others[1].pk, others[2].pk} <= ids


# The graph


def test_collaboration_from_a_contact_strengthens_the_graph(db):
    """An accepted contact marked as a collaboration links both members through
    a virtual project with the negated request id, for their own neighbours
    only (a private tie); others do not."""
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    done = ContactRequest.objects.create(
        sender=a,
        receiver=b,
        message="On travaille ensemble ?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    ContactRequest.objects.create(
        sender=a, receiver=c, message="On travaille ensemble ?"
    )
    graph = CollaborationGraph.load()
    assert graph.private_ties[a.pk] == [(done.pk, b.pk)]
    assert -done.pk not in graph.members_of
    assert set(graph.neighbours(a.pk, private=True)) == {b.pk}
    assert graph.neighbours(b.pk, private=True)[a.pk][1] == [-done.pk]
    assert graph.neighbours(a.pk) == {} and graph.degree(a.pk) == 0


def test_loading_the_graph_freezes_long_lived_objects(db, settings):
    """With HUB_GC_FREEZE the graph's lists leave the collector's scans (the
    permanent generation) as soon as it is loaded; without, nothing is."""
    import gc

    MemberFactory()
    settings.HUB_GC_FREEZE = False
    gc.unfreeze()
    collaboration_graph()
    assert gc.get_freeze_count() == 0
    graph_reset()
    settings.HUB_GC_FREEZE = True
    try:
        collaboration_graph()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_graph_reloads_when_a_collaboration_is_recorded(db, monkeypatch):
    """Marking a contact as a collaboration changes the reload signature."""
    monkeypatch.setattr("search.graph.RELOAD_CHECK_SECONDS", -1)
    a, b = MemberFactory(), MemberFactory()
    request = ContactRequest.objects.create(
        sender=a, receiver=b, message="Bonjour !!", status=ContactStatus.ACCEPTED
    )
    assert b.pk not in collaboration_graph().neighbours(a.pk, private=True)
    request.led_to_collaboration = True
    request.save()
    assert b.pk in collaboration_graph().neighbours(a.pk, private=True)


# The API


def test_api_matches_for_a_project_a_member_and_a_draft(client, search_index):
    """The three endpoints answer with slugs, names, urls, scores and reasons;
    partners never appear; unpublished records are 404."""
    owner = MemberFactory(name="Cargo Asso", description="vélo cargo")
    rider = MemberFactory(name="Cycliste", description="Livraisons en vélo cargo.")
    Offer.objects.create(member=rider, text="livraison en vélo cargo")
    project = ProjectFactory(title="Vélo cargo", summary="Livraisons", status=PUBLISHED)
    ProjectPartnerFactory(project=project, member=owner)
    ProjectNeed.objects.create(project=project, text="livraison en vélo cargo")
    draft = ProjectFactory(title="Brouillon vélo", status=ProjectStatus.DRAFT)
    index_refresh()

    body = client.get(f"/api/v1/projects/{project.slug}/matches?size=5").json()
    slugs = [r["slug"] for r in body["results"]]
    assert slugs[0] == rider.slug and owner.slug not in slugs
    first = body["results"][0]
    assert first["name"] == "Cycliste" and first["url"] == rider.get_absolute_url()
    assert {"code", "text", "params"} == set(first["reasons"][0])
    bad = client.get(f"/api/v1/projects/{project.slug}/matches?kind=alien")
    assert bad.status_code == 422

    body = client.get(f"/api/v1/members/{rider.slug}/matches").json()
    assert body["projects"][0]["slug"] == project.slug
    assert body["projects"][0]["name"] == "Vélo cargo"
    assert rider.slug not in [m["slug"] for m in body["members"]]

    response = client.post(
        "/api/v1/matches",
        {
            "title": "Livraisons à vélo cargo",
            "partners": [owner.slug],
            "needs": [{"kind": "", "text": "livraison en vélo cargo"}],
            "size": 3,
        },
        content_type="application/json",
    )
    results = response.json()["results"]
    assert results[0]["slug"] == rider.slug
    assert owner.slug not in [r["slug"] for r in results]
    unknown = client.post(
        "/api/v1/matches",
        {"title": "x", "partners": ["nobody"]},
        content_type="application/json",
    )
    assert unknown.status_code == 422
    assert client.get(f"/api/v1/projects/{draft.slug}/matches").status_code == 404
    assert client.get("/api/v1/members/nobody/matches").status_code == 404


def test_draft_matching_stores_nothing(client, search_index):
    """POST /api/v1/matches writes no row in any table, outbox included."""
    from django.apps import apps

    from search.models import OutboxEntry

    rider = MemberFactory(description="Livraisons en vélo cargo.")
    index_refresh()
    before = {m: m._default_manager.count() for m in apps.get_models()}
    outbox = list(OutboxEntry.objects.values_list("pk", flat=True))
    response = client.post(
        "/api/v1/matches",
        {"title": "Livraisons en vélo cargo", "keywords": ["vélo"], "size": 5},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["slug"] == rider.slug
    assert {m: m._default_manager.count() for m in apps.get_models()} == before
    assert list(OutboxEntry.objects.values_list("pk", flat=True)) == outbox


@pytest.mark.django_db
def test_api_outage_is_a_503_and_schemas_are_documented(client):
    """Without Elasticsearch the match endpoints answer 503 JSON; the OpenAPI
    schema documents the three endpoints and their typed answers."""
    member = MemberFactory()
    project = ProjectFactory(status=PUBLISHED)
    for response in (
        client.get(f"/api/v1/projects/{project.slug}/matches"),
        client.get(f"/api/v1/members/{member.slug}/matches"),
        client.post("/api/v1/matches", {"title": "x"}, content_type="application/json"),
    ):
        assert response.status_code == 503
        assert "detail" in response.json()
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/projects/{slug}/matches"]
    assert "post" in paths["/api/v1/matches"]
    assert "get" in paths["/api/v1/members/{slug}/matches"]
    components = schema["components"]["schemas"]
    assert {"ReasonOut", "MemberMatchOut", "ProjectMatchOut", "DraftMatchIn"} <= set(
        components
    )
    assert set(components["ReasonOut"]["properties"]) == {"code", "text", "params"}


def test_sector_names_are_read_once_a_ranking(search_index):
    """The reasons of one ranking share the sectors' names: several "works on
    … too" reasons cost one query on the sector table, not one each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub.taxonomy import Sector

    sector = Sector.objects.create(
        slug="test-repair", name_en="Repair", name_fr="Réparation", name_nl="Herstel"
    )
    member = MemberFactory(description="Atelier de réparation de vélos")
    member.sectors.set([sector])
    for n in range(4):
        other = MemberFactory(description=f"Réparation de vélos, atelier {n}")
        other.sectors.set([sector])
    index_refresh()
    with CaptureQueriesContext(connection) as queries:
        matches = members_for_member(member=member, size=5)
    named = [r for m in matches for r in m.reasons if r.code == "shared_sector"]
    assert len(named) >= 2
    assert all("repair" in r.text.lower() for r in named)
    table = Sector._meta.db_table
    assert sum(f'"{table}"' in q["sql"] for q in queries.captured_queries) <= 2
