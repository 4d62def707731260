"""Matchmaking: which members should join an experiment, and why.

Candidates come from three sources, each also a signal:

- text: the experiment's text against members' profiles, offers, skills and
  track record (texts of the projects they took part in), through the same
  folded and stemmed fields as search;
- meaning: cosine similarity of multilingual sentence embeddings, so a French
  experiment finds a Dutch profile;
- the collaboration graph: members who already worked with the experiment's
  partners, weighted by how small the shared projects were and by how often
  each partner brought them along.

Each candidate is then scored on those signals plus taxonomy overlap,
reciprocity (what the experiment seeks against what the member offers),
complementarity (a kind the team lacks), place, language and track record
size. Every suggestion carries the reasons that produced its score, built
from what actually matched.
"""

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elasticsearch_dsl import Q

from members.models import Member, MemberKind, Visibility
from search import embeddings
from search.client import SearchUnavailable, get_client, index_alias
from search.graph import collaboration_graph
from search.services import ES_ERRORS
from search.text import fold, stem

SIGNALS = (
    "text",
    "semantic",
    "track_record",
    "graph",
    "taxonomy",
    "reciprocity",
    "complementarity",
    "place",
    "language",
    "activity",
)
# Weights of the features (each in 0..1, most scaled per query). Chosen on the two
# halves of the CORDIS dev queries (odd and even ids), keeping only choices
# that hold on both halves; see bench/matchmaking.py for the ablation. Checked
# on data the choice never saw by `bench/learn_weights.py` (pseudo-queries
# built from the history alone): weights fitted there, overall or per kind,
# gain little on its held-out half and lose on the dev queries, and no one
# weight halved or raised by half does better on both sets at once. Tie
# strength (`graph_ties`) was added only once it helped both sets, over a
# range of weights (0.75-2) of which 1.0 is the middle.
WEIGHTS = {
    "text": 0.5,
    "semantic": 0.5,
    "track_record": 0.5,
    "track_record_meaning": 1.0,
    "graph": 2.0,
    "graph_ties": 1.0,
    "own_habit": 0.0,
    # No needs, offers or taxonomy in the CORDIS data: these two are set by
    # judgement, an explicit offer meeting an explicit need being the
    # strongest evidence a member can give.
    "taxonomy": 0.5,
    "reciprocity": 2.0,
    "complementarity": 0.1,
    "place": 0.25,
    "country_share": 0.3,
    "language": 0.1,
    "activity": 0.5,
}
# Features that belong to a signal of another name (for ablations).
SIGNAL_OF = {
    "track_record_meaning": "track_record",
    "graph_ties": "graph",
    "own_habit": "graph",
    "country_share": "place",
}
CANDIDATES = 200
# Graph and track-record candidates fetched before the kind filter.
EXTRA_CANDIDATES = 400
SIMILAR_PROJECTS = 200
PROJECT_TEXT_FIELDS = ["title^2", "summary", "description", "keywords^2", "needs"]
MEMBER_TEXT_FIELDS = [
    "track_record",
    "headline^1.5",
    "description",
    "offers^2",
    "skills^1.5",
    "sector_labels",
    "discipline_labels",
    "name^0.5",
]


@dataclass
class DraftProject:
    title: str
    summary: str = ""
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    disciplines: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    commune: str = ""
    city: str = ""
    country: str = ""
    partners: list[int] = field(default_factory=list)
    needs: list[tuple[str, str]] = field(default_factory=list)
    pk: int | None = None  # a stored project is not its own precedent

    @property
    def text(self) -> str:
        parts = [self.title, self.summary, self.description, *self.keywords]
        parts += [text for _, text in self.needs]
        return ". ".join(p for p in parts if p)

    @classmethod
    def from_project(cls, project) -> "DraftProject":
        return cls(
            title=project.title,
            summary=project.summary,
            description=project.description,
            keywords=list(project.keywords),
            sectors=[s.slug for s in project.sectors.all()],
            disciplines=[d.slug for d in project.disciplines.all()],
            languages=list(project.languages),
            commune=project.commune,
            city=project.city,
            country=project.country,
            partners=list(
                project.partnerships.filter(confirmed=True).values_list(
                    "member_id", flat=True
                )
            ),
            needs=[(n.kind, n.text) for n in project.needs.filter(status="open")],
            pk=project.pk,
        )


