"""Matchmaking against the real node: seeded cases whose answer is known."""

import json

from django.core.management import call_command

import pytest

from members.models import MemberKind
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import graph_reset
from search.matching import DraftProject, members_for_project
from search.services import index_refresh

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_graph():
    graph_reset()
    yield
    graph_reset()


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
