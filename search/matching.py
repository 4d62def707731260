"""Experiment → members, by its former name: the engine now lives in
`search.matchmaking` (see `search.matchmaking.experiment_members`); these
names stay for the code that imports them from here."""

from search.matchmaking import EXPERIMENT_MEMBERS
from search.matchmaking.base import Match, Reason
from search.matchmaking.experiment_members import (
    CANDIDATES,
    MEMBER_TEXT_FIELDS,
    PROJECT_TEXT_FIELDS,
    DraftProject,
)
from search.matchmaking.facts import member_facts
from search.matchmaking.reasons import (
    LANGUAGE_NAMES,
    language_reason,
    meaning_reason,
    place_reason,
    sector_reason,
)
from search.matchmaking.services import members_for_project

SIGNALS = EXPERIMENT_MEMBERS.names
WEIGHTS = EXPERIMENT_MEMBERS.weights
# Features that belong to a signal of another name (for ablations).
SIGNAL_OF = {
    feature: signal.name
    for signal in EXPERIMENT_MEMBERS.signals
    for feature in signal.weights
    if feature != signal.name
}

__all__ = [
    "CANDIDATES",
    "LANGUAGE_NAMES",
    "MEMBER_TEXT_FIELDS",
    "PROJECT_TEXT_FIELDS",
    "SIGNALS",
    "SIGNAL_OF",
    "WEIGHTS",
    "DraftProject",
    "Match",
    "Reason",
    "language_reason",
    "meaning_reason",
    "member_facts",
    "members_for_project",
    "place_reason",
    "sector_reason",
]