@dataclass
class Reason:
    code: str
    text: str
    params: dict = field(default_factory=dict)
    weight: float = 0.0

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "params": self.params}


@dataclass
class Match:
    member_id: int
    score: float
    reasons: list[Reason]
    source: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)


@dataclass
class _Candidate:
    member_id: int
    text: float = 0.0
    matched: set = field(default_factory=set)
    highlight: dict = field(default_factory=dict)
    semantic: float = 0.0
    graph: float = 0.0
    ties: float = 0.0
    own_habit: float = 0.0
    graph_project: int | None = None
    graph_paths: list = field(default_factory=list)
    habit: tuple[int, int, int] | None = None
    track_record: float = 0.0
    track_meaning: float = 0.0
    similar: str = ""
    source: dict = field(default_factory=dict)


def _text_query(project: DraftProject, *, keywords_named: bool = True):
    """Words of the experiment against members' profiles and track records.

    Clauses are named so that what matched can be cited; keywords only need
    it for the suggestions shown (`_display`), and naming costs a check of
    every clause on every hit returned.
    """
    text = project.text
    clauses = [
        Q(
            "multi_match",
            query=text[:3000],
            fields=MEMBER_TEXT_FIELDS,
            _name="text",
        ),
        Q("match", stemmed={"query": stem(text)[:3000], "_name": "stemmed"}),
    ]
    for _kind, need in project.needs:
        clauses.append(
            Q("match", offers={"query": need, "_name": f"need:{need}"[:200]})
        )
    for keyword in project.keywords[:20]:
        phrase = {"query": fold(keyword)}
        if keywords_named:
            phrase["_name"] = f"kw:{keyword}"[:200]
        clauses.append(Q("match_phrase", folded=phrase))
    return Q("bool", should=clauses, minimum_should_match=1)


def _project_text_query(project: DraftProject):
    text = project.text[:3000]
    return Q(
        "bool",
        should=[
            Q("multi_match", query=text, fields=PROJECT_TEXT_FIELDS),
            Q("match", stemmed=stem(text)),
        ],
        must_not=[Q("ids", values=[str(project.pk)])] if project.pk else [],
    )


def _member_filter(kind: str | None, exclude: set[int]):
    filters = []
    if kind:
        filters.append(Q("term", kind=kind))
    return filters, [Q("ids", values=[str(pk) for pk in exclude])] if exclude else []


def _msearch(searches: dict[str, tuple[str, dict]]) -> dict[str, list[dict]]:
    """Run several searches in one round trip; Elasticsearch runs them in parallel.

    Raw hits (dicts) rather than elasticsearch-dsl objects: a match reads
    hundreds of them and the wrappers cost more than the search.
    """
    if not searches:
        return {}
    body = []
    for index, search in searches.values():
        # A missing index (nothing indexed yet) answers no hits, as in search.
        body += [{"index": index, "ignore_unavailable": True}, search]
    try:
        response = get_client().msearch(
            searches=body,
            filter_path=[
                "responses.status",
                "responses.error",
                "responses.hits.hits._id",
                "responses.hits.hits._score",
                "responses.hits.hits._source",
                "responses.hits.hits.fields",
                "responses.hits.hits.matched_queries",
            ],
        )
    except ES_ERRORS as exc:
        raise SearchUnavailable(str(exc)) from exc
    out = {}
    # filter_path drops what it does not keep: an answer without hits at all
    # comes back as an empty object.
    items = response.get("responses") or [{} for _ in searches]
    for name, item in zip(searches, items, strict=True):
        if "error" in item:
            raise SearchUnavailable(str(item["error"]))
        out[name] = item.get("hits", {}).get("hits", [])
    return out


