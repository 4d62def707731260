"""Suggestions around a member or an experiment, beyond "who should join it".

- `projects_for_member`: published experiments a member could join;
- `members_for_member`: people a member could work with;
- `similar_projects`: the public "Similar experiments" of a project page;
- `project_partner_suggestions`: the "Suggested partners" panel, i.e.
  `search.matching.members_for_project` with the panel's dismissals applied.

Like `search.matching`, candidates come from the index (text and meaning) and
the collaboration graph, and each suggestion carries the reasons that produced
its score, built only from what matched. Every function raises
`search.client.SearchUnavailable` when Elasticsearch cannot answer; callers
show a notice instead of suggestions.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elasticsearch import NotFoundError
from elasticsearch_dsl import Q, Search

from members.models import Member, MemberKind, Offer, Seek, Visibility
from members.permissions import project_appearing_q
from search import embeddings
from search.client import SearchUnavailable, get_client, index_alias
from search.graph import collaboration_graph
from search.match_cache import matches_remembered
from search.matching import (
    DraftProject,
    Match,
    Reason,
    _from_doc_values,
    _knn,
    _msearch,
    language_reason,
    meaning_reason,
    member_facts,
    members_for_project,
    place_reason,
    sector_reason,
)
from search.services import ES_ERRORS
from search.text import fold, stem_terms

CANDIDATES = 100
# Suggestions with a lower score are noise: one shared language, say.
MIN_SCORE = 0.15

# Member → experiments. Each feature is in 0..1; the graph ones are scaled
# per member. The weights of the features the CORDIS reverse task exercises
# (text, meaning, track record, graph, consortium, ties, own habit,
# complementarity, country share, team size) were chosen on the half of its
# dev queries whose id hashes to an even number (bench/matchmaking.py `half`),
# among the settings that held on the other half too: a region, not a peak
# (text and meaning 0.25-0.5, consortium 0.5-1 give the same recall).
# Tie strength leads: a team whose partners habitually bring the member
# along. A member's own habit and team size added nothing held out: 0.
# Needs, offers, seeks, sectors, places and languages are not in that data:
# their weights are set by judgement.
PROJECT_WEIGHTS = {
    "text": 0.5,
    "semantic": 0.25,
    "track_record": 0.25,
    "graph": 0.5,
    "consortium": 1.0,
    "graph_ties": 1.5,
    "own_habit": 0.0,
    "reciprocity": 0.8,
    "seek_met": 0.3,
    "kind_sought": 0.3,
    "complementarity": 0.1,
    "kind_wanted": 0.3,
    "taxonomy": 0.3,
    "place": 0.2,
    "country_share": 1.0,
    "language": 0.1,
    "team_size": 0.0,
}
# Signals of the member side (for ablations and `match_batch --without`), and
# the features that belong to a signal of another name.
MEMBER_SIDE_SIGNALS = (
    "text",
    "semantic",
    "track_record",
    "graph",
    "reciprocity",
    "complementarity",
    "taxonomy",
    "place",
    "language",
    "team",
)
PROJECT_SIGNAL_OF = {
    "consortium": "graph",
    "graph_ties": "graph",
    "own_habit": "graph",
    "seek_met": "reciprocity",
    "kind_sought": "complementarity",
    "kind_wanted": "complementarity",
    "country_share": "place",
    "team_size": "team",
}
MEMBER_WEIGHTS = {
    "text": 0.6,
    "semantic": 0.5,
    "graph": 1.0,
    "offers_sought": 1.0,
    "seeks_offered": 0.8,
    "taxonomy": 0.3,
    "place": 0.2,
    "language": 0.1,
}
PROJECT_FIELDS = [
    "title^2",
    "summary^1.5",
    "description",
    "keywords^2",
    "needs^1.5",
    "sector_labels",
    "discipline_labels",
]
MEMBER_FIELDS = [
    "headline^1.5",
    "description",
    "offers^1.5",
    "seeks",
    "skills^1.5",
    "track_record",
    "sector_labels",
    "discipline_labels",
]
PROJECT_SOURCE = [
    "slug",
    "title",
    "url",
    "stage",
    "keywords",
    "sectors",
    "disciplines",
    "languages",
    "commune",
    "country",
    "needs",
    "needs_kinds",
    "partner_ids",
]
# Candidates are read from doc values (keywords only); the suggestions shown
# then get the sources their reasons quote. Parsing whole sources (track
# records included) of 300 candidates was most of a member's match time.
PROJECT_FEATURES = [
    "sectors",
    "disciplines",
    "languages",
    "commune",
    "needs_kinds",
    "partner_ids",
]
MEMBER_FEATURES = ["sectors", "disciplines", "languages", "commune"]
MEMBER_SOURCE = [
    "slug",
    "name",
    "kind",
    "url",
    "sectors",
    "disciplines",
    "offers",
    "seeks",
    "languages",
    "commune",
    "country",
    "open_to_collaboration",
]


@dataclass
class ProjectMatch:
    project_id: int
    score: float
    reasons: list[Reason]
    source: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)


@dataclass
class _Profile:
    """What a member brings to matching (public sections only if asked)."""

    text: str
    offers: list[str]
    seeks: list[str]
    skills: list[str]
    sectors: set[str]
    disciplines: set[str]
    languages: set[str]
    commune: str
    country: str
    # Kinds of partner the member seeks (`Seek.kind`).
    seeks_kinds: set[str] = field(default_factory=set)


def _member_profile(member: Member, *, public_only: bool) -> _Profile:
    """The member's own data. Its managers see suggestions built on sections
    kept "private, used for matching"; the public API uses public ones only."""
    from projects.models import ProjectPartner

    def shown(section):
        return not public_only or member.visibility_of(section) == Visibility.PUBLIC

    offers = list(
        Offer.objects.active().filter(member=member).values_list("text", flat=True)
    )
    seek_rows = list(
        Seek.objects.active().filter(member=member).values_list("text", "kind")
    )
    seek_rows = seek_rows if shown("seeks") else []
    seeks = [text for text, _kind in seek_rows]
    offers = offers if shown("offers") else []
    skills = [str(s) for s in member.skills or []] if shown("skills") else []
    sectors = list(member.sectors.all())
    disciplines = list(member.disciplines.all())
    # The latest published experiments first: a track record is expertise,
    # and their keywords say in which fields.
    track = (
        ProjectPartner.objects.filter(
            project_appearing_q("project__"), member=member, confirmed=True
        )
        .order_by("-project_id")
        .values_list("project__title", "project__summary", "project__keywords")[:10]
    )
    parts = [member.headline, member.description, *offers, *skills]
    parts += [label for term in sectors + disciplines for label in term.labels]
    parts += [
        ". ".join([title, summary, *(keywords or [])])
        for title, summary, keywords in track
    ]
    return _Profile(
        text=". ".join(p for p in parts if p),
        offers=offers,
        seeks=seeks,
        skills=skills,
        sectors={t.slug for t in sectors},
        disciplines={t.slug for t in disciplines},
        languages=set(member.languages or []) if shown("languages") else set(),
        commune=member.commune if shown("location") else "",
        country=member.country if shown("location") else "",
        seeks_kinds={kind for _text, kind in seek_rows if kind},
    )


def _execute(search: Search):
    try:
        return search.execute()
    except NotFoundError:
        return []  # no index yet: nothing was ever published
    except ES_ERRORS as exc:
        raise SearchUnavailable(str(exc)) from exc


def _ids(values) -> list[str]:
    return [str(v) for v in sorted(values)]


def _best_line(lines: list[str], text: str) -> str:
    """The line of `lines` sharing most stems with `text` (the first if none)."""
    wanted = set(stem_terms(text))
    return max(lines, key=lambda line: len(wanted & set(stem_terms(line))))


def _semantic(score: float) -> float:
    # Elasticsearch reports (1 + cosine) / 2 for cosine similarity.
    return max(0.0, 2 * score - 1)


def _candidate(candidates: dict[int, dict], hit) -> dict:
    meta = hit.meta.to_dict()
    source = _from_doc_values(meta) if "fields" in meta else hit.to_dict()
    return candidates.setdefault(int(hit.meta.id), {"source": source})


def _with_sources(matches: list, index: str, fields: list[str], attr: str) -> None:
    """Give the suggestions shown their sources (candidates had doc values)."""
    if not matches:
        return
    ids = [getattr(m, attr) for m in matches]
    response = _execute(
        Search(using=get_client(), index=index)
        .query(Q("ids", values=_ids(ids)))
        .source(fields)[: len(ids)]
    )
    found = {int(hit.meta.id): hit.to_dict() for hit in response}
    for match in matches:
        match.source = found.get(getattr(match, attr), match.source)


def _text_clauses(profile: _Profile, fields: list[str]) -> list:
    if not profile.text:
        return []
    return [Q("multi_match", query=profile.text[:3000], fields=fields)]


def _add_text_hits(candidates: dict[int, dict], search: Search) -> None:
    """Hits of `search` as candidates, their score scaled to the best one's."""
    response = _execute(search)
    top = max((h.meta.score for h in response), default=1.0) or 1.0
    for hit in response:
        c = _candidate(candidates, hit)
        c["text"] = hit.meta.score / top
        c["matched"] = set(getattr(hit.meta, "matched_queries", []) or [])


