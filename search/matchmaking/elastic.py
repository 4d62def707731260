"""Elasticsearch requests of matchmaking: several searches in one round trip,
k-nearest-neighbour clauses and doc values read as sources."""

from elasticsearch import NotFoundError
from elasticsearch_dsl import Q, Search

from search.client import SearchUnavailable, get_client, index_alias
from search.services import ES_ERRORS

# Fields with one value, unwrapped from their doc-values list.
SINGLE_VALUED = {"kind", "commune", "country"}


def msearch(searches: dict[object, tuple[str, dict]]) -> dict[object, list[dict]]:
    """Run several searches in one round trip; Elasticsearch runs them in parallel.
    Answers by the searches' names (any hashable).

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


def execute(search: Search):
    """`search`'s answer; no index yet answers nothing."""
    try:
        return search.execute()
    except NotFoundError:
        return []  # no index yet: nothing was ever published
    except ES_ERRORS as exc:
        raise SearchUnavailable(str(exc)) from exc


def knn(vector, k, filter=None) -> dict:
    clause = {"field": "embedding", "query_vector": vector, "k": k}
    clause["num_candidates"] = 2 * k
    if filter:
        clause["filter"] = filter
    return clause


def from_doc_values(hit: dict) -> dict:
    """A hit's doc values shaped like its source (single values unwrapped)."""
    return {
        name: values[0] if name in SINGLE_VALUED else values
        for name, values in hit.get("fields", {}).items()
    }


def hit_source(hit) -> dict:
    """An elasticsearch-dsl hit's doc values, or its source."""
    meta = hit.meta.to_dict()
    return from_doc_values(meta) if "fields" in meta else hit.to_dict()


def ids(values) -> list[str]:
    return [str(v) for v in sorted(values)]


def cosine(score: float) -> float:
    """Elasticsearch reports (1 + cosine) / 2 for cosine similarity."""
    return max(0.0, 2 * score - 1)


def sources_of(matches: list, document: str, fields: list[str]) -> None:
    """Give the suggestions shown their sources (candidates had doc values)."""
    if not matches:
        return
    wanted = [m.id for m in matches]
    response = execute(
        Search(using=get_client(), index=index_alias(document))
        .query(Q("ids", values=ids(wanted)))
        .source(fields)[: len(wanted)]
    )
    found = {int(hit.meta.id): hit.to_dict() for hit in response}
    for match in matches:
        match.source = found.get(match.id, match.source)