# Profile fields quoted when the experiment's words match them.
PROFILE_FIELDS = ("headline", "description", "skills")
# What ranking needs of each candidate; names, links and offers are fetched
# for the suggestions shown only.
FEATURE_FIELDS = ["kind", "sectors", "disciplines", "languages", "commune", "country"]
SINGLE_VALUED = {"kind", "commune", "country"}
# Candidates are read from doc values (all keywords): cheaper than parsing
# each hit's whole _source, vectors and track record included.
FEATURES_ONLY = {
    "_source": False,
    "docvalue_fields": FEATURE_FIELDS,
    "size": CANDIDATES,
}
TITLES_ONLY = {
    "_source": False,
    "docvalue_fields": ["title.raw"],
    "size": SIMILAR_PROJECTS,
}
SOURCE_FIELDS = [
    *FEATURE_FIELDS,
    "slug",
    "name",
    "url",
    "sector_labels",
    "offers",
    "city",
    "open_to_collaboration",
]


def members_for_project(
    *,
    project: DraftProject,
    kind: str | None = None,
    size: int = 10,
    exclude: set[int] = frozenset(),
    signals: tuple[str, ...] = SIGNALS,
    weights: dict | None = None,
) -> list[Match]:
    """Rank members of `kind` (any kind if None) for a stored or draft project.

    `signals` switches signals off (ablations); `weights` replaces `WEIGHTS`
    (benchmarks and experiments: the public seam, no patching)."""
    exclude = set(exclude) | set(project.partners)
    members, projects = index_alias("member"), index_alias("project")
    filters, must_not = _member_filter(kind, exclude)
    member_filter = Q("bool", filter=filters, must_not=must_not).to_dict()
    use_vectors = embeddings.enabled() and (
        "semantic" in signals or "track_record" in signals
    )
    vector = embeddings.query_vector(project.text) if use_vectors else None
    searches = {}
    if "text" in signals or "reciprocity" in signals:
        query = Q(
            "bool",
            must=[_text_query(project, keywords_named=False)],
            filter=filters,
            must_not=must_not,
        )
        searches["text"] = (members, {"query": query.to_dict(), **FEATURES_ONLY})
    if "semantic" in signals and vector:
        knn = _knn(vector, CANDIDATES, member_filter)
        searches["semantic"] = (
            members,
            {"knn": knn, **FEATURES_ONLY},
        )
    if "track_record" in signals:
        query = _project_text_query(project).to_dict()
        searches["projects_text"] = (
            projects,
            {"query": query, **TITLES_ONLY},
        )
        if vector:
            itself = {"bool": {"must_not": [{"ids": {"values": [str(project.pk)]}}]}}
            knn = _knn(vector, SIMILAR_PROJECTS, itself if project.pk else None)
            searches["projects_meaning"] = (
                projects,
                {"knn": knn, **TITLES_ONLY},
            )
    responses = _msearch(searches)

    candidates: dict[int, _Candidate] = {}
    hits = responses.get("text", [])
    top = max((h["_score"] for h in hits), default=1.0) or 1.0
    for hit in hits:
        c = candidates.setdefault(int(hit["_id"]), _Candidate(int(hit["_id"])))
        c.text = hit["_score"] / top
        c.matched = set(hit.get("matched_queries", ()))
        c.source = _from_doc_values(hit)
    for hit in responses.get("semantic", []):
        c = candidates.setdefault(int(hit["_id"]), _Candidate(int(hit["_id"])))
        # Elasticsearch reports (1 + cosine) / 2 for cosine similarity.
        c.semantic = max(0.0, 2 * hit["_score"] - 1)
        c.source = c.source or _from_doc_values(hit)

    graph = collaboration_graph()
    kinds = _kinds(graph)
    scores: dict[str, Counter] = {}
    strongest, similar = {}, {}
    if "graph" in signals and project.partners:
        scores["graph"], strongest = _consortium(graph, project.partners, exclude)
        scores["graph_ties"], scores["own_habit"] = _ties(
            graph, project.partners, exclude
        )
    if "track_record" in signals:
        found, similar = _similar_projects(graph, responses, exclude)
        scores.update(found)

    # Graph and track-record candidates are only ids so far: the best of each
    # list, of the requested kind, are fetched by id in one request.
    wanted = []
    for name, values in scores.items():
        if name == "own_habit":
            continue  # the same members as `graph_ties`, another order
        of_kind = (
            pk for pk in values if pk not in exclude and kinds.get(pk, kind) == kind
        )
        wanted += heapq.nlargest(CANDIDATES, of_kind if kind else values, values.get)
    missing = [pk for pk in dict.fromkeys(wanted) if pk not in candidates]
    fetched = _features({"missing": missing, "team": project.partners})
    for pk, source in fetched["missing"].items():
        if kind and source.get("kind") != kind:
            continue
        candidates[pk] = _Candidate(pk, source=source)
    graph_scores, ties = scores.get("graph", {}), scores.get("graph_ties", {})
    for c in candidates.values():
        c.graph = graph_scores.get(c.member_id, 0.0)
        c.ties = ties.get(c.member_id, 0.0)
        c.own_habit = scores.get("own_habit", {}).get(c.member_id, 0.0)
        c.graph_project = strongest.get(c.member_id)
        c.track_record = scores.get("track_record", {}).get(c.member_id, 0.0)
        c.track_meaning = scores.get("track_record_meaning", {}).get(c.member_id, 0.0)
        c.similar = similar.get(c.member_id, "")

    if not candidates:
        return []
    return _rank(
        project, kind, candidates, fetched["team"], graph, signals, size, weights
    )