def _add_semantic_hits(candidates: dict[int, dict], search: Search, knn) -> None:
    for hit in _execute(search.extra(knn=knn)[: knn["k"]]):
        _candidate(candidates, hit)["semantic"] = _semantic(hit.meta.score)


def _profile_candidates(
    search: Search, base, clauses: list, profile: _Profile, *, semantic: bool = True
) -> dict[int, dict]:
    """Candidates matching any of `clauses` in words or `profile` in meaning."""
    candidates: dict[int, dict] = {}
    if clauses:
        _add_text_hits(
            candidates,
            search.query(
                Q("bool", should=clauses, minimum_should_match=1, filter=[base])
            )[:CANDIDATES],
        )
    if semantic and embeddings.enabled() and profile.text:
        vector = embeddings.query_vector(profile.text)
        _add_semantic_hits(candidates, search, _knn(vector, CANDIDATES, base.to_dict()))
    return candidates


def _add_graph_candidates(
    candidates: dict[int, dict], search: Search, base, strength: Counter
) -> None:
    """Fetch the strongest graph candidates that words and meaning missed."""
    missing = [pk for pk, _ in strength.most_common(CANDIDATES) if pk not in candidates]
    if missing:
        response = _execute(
            search.query(Q("bool", filter=[base, Q("ids", values=_ids(missing))]))[
                : len(missing)
            ]
        )
        for hit in response:
            _candidate(candidates, hit)


