"""Complete my team: a whole set of partners for an experiment, scored as a team.

Built on the public experiment → members ranking (`members_for_project`): for
each kind asked for (by default the kinds the team lacks), the best members of
that kind form a pool; the team then takes `per_kind` members of each kind,
starting from the top of each pool and swapping a member for another of its
pool whenever the team as a whole scores higher. A team's score adds up:

- fit: each member's ranking score, relative to the best of its kind;
- member ties: each proposed member who already worked with another proposed
  member (in published experiments: a consortium that knows itself);
- team ties: each proposed member who already worked with the current team;
- languages: each language the experiment needs (its own languages, French and
  Dutch by default: Brussels works in both) that the whole team speaks.

Ties are read from the published collaboration graph only: private ties (a
contact request that led to a collaboration) neither count nor are cited.
Languages are a member's public ones, as indexed.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Member, MemberKind
from members.permissions import member_appearing_q
from projects.models import Project
from search.graph import collaboration_graph
from search.matching import (
    LANGUAGE_NAMES,
    DraftProject,
    Match,
    Reason,
    member_facts,
    members_for_project,
)

TEAM_TERMS = ("member_ties", "team_ties", "languages")
# Weights of a team's terms against a member's fit (1 for the best of its kind),
# set by judgement before measuring: a tie counts for about a third of the step
# between a member and the next of its kind, a language the team lacks for
# half of it. On the CORDIS dev queries (bench/team.py --grid), ties among the
# proposed members at 1.0 lose 5-9 of 393 queries against the per-kind top
# lists; at 0.1-0.3 the team gains 0-3 queries overall, and each half moves by
# a few queries either way (noise at this size). CORDIS states no languages:
# that weight is untested there.
TEAM_WEIGHTS = {"fit": 1.0, "member_ties": 0.3, "team_ties": 0.2, "languages": 0.5}
DEFAULT_LANGUAGES = ("fr", "nl")
POOL = 10  # members of each kind the team may take
MAX_PER_KIND = 5
MAX_ROUNDS = 5


@dataclass
class TeamMember:
    match: Match
    kind: str
    fit: float
    # The proposed members and the current partners it already worked with:
    # {member id: (tie strength, [published experiment ids])}.
    proposed_ties: dict = field(default_factory=dict)
    team_ties: dict = field(default_factory=dict)
    languages_brought: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def member_id(self) -> int:
        return self.match.member_id

    @property
    def source(self) -> dict:
        return self.match.source


@dataclass
class Team:
    kinds: list[str]
    languages: list[str]
    members: list[TeamMember] = field(default_factory=list)
    score: float = 0.0
    languages_covered: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    @property
    def member_ids(self) -> list[int]:
        return [m.member_id for m in self.members]


def kinds_lacking(*, partners: list[int]) -> list[str]:
    """Kinds of member that none of `partners` (published ones) is."""
    facts = member_facts(collaboration_graph())
    present = {facts[pk][0] for pk in partners if pk in facts}
    return [kind for kind in MemberKind.values if kind not in present]


def team_for_project(
    *,
    project: DraftProject,
    kinds: list[str] | None = None,
    per_kind: int = 1,
    languages: list[str] | None = None,
    exclude: set[int] = frozenset(),
    options: "TeamOptions | None" = None,
) -> Team:
    """Propose `per_kind` members of each of `kinds` for `project`, as a team.

    `kinds` defaults to the kinds its partners lack, then the kinds its open
    needs ask for; `languages` to the project's, or French and Dutch.
    `exclude` (dismissed members) and the project's partners never come back.
    """
    options = options or TeamOptions()
    if kinds is None:
        kinds = kinds_lacking(partners=project.partners)
        kinds += [k for k, _text in project.needs if k and k not in kinds]
    pools = team_pools(
        project=project,
        kinds=kinds,
        per_kind=per_kind,
        exclude=exclude,
        options=options,
    )
    return team_assemble(
        project=project,
        pools=pools,
        per_kind=per_kind,
        languages=languages,
        options=options,
    )


def team_pools(
    *,
    project: DraftProject,
    kinds: list[str],
    per_kind: int = 1,
    exclude: set[int] = frozenset(),
    options: "TeamOptions | None" = None,
) -> dict[str, list[Match]]:
    """The members each kind's slots may take: its best `options.pool` by the
    experiment → members ranking, published and open to contact."""
    options = options or TeamOptions()
    kinds = [k for k in dict.fromkeys(kinds) if k in MemberKind.values]
    exclude = set(exclude) | set(project.partners)
    return {kind: _pool(project, kind, per_kind, exclude, options) for kind in kinds}


def team_assemble(
    *,
    project: DraftProject,
    pools: dict[str, list[Match]],
    per_kind: int = 1,
    languages: list[str] | None = None,
    options: "TeamOptions | None" = None,
) -> Team:
    """The best team of `per_kind` members of each pool, with its reasons.
    Benchmarks assemble several teams from the same pools."""
    options = options or TeamOptions()
    languages = list(dict.fromkeys(languages or project.languages or DEFAULT_LANGUAGES))
    per_kind = min(max(per_kind, 1), MAX_PER_KIND)
    team = Team(kinds=list(pools), languages=languages)
    if not any(pools.values()):
        return team
    graph = collaboration_graph()
    candidates = {
        m.member_id: _member(m, kind, pool)
        for kind, pool in pools.items()
        for m in pool
    }
    scorer = _Scorer(graph, candidates, project, languages, options)
    chosen = _choose(scorer, pools, per_kind)
    team.members = [candidates[pk] for pk in chosen]
    team.score = round(scorer.score(chosen), 4)
    _explain(team, scorer)
    return team


@dataclass
class TeamOptions:
    """What benchmarks and experiments may change: the terms switched on, the
    weights, the pool of each kind and the signals of the member ranking."""

    terms: tuple[str, ...] = TEAM_TERMS
    weights: dict | None = None
    pool: int = POOL
    signals: tuple[str, ...] | None = None

    def weight(self, term: str) -> float:
        if term != "fit" and term not in self.terms:
            return 0.0
        return (self.weights or TEAM_WEIGHTS).get(term, 0.0)


def _pool(project, kind, per_kind, exclude, options) -> list[Match]:
    ranking = {"project": project, "kind": kind, "exclude": exclude}
    if options.signals is not None:
        ranking["signals"] = options.signals
    # A few more than asked for: some may be unpublished since they were
    # indexed, or closed to contact.
    matches = members_for_project(**ranking, size=max(options.pool, per_kind) + 5)
    appearing = set(
        Member.objects.filter(
            member_appearing_q(), pk__in=[m.member_id for m in matches]
        ).values_list("pk", flat=True)
    )
    return [
        m
        for m in matches
        if m.member_id in appearing
        and m.source.get("open_to_collaboration", True) is not False
    ][: max(options.pool, per_kind)]


def _member(match: Match, kind: str, pool: list[Match]) -> TeamMember:
    top = pool[0].score if pool and pool[0].score > 0 else 1.0
    return TeamMember(match=match, kind=kind, fit=match.score / top)


class _Scorer:
    """A team's score, from ties and languages computed once per candidate."""

    def __init__(self, graph, candidates, project, languages, options):
        self.graph, self.candidates, self.options = graph, candidates, options
        self.languages = languages
        partners = set(project.partners)
        team_languages = _public_languages(partners)
        self.spoken_by_team = {lang for lang in languages if lang in team_languages}
        self.ties = {}  # (a, b) -> (strength, shared experiments)
        self.team_ties = {}
        for pk in candidates:
            neighbours = _neighbours(graph, pk)
            self.ties[pk] = {
                other: tie for other, tie in neighbours.items() if other in candidates
            }
            self.team_ties[pk] = {
                other: tie for other, tie in neighbours.items() if other in partners
            }

    def member_ties(self, pk, chosen) -> float:
        ties = self.ties[pk]
        return max((min(1.0, ties[o][0]) for o in chosen if o in ties), default=0.0)

    def team_tie(self, pk) -> float:
        return min(1.0, sum(s for s, _shared in self.team_ties[pk].values()))

    def covered(self, chosen) -> set[str]:
        spoken = set(self.spoken_by_team)
        for pk in chosen:
            spoken |= set(self.candidates[pk].source.get("languages") or ())
        return spoken & set(self.languages)

    def score(self, chosen) -> float:
        weight = self.options.weight
        total = weight("languages") * len(self.covered(chosen))
        for pk in chosen:
            total += weight("fit") * self.candidates[pk].fit
            total += weight("team_ties") * self.team_tie(pk)
            others = [o for o in chosen if o != pk]
            total += weight("member_ties") * self.member_ties(pk, others)
        return total


