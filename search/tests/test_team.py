"""Complete my team: seeded cases on the real node whose answer is known, and
every reason given checked against the database."""

from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from members.models import (
    ContactRequest,
    ContactStatus,
    Dismissal,
    Member,
    MemberKind,
    MemberManager,
    MemberStatus,
    Visibility,
)
from members.tests.factories import MemberFactory
from projects.models import Project, ProjectPartner, ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.client import get_client, index_alias
from search.graph import graph_reset
from search.matching import DraftProject, Match
from search.services import index_refresh
from search.team import (
    TeamOptions,
    kinds_lacking,
    team_assemble,
    team_for_project,
)
from search.tests.test_matching import check_reasons

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISHED = ProjectStatus.PUBLISHED
TEAM_CODES = {"proposed_tie", "team_tie", "brings_language"}


def experiment(title, *members, status=PUBLISHED):
    project = ProjectFactory(title=title, status=status)
    for member in members:
        ProjectPartnerFactory(project=project, member=member)
    return project


def published_together(a: Member, b: Member, title: str) -> bool:
    linked = ProjectPartner.objects.filter(
        project__title=title, project__status=PUBLISHED, confirmed=True
    ).values_list("member_id", flat=True)
    return {a.pk, b.pk} <= set(linked)


def public_languages(member: Member) -> set[str]:
    if not member.section_visible("languages", to_member=False):
        return set()
    return set(member.languages)


def check_team(team, draft):
    """Every reason of the team and of each member holds in the database."""
    members = {m.member_id: Member.objects.get(pk=m.member_id) for m in team.members}
    current = Member.objects.filter(pk__in=draft.partners)
    by_name = {m.name: m for m in members.values()}
    spoken_by_current = set().union(*(public_languages(m) for m in current))
    for m in team.members:
        member = members[m.member_id]
        assert member.status == MemberStatus.PUBLISHED
        assert member.pk not in draft.partners
        assert member.kind == m.kind
        check_reasons(m.match, draft)
        for reason in m.reasons:
            p = reason.params
            if reason.code == "proposed_tie":
                other = by_name[p["member"]]
                assert other.pk != member.pk
                assert published_together(member, other, p["project"])
            elif reason.code == "team_tie":
                other = current.get(name=p["member"])
                assert published_together(member, other, p["project"])
            elif reason.code == "brings_language":
                assert p["language"] in public_languages(member)
                assert p["language"] in team.languages
                others = [o for pk, o in members.items() if pk != member.pk]
                assert not any(p["language"] in public_languages(o) for o in others)
                assert p["language"] not in spoken_by_current
    for reason in team.reasons:
        p = reason.params
        if reason.code == "covers_kinds":
            assert set(p["kinds"]) == {m.kind for m in team.members}
            assert set(p["kinds"]) <= set(team.kinds)
        elif reason.code == "kinds_not_found":
            assert not {m.kind for m in team.members} & set(p["kinds"])
        elif reason.code == "worked_together":
            a, b = by_name[p["first"]], by_name[p["second"]]
            shared = set(
                Project.objects.published()
                .filter(partnerships__member=a)
                .filter(partnerships__member=b)
                .values_list("pk", flat=True)
            )
            assert shared
        elif reason.code == "knows_your_team":
            knowing = [
                m
                for m in members.values()
                if any(
                    Project.objects.published()
                    .filter(partnerships__member=m)
                    .filter(partnerships__member=c)
                    .exists()
                    for c in current
                )
            ]
            assert p["count"] == len(knowing)
        elif reason.code == "team_languages":
            spoken = spoken_by_current.union(
                *(public_languages(m) for m in members.values())
            )
            assert set(p["languages"]) <= spoken
        elif reason.code == "team_languages_missing":
            spoken = spoken_by_current.union(
                *(public_languages(m) for m in members.values())
            )
            assert not set(p["languages"]) & spoken
        else:
            pytest.fail(f"unchecked team reason {reason.code}")


@pytest.fixture
def network(search_index):
    """A Brussels public body (French only) looking for the kinds it lacks.

    - Lab Habitat (researcher) worked with the public body;
    - Atelier Isolant (entrepreneur) worked with Lab Habitat;
    - Woonkracht (federation) speaks Dutch, Fédé Toit (federation) French only;
    - Hidden Pending (entrepreneur) has the best profile but is pending review.
    """
    text = "Rénovation et isolation des logements sociaux avec les habitants."
    region = MemberFactory(
        name="Régie Sud", kind=MemberKind.PUBLIC_AUTHORITY, languages=["fr"]
    )
    lab = MemberFactory(
        name="Lab Habitat", kind=MemberKind.RESEARCHER, description=text
    )
    atelier = MemberFactory(
        name="Atelier Isolant", kind=MemberKind.ENTREPRENEUR, description=text
    )
    woon = MemberFactory(
        name="Woonkracht",
        kind=MemberKind.FEDERATION,
        description=text,
        languages=["nl"],
    )
    fede = MemberFactory(
        name="Fédé Toit", kind=MemberKind.FEDERATION, description=text, languages=["fr"]
    )
    pending = MemberFactory(
        name="Hidden Pending",
        kind=MemberKind.ENTREPRENEUR,
        description=text + " " + text,
        status=MemberStatus.PENDING,
    )
    experiment("Rénovation partagée", region, lab)
    experiment("Atelier commun", lab, atelier)
    index_refresh()
    draft = DraftProject(
        title="Isolation des logements sociaux",
        summary=text,
        partners=[region.pk],
    )
    return {
        "region": region,
        "lab": lab,
        "atelier": atelier,
        "woon": woon,
        "fede": fede,
        "pending": pending,
        "draft": draft,
    }