def _graph_scores(strength: Counter) -> dict[int, float]:
    top = math.log1p(max(strength.values(), default=0) or 1)
    return {pk: math.log1p(tie) / top for pk, tie in strength.items()}


def _matched_indices(matched: set[str], prefix: str) -> list[int]:
    """Indices of the named clauses `<prefix>:<i>` that matched."""
    return sorted(int(m.split(":")[1]) for m in matched if m.startswith(f"{prefix}:"))


def _profile_features(
    weights: dict, profile: _Profile, candidate: dict, graph: float
) -> tuple[dict, dict]:
    """Features every suggestion to a member has (the rest left at 0), and
    the context their reasons are built from."""
    s = candidate["source"]
    f = dict.fromkeys(weights, 0.0)
    f["text"] = candidate.get("text", 0.0)
    f["semantic"] = candidate.get("semantic", 0.0)
    f["graph"] = graph
    sectors = profile.sectors & set(s.get("sectors", []))
    disciplines = profile.disciplines & set(s.get("disciplines", []))
    f["taxonomy"] = min(1.0, 0.5 * len(sectors) + 0.5 * len(disciplines))
    same_commune = bool(profile.commune) and profile.commune == s.get("commune")
    f["place"] = 1.0 if same_commune else 0.0
    languages = sorted(profile.languages & set(s.get("languages", [])))
    f["language"] = 1.0 if languages else 0.0
    context = {
        "sectors": sectors,
        "same_commune": profile.commune if same_commune else "",
        "languages": languages,
    }
    return f, context


def _score(features: dict, weights: dict) -> float:
    return round(sum(weights[k] * features[k] for k in weights), 4)


def _without_context(matches: list) -> list:
    for match in matches:
        match.features.pop("_context", None)
    return matches


def _own_projects(member: Member) -> set[int]:
    """Experiments the member is in (confirmed or not) or publishes."""
    from projects.models import Project, ProjectPartner

    partner_of = ProjectPartner.objects.filter(member=member).values_list(
        "project_id", flat=True
    )
    owned = Project.objects.filter(owner=member).values_list("pk", flat=True)
    return set(partner_of) | set(owned)


def _names(ids) -> dict[int, str]:
    """Names a reason may cite: published members only."""
    names = Member.objects.published().filter(pk__in=set(ids))
    return dict(names.values_list("pk", "name"))


def _titles(ids) -> dict[int, str]:
    from projects.models import Project

    positive = {pk for pk in ids if pk > 0}
    titles = Project.objects.published().filter(pk__in=positive)
    return dict(titles.values_list("pk", "title"))


# Experiments a member could join ---------------------------------------------


