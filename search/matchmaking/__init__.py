"""Matchmaking: who should join an experiment, which experiments a member
could join, whom a member could work with; and why.

One ranking pipeline (`pipeline.rank`) runs every direction. A direction is
a `Recipe` of `Signal`s (`base`): each signal declares how it adds
candidates, the features it scores with their weights, and the reasons it
can give. The recipes live with their direction:

- `experiment_members.EXPERIMENT_MEMBERS` (experiment → members),
- `member_experiments.MEMBER_EXPERIMENTS` (member → experiments),
- `member_members.MEMBER_MEMBERS` (member → members).

The public functions are in `services`; the shared cache of rankings, which
listens to the indexer's `search.signals.index_changed`, is in `cache`.
"""

from search.matchmaking.base import (
    REASON_ORDER,
    Match,
    ProjectMatch,
    Reason,
    Recipe,
    Signal,
    Source,
)
from search.matchmaking.experiment_members import EXPERIMENT_MEMBERS, DraftProject
from search.matchmaking.member_experiments import MEMBER_EXPERIMENTS
from search.matchmaking.member_members import MEMBER_MEMBERS
from search.matchmaking.services import (
    RECIPES,
    member_matches_remembered,
    member_suggestions,
    members_for_member,
    members_for_project,
    project_matches_remembered,
    project_partner_suggestions,
    projects_for_member,
    recipe_tuned,
    similar_projects,
)

__all__ = [
    "EXPERIMENT_MEMBERS",
    "MEMBER_EXPERIMENTS",
    "MEMBER_MEMBERS",
    "REASON_ORDER",
    "RECIPES",
    "DraftProject",
    "Match",
    "ProjectMatch",
    "Reason",
    "Recipe",
    "Signal",
    "Source",
    "member_matches_remembered",
    "member_suggestions",
    "members_for_member",
    "members_for_project",
    "project_matches_remembered",
    "project_partner_suggestions",
    "projects_for_member",
    "recipe_tuned",
    "similar_projects",
]