def _knn(vector, k, filter=None) -> dict:
    knn = {"field": "embedding", "query_vector": vector, "k": k}
    knn["num_candidates"] = 2 * k
    if filter:
        knn["filter"] = filter
    return knn


_facts_cache: dict = {"graph": None, "facts": {}}


def member_facts(graph) -> dict[int, tuple[str, str]]:
    """(kind, country) of each published member, reloaded with the
    collaboration graph; the country only where its location is public.

    Lets graph and track-record candidates of other kinds be skipped before
    they are fetched, and teams be described by their kinds and countries
    without a round trip; a member missing here is fetched and checked anyway.
    """
    if _facts_cache["graph"] is not graph:
        rows = Member.objects.published().values_list(
            "pk", "kind", "country", "visibility"
        )
        _facts_cache["facts"] = {
            pk: (
                kind,
                country
                if (visibility or {}).get("location", Visibility.PUBLIC)
                == Visibility.PUBLIC
                else "",
            )
            for pk, kind, country, visibility in rows.iterator()
        }
        _facts_cache["kinds"] = {pk: f[0] for pk, f in _facts_cache["facts"].items()}
        _facts_cache["graph"] = graph
    return _facts_cache["facts"]


def _kinds(graph) -> dict[int, str]:
    """Kind of each published member (see `member_facts`)."""
    member_facts(graph)
    return _facts_cache["kinds"]


def _consortium(graph, partners, exclude):
    """Members who were in the same projects as the team, weighted by overlap.

    A past project holding h of the team's partners among its n members adds
    h²/n to each of its other members: a consortium that already worked
    together says more than one shared partner, and small projects more than
    large ones. Also returns, per member, the project that counted most.
    """
    overlap: Counter = Counter()
    for partner in set(partners):
        overlap.update(graph.projects_of.get(partner, ()))
    score: dict[int, float] = {}
    best: dict[int, int] = {}
    best_weight: dict[int, float] = {}
    for project_id, h in overlap.items():
        members = graph.members_of.get(project_id, ())
        weight = h * h / len(members)
        for member in members:
            if member in exclude:
                continue
            score[member] = score.get(member, 0.0) + weight
            # Published experiments only: collaborations born of a contact on
            # the hub are private and stay out of `projects_of`.
            if project_id > 0 and weight > best_weight.get(member, 0.0):
                best_weight[member] = weight
                best[member] = project_id
    return score, best