_neighbours_cache: dict = {"graph": None, "of": {}}


def _neighbours(graph, member_id: int) -> dict:
    """Co-partners in published experiments (never private ties), kept with
    the graph they were read from: pools of nearby experiments share members."""
    if _neighbours_cache["graph"] is not graph:
        _neighbours_cache.update(graph=graph, of={})
    cached = _neighbours_cache["of"]
    if member_id not in cached:
        if len(cached) > 20_000:
            cached.clear()
        cached[member_id] = graph.neighbours(member_id)
    return cached[member_id]


def _choose(scorer: _Scorer, pools: dict[str, list[Match]], per_kind: int):
    """The top of each pool, then the best single swap while one helps."""
    chosen = [m.member_id for pool in pools.values() for m in pool[:per_kind]]
    slots = [(kind, [m.member_id for m in pool]) for kind, pool in pools.items()]
    best = scorer.score(chosen)
    for _round in range(MAX_ROUNDS):
        improved = None
        for i, pk in enumerate(chosen):
            kind = scorer.candidates[pk].kind
            pool = next(ids for k, ids in slots if k == kind)
            for other in pool:
                if other in chosen:
                    continue
                trial = [*chosen[:i], other, *chosen[i + 1 :]]
                value = scorer.score(trial)
                if value > best + 1e-9:
                    best, improved = value, trial
        if improved is None:
            break
        chosen = improved
    return chosen


