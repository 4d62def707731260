"""Anonymous visitors' search results, kept a short while for every process.

An evening's searches are a few popular queries and a long tail: the same
page of results, facets and counts is asked for again and again while the
index behind it hardly changes. `search_remembered` keeps each page for
`HUB_SEARCH_CACHE_SECONDS` (0 turns it off) in the `search` cache (Redis when
`HUB_REDIS_URL` is set, which every web process of every machine reads;
otherwise files in `HUB_SEARCH_CACHE_DIR`, shared by the processes of one
machine), keyed by the document type, the query, filters, sort and page, the
language (facet labels are translated) and the site's index prefix.

It follows what the indexer announces (search/signals.py), without emptying
itself at every save (editors save all evening):

- a record leaving the index (unpublished, suspended, deleted), a record
  written that the cache does not know to be in the index already (a
  publish), and a rebuild move a generation counter on: every cached page is
  dropped at once;
- every record shown in a cached page, or written once already, has a stamp;
  writing it again (an edit) renews the stamp, and a cached page that shows
  that record is dropped when it is next read (each page keeps the stamps of
  the records it shows). Other pages stay.

The indexer's announcement does not say whether a write created the document
or replaced it, so a record's first write since the cache last saw it counts
as a publish: in an evening of editing that is each editor's first save,
not every save.
- a page is not kept while a change it shows, or a generation move, may not
  be searchable yet (until the index's refresh, at most `SETTLING_SECONDS`).

What an edit changes elsewhere (a profile that starts to match a query whose
cached page does not show it, a facet count) shows when the page expires.
"""

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from search.selectors import documents_search

CACHE_ALIAS = "search"
# Elasticsearch shows a write after its next refresh (every second by default).
SETTLING_SECONDS = 2.0


def _cache():
    return caches[CACHE_ALIAS]


def _name(*parts) -> str:
    return ":".join(["hub:search", settings.HUB_INDEX_PREFIX, *map(str, parts)])


def _record_key(document: str, pk) -> str:
    return _name("record", document, pk)


def result_cache_clear(*, visible: bool = True) -> None:
    """Drop every cached page (one atomic increment of the generation)."""
    cache = _cache()
    _generation()
    try:
        cache.incr(_name("generation"))
    except ValueError:  # evicted between the two calls
        _generation()
    cache.set(_name("generation-at"), 0.0 if visible else time.time(), None)


def _generation() -> int:
    """The current generation. One lost to an eviction starts again from the
    clock in nanoseconds, never from a number an earlier era used, so that
    pages stored before cannot come back."""
    cache, name = _cache(), _name("generation")
    cache.add(name, time.time_ns(), None)
    return cache.get(name) or time.time_ns()


def result_cache_changed(*, document: str, changes: dict, visible: bool) -> None:
    """Stamp the records written; move the generation on when one left the
    index or is new to the cache (a publish)."""
    cache = _cache()
    now = time.time()
    new_or_gone = False
    for pk, source in changes.items():
        key = _record_key(document, pk)
        if source is None:
            cache.delete(key)
            new_or_gone = True
        elif not cache.add(key, now, None):
            cache.set(key, now, None)
        else:
            new_or_gone = True
    if new_or_gone:
        result_cache_clear(visible=visible)


def result_cache_settled() -> None:
    """Every write so far is searchable (the index was refreshed)."""
    _cache().set(_name("refreshed-at"), time.time(), None)


def _entry_key(document: str, params: dict) -> str:
    generation = _generation()
    raw = repr((document, sorted(params.items()), translation.get_language()))
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return _name("page", generation, digest)


def search_remembered(*, document: str, params: dict, compute: Callable):
    """`compute()` (a `SearchPage` of `document`), reused while nothing it
    shows has changed and for at most `HUB_SEARCH_CACHE_SECONDS`. `params`
    holds everything the page depends on besides the document type."""
    seconds = settings.HUB_SEARCH_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    cache = _cache()
    key = _entry_key(document, params)
    entry = cache.get(key)
    if entry is not None:
        page, stamps = entry
        if not stamps or cache.get_many(list(stamps)) == stamps:
            return page
    page = compute()
    record_keys = [_record_key(document, hit.id) for hit in page.hits]
    marks = [_name("generation-at"), _name("refreshed-at")]
    found = cache.get_many([*record_keys, *marks])
    refreshed_at = found.get(_name("refreshed-at"), 0.0)
    now = time.time()
    changed = [found.get(k, 0.0) for k in record_keys]
    changed.append(found.get(_name("generation-at"), 0.0))
    # A change less than SETTLING_SECONDS old may not be in what we just read.
    if all(at <= refreshed_at or now - at > SETTLING_SECONDS for at in changed):
        stamps = {}
        for k in record_keys:
            if k not in found and cache.add(k, 0.0, None):
                # Shown, so in the index: its next write is an edit.
                found[k] = 0.0
            if k in found:
                stamps[k] = found[k]
        if len(stamps) == len(record_keys):
            cache.set(key, (page, stamps), seconds)
    return page


def documents_search_remembered(*, shared: bool, document: str, **params):
    """`documents_search(document=document, **params)`, from the cache when
    `shared` (an anonymous visitor's search; a signed-in person gets it fresh,
    their own edits included)."""
    if not shared:
        return documents_search(document=document, **params)
    return search_remembered(
        document=document,
        params=params,
        compute=lambda: documents_search(document=document, **params),
    )