def _ties(graph, partners, exclude) -> tuple[dict[int, float], dict[int, float]]:
    """How likely one of the team's partners is to bring each member along.

    A partner who took part in n experiments, k of them with a member, brings
    that member with a chance of k/(n+1) (the +1 keeps a single shared project
    of a newcomer from counting as certain); the chances of the team's
    partners combine as independent ones (1 − Π(1 − k/(n+1))). Unlike the
    consortium score, this does not fade in large projects: it measures the
    habit of each partner, so a member a university brings into most of its
    projects counts even when those projects had forty partners.
    """
    left_behind: dict[int, float] = {}  # chance that no partner brings them
    # The other way round: the share of a member's own experiments done with
    # its most frequent partner in the team (k/(m+1), m its experiments).
    habit: dict[int, int] = {}
    for partner in set(partners):
        projects = graph.projects_of.get(partner, ())
        together = Counter(
            member for p in projects for member in graph.members_of.get(p, ())
        )
        for member, k in together.items():
            if member not in exclude:
                chance = left_behind.get(member, 1.0)
                left_behind[member] = chance * (1 - k / (len(projects) + 1))
                habit[member] = max(habit.get(member, 0), k)
    return (
        {member: 1 - chance for member, chance in left_behind.items()},
        {member: k / (graph.degree(member) + 1) for member, k in habit.items()},
    )


def _similar_projects(graph, responses, exclude):
    """Members of past projects close to this one, in words and in meaning.

    Each similar project adds its similarity (relative to the closest one) to
    its members; meaning is sharpened (cubed) because cosine scores of
    unrelated texts are not far below those of related ones. Also returns,
    per member, the title of the closest project they took part in.
    """
    scores: dict[str, dict[int, float]] = {}
    closest: dict[int, float] = {}
    titles: dict[int, str] = {}
    for response, name, power in (
        ("projects_text", "track_record", 1),
        ("projects_meaning", "track_record_meaning", 3),
    ):
        hits = responses.get(response, ())
        top = max((h["_score"] for h in hits), default=1.0) or 1.0
        score = scores[name] = {}
        for hit in hits:
            similarity = (hit["_score"] / top) ** power
            title = (hit.get("fields", {}).get("title.raw") or [""])[0]
            for member in graph.members_of.get(int(hit["_id"]), ()):
                if member in exclude:
                    continue
                score[member] = score.get(member, 0.0) + similarity
                if similarity > closest.get(member, 0.0):
                    closest[member] = similarity
                    titles[member] = title
    return scores, titles


def _from_doc_values(hit: dict) -> dict:
    """A hit's doc values shaped like its source (single values unwrapped)."""
    return {
        name: values[0] if name in SINGLE_VALUED else values
        for name, values in hit.get("fields", {}).items()
    }


def _features(groups: dict[str, list[int]]) -> dict[str, dict[int, dict]]:
    """Ranking features (doc values) of members by id, per group, in one round
    trip; published members only are indexed. Doc values, unlike `mget`'s
    sources, spare Elasticsearch decompressing whole track records."""
    searches = {
        name: (
            index_alias("member"),
            {
                "query": {"ids": {"values": [str(pk) for pk in ids]}},
                **FEATURES_ONLY,
                "size": len(ids),
            },
        )
        for name, ids in groups.items()
        if ids
    }
    responses = _msearch(searches)
    return {
        name: {int(h["_id"]): _from_doc_values(h) for h in responses.get(name, [])}
        for name in groups
    }