def _public_languages(members: set[int]) -> set[str]:
    """Languages that `members` (appearing ones) show publicly."""
    spoken = set()
    rows = Member.objects.filter(member_appearing_q(), pk__in=members)
    for member in rows.only("languages", "visibility"):
        if member.section_visible("languages", to_member=False):
            spoken |= set(member.languages or ())
    return spoken


def _language_name(code: str) -> str:
    return _(LANGUAGE_NAMES.get(code, code))


def _kind_label(kind: str) -> str:
    return str(MemberKind(kind).label).lower()


def _explain(team: Team, scorer: _Scorer) -> None:
    """Reasons for each member and for the team, from what was scored."""
    chosen = team.member_ids
    cited_members = set(chosen)
    cited_projects = set()
    for m in team.members:
        m.proposed_ties = {
            o: tie for o, tie in scorer.ties[m.member_id].items() if o in chosen
        }
        m.team_ties = scorer.team_ties[m.member_id]
        for ties in (m.proposed_ties, m.team_ties):
            cited_members |= set(ties)
            cited_projects |= {p for _s, shared in ties.values() for p in shared}
    names = dict(
        Member.objects.filter(member_appearing_q(), pk__in=cited_members).values_list(
            "pk", "name"
        )
    )
    titles = _published_titles(cited_projects)
    weight = scorer.options.weight
    others_spoken = {}
    for m in team.members:
        rest = [o for o in chosen if o != m.member_id]
        others_spoken[m.member_id] = scorer.covered(rest)
    for m in team.members:
        reasons = []
        if weight("member_ties"):
            reasons += _tie_reasons(
                m.proposed_ties,
                names,
                titles,
                "proposed_tie",
                _("Worked with %(member)s, also proposed, in “%(project)s”"),
                weight("member_ties"),
            )
        already = {r.code for r in m.match.reasons}
        if weight("team_ties") and not already & {"shared_partner", "regular_partner"}:
            reasons += _tie_reasons(
                m.team_ties,
                names,
                titles,
                "team_tie",
                _("Worked with %(member)s of your team in “%(project)s”"),
                weight("team_ties"),
            )
        if weight("languages"):
            spoken = set(m.source.get("languages") or ())
            brought = sorted(
                (spoken & set(team.languages)) - others_spoken[m.member_id]
            )
            m.languages_brought = brought
            for code in brought:
                reasons.append(
                    Reason(
                        "brings_language",
                        _("Speaks %(language)s, which the team needs")
                        % {"language": _language_name(code)},
                        {"language": code},
                        weight("languages"),
                    )
                )
        m.reasons = reasons + list(m.match.reasons)
    team.languages_covered = sorted(scorer.covered(chosen))
    team.reasons = _team_reasons(team, names, titles)


