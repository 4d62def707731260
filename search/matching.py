"""Matchmaking: which members should join an experiment, and why.

Candidates come from three sources, each also a signal:

- text: the experiment's text against members' profiles, offers, skills and
  track record (texts of the projects they took part in), through the same
  folded and stemmed fields as search;
- meaning: cosine similarity of multilingual sentence embeddings, so a French
  experiment finds a Dutch profile;
- the collaboration graph: members who already worked with the experiment's
  partners, weighted by how small the shared projects were.

Each candidate is then scored on those signals plus taxonomy overlap,
reciprocity (what the experiment seeks against what the member offers),
complementarity (a kind the team lacks), place, language and track record
size. Every suggestion carries the reasons that produced its score, built
from what actually matched.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from elasticsearch_dsl import Q, Search

from members.models import Member, MemberKind
from search import embeddings
from search.client import SearchUnavailable, get_client, index_alias
from search.graph import collaboration_graph
from search.services import ES_ERRORS
from search.text import fold, stem

SIGNALS = (
    "text",
    "semantic",
    "graph",
    "taxonomy",
    "reciprocity",
    "complementarity",
    "place",
    "language",
    "activity",
)
# Coarse weights, checked on two halves of the CORDIS dev queries (odd and
# even ids) so that a choice good on one half only is not taken.
WEIGHTS = {
    "text": 1.0,
    "semantic": 0.25,
    "graph": 2.0,
    "graph_breadth": 2.0,
    "taxonomy": 0.3,
    "reciprocity": 0.5,
    "complementarity": 0.1,
    "place": 0.25,
    "country_share": 0.0,
    "language": 0.1,
    "activity": 1.0,
}
# Features that belong to a signal of another name (for ablations).
SIGNAL_OF = {"graph_breadth": "graph", "country_share": "place"}
CANDIDATES = 200
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
    graph_paths: list = field(default_factory=list)
    source: dict = field(default_factory=dict)


def _text_query(project: DraftProject):
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
        clauses.append(
            Q(
                "match_phrase",
                folded={"query": fold(keyword), "_name": f"kw:{keyword}"[:200]},
            )
        )
    return Q("bool", should=clauses, minimum_should_match=1)


def _member_filter(kind: str | None, exclude: set[int]):
    filters = []
    if kind:
        filters.append(Q("term", kind=kind))
    return filters, [Q("ids", values=[str(pk) for pk in exclude])] if exclude else []


def _search(search: Search):
    try:
        return search.execute()
    except ES_ERRORS as exc:
        raise SearchUnavailable(str(exc)) from exc


SOURCE_FIELDS = [
    "slug",
    "name",
    "kind",
    "url",
    "sectors",
    "disciplines",
    "sector_labels",
    "offers",
    "languages",
    "commune",
    "city",
    "country",
    "project_ids",
    "open_to_collaboration",
]


def members_for_project(
    *,
    project: DraftProject,
    kind: str | None = None,
    size: int = 10,
    exclude: set[int] = frozenset(),
    signals: tuple[str, ...] = SIGNALS,
) -> list[Match]:
    """Rank members of `kind` (any kind if None) for a stored or draft project."""
    exclude = set(exclude) | set(project.partners)
    client = get_client()
    alias = index_alias("member")
    filters, must_not = _member_filter(kind, exclude)
    candidates: dict[int, _Candidate] = {}

    if "text" in signals or "reciprocity" in signals:
        search = (
            Search(using=client, index=alias)
            .query(
                Q(
                    "bool",
                    must=[_text_query(project)],
                    filter=filters,
                    must_not=must_not,
                )
            )
            .source(SOURCE_FIELDS)[:CANDIDATES]
        )
        response = _search(search)
        top = max((h.meta.score for h in response), default=1.0) or 1.0
        for hit in response:
            c = candidates.setdefault(int(hit.meta.id), _Candidate(int(hit.meta.id)))
            c.text = hit.meta.score / top
            c.matched = set(getattr(hit.meta, "matched_queries", []) or [])
            c.source = hit.to_dict()

    if "semantic" in signals and embeddings.enabled():
        knn = {
            "field": "embedding",
            "query_vector": embeddings.query_vector(project.text),
            "k": CANDIDATES,
            "num_candidates": CANDIDATES * 2,
        }
        if filters or must_not:
            knn["filter"] = Q("bool", filter=filters, must_not=must_not).to_dict()
        response = _search(
            Search(using=client, index=alias)
            .extra(knn=knn)
            .source(SOURCE_FIELDS)[:CANDIDATES]
        )
        for hit in response:
            c = candidates.setdefault(int(hit.meta.id), _Candidate(int(hit.meta.id)))
            # Elasticsearch reports (1 + cosine) / 2 for cosine similarity.
            c.semantic = max(0.0, 2 * hit.meta.score - 1)
            c.source = c.source or hit.to_dict()

    graph = collaboration_graph()
    if "graph" in signals and project.partners:
        strength: Counter = Counter()
        paths: dict[int, list] = {}
        for partner in project.partners:
            for other, (tie, shared) in graph.neighbours(partner).items():
                if other in exclude:
                    continue
                strength[other] += tie
                paths.setdefault(other, []).append((partner, shared))
        top_graph = [pk for pk, _ in strength.most_common(CANDIDATES)]
        missing = [pk for pk in top_graph if pk not in candidates]
        sources = _sources(missing, kind=kind) if missing else {}
        for pk in top_graph:
            if pk not in candidates and pk not in sources:
                continue  # another kind, or not public
            c = candidates.setdefault(pk, _Candidate(pk))
            c.source = c.source or sources[pk]
            c.graph = strength[pk]
            c.graph_paths = paths[pk]

    if not candidates:
        return []
    team = _sources(project.partners, kind=None) if project.partners else {}
    return _rank(project, kind, candidates, team, graph, signals, size)


def _sources(ids, *, kind) -> dict[int, dict]:
    client = get_client()
    search = Search(using=client, index=index_alias("member")).filter(
        "ids", values=[str(pk) for pk in ids]
    )
    if kind:
        search = search.filter("term", kind=kind)
    response = _search(search.source(SOURCE_FIELDS)[: len(ids)])
    return {int(h.meta.id): h.to_dict() for h in response}


def _rank(project, kind, candidates, team, graph, signals, size) -> list[Match]:
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
    max_graph = max((c.graph for c in candidates.values()), default=0) or 1
    matches, contexts = [], {}
    for c in candidates.values():
        s = c.source
        features = dict.fromkeys(WEIGHTS, 0.0)
        features["text"] = c.text
        features["semantic"] = c.semantic
        features["graph"] = math.log1p(c.graph) / math.log1p(max_graph)
        features["graph_breadth"] = len(c.graph_paths) / max(1, len(team))
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
        lacking = kind and team and team_kinds.get(kind, 0) == 0
        features["complementarity"] = 1.0 if lacking else 0.0
        place = _shared_place(s, team_places)
        features["place"] = 1.0 if place else 0.0
        language = _shared_language(s, team_languages)
        features["language"] = 1.0 if language else 0.0
        degree = graph.degree(c.member_id)
        features["activity"] = min(1.0, math.log1p(degree) / math.log1p(20))
        score = sum(WEIGHTS[k] * features[k] for k in WEIGHTS if _uses(k, signals))
        if score <= 0:
            continue
        context = (c, s, features, sectors, needs_met, place, language, lacking)
        matches.append(Match(c.member_id, round(score, 4), [], s, features))
        contexts[c.member_id] = context
    matches.sort(key=lambda m: (-m.score, m.member_id))
    matches = matches[:size]
    # Highlighting is costly: only the suggestions shown get it.
    highlights = _highlights(project, [m.member_id for m in matches])
    for match in matches:
        c, *rest = contexts[match.member_id]
        c.highlight = highlights.get(match.member_id, {})
        match.reasons = _reasons(c, *rest, kind, graph)
    return matches


def _highlights(project, ids) -> dict[int, dict]:
    if not ids:
        return {}
    search = (
        Search(using=get_client(), index=index_alias("member"))
        .query(Q("bool", must=[_text_query(project)], filter=[Q("ids", values=ids)]))
        .source(False)
        .highlight(
            "track_record",
            "offers",
            fragment_size=80,
            number_of_fragments=1,
            pre_tags=[""],
            post_tags=[""],
        )[: len(ids)]
    )
    out = {}
    for hit in _search(search):
        if hasattr(hit.meta, "highlight"):
            out[int(hit.meta.id)] = {
                k: list(v) for k, v in hit.meta.highlight.to_dict().items()
            }
    return out


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


def _reasons(c, s, features, sectors, needs_met, place, language, lacking, kind, graph):
    from search.labels import facet_label

    reasons = []
    if c.graph_paths:
        partner_id, shared = max(c.graph_paths, key=lambda p: len(p[1]))
        partner_name, project_title = _names(partner_id, shared[0])
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
    for slug in sorted(sectors)[:1]:
        label = facet_label("sector", slug)
        reasons.append(
            Reason(
                "shared_sector",
                _("Works on %(sector)s too") % {"sector": label.lower()},
                {"sector": slug},
                WEIGHTS["taxonomy"],
            )
        )
    if features["semantic"] >= 0.5:
        reasons.append(
            Reason(
                "similar_profile",
                _("Profile close in meaning to this experiment"),
                {"similarity": round(features["semantic"], 2)},
                WEIGHTS["semantic"] * features["semantic"],
            )
        )
    if lacking:
        reasons.append(
            Reason(
                "missing_kind",
                _("Your team has no %(kind)s yet")
                % {"kind": str(MemberKind(kind).label).lower()},
                {"kind": kind},
                WEIGHTS["complementarity"],
            )
        )
    if place:
        key, value = place
        label = facet_label("commune", value) if key == "commune" else value
        reasons.append(
            Reason(
                "same_place",
                _("Also in %(place)s") % {"place": label},
                {key: value},
                WEIGHTS["place"],
            )
        )
    if language:
        reasons.append(
            Reason(
                "shared_language",
                _("Speaks %(language)s like your team")
                % {"language": _(LANGUAGE_NAMES.get(language, language))},
                {"language": language},
                WEIGHTS["language"],
            )
        )
    reasons.sort(key=lambda r: -r.weight)
    return reasons


def _names(member_id: int, project_id: int) -> tuple[str, str]:
    from projects.models import Project

    member = Member.objects.filter(pk=member_id).values_list("name", flat=True).first()
    title = (
        Project.objects.filter(pk=project_id).values_list("title", flat=True).first()
    )
    return member or "", title or ""
