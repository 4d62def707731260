"""The public "Similar experiments" of a project page: published experiments
close to it in words and in meaning (not a matchmaking direction: no member
is involved, and it has no signal to weigh)."""

from django.utils.translation import gettext as _

from elasticsearch_dsl import Q, Search

from search import embeddings
from search.client import SearchUnavailable, get_client, index_alias
from search.labels import FacetLabels
from search.matchmaking.base import ProjectMatch, Reason, reasons_sorted
from search.matchmaking.elastic import (
    cosine,
    execute,
    hit_source,
    knn,
    vector_of,
    vectors_search,
)
from search.matchmaking.member_experiments import PROJECT_SOURCE
from search.matchmaking.reasons import meaning_reason, place_reason, sector_reason
from search.services import ES_ERRORS
from search.text import fold


def _add_hits(candidates: dict, response, key: str, value) -> None:
    for hit in response:
        c = candidates.setdefault(int(hit.meta.id), {"source": hit_source(hit)})
        c[key] = value(hit)


def similar_projects_ranked(*, project, size: int) -> list[ProjectMatch]:
    client = get_client()
    alias = index_alias("project")
    # The project's source and its vector (a doc value, not in the source).
    body = {k: v for k, v in vectors_search([project.pk]).items() if k != "_source"}
    try:
        hits = client.search(index=alias, source_excludes=["suggest"], **body)
        hits = hits["hits"]["hits"]
    except ES_ERRORS as exc:
        if getattr(exc, "meta", None) is not None and exc.meta.status == 404:
            return []  # no index yet
        raise SearchUnavailable(str(exc)) from exc
    if not hits:
        return []  # not indexed yet
    found = hits[0]
    own, own_vector = found["_source"], vector_of(found)
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
    response = execute(search.query(Q("bool", must=[like], filter=[base]))[:20])
    top = max((h.meta.score for h in response), default=1.0) or 1.0
    _add_hits(candidates, response, "text", lambda hit: hit.meta.score / top)
    if embeddings.enabled() and own_vector:
        clause = knn(own_vector, 20, base.to_dict())
        response = execute(search.extra(knn=clause)[: clause["k"]])
        _add_hits(candidates, response, "semantic", lambda hit: cosine(hit.meta.score))
    keywords = {fold(k): k for k in own.get("keywords", [])}
    matches = []
    labels = FacetLabels()
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
        for slug in sorted(sectors)[:1]:
            reasons.append(sector_reason(slug, 0.1, labels))
        if f["semantic"] >= 0.5:
            reasons.append(
                meaning_reason(
                    _("Close in meaning to this experiment"), f["semantic"], 1.0
                )
            )
        if own.get("commune") and own.get("commune") == s.get("commune"):
            reasons.append(place_reason("commune", own["commune"], 0.05))
        matches.append(ProjectMatch(pk, round(score, 4), reasons_sorted(reasons), s, f))
    matches.sort(key=lambda m: (-m.score, m.project_id))
    return matches[:size]