def projects_for_member(
    *,
    member: Member,
    size: int = 10,
    exclude=frozenset(),
    public_only: bool = False,
    signals: tuple[str, ...] = MEMBER_SIDE_SIGNALS,
    weights: dict | None = None,
) -> list[ProjectMatch]:
    """Published experiments, not completed, that `member` does not take part
    in, ranked for it.

    `signals` switches signals off (ablations); `weights` replaces
    `PROJECT_WEIGHTS` (benchmarks and experiments: the public seam, no
    patching). Features of a signal switched off weigh nothing.
    """
    weights = {
        k: w
        for k, w in (PROJECT_WEIGHTS if weights is None else weights).items()
        if PROJECT_SIGNAL_OF.get(k, k) in signals
    }
    profile = _member_profile(member, public_only=public_only)
    own = _own_projects(member)
    skip = set(exclude) | own
    search = (
        Search(using=get_client(), index=index_alias("project"))
        .source(False)
        .extra(docvalue_fields=PROJECT_FEATURES)
    )
    base = Q(
        "bool",
        must_not=[Q("term", stage="completed"), Q("ids", values=_ids(skip))],
    )
    clauses = []
    if "text" in signals:
        clauses += _text_clauses(profile, PROJECT_FIELDS)
    if "reciprocity" in signals or "text" in signals:
        for i, offer in enumerate(profile.offers[:20]):
            clauses.append(Q("match", needs={"query": offer, "_name": f"offer:{i}"}))
    if "text" in signals:
        for i, skill in enumerate(profile.skills[:20]):
            clauses.append(
                Q("match_phrase", folded={"query": fold(skill), "_name": f"skill:{i}"})
            )
    candidates = _profile_candidates(
        search, base, clauses, profile, semantic="semantic" in signals
    )

    graph = collaboration_graph()
    track = {}
    if "track_record" in signals:
        track = _track_record_candidates(candidates, graph, member.pk, base)

    # Experiments in which the member's past partners already take part. Its
    # private ties count only for its own managers (`public_only=False`).
    strength: Counter = Counter()
    paths: dict[int, list] = {}
    direct = graph.neighbours(member.pk, private=not public_only)
    if "graph" in signals:
        for partner, (tie, shared) in direct.items():
            for project_id in graph.projects_of.get(partner, ()):
                if project_id <= 0 or project_id in skip:
                    continue
                strength[project_id] += tie
                paths.setdefault(project_id, []).append((partner, shared[0]))
        _add_graph_candidates(candidates, search, base, strength)
    graph_scores = _graph_scores(strength)
    facts = member_facts(graph)
    teams = {pk: _team(graph, facts, pk, c["source"]) for pk, c in candidates.items()}
    largest = max((len(t) for t in teams.values()), default=0)

    matches = []
    for pk, c in candidates.items():
        s = c["source"]
        matched = c.get("matched", set())
        f, context = _profile_features(
            PROJECT_WEIGHTS, profile, c, graph_scores.get(pk, 0.0)
        )
        offers_met = _matched_indices(matched, "offer")
        f["track_record"] = track.get(pk, 0.0)
        f["reciprocity"] = 1.0 if offers_met else 0.0
        f["kind_sought"] = 1.0 if member.kind in s.get("needs_kinds", []) else 0.0
        team = teams[pk]
        team_kinds = {facts[m][0] for m in team}
        f |= _team_features(graph, member.pk, direct, team, largest)
        # Cross-discipline: the team has no member of this one's kind yet, and
        # it holds the kinds of partner the member seeks.
        lacking = bool(team) and member.kind not in team_kinds
        f["complementarity"] = 1.0 if lacking else 0.0
        wanted = sorted(profile.seeks_kinds & team_kinds)
        f["kind_wanted"] = 1.0 if wanted else 0.0
        same = 0
        if profile.country and team:
            same = sum(1 for m in team if facts[m][1] == profile.country)
            f["country_share"] = same / len(team)
        context |= {
            "offers_met": offers_met,
            "skills_met": _matched_indices(matched, "skill"),
            "paths": paths.get(pk, []),
            "lacking": lacking,
            "kinds_wanted": wanted,
            "same_country": (profile.country, same, len(team)) if same else None,
        }
        matches.append(ProjectMatch(pk, 0.0, [], s, f | {"_context": context}))

    if "reciprocity" in signals:
        _seeks_met_by_partners(matches, profile, member, size, weights)
    for match in matches:
        match.score = _score(match.features, weights)
    matches = [m for m in matches if m.score >= MIN_SCORE]
    matches.sort(key=lambda m: (-m.score, m.project_id))
    matches = matches[:size]
    _with_sources(matches, index_alias("project"), PROJECT_SOURCE, "project_id")
    _project_reasons(matches, profile, member, weights)
    return _without_context(matches)


# Past experiments of a member compared, each, with the experiments it could
# join: a track record says more one experiment at a time than blurred into
# one profile text.
TRACK_PROJECTS = 10


