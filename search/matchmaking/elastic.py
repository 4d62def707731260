"""Elasticsearch requests of matchmaking: several searches in one round trip,
k-nearest-neighbour clauses and doc values read as sources."""

import time

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
    hundreds of them and the wrappers cost more than the search. A search
    that reads doc values only (`_source: False`) reads no stored field: its
    hits' ids come from the `pk` doc value (see `_ids_from_doc_values`).
    """
    if not searches:
        return {}
    body, keyed = [], []
    for index, search in searches.values():
        # A missing index (nothing indexed yet) answers no hits, as in search.
        by_doc_value = search.get("_source") is False and _has_pk(index)
        if by_doc_value:
            search = {
                **search,
                "stored_fields": "_none_",
                "docvalue_fields": [*search.get("docvalue_fields", ()), "pk"],
            }
        keyed.append(by_doc_value)
        # No answer reads a total (see filter_path): counting none lets the
        # top hits skip the documents that cannot reach them.
        search = {"track_total_hits": False, **search}
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
    for name, item, by_doc_value in zip(searches, items, keyed, strict=True):
        if "error" in item:
            raise SearchUnavailable(str(item["error"]))
        hits = item.get("hits", {}).get("hits", [])
        if by_doc_value:
            for hit in hits:
                hit["_id"] = str(hit["fields"].pop("pk")[0])
        out[name] = hits
    return out


# Indices known to hold the `pk` doc value (built since it exists); an index
# built before reads its ids from the stored fields, as it always did, until
# `search_rebuild`. A "no" is asked again after a while (a rebuild swaps the
# alias to an index that has it).
_PK_RECHECK_SECONDS = 60.0
_pk_known: dict[str, tuple[bool, float]] = {}


def _has_pk(index: str) -> bool:
    known = _pk_known.get(index)
    now = time.monotonic()
    if known and (known[0] or now - known[1] < _PK_RECHECK_SECONDS):
        return known[0]
    try:
        mappings = get_client().indices.get_field_mapping(index=index, fields="pk")
    except ES_ERRORS:
        mappings = {}  # no index yet, or the node is away: ask again later
    found = bool(mappings) and all(
        "pk" in body.get("mappings", {}) for body in mappings.values()
    )
    _pk_known[index] = (found, now)
    return found


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


def vectors_search(ids_wanted) -> dict:
    """A search body for the sentence vectors of records by id, read as doc
    values (the vector is not in the stored _source; see search/documents.py)."""
    wanted = ids(ids_wanted)
    return {
        "query": {"ids": {"values": wanted}},
        "_source": False,
        "docvalue_fields": ["embedding"],
        "size": len(wanted),
    }


def vector_of(hit: dict) -> list[float] | None:
    """The vector of a hit of `vectors_search` (None when it has none)."""
    values = hit.get("fields", {}).get("embedding")
    return list(values[0]) if values and isinstance(values[0], list) else values


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
