"""Collaborations born of a contact on the hub are private to their two members.

A contact request marked as having led to a collaboration is a tie that may
inform that member's own suggestions when one of its managers is logged in.
Nobody else (an anonymous visitor, the public API, another member) may see it
cited, find it in a reason's parameters, or infer it from what is ranked, in
which order and with which score: every public answer is the same with and
without the tie.
"""

import json

import pytest

from members.models import ContactRequest, ContactStatus, MemberKind
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.graph import graph_reset
from search.services import index_refresh
from search.suggestions import members_for_member, projects_for_member

pytestmark = pytest.mark.django_db(transaction=True)

PRIVATE_NAME = "Tapir Hidden Works"
PRIVATE_PROJECT = "Compost des tapirs"
PRIVATE_REASONS = ("contact_request_id", "started a collaboration", "Collaborates")


@pytest.fixture
def network(search_index):
    """Alice and Bob worked together on a published experiment; Alice started
    a collaboration with Tapir through a contact request (private); Tapir takes
    part in a published experiment of its own."""
    graph_reset()
    alice = MemberFactory(
        name="Alice Velo",
        kind=MemberKind.ENTREPRENEUR,
        description="Livraisons en vélo cargo dans les quartiers.",
        open_to_collaboration=True,
    )
    bob = MemberFactory(
        name="Bob Mobilite",
        kind=MemberKind.FEDERATION,
        description="Fédération de la mobilité douce et du vélo cargo.",
        open_to_collaboration=True,
    )
    tapir = MemberFactory(
        name=PRIVATE_NAME,
        kind=MemberKind.RESEARCHER,
        description="Compostage collectif et jardins partagés.",
        open_to_collaboration=True,
    )
    carla = MemberFactory(
        name="Carla Compost",
        kind=MemberKind.RESEARCHER,
        description="Compostage de quartier.",
        open_to_collaboration=True,
    )
    shared = ProjectFactory(
        title="Vélo commun",
        summary="Livraisons à vélo cargo",
        status=ProjectStatus.PUBLISHED,
    )
    for member in (alice, bob):
        ProjectPartnerFactory(project=shared, member=member)
    theirs = ProjectFactory(
        title=PRIVATE_PROJECT,
        summary="Compost collectif",
        status=ProjectStatus.PUBLISHED,
    )
    for member in (tapir, carla):
        ProjectPartnerFactory(project=theirs, member=member)
    tie = ContactRequest.objects.create(
        sender=alice,
        receiver=tapir,
        message="On travaille ensemble sur le compost ?",
        status=ContactStatus.ACCEPTED,
        led_to_collaboration=True,
    )
    index_refresh()
    yield {
        "alice": alice,
        "bob": bob,
        "tapir": tapir,
        "shared": shared,
        "tie": tie,
    }
    graph_reset()


def _without_tie(tie):
    tie.led_to_collaboration = False
    tie.save(update_fields=["led_to_collaboration"])
    graph_reset()


def _public_answers(client, n) -> dict:
    """Every public matchmaking answer that Alice's ties could touch."""
    draft = {
        "title": "Livraisons de compost à vélo cargo",
        "partners": [n["alice"].slug],
        "size": 20,
    }
    answers = {
        "alice": client.get(f"/api/v1/members/{n['alice'].slug}/matches?size=20"),
        "bob": client.get(f"/api/v1/members/{n['bob'].slug}/matches?size=20"),
        "shared": client.get(f"/api/v1/projects/{n['shared'].slug}/matches?size=20"),
        "draft": client.post("/api/v1/matches", draft, content_type="application/json"),
    }
    for name, response in answers.items():
        assert response.status_code == 200, name
    return {name: response.json() for name, response in answers.items()}


def _ranking(matches) -> list:
    return [
        (getattr(m, "member_id", None) or m.project_id, m.score, m.reasons)
        for m in matches
    ]


def test_anonymous_api_answers_never_cite_a_private_tie(client, network):
    """Anonymous matchmaking answers (a member's matches, its partner's, its
    experiment's and a draft naming it as partner) neither name the private
    collaborator in a reason nor carry a contact request id."""
    answers = _public_answers(client, network)
    text = json.dumps(answers, ensure_ascii=False)
    for leak in PRIVATE_REASONS:
        assert leak not in text
    for answer in answers.values():
        for match in answer.get("results", []) + answer.get("projects", []):
            for reason in match["reasons"]:
                assert PRIVATE_NAME not in reason["text"]
                assert network["tapir"].pk not in reason["params"].values()
        for match in answer.get("members", []):
            for reason in match["reasons"]:
                assert PRIVATE_NAME not in reason["text"]


def test_anonymous_api_answers_are_the_same_without_the_private_tie(client, network):
    """Ranks, scores and reasons of every public answer are identical whether
    or not the private collaboration exists: nothing can be inferred."""
    with_tie = _public_answers(client, network)
    _without_tie(network["tie"])
    assert _public_answers(client, network) == with_tie


def test_another_members_own_suggestions_ignore_a_partners_private_tie(network):
    """Bob, logged in, is suggested nothing through Alice's private tie: his
    suggestions are the same with and without it."""
    bob = network["bob"]
    members = _ranking(members_for_member(member=bob, size=20))
    projects = _ranking(projects_for_member(member=bob, size=20))
    _without_tie(network["tie"])
    assert _ranking(members_for_member(member=bob, size=20)) == members
    assert _ranking(projects_for_member(member=bob, size=20)) == projects


def test_a_members_own_suggestions_use_its_private_tie(network):
    """Alice's own suggestions (her managers, logged in) still gain from the
    collaboration she started: Tapir's experiment is suggested, saying so."""
    matches = projects_for_member(member=network["alice"], size=20)
    found = next(m for m in matches if m.source.get("title") == PRIVATE_PROJECT)
    reason = next(r for r in found.reasons if r.code == "partner_takes_part")
    assert reason.params["partner"] == PRIVATE_NAME
    assert reason.params["contact_request_id"] == network["tie"].pk