def _track_record_candidates(candidates, graph, member_id, base) -> dict[int, float]:
    """Experiments close in meaning to one of the member's latest published
    experiments: the best cosine similarity, cubed (unrelated texts are not
    far below related ones) and scaled to the best candidate's."""
    past = sorted(p for p in graph.projects_of.get(member_id, ()) if p > 0)
    past = past[-TRACK_PROJECTS:]
    if not past or not embeddings.enabled():
        return {}
    alias = index_alias("project")
    vectors = _execute(
        Search(using=get_client(), index=alias)
        .query(Q("ids", values=_ids(past)))
        .source(["embedding"])[: len(past)]
    )
    searches = {
        hit.meta.id: (
            alias,
            {
                "knn": _knn(list(hit.embedding), 50, base.to_dict()),
                "_source": False,
                "docvalue_fields": PROJECT_FEATURES,
                "size": 50,
            },
        )
        for hit in vectors
        if getattr(hit, "embedding", None)
    }
    closest: dict[int, float] = {}
    for hits in _msearch(searches).values():
        for hit in hits:
            pk = int(hit["_id"])
            similarity = _semantic(hit["_score"]) ** 3
            if similarity > closest.get(pk, 0.0):
                closest[pk] = similarity
            candidates.setdefault(pk, {"source": _from_doc_values(hit)})
    top = max(closest.values(), default=0.0) or 1.0
    return {pk: value / top for pk, value in closest.items()}


def _team(graph, facts, project_id: int, source: dict) -> list[int]:
    """The experiment's partners that may appear (members/permissions.py, via
    the graph and `member_facts`): those of the graph, else its indexed ones
    (an experiment published since the graph was loaded)."""
    team = graph.members_of.get(project_id)
    if team is None:
        team = [int(pk) for pk in source.get("partner_ids", [])]
    return [m for m in team if m in facts]


def _team_features(graph, member_id, direct, team, largest) -> dict:
    """Tie strength and consortium overlap between a member and a team.

    - consortium: each past experiment of the member holding h of the team's
      partners adds h²/n (n its size): a consortium that already worked with
      the member says more than one shared partner;
    - graph_ties: the chance that one of the team's partners brings the
      member along (a partner with n experiments, k of them with the member:
      k/(n+1), combined as independent chances), as on the experiment side;
    - own_habit: the share of the member's own experiments it did with the
      team's most frequent partner of it;
    - team_size: larger teams take in more partners.
    Published experiments only: private ties never enter these.
    """
    overlap: Counter = Counter()
    left_behind = 1.0
    habit = 0
    for partner in team:
        tie = direct.get(partner)
        if not tie:
            continue
        shared = [p for p in tie[1] if p > 0]
        overlap.update(shared)
        left_behind *= 1 - len(shared) / (graph.degree(partner) + 1)
        habit = max(habit, len(shared))
    consortium = sum(
        h * h / len(graph.members_of.get(p, ()) or (1,)) for p, h in overlap.items()
    )
    return {
        "consortium": min(1.0, math.log1p(2 * consortium) / math.log1p(10)),
        "graph_ties": 1 - left_behind,
        "own_habit": habit / (graph.degree(member_id) + 1),
        "team_size": math.log1p(len(team)) / math.log1p(largest) if largest else 0.0,
    }


def _seeks_met_by_partners(matches, profile, member, size, weights) -> None:
    """Partners of the leading candidates who offer what the member seeks.

    One query over the partners of the best 3 × `size` candidates: cheap, and
    beyond those it would not change what is shown.
    """
    if not profile.seeks or not matches:
        return

    def provisional(m):
        return sum(weights[k] * m.features[k] for k in weights if k != "seek_met")

    leading = sorted(matches, key=lambda m: -provisional(m))[: 3 * size]
    partner_ids = {
        int(pk) for m in leading for pk in m.source.get("partner_ids", [])
    } - {member.pk}
    if not partner_ids:
        return
    clauses = [
        Q("match", offers={"query": seek, "operator": "and", "_name": f"seek:{i}"})
        for i, seek in enumerate(profile.seeks[:20])
    ]
    response = _execute(
        Search(using=get_client(), index=index_alias("member"))
        .query(
            Q(
                "bool",
                should=clauses,
                minimum_should_match=1,
                filter=[Q("ids", values=_ids(partner_ids))],
            )
        )
        .source(["name", "offers"])[: len(partner_ids)]
    )
    offering = {}
    for hit in response:
        seeks = [int(m.split(":")[1]) for m in hit.meta.matched_queries]
        offering[int(hit.meta.id)] = (hit.to_dict(), min(seeks))
    for match in leading:
        for pk in match.source.get("partner_ids", []):
            if int(pk) in offering:
                source, seek_index = offering[int(pk)]
                match.features["seek_met"] = 1.0
                match.features["_context"]["seek_met"] = (int(pk), source, seek_index)
                break


