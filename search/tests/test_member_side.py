"""The member side of matchmaking (member → experiments) against the real node:
cross-discipline signals, the weights seam and `match_batch` member lines."""

import json

from django.core.management import call_command

import pytest

from members.models import MemberKind, MemberStatus, Seek
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus, Stage
from projects.tests.factories import ProjectFactory, ProjectPartnerFactory
from search.services import index_refresh
from search.suggestions import PROJECT_WEIGHTS, projects_for_member
from search.tests.test_suggestions import check_project_reasons

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISHED = ProjectStatus.PUBLISHED


def _experiment(title, *kinds, **fields):
    project = ProjectFactory(title=title, status=PUBLISHED, **fields)
    for kind in kinds:
        ProjectPartnerFactory(project=project, member=MemberFactory(kind=kind))
    return project


def test_team_without_my_kind_and_with_the_kind_i_seek_ranks_first(search_index):
    """Of two experiments alike in words, the one whose team has no researcher
    yet and holds the public authority the researcher seeks comes first, and
    says both, truly."""
    me = MemberFactory(
        name="Labo Vert", kind=MemberKind.RESEARCHER, description="compost urbain"
    )
    Seek.objects.create(
        member=me, text="une commune partenaire", kind=MemberKind.PUBLIC_AUTHORITY
    )
    R, E = MemberKind.RESEARCHER, MemberKind.ENTREPRENEUR
    P = MemberKind.PUBLIC_AUTHORITY
    crowded = _experiment("Compost urbain partagé", R, R, E)
    target = _experiment("Compost urbain de quartier", E, P, E)
    index_refresh()
    matches = projects_for_member(member=me)
    assert [m.project_id for m in matches][:2] == [target.pk, crowded.pk]
    codes = {r.code for r in matches[0].reasons}
    assert {"team_lacks_your_kind", "team_has_kind_you_seek"} <= codes
    assert not {"team_lacks_your_kind", "team_has_kind_you_seek"} & {
        r.code for r in matches[1].reasons
    }
    for match in matches:
        check_project_reasons(match, me)


def test_hidden_partners_neither_count_nor_get_cited(search_index):
    """A suspended partner is not part of the team the ranking sees: its kind
    neither fills the team nor answers what the member seeks."""
    me = MemberFactory(kind=MemberKind.RESEARCHER, description="compost urbain")
    Seek.objects.create(member=me, text="une commune", kind=MemberKind.PUBLIC_AUTHORITY)
    project = _experiment("Compost urbain", MemberKind.ENTREPRENEUR)
    hidden = MemberFactory(kind=MemberKind.PUBLIC_AUTHORITY)
    ProjectPartnerFactory(project=project, member=hidden)
    hidden.status = MemberStatus.SUSPENDED
    hidden.save()
    index_refresh()
    weights = dict(PROJECT_WEIGHTS, kind_wanted=1.0)
    matches = projects_for_member(member=me, weights=weights)
    assert matches[0].project_id == project.pk
    assert matches[0].features["kind_wanted"] == 0.0
    assert "team_has_kind_you_seek" not in {r.code for r in matches[0].reasons}


def test_weights_and_signals_are_a_public_seam(search_index):
    """Benchmarks swap weights or switch signals off through arguments: a
    feature of a switched-off signal weighs nothing, and weights passed in
    replace the engine's."""
    me = MemberFactory(kind=MemberKind.RESEARCHER, description="compost urbain")
    _experiment("Compost urbain", MemberKind.ENTREPRENEUR)
    index_refresh()
    full = projects_for_member(member=me)
    assert full and full[0].features["complementarity"] == 1.0
    only_kinds = dict.fromkeys(PROJECT_WEIGHTS, 0.0) | {"complementarity": 1.0}
    assert projects_for_member(member=me, weights=only_kinds)[0].score == 1.0
    assert (
        projects_for_member(
            member=me, weights=only_kinds, signals=("text", "semantic", "graph")
        )
        == []
    )


