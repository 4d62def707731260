"""Member → experiments, member → members and the panels, by their former
module: the engine now lives in `search.matchmaking`; these names stay for the
code that imports them from here."""

from search.matchmaking import MEMBER_EXPERIMENTS, MEMBER_MEMBERS
from search.matchmaking.base import Match, ProjectMatch, Reason
from search.matchmaking.profile import CANDIDATES, MIN_SCORE
from search.matchmaking.services import (
    member_suggestions,
    members_for_member,
    project_partner_suggestions,
    projects_for_member,
    similar_projects,
)

MEMBER_SIDE_SIGNALS = MEMBER_EXPERIMENTS.names
PROJECT_WEIGHTS = MEMBER_EXPERIMENTS.weights
PROJECT_SIGNAL_OF = {
    feature: signal.name
    for signal in MEMBER_EXPERIMENTS.signals
    for feature in signal.weights
    if feature != signal.name
}
MEMBER_WEIGHTS = MEMBER_MEMBERS.weights

__all__ = [
    "CANDIDATES",
    "MEMBER_SIDE_SIGNALS",
    "MEMBER_WEIGHTS",
    "MIN_SCORE",
    "PROJECT_SIGNAL_OF",
    "PROJECT_WEIGHTS",
    "Match",
    "ProjectMatch",
    "Reason",
    "member_suggestions",
    "members_for_member",
    "project_partner_suggestions",
    "projects_for_member",
    "similar_projects",
]