def _project_reasons(matches, profile, member, weights) -> None:
    ids = [p for m in matches for p, _ in m.features["_context"]["paths"]]
    names = _names(ids)
    titles = _titles([s for m in matches for _, s in m.features["_context"]["paths"]])
    for match in matches:
        s, f, ctx = match.source, match.features, match.features["_context"]
        reasons = []
        if ctx["paths"]:
            partner, shared = ctx["paths"][0]
            params = {"partner": names.get(partner, ""), "partner_id": partner}
            if shared > 0:
                params |= {"project": titles.get(shared, ""), "project_id": shared}
                text = _(
                    "Your partner %(partner)s takes part (you worked together on "
                    "“%(project)s”)"
                )
            else:
                params |= {"contact_request_id": -shared}
                text = _(
                    "%(partner)s, with whom you started a collaboration, takes part"
                )
            reasons.append(
                Reason(
                    "partner_takes_part",
                    text % params,
                    params,
                    weights.get("graph", 0.0) * f["graph"],
                )
            )
        if ctx["offers_met"] and s.get("needs"):
            offer = profile.offers[ctx["offers_met"][0]]
            need = _best_line(list(s["needs"]), offer)
            reasons.append(
                Reason(
                    "seeks_what_you_offer",
                    _("Seeks “%(need)s”, which you offer") % {"need": need},
                    {"need": need, "offer": offer},
                    weights.get("reciprocity", 0.0),
                )
            )
        if "seek_met" in ctx:
            partner, source, seek_index = ctx["seek_met"]
            seek = profile.seeks[seek_index]
            offer = _best_line(list(source.get("offers", [])) or [seek], seek)
            params = {
                "partner": source.get("name", ""),
                "partner_id": partner,
                "offer": offer,
                "seek": seek,
            }
            reasons.append(
                Reason(
                    "partner_offers_what_you_seek",
                    _("Its partner %(partner)s offers “%(offer)s”, which you seek")
                    % params,
                    params,
                    weights.get("seek_met", 0.0),
                )
            )
        if f["kind_sought"]:
            kind = str(MemberKind(member.kind).label).lower()
            reasons.append(
                Reason(
                    "seeks_your_kind",
                    _("Looks for a partner like you (%(kind)s)") % {"kind": kind},
                    {"kind": member.kind},
                    weights.get("kind_sought", 0.0),
                )
            )
        if ctx["lacking"] and weights.get("complementarity"):
            kind = str(MemberKind(member.kind).label).lower()
            reasons.append(
                Reason(
                    "team_lacks_your_kind",
                    _("Its team has no %(kind)s yet") % {"kind": kind},
                    {"kind": member.kind},
                    weights["complementarity"],
                )
            )
        if ctx["kinds_wanted"] and weights.get("kind_wanted"):
            wanted = ctx["kinds_wanted"][0]
            kind = str(MemberKind(wanted).label).lower()
            reasons.append(
                Reason(
                    "team_has_kind_you_seek",
                    _("Its team includes a %(kind)s, a partner you seek")
                    % {"kind": kind},
                    {"kind": wanted},
                    weights["kind_wanted"],
                )
            )
        if ctx["same_country"] and weights.get("country_share"):
            country, same, team = ctx["same_country"]
            params = {"country": country, "partners": same, "team": team}
            reasons.append(
                Reason(
                    "partners_in_your_country",
                    ngettext(
                        "%(partners)d of its %(team)d partners is in %(country)s",
                        "%(partners)d of its %(team)d partners are in %(country)s",
                        same,
                    )
                    % params,
                    params,
                    weights["country_share"] * f["country_share"],
                )
            )
        if ctx["skills_met"]:
            skills = [profile.skills[i] for i in ctx["skills_met"][:3]]
            reasons.append(
                Reason(
                    "works_on_topic",
                    _("About %(topic)s, one of your skills")
                    % {"topic": ", ".join(skills)},
                    {"skills": skills},
                    weights.get("text", 0.0) * f["text"],
                )
            )
        _common_reasons(reasons, ctx, f, weights, _("Close in meaning to your profile"))
        reasons.sort(key=lambda r: -r.weight)
        match.reasons = reasons


def _common_reasons(reasons, ctx, f, weights, semantic_text) -> None:
    """Sector, meaning, place and language reasons shared by all suggestions."""
    for slug in sorted(ctx["sectors"])[:1]:
        reasons.append(sector_reason(slug, weights["taxonomy"]))
    if f["semantic"] >= 0.5:
        reasons.append(
            meaning_reason(semantic_text, f["semantic"], weights["semantic"])
        )
    if ctx["same_commune"]:
        reasons.append(place_reason("commune", ctx["same_commune"], weights["place"]))
    for language in ctx["languages"][:1]:
        reasons.append(
            language_reason(
                _("Speaks %(language)s like you"), language, weights["language"]
            )
        )


