"""Matchmaking against the real node: seeded cases whose answer is known."""

import json

from django.core.management import call_command

import pytest

from members.models import ContactRequest, ContactStatus, MemberKind, Offer
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.matching import DraftProject, members_for_project
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


def test_partner_of_a_partner_ranks_first_with_a_true_reason(search_index):
    """A member who worked with the team's partner comes first, and says so."""
    team = MemberFactory(name="Régie Sud", kind=MemberKind.PUBLIC_AUTHORITY)
    ally = MemberFactory(name="Lab Habitat", kind=MemberKind.RESEARCHER)
    MemberFactory(name="Lab Lointain", kind=MemberKind.RESEARCHER)
    past = ProjectFactory(title="Rénovation partagée", status=ProjectStatus.PUBLISHED)
    ProjectPartnerFactory(project=past, member=team)
    ProjectPartnerFactory(project=past, member=ally)
    index_refresh()
    draft = DraftProject(title="Isolation des logements", partners=[team.pk])
    matches = members_for_project(project=draft, kind=MemberKind.RESEARCHER)
    assert matches[0].member_id == ally.pk
    reason = next(r for r in matches[0].reasons if r.code == "shared_partner")
    assert reason.params == {
        "partner": "Régie Sud",
        "project": "Rénovation partagée",
        "partners_in_common": 1,
    }
    assert team.pk not in {m.member_id for m in matches}


def test_habitual_partner_of_a_partner_ranks_above_a_one_off(search_index):
    """A member the team's partner brought into three of its four experiments,
    all large, ranks above one it met once in a small one, on the graph alone
    (its longer track record would favour it on other signals); the reason
    cites the habit, counting neither a draft nor a private collaboration
    born on the hub, and holds."""
    team = MemberFactory(name="Université Nord", kind=MemberKind.RESEARCHER)
    one_off = MemberFactory(name="Commune Ouest", kind=MemberKind.PUBLIC_AUTHORITY)
    habitual = MemberFactory(name="Ville Est", kind=MemberKind.PUBLIC_AUTHORITY)

    def experiment(title, *members, others=0, status=ProjectStatus.PUBLISHED):
        project = ProjectFactory(title=title, status=status)
        extra = [MemberFactory(kind=MemberKind.ENTREPRENEUR) for _ in range(others)]
        for member in [*members, *extra]:
            ProjectPartnerFactory(project=project, member=member)

    for title in ("Consortium un", "Consortium deux", "Consortium trois"):
        experiment(title, team, habitual, others=5)
    experiment("Binôme", team, one_off)
    experiment("Brouillon", team, habitual, status=ProjectStatus.DRAFT)
    ContactRequest.objects.create(
        sender=team,
        receiver=habitual,
        message="Encore ensemble ?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    index_refresh()
    draft = DraftProject(title="Quartiers verts", partners=[team.pk])
    matches = members_for_project(
        project=draft, kind=MemberKind.PUBLIC_AUTHORITY, signals=("graph",)
    )
    assert [m.member_id for m in matches] == [habitual.pk, one_off.pk]
    reason = next(r for r in matches[0].reasons if r.code == "regular_partner")
    assert reason.params == {"partner": "Université Nord", "count": 3, "experiments": 4}
    assert "regular_partner" not in {r.code for r in matches[1].reasons}
    for match in matches:
        check_reasons(match, draft)


def test_offer_meeting_a_need_ranks_first(search_index):
    """A member offering what the experiment seeks comes first."""
    evaluator = MemberFactory(name="Impact Lab", kind=MemberKind.RESEARCHER)
    evaluator.offers.create(text="évaluation d'impact social")
    evaluator.save()
    MemberFactory(name="Autre labo", kind=MemberKind.RESEARCHER, description="chimie")
    index_refresh()
    draft = DraftProject(
        title="Paniers solidaires",
        needs=[(MemberKind.RESEARCHER, "évaluation d'impact social")],
    )
    matches = members_for_project(project=draft, kind=MemberKind.RESEARCHER)
    assert matches[0].member_id == evaluator.pk
    codes = [r.code for r in matches[0].reasons]
    assert "offers_what_you_seek" in codes


def test_match_batch_writes_one_line_per_query_in_order(search_index, tmp_path, capsys):
    """match_batch keeps input order, honours kind, never returns partners."""
    a = MemberFactory(external_id="x:a", kind=MemberKind.FEDERATION, description="vélo")
    b = MemberFactory(external_id="x:b", kind=MemberKind.FEDERATION, description="vélo")
    MemberFactory(external_id="x:c", kind=MemberKind.RESEARCHER, description="vélo")
    index_refresh()
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {
                    "id": "q2",
                    "kind": "federation",
                    "project": {"title": "vélo", "partners": ["x:a"]},
                },
                {
                    "id": "q1",
                    "project": {"title": "vélo", "summary": "", "partners": []},
                },
            ]
        )
    )
    call_command("match_batch", str(queries), "--size", "10")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["q2", "q1"]
    assert [r["member"] for r in lines[0]["results"]] == ["x:b"]
    assert {r["member"] for r in lines[1]["results"]} == {"x:a", "x:b", "x:c"}
    assert a.pk != b.pk