def test_team_covers_the_lacking_kinds_and_its_reasons_hold(network):
    """Asked for nothing, the builder proposes one member of each kind the team
    lacks; the pending member is never proposed, the current partner never
    comes back, and every reason holds."""
    draft = network["draft"]
    assert kinds_lacking(partners=draft.partners) == [
        MemberKind.ENTREPRENEUR,
        MemberKind.RESEARCHER,
        MemberKind.FEDERATION,
    ]
    team = team_for_project(project=draft)
    ids = team.member_ids
    assert sorted(m.kind for m in team.members) == sorted(team.kinds)
    assert network["pending"].pk not in ids
    assert network["region"].pk not in ids
    assert {network["lab"].pk, network["atelier"].pk} <= set(ids)
    assert team.languages == ["fr", "nl"]
    check_team(team, draft)
    codes = {r.code for r in team.reasons}
    assert {"covers_kinds", "worked_together"} <= codes
    atelier = next(m for m in team.members if m.member_id == network["atelier"].pk)
    tie = next(r for r in atelier.reasons if r.code == "proposed_tie")
    assert tie.params["member"] == "Lab Habitat"
    assert tie.params["project"] == "Atelier commun"


def test_language_coverage_picks_the_member_who_brings_dutch(network):
    """Of two federations that fit alike, the team takes the one that speaks
    Dutch, which nobody else in it does, and says why; without the language
    term, fit alone decides."""
    draft = network["draft"]
    woon, fede = network["woon"], network["fede"]
    pools = {
        MemberKind.FEDERATION: [indexed_match(fede, 1.0), indexed_match(woon, 0.9)]
    }
    team = team_assemble(project=draft, pools=pools)
    assert team.member_ids == [woon.pk]
    assert team.languages_covered == ["fr", "nl"]
    reason = next(r for r in team.members[0].reasons if r.code == "brings_language")
    assert reason.params == {"language": "nl"}
    check_team(team, draft)
    without = team_assemble(
        project=draft,
        pools=pools,
        options=TeamOptions(terms=("member_ties", "team_ties")),
    )
    assert without.member_ids == [fede.pk]
    missing = next(r for r in without.reasons if r.code == "team_languages_missing")
    assert missing.params == {"languages": ["nl"]}


def test_private_languages_do_not_count(network):
    """A member whose languages are private (used for matching only) brings no
    language to the team, and none is cited."""
    woon = network["woon"]
    woon.visibility = {"languages": Visibility.MATCHING}
    woon.save()
    index_refresh()
    pools = {
        MemberKind.FEDERATION: [
            indexed_match(network["fede"], 1.0),
            indexed_match(woon, 0.9),
        ]
    }
    team = team_assemble(project=network["draft"], pools=pools)
    assert team.member_ids == [network["fede"].pk]
    assert "nl" not in team.languages_covered


def indexed_match(member: Member, score: float) -> Match:
    """A ranking result as `members_for_project` gives it: the indexed (public)
    document of `member`, with a chosen score."""
    doc = get_client().get(index=index_alias("member"), id=str(member.pk))
    return Match(member.pk, score, [], doc["_source"])