# People a member could work with ---------------------------------------------


def members_for_member(
    *,
    member: Member,
    size: int = 10,
    exclude=frozenset(),
    public_only: bool = False,
) -> list[Match]:
    """Published members open to collaboration whom `member` could work with.

    Left out: the member itself and the members it already collaborates with
    (its co-partners in published experiments and the contacts it marked as
    collaborations): the point is to meet new people. Partners of partners
    are candidates, and say through whom they are reached. The member's own
    private ties count only for its managers (`public_only=False`), and a
    partner's private ties never do: the second step is published only.
    """
    profile = _member_profile(member, public_only=public_only)
    graph = collaboration_graph()
    direct = graph.neighbours(member.pk, private=not public_only)
    skip = set(exclude) | set(direct) | {member.pk}
    search = (
        Search(using=get_client(), index=index_alias("member"))
        .source(False)
        .extra(docvalue_fields=MEMBER_FEATURES)
    )
    base = Q(
        "bool",
        filter=[Q("term", open_to_collaboration=True)],
        must_not=[Q("ids", values=_ids(skip))],
    )
    clauses = _text_clauses(profile, MEMBER_FIELDS)
    for i, seek in enumerate(profile.seeks[:20]):
        clauses.append(Q("match", offers={"query": seek, "_name": f"seek:{i}"}))
    for i, offer in enumerate(profile.offers[:20]):
        clauses.append(Q("match", seeks={"query": offer, "_name": f"offer:{i}"}))
    candidates = _profile_candidates(search, base, clauses, profile)

    # Partners of partners: two steps in the graph, through the strongest tie.
    strength: Counter = Counter()
    paths: dict[int, tuple] = {}
    for partner, (tie, _shared) in direct.items():
        for other, (tie2, shared2) in graph.neighbours(partner).items():
            if other in skip:
                continue
            strength[other] += tie * tie2
            if other not in paths or tie2 > paths[other][2]:
                paths[other] = (partner, shared2[0], tie2)
    _add_graph_candidates(candidates, search, base, strength)
    graph_scores = _graph_scores(strength)

    matches = []
    for pk, c in candidates.items():
        s = c["source"]
        matched = c.get("matched", set())
        f, context = _profile_features(
            MEMBER_WEIGHTS, profile, c, graph_scores.get(pk, 0.0)
        )
        seeks_met = _matched_indices(matched, "seek")
        offers_met = _matched_indices(matched, "offer")
        # A named clause on the candidate's offers (seeks) matched: it has some.
        f["offers_sought"] = 1.0 if seeks_met else 0.0
        f["seeks_offered"] = 1.0 if offers_met else 0.0
        score = _score(f, MEMBER_WEIGHTS)
        if score < MIN_SCORE:
            continue
        context |= {
            "seeks_met": seeks_met,
            "offers_met": offers_met,
            "path": paths.get(pk),
        }
        matches.append(Match(pk, score, [], s, f | {"_context": context}))
    matches.sort(key=lambda m: (-m.score, m.member_id))
    matches = matches[:size]
    _with_sources(matches, index_alias("member"), MEMBER_SOURCE, "member_id")
    _member_reasons(matches, profile)
    return _without_context(matches)


def _member_reasons(matches, profile) -> None:
    paths = [m.features["_context"]["path"] for m in matches]
    names = _names(p[0] for p in paths if p)
    titles = _titles([p[1] for p in paths if p])
    for match in matches:
        s, f, ctx = match.source, match.features, match.features["_context"]
        reasons = []
        if ctx["path"]:
            # The second step is a published experiment, never a private tie.
            partner, shared, _tie = ctx["path"]
            params = {"partner": names.get(partner, ""), "partner_id": partner}
            params |= {"project": titles.get(shared, ""), "project_id": shared}
            text = _("Partner of your partner %(partner)s in “%(project)s”")
            reasons.append(
                Reason(
                    "partner_of_partner",
                    text % params,
                    params,
                    MEMBER_WEIGHTS["graph"] * f["graph"],
                )
            )
        if f["offers_sought"]:
            seek = profile.seeks[ctx["seeks_met"][0]]
            offer = _best_line(list(s["offers"]), seek)
            reasons.append(
                Reason(
                    "offers_what_you_seek",
                    _("Offers “%(offer)s”, which you seek") % {"offer": offer},
                    {"offer": offer, "seek": seek},
                    MEMBER_WEIGHTS["offers_sought"],
                )
            )
        if f["seeks_offered"]:
            offer = profile.offers[ctx["offers_met"][0]]
            seek = _best_line(list(s["seeks"]), offer)
            reasons.append(
                Reason(
                    "seeks_what_you_offer",
                    _("Seeks “%(seek)s”, which you offer") % {"seek": seek},
                    {"seek": seek, "offer": offer},
                    MEMBER_WEIGHTS["seeks_offered"],
                )
            )
        _common_reasons(
            reasons, ctx, f, MEMBER_WEIGHTS, _("Profile close in meaning to yours")
        )
        reasons.sort(key=lambda r: -r.weight)
        match.reasons = reasons