def check_reasons(match, draft):
    """Every reason given for `match` is supported by the database."""
    from members.models import Member
    from projects.models import Project, ProjectPartner
    from search.text import fold

    member = Member.objects.get(pk=match.member_id)
    for reason in match.reasons:
        p = reason.params
        if reason.code == "shared_partner":
            partner = Member.objects.get(name=p["partner"])
            assert partner.pk in draft.partners
            shared = Project.objects.get(title=p["project"])
            linked = ProjectPartner.objects.filter(project=shared, confirmed=True)
            assert {partner.pk, member.pk} <= set(
                linked.values_list("member_id", flat=True)
            )
        elif reason.code == "regular_partner":
            partner = Member.objects.get(name=p["partner"])
            assert partner.pk in draft.partners
            published = ProjectPartner.objects.filter(
                confirmed=True, project__status="published"
            )
            theirs = set(
                published.filter(member=partner).values_list("project_id", flat=True)
            )
            mine = set(
                published.filter(member=member).values_list("project_id", flat=True)
            )
            assert p["experiments"] == len(theirs)
            assert p["count"] == len(theirs & mine) >= 2
        elif reason.code == "similar_project":
            assert ProjectPartner.objects.filter(
                member=member,
                confirmed=True,
                project__title=p["project"],
                project__status="published",
            ).exists()
        elif reason.code == "offers_what_you_seek":
            assert p["need"] in [text for _, text in draft.needs]
            offers = list(member.offers.values_list("text", flat=True))
            assert any(fold(p["offer"]) in fold(o) for o in offers)
        elif reason.code == "works_on_topic":
            assert set(p["keywords"]) <= set(draft.keywords)
        elif reason.code == "shared_sector":
            assert p["sector"] in draft.sectors
            assert member.sectors.filter(slug=p["sector"]).exists()
        elif reason.code == "same_place":
            assert member.commune == p.get("commune", member.commune)
            assert p.get("commune") in (None, draft.commune) or draft.partners
        elif reason.code == "shared_language":
            assert p["language"] in member.languages
            assert p["language"] in draft.languages or draft.partners
        elif reason.code == "similar_profile":
            assert p["similarity"] >= 0.5
        elif reason.code == "missing_kind":
            assert member.kind == p["kind"]
            assert draft.partners
            team = Member.objects.filter(pk__in=draft.partners)
            assert not team.filter(kind=p["kind"]).exists()
        elif reason.code == "track_record":
            assert ProjectPartner.objects.filter(member=member).exists()
        elif reason.code == "profile_match":
            profile = fold(
                " ".join([member.headline, member.description, *member.skills])
            )
            assert fold(p["fragment"]) in profile
        elif reason.code == "track_record_size":
            published = ProjectPartner.objects.filter(
                member=member, confirmed=True, project__status="published"
            )
            assert p["count"] == published.count() > 0
        else:
            pytest.fail(f"unchecked reason {reason.code}")