def _published_titles(project_ids: set[int]) -> dict[int, str]:
    ids = [p for p in project_ids if p > 0]
    rows = Project.objects.published().filter(pk__in=ids)
    return dict(rows.values_list("pk", "title"))


def _tie_reasons(ties, names, titles, code, text, weight) -> list[Reason]:
    """One reason per member tied to, citing the most recent published
    experiment they shared (the strongest ties first)."""
    reasons = []
    for other, (strength, shared) in sorted(ties.items(), key=lambda t: -t[1][0]):
        project = next((p for p in sorted(shared, reverse=True) if p in titles), None)
        if project is None or other not in names:
            continue
        reasons.append(
            Reason(
                code,
                text % {"member": names[other], "project": titles[project]},
                {
                    "member": names[other],
                    "project": titles[project],
                    "experiments_together": len([p for p in shared if p > 0]),
                },
                weight * min(1.0, strength),
            )
        )
    return reasons[:2]


def _team_reasons(team: Team, names, titles) -> list[Reason]:
    reasons = []
    kinds = [k for k in team.kinds if any(m.kind == k for m in team.members)]
    if kinds:
        reasons.append(
            Reason(
                "covers_kinds",
                _("Brings the kinds of partner you asked for: %(kinds)s")
                % {"kinds": ", ".join(_kind_label(k) for k in kinds)},
                {"kinds": kinds},
            )
        )
    missing = [k for k in team.kinds if k not in kinds]
    if missing:
        reasons.append(
            Reason(
                "kinds_not_found",
                _("No member to suggest for: %(kinds)s")
                % {"kinds": ", ".join(_kind_label(k) for k in missing)},
                {"kinds": missing},
            )
        )
    pairs = sorted(
        {
            tuple(sorted((m.member_id, o)))
            for m in team.members
            for o in m.proposed_ties
            if any(p in titles for p in m.proposed_ties[o][1])
        }
    )
    if pairs:
        a, b = pairs[0]
        reasons.append(
            Reason(
                "worked_together",
                ngettext(
                    "%(count)d pair of proposed partners already worked together, "
                    "such as %(first)s and %(second)s",
                    "%(count)d pairs of proposed partners already worked together, "
                    "such as %(first)s and %(second)s",
                    len(pairs),
                )
                % {"count": len(pairs), "first": names[a], "second": names[b]},
                {"pairs": len(pairs), "first": names[a], "second": names[b]},
            )
        )
    known = [
        m.member_id
        for m in team.members
        if any(p in titles for _s, shared in m.team_ties.values() for p in shared)
    ]
    if known:
        reasons.append(
            Reason(
                "knows_your_team",
                ngettext(
                    "%(count)d of them already worked with your team",
                    "%(count)d of them already worked with your team",
                    len(known),
                )
                % {"count": len(known)},
                {"count": len(known)},
            )
        )
    covered = [lang for lang in team.languages if lang in team.languages_covered]
    lacking = [lang for lang in team.languages if lang not in team.languages_covered]
    if covered:
        reasons.append(
            Reason(
                "team_languages",
                _("With your team, it can work in %(languages)s")
                % {"languages": _list(covered)},
                {"languages": covered},
            )
        )
    if lacking and team.members:
        reasons.append(
            Reason(
                "team_languages_missing",
                _("Nobody in this team shows %(languages)s on their profile")
                % {"languages": _list(lacking)},
                {"languages": lacking},
            )
        )
    return reasons


def _list(codes: list[str]) -> str:
    names = [_language_name(code) for code in codes]
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s") % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }


def team_ranked_lists(
    *, project: DraftProject, kinds: list[str], per_kind: int, exclude=frozenset()
) -> dict[str, list[int]]:
    """The per-kind top lists a team is compared with: `members_for_project`
    once per kind, `per_kind` each (benchmarks)."""
    exclude = set(exclude) | set(project.partners)
    return {
        kind: [
            m.member_id
            for m in members_for_project(
                project=project, kind=kind, size=per_kind, exclude=exclude
            )
        ]
        for kind in kinds
    }


__all__ = [
    "TEAM_TERMS",
    "TEAM_WEIGHTS",
    "Team",
    "TeamMember",
    "TeamOptions",
    "kinds_lacking",
    "team_assemble",
    "team_for_project",
    "team_pools",
    "team_ranked_lists",
]