def test_ties_among_proposed_members_change_the_team(network):
    """An entrepreneur a little below another on fit, but who already worked
    with the researcher proposed, joins the team instead; with the term off,
    fit alone decides. A private tie (a contact request that led to a
    collaboration) and a tie in an unpublished experiment count for nothing."""
    lab, atelier = network["lab"], network["atelier"]
    other = MemberFactory(name="Autre Atelier", kind=MemberKind.ENTREPRENEUR)
    secret = MemberFactory(name="Atelier Secret", kind=MemberKind.ENTREPRENEUR)
    drafty = MemberFactory(name="Atelier Brouillon", kind=MemberKind.ENTREPRENEUR)
    ContactRequest.objects.create(
        sender=secret,
        receiver=lab,
        message="On travaille ensemble ?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    experiment("Projet en préparation", drafty, lab, status=ProjectStatus.DRAFT)
    index_refresh()
    graph_reset()
    draft = network["draft"]

    def pools(*entrepreneurs):
        return {
            MemberKind.RESEARCHER: [indexed_match(lab, 1.0)],
            MemberKind.ENTREPRENEUR: [
                indexed_match(m, s)
                for m, s in zip(entrepreneurs, (1.0, 0.9), strict=True)
            ],
        }

    team = team_assemble(project=draft, pools=pools(other, atelier))
    assert set(team.member_ids) == {lab.pk, atelier.pk}
    check_team(team, draft)
    fit_only = team_assemble(
        project=draft,
        pools=pools(other, atelier),
        options=TeamOptions(terms=("languages",)),
    )
    assert set(fit_only.member_ids) == {lab.pk, other.pk}
    for unseen in (secret, drafty):
        team = team_assemble(project=draft, pools=pools(other, unseen))
        assert set(team.member_ids) == {lab.pk, other.pk}
        texts = " ".join(r.text for m in team.members for r in m.reasons)
        assert unseen.name not in texts
        assert "Projet en préparation" not in texts


def _manager_world(network):
    user = get_user_model().objects.create_user("boss", "boss@example.org", "pw")
    region = network["region"]
    MemberManager.objects.create(member=region, user=user)
    project = ProjectFactory(
        title="Isolation des logements sociaux",
        summary="Rénovation et isolation des logements sociaux avec les habitants.",
        owner=region,
        status=PUBLISHED,
    )
    ProjectPartnerFactory(project=project, member=region)
    # The new experiment changes the region's track record: searchable now,
    # so that two answers in a row read the same index.
    index_refresh()
    return user, project


def test_panel_proposes_a_team_with_contact_links(client, network):
    """The manager's panel lists one member per lacking kind, each with its
    reasons and a Contact link prefilled about the experiment; a dismissed
    member and an invited (unconfirmed) partner never come back."""
    user, project = _manager_world(network)
    ProjectPartnerFactory(project=project, member=network["lab"], confirmed=False)
    Dismissal.objects.create(
        project=project, suggested_member=network["woon"], user=user
    )
    graph_reset()
    client.force_login(user)
    url = reverse("projects:team", args=[project.slug])
    page = BeautifulSoup(client.get(url).content, "html.parser")
    items = page.select("#team-panel li.suggestion")
    names = [item.select_one("h3 a").text for item in items]
    assert "Lab Habitat" not in names
    assert "Woonkracht" not in names
    assert "Hidden Pending" not in names
    assert "Atelier Isolant" in names and "Fédé Toit" in names
    for item in items:
        assert item.select("ul.reasons li")
        contact = next(a for a in item.select("a") if "Contact" in a.text)
        query = parse_qs(urlsplit(contact["href"]).query)
        assert project.title in query["message"][0]
        assert query["via"] == ["team_suggestion"]
    assert page.select("#team-panel input[name=kinds]")

    partial = client.get(
        url, {"kinds": [MemberKind.ENTREPRENEUR], "per_kind": 2}, HTTP_HX_REQUEST="1"
    )
    fragment = BeautifulSoup(partial.content, "html.parser")
    assert not fragment.select("header")
    kinds = [i.select_one("h3 .meta").text for i in fragment.select("li.suggestion")]
    assert kinds and set(kinds) == {str(MemberKind.ENTREPRENEUR.label)}


def test_api_team_for_a_published_and_a_draft_experiment(client, network):
    """GET /api/v1/projects/{slug}/team and POST /api/v1/team answer a team
    with reasons; both are in the OpenAPI schema; a bad kind is a 422."""
    user, project = _manager_world(network)
    graph_reset()
    response = client.get(f"/api/v1/projects/{project.slug}/team?language=nl")
    assert response.status_code == 200
    body = response.json()
    assert body["languages"] == ["nl"]
    assert sorted(m["kind"] for m in body["members"]) == sorted(body["kinds"])
    assert "Régie Sud" not in [m["name"] for m in body["members"]]
    assert all(m["reasons"] for m in body["members"])
    draft = {
        "title": "Isolation des logements sociaux",
        "partners": [network["region"].slug, network["lab"].slug],
        "kinds": ["entrepreneur"],
        "per_kind": 2,
    }
    response = client.post("/api/v1/team", draft, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    names = [m["name"] for m in body["members"]]
    assert names[0] == "Atelier Isolant" and "Hidden Pending" not in names
    codes = {r["code"] for r in body["members"][0]["reasons"]}
    assert codes & {"shared_partner", "team_tie"}
    bad = client.get(f"/api/v1/projects/{project.slug}/team?kind=wizard")
    assert bad.status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/projects/{slug}/team" in schema["paths"]
    assert "/api/v1/team" in schema["paths"]


def test_private_tie_changes_no_public_team(client, network):
    """A collaboration born of a contact request (a private tie) between the
    current partner and a candidate changes nothing in the public team: same
    members, order, scores and reasons with and without it."""
    user, project = _manager_world(network)
    tie = ContactRequest.objects.create(
        sender=network["region"],
        receiver=network["fede"],
        message="On travaille ensemble ?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    graph_reset()
    url = f"/api/v1/projects/{project.slug}/team?per_kind=2"
    with_tie = client.get(url).json()
    assert with_tie["members"]
    tie.led_to_collaboration = False
    tie.save(update_fields=["led_to_collaboration"])
    graph_reset()
    assert client.get(url).json() == with_tie