def _rank(
    project, kind, candidates, team, graph, signals, size, weights=None
) -> list[Match]:
    team_sectors = set(project.sectors)
    team_languages = Counter(project.languages)
    team_places = Counter()
    team_kinds = Counter()
    for source in team.values():
        team_sectors |= set(source.get("sectors", []))
        for lang in source.get("languages", []):
            team_languages[lang] += 1
        for key in ("commune", "country"):
            if source.get(key):
                team_places[(key, source[key])] += 1
        team_kinds[source.get("kind")] += 1
    if project.commune:
        team_places[("commune", project.commune)] += len(team) + 1
    if project.country:
        team_places[("country", project.country)] += len(team) + 1

    def top(attribute):
        return max((getattr(c, attribute) for c in candidates.values()), default=0) or 1

    max_graph, max_words, max_meaning = (
        top("graph"),
        top("track_record"),
        top("track_meaning"),
    )
    weights = {k: w for k, w in (weights or WEIGHTS).items() if _uses(k, signals)}
    matches, contexts = [], {}
    for c in candidates.values():
        s = c.source
        features = dict.fromkeys(WEIGHTS, 0.0)
        features["text"] = c.text
        features["semantic"] = c.semantic
        features["graph"] = math.log1p(5 * c.graph) / math.log1p(5 * max_graph)
        features["graph_ties"] = c.ties
        features["own_habit"] = c.own_habit
        features["track_record"] = c.track_record / max_words
        features["track_record_meaning"] = c.track_meaning / max_meaning
        country = s.get("country")
        features["country_share"] = (
            team_places.get(("country", country), 0) / max(1, len(team))
            if country
            else 0.0
        )
        sectors = set(s.get("sectors", [])) & team_sectors
        disciplines = set(s.get("disciplines", [])) & set(project.disciplines)
        features["taxonomy"] = min(1.0, 0.5 * len(sectors) + 0.5 * len(disciplines))
        needs_met = [m.split(":", 1)[1] for m in c.matched if m.startswith("need:")]
        features["reciprocity"] = 1.0 if needs_met else 0.0
        # The candidate's kind is one the team lacks: constant under a kind
        # filter, it orders candidates of every kind when none is asked for.
        candidate_kind = s.get("kind") or kind
        lacking = bool(team) and team_kinds.get(candidate_kind, 0) == 0
        lacking = candidate_kind if lacking and candidate_kind else None
        features["complementarity"] = 1.0 if lacking else 0.0
        place = _shared_place(s, team_places)
        features["place"] = 1.0 if place else 0.0
        language = _shared_language(s, team_languages)
        features["language"] = 1.0 if language else 0.0
        degree = graph.degree(c.member_id)
        features["activity"] = min(1.0, math.log1p(degree) / math.log1p(20))
        score = sum(weight * features[k] for k, weight in weights.items())
        if score <= 0:
            continue
        context = (c, s, features, sectors, needs_met, place, language, lacking)
        matches.append(Match(c.member_id, round(score, 4), [], s, features))
        contexts[c.member_id] = context
    matches.sort(key=lambda m: (-m.score, m.member_id))
    matches = matches[:size]
    # Names, links and highlights are costly: only the suggestions shown get them.
    shown = _display(project, [m.member_id for m in matches])
    team_ids = set(project.partners)
    for match in matches:
        c = contexts[match.member_id][0]
        if c.graph_project is not None:
            c.graph_paths = [
                (p, [c.graph_project])
                for p in graph.members_of.get(c.graph_project, ())
                if p in team_ids
            ]
        if c.ties:
            c.habit = _habit(graph, c.member_id, team_ids)
    cited = _cited([contexts[m.member_id][0] for m in matches])
    for match in matches:
        c, s, *rest = contexts[match.member_id]
        source, c.highlight, matched = shown.get(match.member_id, ({}, {}, set()))
        c.matched |= matched
        match.source = c.source = {**s, **source}
        match.reasons = _reasons(c, c.source, *rest, kind, graph, cited)
    # A suggestion nobody could explain is not shown.
    return [m for m in matches if m.reasons]


def _display(project, ids) -> dict[int, tuple[dict, dict, set]]:
    """Sources, highlights and matched clauses of the suggestions shown."""
    if not ids:
        return {}
    search = {
        "query": Q(
            "bool", should=[_text_query(project)], filter=[Q("ids", values=ids)]
        ).to_dict(),
        "source": SOURCE_FIELDS,
        "size": len(ids),
        "highlight": {
            "fields": {
                field: {} for field in ("track_record", "offers", *PROFILE_FIELDS)
            },
            "fragment_size": 80,
            "number_of_fragments": 1,
            "pre_tags": [""],
            "post_tags": [""],
        },
    }
    try:
        response = get_client().search(
            index=index_alias("member"), ignore_unavailable=True, **search
        )
    except ES_ERRORS as exc:
        raise SearchUnavailable(str(exc)) from exc
    return {
        int(hit["_id"]): (
            hit["_source"],
            hit.get("highlight", {}),
            set(hit.get("matched_queries", ())),
        )
        for hit in response["hits"]["hits"]
    }


