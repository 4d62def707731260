"""Match results kept for a short while, shared by the web processes.

One member's or experiment's matches cost two to six Elasticsearch queries
over the whole network and about a hundred milliseconds of CPU, yet the
panels, the dashboard and the API ask for the same ones far more often than
the data behind them changes. Each result is kept for
`HUB_MATCH_CACHE_SECONDS` (0 turns the cache off) in the `matches` cache
(Redis when `HUB_REDIS_URL` is set, which every web process of every
machine reads; otherwise files in `HUB_MATCH_CACHE_DIR`, shared by the
processes of one machine), keyed by everything a visitor can change and
expect to see at once:

- the record's own last update (`updated_at`) and its current partners;
- the dismissals, the requested kind and size, the public-only flag;
- the language (reasons are worded in it);
- the collaboration graph's signature, and the site's index prefix;
- the cache's generation, which `match_cache_clear` moves on: one atomic
  increment in the shared store, so no process serves an entry ranked
  before it (and, unlike emptying the store, it leaves the rate limits and
  pages that share a Redis alone).

What *other* members change reaches a cached result when it expires, or as
soon as it is searchable: an outbox drain or a rebuild empties the cache,
and for a moment after a drain (until the index's refresh shows it) rankings
are not kept.
Whatever is returned, cached or not, is first checked against the database:
a member or experiment unpublished since the ranking was made is dropped, so
a stale entry never shows a hidden record.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from members.models import Member
from projects.models import Project
from search.graph import collaboration_graph

CACHE_ALIAS = "matches"


def _cache():
    return caches[CACHE_ALIAS]


_CHANGED_AT = "hub:matches:changed-at"
_GENERATION = "hub:matches:generation"
# Elasticsearch shows a write after its next refresh (every second by
# default): a ranking made this soon after a drain may predate the change,
# so it is served but not kept.
SETTLING_SECONDS = 2.0


def match_cache_clear(*, visible: bool = True) -> None:
    """Forget every cached ranking (the index changed). `visible=False`: the
    change is not searchable yet (a drain before the index's refresh)."""
    cache = _cache()
    cache.add(_GENERATION, 0, None)
    try:
        cache.incr(_GENERATION)
    except ValueError:  # expired or evicted between the two calls
        cache.set(_GENERATION, 1, None)
    if visible:
        cache.delete(_CHANGED_AT)
    else:
        cache.set(_CHANGED_AT, time.time(), None)


def _settled() -> bool:
    return time.time() - _cache().get(_CHANGED_AT, 0.0) > SETTLING_SECONDS


def _key(name: str, parts: tuple) -> str:
    graph = collaboration_graph().signature
    site = settings.HUB_INDEX_PREFIX
    generation = _cache().get(_GENERATION, 0)
    raw = repr((site, generation, name, parts, translation.get_language(), graph))
    return f"hub:matches:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def _published(matches: list) -> list:
    """`matches` without the records unpublished since they were ranked."""
    if not matches:
        return matches
    if hasattr(matches[0], "member_id"):
        model, attr = Member, "member_id"
    else:
        model, attr = Project, "project_id"
    ids = {getattr(m, attr) for m in matches}
    live = set(
        model.objects.published().filter(pk__in=ids).values_list("pk", flat=True)
    )
    return [m for m in matches if getattr(m, attr) in live]


def matches_remembered(name: str, record, parts: tuple, compute):
    """`compute()` (a list of matches, or a dict of such lists) for `record`
    (a member or an experiment), reused for `HUB_MATCH_CACHE_SECONDS` while
    `name`, `parts` and the record's last update stay the same."""
    seconds = settings.HUB_MATCH_CACHE_SECONDS
    found = None
    if seconds > 0:
        key = _key(name, (record.pk, record.updated_at, *parts))
        found = _cache().get(key)
    if found is None:
        found = compute()
        if seconds > 0 and _settled():
            _cache().set(key, found, seconds)
    if isinstance(found, dict):
        return {k: _published(v) for k, v in found.items()}
    return _published(found)