# Similar experiments ----------------------------------------------------------


def similar_projects(*, project, size: int = 4) -> list[ProjectMatch]:
    """Published experiments close to `project` in words and in meaning."""
    if not project.is_public:
        return []
    return matches_remembered(
        "similar",
        project,
        (size,),
        lambda: _similar_projects(project=project, size=size),
    )


def _similar_projects(*, project, size: int) -> list[ProjectMatch]:
    client = get_client()
    alias = index_alias("project")
    try:
        found = client.get(index=alias, id=str(project.pk), source_excludes=["suggest"])
    except ES_ERRORS as exc:
        if getattr(exc, "meta", None) is not None and exc.meta.status == 404:
            return []  # not indexed yet
        raise SearchUnavailable(str(exc)) from exc
    own = found["_source"]
    search = Search(using=client, index=alias).source(PROJECT_SOURCE)
    base = Q("bool", must_not=[Q("ids", values=[str(project.pk)])])
    candidates: dict[int, dict] = {}
    like = Q(
        "more_like_this",
        fields=["title", "summary", "description", "keywords", "sector_labels"],
        like=[{"_index": found["_index"], "_id": str(project.pk)}],
        min_term_freq=1,
        min_doc_freq=1,
        max_query_terms=30,
    )
    _add_text_hits(candidates, search.query(Q("bool", must=[like], filter=[base]))[:20])
    if embeddings.enabled() and own.get("embedding"):
        _add_semantic_hits(
            candidates, search, _knn(own["embedding"], 20, base.to_dict())
        )
    keywords = {fold(k): k for k in own.get("keywords", [])}
    matches = []
    for pk, c in candidates.items():
        s = c["source"]
        f = {"text": c.get("text", 0.0), "semantic": c.get("semantic", 0.0)}
        shared_keywords = [
            keywords[k]
            for k in (fold(x) for x in s.get("keywords", []))
            if k in keywords
        ]
        sectors = set(own.get("sectors", [])) & set(s.get("sectors", []))
        score = f["text"] + f["semantic"] + 0.1 * bool(sectors)
        reasons = []
        if shared_keywords:
            reasons.append(
                Reason(
                    "shared_keywords",
                    _("Also about %(topic)s")
                    % {"topic": ", ".join(shared_keywords[:3])},
                    {"keywords": shared_keywords},
                    f["text"],
                )
            )
        same = own.get("commune") and own.get("commune") == s.get("commune")
        _common_reasons(
            reasons,
            {
                "sectors": sectors,
                "same_commune": own["commune"] if same else "",
                "languages": [],
            },
            f,
            {"taxonomy": 0.1, "semantic": 1.0, "place": 0.05, "language": 0},
            _("Close in meaning to this experiment"),
        )
        reasons.sort(key=lambda r: -r.weight)
        matches.append(ProjectMatch(pk, round(score, 4), reasons, s, f))
    matches.sort(key=lambda m: (-m.score, m.project_id))
    return matches[:size]


# The "Suggested partners" panel ------------------------------------------------


def project_partner_suggestions(
    *, project, kind: str | None = None, size: int = 10
) -> list[Match]:
    """Members to suggest on a project's panel: dismissed ones never come back,
    and members who accept no contact request are left out (the panel's
    "Contact" button would fail)."""
    from members.services.suggestions import dismissed_members_for_project

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
    )
    return [
        m for m in matches if m.source.get("open_to_collaboration", True) is not False
    ][:size]


def member_suggestions(*, member: Member, size: int = 5) -> dict:
    """Both dashboard lists of a member, dismissals applied."""
    from members.services.suggestions import dismissed_for_member

    dismissed_members, dismissed_projects = dismissed_for_member(member=member)
    return matches_remembered(
        "dashboard",
        member,
        (
            tuple(sorted(dismissed_members)),
            tuple(sorted(dismissed_projects)),
            size,
        ),
        lambda: {
            "projects": projects_for_member(
                member=member, size=size, exclude=dismissed_projects
            ),
            "members": members_for_member(
                member=member, size=size, exclude=dismissed_members
            ),
        },
    )