def _habit(graph, member_id, team) -> tuple[int, int, int] | None:
    """The team's partner who most often brought `member_id` along, if twice
    or more: (partner, experiments together, the partner's experiments).
    Published experiments only: collaborations born on the hub are private."""
    mine = {p for p in graph.projects_of.get(member_id, ()) if p > 0}
    best, best_share = None, 0.0
    for partner in sorted(team):
        theirs = [p for p in graph.projects_of.get(partner, ()) if p > 0]
        together = sum(1 for p in theirs if p in mine)
        share = together / (len(theirs) + 1)
        if together >= 2 and share > best_share:
            best, best_share = (partner, together, len(theirs)), share
    return best


def _uses(feature: str, signals) -> bool:
    """A feature counts when the signal it belongs to is switched on."""
    return SIGNAL_OF.get(feature, feature) in signals


def _shared_place(source, team_places):
    if source.get("commune") and ("commune", source["commune"]) in team_places:
        return ("commune", source["commune"])
    country = source.get("country")
    if country and team_places.get(("country", country), 0) >= 1:
        return ("country", country)
    return None


def _shared_language(source, team_languages):
    for lang in source.get("languages", []):
        if team_languages.get(lang):
            return lang
    return None


LANGUAGE_NAMES = {"fr": "French", "nl": "Dutch", "en": "English", "de": "German"}