def test_match_batch_answers_member_lines_with_experiments(
    search_index, tmp_path, capsys
):
    """Member lines get experiments (external ids, else hub:<slug>), in input
    order beside project lines; completed experiments and the member's own
    never come back; a member who may not appear gets no suggestions."""
    me = MemberFactory(external_id="x:me", kind=MemberKind.RESEARCHER)
    me.description = "vélo cargo"
    me.save()
    other = MemberFactory(external_id="x:other", description="vélo cargo")
    gone = MemberFactory(
        external_id="x:gone", description="vélo cargo", status=MemberStatus.SUSPENDED
    )
    mine = ProjectFactory(title="Vélo cargo", status=PUBLISHED, external_id="p:mine")
    ProjectPartnerFactory(project=mine, member=me)
    open_ = ProjectFactory(title="Vélo cargo partagé", status=PUBLISHED)
    open_.external_id = "p:open"
    open_.save()
    ProjectPartnerFactory(project=open_, member=other)
    local = ProjectFactory(title="Vélo cargo local", status=PUBLISHED)
    ProjectFactory(
        title="Vélo cargo fini",
        status=PUBLISHED,
        stage=Stage.COMPLETED,
        external_id="p:done",
    )
    index_refresh()
    queries = tmp_path / "q.jsonl"
    lines = [
        {"id": "m1", "member": "x:me"},
        {"id": "p1", "project": {"title": "vélo cargo", "partners": []}},
        {"id": "m2", "member": "x:gone"},
        {"id": "m3", "member": "x:nobody"},
    ]
    queries.write_text("\n".join(json.dumps(q) for q in lines))
    call_command("match_batch", str(queries), "--size", "10")
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in out] == ["m1", "p1", "m2", "m3"]
    proposed = [r["project"] for r in out[0]["results"]]
    assert set(proposed) == {"p:open", f"hub:{local.slug}"}
    assert all(r["reasons"] for r in out[0]["results"])
    assert "x:gone" not in {r["member"] for r in out[1]["results"]}
    assert {r["member"] for r in out[1]["results"]} >= {"x:me", "x:other"}
    assert out[2]["results"] == [] and out[3]["results"] == []
    assert gone.pk


def test_both_rankings_in_one_round_trip_equal_each_alone(search_index):
    """The digest's `member_rankings` (one profile read, one msearch for both
    directions) gives exactly the lists each direction gives alone, reasons,
    features and scores included, and so does a batch of members in one
    msearch; the two-step graph reads `ties`, which agree with
    `neighbours`."""
    from search.graph import collaboration_graph
    from search.matchmaking.services import member_rankings, members_rankings
    from search.suggestions import members_for_member

    me = MemberFactory(kind=MemberKind.RESEARCHER, description="compost urbain")
    partner = MemberFactory(kind=MemberKind.ENTREPRENEUR)
    theirs = MemberFactory(kind=MemberKind.PUBLIC_AUTHORITY, description="compost")
    together = _experiment("Jardin partagé", MemberKind.FEDERATION)
    ProjectPartnerFactory(project=together, member=me)
    ProjectPartnerFactory(project=together, member=partner)
    elsewhere = _experiment("Compost urbain de quartier", MemberKind.ENTREPRENEUR)
    ProjectPartnerFactory(project=elsewhere, member=partner)
    ProjectPartnerFactory(project=elsewhere, member=theirs)
    _experiment("Compost urbain partagé", MemberKind.ENTREPRENEUR)
    MemberFactory(kind=MemberKind.ENTREPRENEUR, description="compost urbain")
    index_refresh()

    projects, people = member_rankings(member=me, size=5, public_only=True)
    assert projects == projects_for_member(member=me, size=5, public_only=True)
    assert people == members_for_member(member=me, size=5, public_only=True)
    assert projects and theirs.pk in [m.member_id for m in people]
    # A batch of members (a digest run): each gets what it gets alone.
    batch = members_rankings(members=[theirs, me, partner], size=5, public_only=True)
    assert list(batch) == [theirs.pk, me.pk, partner.pk]
    for member in (theirs, me, partner):
        alone = member_rankings(member=member, size=5, public_only=True)
        assert batch[member.pk] == alone
    graph = collaboration_graph()
    for pk in (me.pk, partner.pk, theirs.pk):
        assert graph.ties(pk) == {
            other: (strength, shared[0])
            for other, (strength, shared) in graph.neighbours(pk).items()
        }
