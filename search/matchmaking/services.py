"""Matchmaking's public functions: one per direction, plus the panels that
apply dismissals and the shared cache.

Every function raises `search.client.SearchUnavailable` when Elasticsearch
cannot answer; callers show a notice instead of suggestions. Benchmarks and
experiments pass a `recipe` (a direction's recipe with signals switched off
or weights changed: `Recipe.without`, `Recipe.with_weights`), or the older
`signals` / `weights` arguments, which build one.
"""

from members.models import Member
from members.services.suggestions import (
    dismissed_for_member,
    dismissed_members_for_project,
)
from search.matchmaking.base import Match, ProjectMatch, Recipe
from search.matchmaking.cache import (
    matches_remembered,
    matches_remembered_together,
    tags_for_member_members,
    tags_for_member_projects,
    tags_for_project_members,
    tags_for_similar_projects,
)
from search.matchmaking.experiment_members import (
    EXPERIMENT_MEMBERS,
    DraftProject,
    ExperimentContext,
)
from search.matchmaking.member_experiments import (
    MEMBER_EXPERIMENTS,
    MemberExperimentsContext,
)
from search.matchmaking.member_members import MEMBER_MEMBERS, MemberMembersContext
from search.matchmaking.pipeline import rank, rank_together
from search.matchmaking.profile import member_profile
from search.matchmaking.similar import similar_projects_ranked

RECIPES = {
    "experiment_members": EXPERIMENT_MEMBERS,
    "member_experiments": MEMBER_EXPERIMENTS,
    "member_members": MEMBER_MEMBERS,
}


def recipe_tuned(
    recipe: Recipe, *, signals=None, weights: dict | None = None
) -> Recipe:
    """`recipe` with only `signals` switched on and `weights` in place of its
    own (a feature `weights` leaves out weighs nothing)."""
    if signals is not None:
        recipe = recipe.only(signals)
    if weights is not None:
        recipe = recipe.with_weights(
            {feature: weights.get(feature, 0.0) for feature in recipe.weights}
        )
    return recipe


def members_for_project(
    *,
    project: DraftProject,
    kind: str | None = None,
    size: int = 10,
    exclude=frozenset(),
    signals: tuple[str, ...] | None = None,
    weights: dict | None = None,
    recipe: Recipe = EXPERIMENT_MEMBERS,
) -> list[Match]:
    """Rank members of `kind` (any kind if None) for a stored or draft project;
    its partners and `exclude` are left out."""
    recipe = recipe_tuned(recipe, signals=signals, weights=weights)
    ctx = ExperimentContext(project=project, kind=kind, exclude=exclude, recipe=recipe)
    return rank(recipe, ctx, size=size)


def projects_for_member(
    *,
    member: Member,
    size: int = 10,
    exclude=frozenset(),
    public_only: bool = False,
    signals: tuple[str, ...] | None = None,
    weights: dict | None = None,
    recipe: Recipe = MEMBER_EXPERIMENTS,
) -> list[ProjectMatch]:
    """Published experiments, not completed, that `member` does not take part
    in (nor `exclude`), ranked for it. `public_only`: from the public sections
    of its profile and its published ties only (what anyone may see)."""
    recipe = recipe_tuned(recipe, signals=signals, weights=weights)
    ctx = MemberExperimentsContext(
        member=member, exclude=exclude, public_only=public_only
    )
    return rank(recipe, ctx, size=size)


def members_for_member(
    *,
    member: Member,
    size: int = 10,
    exclude=frozenset(),
    public_only: bool = False,
    recipe: Recipe = MEMBER_MEMBERS,
) -> list[Match]:
    """Published members open to collaboration whom `member` could work with:
    not itself, nor the members it already works with."""
    ctx = MemberMembersContext(member=member, exclude=exclude, public_only=public_only)
    return rank(recipe, ctx, size=size)


def member_rankings(
    *, member: Member, size: int, public_only: bool = False
) -> tuple[list[ProjectMatch], list[Match]]:
    """`projects_for_member` and `members_for_member` at once: the member's
    profile read once, the searches of both in one round trip."""
    return members_rankings(members=[member], size=size, public_only=public_only)[
        member.pk
    ]


def members_rankings(
    *, members: list[Member], size: int, public_only: bool = False
) -> dict[int, tuple[list[ProjectMatch], list[Match]]]:
    """`member_rankings` of several members, every search of every ranking in
    one round trip (a digest run ranks its members in batches): by member id,
    the same lists as one by one."""
    rankings = []
    for member in members:
        rankings += _member_lists(member=member, size=size, public_only=public_only)
    ranked = rank_together(rankings)
    return {
        member.pk: (ranked[2 * n], ranked[2 * n + 1])
        for n, member in enumerate(members)
    }


