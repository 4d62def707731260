"""What every direction of matchmaking shares: the declared `Signal`, the
`Recipe` of signals one direction runs, candidates, matches and reasons.

A signal is one declared unit: the features it scores, with their weight in
the direction it serves, and up to five steps the ranking pipeline
(`search.matchmaking.pipeline.rank`) calls in order:

1. its ``sources`` add candidates: a `Source` names Elasticsearch searches
   (``searches(ctx)``; every source's searches go in one `msearch`) and
   ``collect(ctx, responses, pool)`` turns their answers, the collaboration
   graph or requests of its own into candidates. Signals may share a source
   (words found in a text search serve both text relevance and reciprocity):
   it runs once, in the order the recipe first declares it;
2. the direction's target fetches the doc values of candidates known by id
   only (`Target.fill`);
3. ``prepare(ctx, pool)``: what its feature needs across candidates (a
   maximum to scale by);
4. ``features(ctx, candidate)``: its features for one candidate (in 0..1),
   and the evidence its reasons will cite (``candidate.evidence``);
5. ``reasons(ctx, matches)``: the reasons it gives for the matches shown.

A signal switched off (an ablation) adds no candidates and weighs nothing;
its features and reasons are still read from what other signals found.
Benchmarks and experiments change a direction through its recipe
(`Recipe.without`, `Recipe.with_weights`), never by patching.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType


@dataclass
class Reason:
    code: str
    text: str
    params: dict = field(default_factory=dict)
    weight: float = 0.0

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "params": self.params}


# Reasons of equal weight are listed in this order (the strongest evidence of
# a tie first: a graph path before a shared word before a shared language).
REASON_ORDER = (
    "shared_partner",
    "partner_takes_part",
    "partner_of_partner",
    "regular_partner",
    "similar_project",
    "offers_what_you_seek",
    "seeks_what_you_offer",
    "partner_offers_what_you_seek",
    "seeks_your_kind",
    "team_lacks_your_kind",
    "team_has_kind_you_seek",
    "partners_in_your_country",
    "works_on_topic",
    "track_record",
    "profile_match",
    "shared_keywords",
    "shared_sector",
    "similar_profile",
    "missing_kind",
    "same_place",
    "shared_language",
    "track_record_size",
)
_REASON_RANK = {code: i for i, code in enumerate(REASON_ORDER)}


def reasons_sorted(reasons: list[Reason]) -> list[Reason]:
    """Strongest first; ties in `REASON_ORDER`."""
    return sorted(
        reasons, key=lambda r: (-r.weight, _REASON_RANK.get(r.code, len(REASON_ORDER)))
    )


@dataclass
class Match:
    """A member suggested, with the reasons that produced its score."""

    member_id: int
    score: float
    reasons: list[Reason]
    source: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.member_id


@dataclass
class ProjectMatch:
    """An experiment suggested, with the reasons that produced its score."""

    project_id: int
    score: float
    reasons: list[Reason]
    source: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.project_id


@dataclass
class Candidate:
    """A record being ranked: its doc values (`source`), what each signal
    measured of it (`values`), its features and the evidence reasons cite."""

    id: int
    source: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)


class Pool(dict):
    """Candidates by id, in the order they were found; and the ids that
    signals found outside Elasticsearch (the graph), whose doc values the
    direction fetches in one request (`Target.fill`)."""

    def __init__(self):
        super().__init__()
        self.wanted: list[int] = []

    def add(self, pk: int, source: dict | None = None) -> Candidate:
        candidate = self.get(pk)
        if candidate is None:
            candidate = self[pk] = Candidate(pk, source or {})
        elif not candidate.source and source:
            candidate.source = source
        return candidate

    def want(self, ids: Iterable[int]) -> None:
        self.wanted += ids

    def missing(self) -> list[int]:
        return [pk for pk in dict.fromkeys(self.wanted) if pk not in self]


Step = Callable | None


@dataclass(frozen=True)
class Source:
    """How candidates are added: searches run together, then collected."""

    name: str
    collect: Callable  # (ctx, responses, pool) -> None
    searches: Step = None  # (ctx) -> {name: (index, body)}


@dataclass(frozen=True)
class Signal:
    """One signal of one direction; see the module's docstring."""

    name: str
    weights: Mapping[str, float]
    sources: tuple[Source, ...] = ()
    prepare: Step = None
    features: Step = None
    reasons: Step = None
    refine: Step = None  # after every feature, before the final score

    def __post_init__(self):
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))


@dataclass(frozen=True)
class Target:
    """What a direction ranks and how: its context, how candidates known by
    id only get their doc values, which scores are kept, how the suggestions
    shown get their sources."""

    match: type  # Match or ProjectMatch
    fill: Callable  # (ctx, pool) -> None
    display: Callable  # (ctx, matches) -> None
    # None: keep every positive score; else the rounded score's floor.
    min_score: float | None = None
    # Drop the suggestions that no reason explains.
    explained_only: bool = False


@dataclass(frozen=True)
class Recipe:
    """A direction: its signals, run by `search.matchmaking.pipeline.rank`."""

    direction: str
    signals: tuple[Signal, ...]
    target: Target
    off: frozenset = frozenset()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.signals)

    @property
    def weights(self) -> dict[str, float]:
        """Every feature's weight, switched-off signals included."""
        return {k: w for s in self.signals for k, w in s.weights.items()}

    def sources(self) -> list[Source]:
        """Sources of the signals switched on, in the order first declared."""
        seen = {}
        for signal in self.signals:
            for source in signal.sources:
                seen.setdefault(source.name, [source, False])
                if signal.name not in self.off:
                    seen[source.name][1] = True
        return [source for source, used in seen.values() if used]

    def active(self, name: str) -> bool:
        return name in self.names and name not in self.off

    def effective_weights(self) -> dict[str, float]:
        """The weights that score: those of the signals switched on."""
        return {
            k: w
            for s in self.signals
            if s.name not in self.off
            for k, w in s.weights.items()
        }

    def without(self, *names: str) -> "Recipe":
        """The same direction with `names` switched off (ablations)."""
        unknown = set(names) - set(self.names)
        if unknown:
            raise ValueError(f"{self.direction} has no signal {sorted(unknown)}")
        return replace(self, off=self.off | frozenset(names))

    def only(self, names: Iterable[str]) -> "Recipe":
        """The same direction with only `names` switched on."""
        names = set(names)
        return replace(self, off=frozenset(n for n in self.names if n not in names))

    def features_only(self) -> "Recipe":
        """The same ranking without display or reasons, every candidate kept
        (to fit weights on the features of whole candidate lists)."""
        signals = tuple(replace(s, reasons=None) for s in self.signals)
        target = replace(
            self.target, display=lambda ctx, matches: None, explained_only=False
        )
        return replace(self, signals=signals, target=target)

    def with_weights(self, weights: Mapping[str, float]) -> "Recipe":
        """The same direction with some features' weights replaced; a feature
        left out of `weights` keeps its weight."""
        unknown = set(weights) - set(self.weights)
        if unknown:
            raise ValueError(f"{self.direction} has no feature {sorted(unknown)}")
        signals = tuple(
            replace(s, weights={k: weights.get(k, w) for k, w in s.weights.items()})
            for s in self.signals
        )
        return replace(self, signals=signals)