def _cited(candidates) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the partners and titles of the experiments that the reasons of
    the suggestions shown may cite, published ones only, in two queries."""
    from projects.models import Project

    partners, projects = set(), set()
    for c in candidates:
        partners |= {p for p, _ in c.graph_paths}
        projects |= {shared[0] for _, shared in c.graph_paths}
        if c.habit:
            partners.add(c.habit[0])
    names = Member.objects.published().filter(pk__in=partners)
    titles = Project.objects.published().filter(pk__in=projects)
    return (
        dict(names.values_list("pk", "name")) if partners else {},
        dict(titles.values_list("pk", "title")) if projects else {},
    )


def _reasons(
    c, s, features, sectors, needs_met, place, language, lacking, kind, graph, cited
):
    names, titles = cited
    reasons = []
    partner_name = project_title = ""
    if c.graph_paths:
        partner_id, shared = max(c.graph_paths, key=lambda p: len(p[1]))
        partner_name = names.get(partner_id, "")
        project_title = titles.get(shared[0], "")
    if c.graph_paths and partner_name and project_title:
        reasons.append(
            Reason(
                "shared_partner",
                _("Partner of %(partner)s in “%(project)s”")
                % {"partner": partner_name, "project": project_title},
                {
                    "partner": partner_name,
                    "project": project_title,
                    "partners_in_common": len(c.graph_paths),
                },
                WEIGHTS["graph"] * features["graph"],
            )
        )
    if c.habit and (partner := names.get(c.habit[0])):
        together, experiments = c.habit[1:]
        reasons.append(
            Reason(
                "regular_partner",
                _("Worked with %(partner)s on %(count)d of its %(total)d experiments")
                % {"partner": partner, "count": together, "total": experiments},
                {"partner": partner, "count": together, "experiments": experiments},
                WEIGHTS["graph_ties"] * features["graph_ties"],
            )
        )
    similar_weight = (
        WEIGHTS["track_record"] * features["track_record"]
        + WEIGHTS["track_record_meaning"] * features["track_record_meaning"]
    )
    if c.similar and similar_weight >= 0.3:
        reasons.append(
            Reason(
                "similar_project",
                _("Took part in “%(project)s”, a similar experiment")
                % {"project": c.similar},
                {"project": c.similar},
                similar_weight,
            )
        )
    for need in needs_met[:1]:
        offer = (c.highlight.get("offers") or s.get("offers") or [need])[0]
        reasons.append(
            Reason(
                "offers_what_you_seek",
                _("Offers “%(offer)s”, which you seek") % {"offer": offer},
                {"offer": offer, "need": need},
                WEIGHTS["reciprocity"],
            )
        )
    keywords = sorted(m.split(":", 1)[1] for m in c.matched if m.startswith("kw:"))
    if keywords:
        reasons.append(
            Reason(
                "works_on_topic",
                _("Works on %(topic)s too") % {"topic": ", ".join(keywords[:3])},
                {"keywords": keywords},
                WEIGHTS["text"] * features["text"],
            )
        )
    elif c.text > 0.3 and c.highlight.get("track_record"):
        fragment = c.highlight["track_record"][0]
        reasons.append(
            Reason(
                "track_record",
                _("Took part in related work: “%(fragment)s”") % {"fragment": fragment},
                {"fragment": fragment},
                WEIGHTS["text"] * features["text"],
            )
        )
    elif c.text > 0.3 and (
        profile := next(
            (c.highlight[f] for f in PROFILE_FIELDS if f in c.highlight), None
        )
    ):
        fragment = profile[0]
        reasons.append(
            Reason(
                "profile_match",
                _("Their profile says: “%(fragment)s”") % {"fragment": fragment},
                {"fragment": fragment},
                WEIGHTS["text"] * features["text"],
            )
        )
    for slug in sorted(sectors)[:1]:
        reasons.append(sector_reason(slug, WEIGHTS["taxonomy"]))
    if features["semantic"] >= 0.5:
        reasons.append(
            meaning_reason(
                _("Profile close in meaning to this experiment"),
                features["semantic"],
                WEIGHTS["semantic"],
            )
        )
    if lacking:
        reasons.append(
            Reason(
                "missing_kind",
                _("Your team has no %(kind)s yet")
                % {"kind": str(MemberKind(lacking).label).lower()},
                {"kind": lacking},
                WEIGHTS["complementarity"],
            )
        )
    if place:
        reasons.append(place_reason(*place, WEIGHTS["place"]))
    if language:
        reasons.append(
            language_reason(
                _("Speaks %(language)s like your team"), language, WEIGHTS["language"]
            )
        )
    experiments = sum(1 for p in graph.projects_of.get(c.member_id, ()) if p > 0)
    if experiments and features["activity"] > 0:
        reasons.append(
            Reason(
                "track_record_size",
                ngettext(
                    "Took part in %(count)d experiment",
                    "Took part in %(count)d experiments",
                    experiments,
                )
                % {"count": experiments},
                {"count": experiments},
                WEIGHTS["activity"] * features["activity"],
            )
        )
    reasons.sort(key=lambda r: -r.weight)
    return reasons


def sector_reason(slug: str, weight: float) -> Reason:
    from search.labels import facet_label

    label = facet_label("sector", slug)
    return Reason(
        "shared_sector",
        _("Works on %(sector)s too") % {"sector": label.lower()},
        {"sector": slug},
        weight,
    )


def meaning_reason(text: str, similarity: float, weight: float) -> Reason:
    return Reason(
        "similar_profile",
        text,
        {"similarity": round(similarity, 2)},
        weight * similarity,
    )


def place_reason(key: str, value: str, weight: float) -> Reason:
    """`key` is "commune" (a Brussels commune, labelled) or "country"."""
    from search.labels import facet_label

    label = facet_label("commune", value) if key == "commune" else value
    return Reason(
        "same_place", _("Also in %(place)s") % {"place": label}, {key: value}, weight
    )


def language_reason(text: str, language: str, weight: float) -> Reason:
    """`text` names the language with %(language)s."""
    name = _(LANGUAGE_NAMES.get(language, language))
    return Reason(
        "shared_language", text % {"language": name}, {"language": language}, weight
    )