def _member_lists(
    *,
    member: Member,
    size: int,
    public_only: bool,
    lists=("projects", "members"),
    exclude_projects=frozenset(),
    exclude_members=frozenset(),
) -> list[tuple[Recipe, object, int]]:
    """The rankings (for `rank_together`) of a member's experiments and people
    lists named in `lists`, on one reading of its profile."""
    common = {
        "member": member,
        "public_only": public_only,
        "profile": member_profile(member, public_only=public_only),
    }
    built = {
        "projects": lambda: (
            MEMBER_EXPERIMENTS,
            MemberExperimentsContext(**common, exclude=exclude_projects),
            size,
        ),
        "members": lambda: (
            MEMBER_MEMBERS,
            MemberMembersContext(**common, exclude=exclude_members),
            size,
        ),
    }
    return [built[name]() for name in lists]


def _member_lists_remembered(
    *, member: Member, size: int, public_only: bool, names: dict, parts: dict, **exclude
) -> dict:
    """Both lists of a member from the shared cache, each cached apart (an
    edit that changes one leaves the other); the missing ones ranked together,
    in one round trip. `names` and `parts`: each list's cache name and key
    parts, by list."""

    def ranked(lists):
        found = rank_together(
            _member_lists(
                member=member,
                size=size,
                public_only=public_only,
                lists=lists,
                **exclude,
            )
        )
        return dict(zip(lists, found, strict=True))

    tags = {
        "projects": tags_for_member_projects(member_id=member.pk),
        "members": tags_for_member_members(member_id=member.pk),
    }
    return matches_remembered_together(
        {
            name: (names[name], member, parts[name], tags[name])
            for name in ("projects", "members")
        },
        ranked,
    )


def similar_projects(*, project, size: int = 4) -> list[ProjectMatch]:
    """Published experiments close to `project` in words and in meaning."""
    if not project.is_public:
        return []
    return matches_remembered(
        "similar",
        project,
        (size,),
        lambda: similar_projects_ranked(project=project, size=size),
        tags=tags_for_similar_projects(project_id=project.pk),
    )


def project_matches_remembered(*, project, kind: str | None, size: int) -> list[Match]:
    """Members for a published experiment, as anyone may see them (the API),
    from the shared cache."""
    draft = DraftProject.from_project(project)
    return matches_remembered(
        "project-matches",
        project,
        (tuple(draft.partners), kind, size),
        lambda: members_for_project(project=draft, kind=kind, size=size),
        tags=tags_for_project_members(
            project_id=project.pk, partners=draft.partners, kind=kind
        ),
    )


def member_matches_remembered(*, member: Member, size: int) -> dict:
    """Experiments and people for a published member from its public profile
    (the API), each list from the shared cache."""
    return _member_lists_remembered(
        member=member,
        size=size,
        public_only=True,
        names={"projects": "member-projects", "members": "member-members"},
        parts={"projects": (size,), "members": (size,)},
    )


def project_partner_suggestions(
    *, project, kind: str | None = None, size: int = 10
) -> list[Match]:
    """Members to suggest on a project's panel: dismissed ones never come back,
    and members who accept no contact request are left out (the panel's
    "Contact" button would fail)."""
    draft = DraftProject.from_project(project)
    exclude = dismissed_members_for_project(project=project)
    matches = matches_remembered(
        "panel",
        project,
        (
            tuple(draft.partners),
            tuple(sorted(exclude)),
            kind or None,
            size,
        ),
        lambda: members_for_project(
            project=draft, kind=kind or None, size=size + 5, exclude=exclude
        ),
        tags=tags_for_project_members(
            project_id=project.pk, partners=draft.partners, kind=kind or None
        ),
    )
    return [
        m for m in matches if m.source.get("open_to_collaboration", True) is not False
    ][:size]


def member_suggestions(*, member: Member, size: int = 5) -> dict:
    """Both dashboard lists of a member, dismissals applied; each list is
    cached apart, so an edit that changes one leaves the other, and the
    missing ones are ranked in one round trip."""
    dismissed_members, dismissed_projects = dismissed_for_member(member=member)
    return _member_lists_remembered(
        member=member,
        size=size,
        public_only=False,
        names={"projects": "dashboard-projects", "members": "dashboard-members"},
        parts={
            "projects": (tuple(sorted(dismissed_projects)), size),
            "members": (tuple(sorted(dismissed_members)), size),
        },
        exclude_projects=dismissed_projects,
        exclude_members=dismissed_members,
    )