def test_dutch_profile_ranks_first_for_a_french_project(search_index):
    """Cross-lingual: a Dutch profile on social housing comes first for a French
    experiment on the same subject, and every reason given holds."""
    dutch = MemberFactory(
        name="Woonkracht",
        kind=MemberKind.FEDERATION,
        headline="Renovatie van sociale woningen",
        description="Wij renoveren sociale woningen en isoleren daken met bewoners.",
        languages=["nl", "fr"],
    )
    MemberFactory(
        name="Cuisine du quartier",
        kind=MemberKind.FEDERATION,
        description="Des repas partagés et une épicerie solidaire.",
        languages=["fr"],
    )
    index_refresh()
    draft = DraftProject(
        title="Rénovation de logements sociaux",
        summary="Isoler les toits des logements sociaux avec les habitants.",
        languages=["fr"],
    )
    matches = members_for_project(project=draft, kind=MemberKind.FEDERATION)
    assert matches[0].member_id == dutch.pk
    assert matches[0].reasons
    for match in matches:
        check_reasons(match, draft)
    reason = next(r for r in matches[0].reasons if r.code == "shared_language")
    assert reason.params == {"language": "fr"}


def test_reasons_of_the_shared_partner_case_hold(search_index):
    """Shared partner: the partner's partner ranks first and every reason
    returned for every suggestion is true of the data."""
    team = MemberFactory(name="Régie Sud", kind=MemberKind.PUBLIC_AUTHORITY)
    ally = MemberFactory(name="Lab Habitat", kind=MemberKind.RESEARCHER)
    MemberFactory(name="Lab Lointain", kind=MemberKind.RESEARCHER)
    past = ProjectFactory(title="Rénovation partagée", status=ProjectStatus.PUBLISHED)
    ProjectPartnerFactory(project=past, member=team)
    ProjectPartnerFactory(project=past, member=ally)
    index_refresh()
    draft = DraftProject(title="Isolation", partners=[team.pk], languages=["fr"])
    matches = members_for_project(project=draft, kind=MemberKind.RESEARCHER)
    assert matches[0].member_id == ally.pk
    assert matches[0].reasons
    for match in matches:
        check_reasons(match, draft)


def test_reasons_of_the_sought_skill_case_hold(search_index):
    """Sought skill: the member offering it ranks first and every reason
    returned for every suggestion is true of the data."""
    evaluator = MemberFactory(name="Impact Lab", kind=MemberKind.RESEARCHER)
    Offer.objects.create(member=evaluator, text="évaluation d'impact social")
    MemberFactory(name="Autre labo", kind=MemberKind.RESEARCHER, description="chimie")
    index_refresh()
    draft = DraftProject(
        title="Paniers solidaires",
        needs=[(MemberKind.RESEARCHER, "évaluation d'impact social")],
    )
    matches = members_for_project(project=draft, kind=MemberKind.RESEARCHER)
    assert matches[0].member_id == evaluator.pk
    assert "offers_what_you_seek" in {r.code for r in matches[0].reasons}
    for match in matches:
        check_reasons(match, draft)


def test_dismissed_members_never_appear(search_index):
    """Excluded (dismissed) members and current partners are never returned."""
    members = [MemberFactory(description="vélo cargo") for _ in range(3)]
    index_refresh()
    draft = DraftProject(title="vélo cargo", partners=[members[0].pk])
    ids = {
        m.member_id for m in members_for_project(project=draft, exclude={members[1].pk})
    }
    assert ids == {members[2].pk}


def test_track_record_is_quoted_when_no_keyword_explains_the_match(search_index):
    """The track record's fragment, highlighted apart for the suggestions whose
    reason quotes it, is cited from the member's past experiment; a member
    explained by a keyword gets no fragment of its track record."""
    veteran = MemberFactory(name="Atelier Ancien", description="", headline="")
    past = ProjectFactory(
        title="Compostage collectif",
        summary="Compostage collectif des déchets organiques dans les potagers",
        status=ProjectStatus.PUBLISHED,
    )
    ProjectPartnerFactory(project=past, member=veteran)
    topical = MemberFactory(
        name="Terre Vive",
        headline="Potagers urbains",
        description="Nous animons des potagers urbains.",
    )
    index_refresh()
    draft = DraftProject(
        title="Compostage des déchets organiques",
        summary="Compostage collectif des déchets organiques dans les potagers",
        keywords=["potagers urbains"],
    )
    matches = {m.member_id: m for m in members_for_project(project=draft)}
    quoted = next(r for r in matches[veteran.pk].reasons if r.code == "track_record")
    assert "ompostage" in quoted.params["fragment"]
    assert quoted.params["fragment"] in f"{past.title} {past.summary}"
    codes = {r.code for r in matches[topical.pk].reasons}
    assert "works_on_topic" in codes and "track_record" not in codes
