"""Match results kept for a short while, shared by the web processes, and
dropped only when something they were ranked from changes.

One member's or experiment's matches cost two to six Elasticsearch queries
over the whole network and about a hundred milliseconds of CPU, yet the
panels, the dashboard and the API ask for the same ones far more often than
the data behind them changes. Each result is kept for
`HUB_MATCH_CACHE_SECONDS` (0 turns the cache off) in the `matches` cache
(Redis when `HUB_REDIS_URL` is set, which every web process of every machine
reads; otherwise files in `HUB_MATCH_CACHE_DIR`, shared by the processes of
one machine).

Its key holds everything a visitor can change and expect to see at once: the
record's own last update and its current partners, the dismissals, the
requested kind and size, the public-only flag, the language (reasons are
worded in it), the collaboration graph's signature, the site's index prefix,
and the cache's generation, which `match_cache_clear` moves on (a rebuild).

What *other* records change reaches a ranking through its **tags**: each
ranking names what it was ranked from (`tags_for_*` below), each tag holds a
version in the shared store, and a ranking whose tags moved since it was
made is recomputed. The indexer announces every drained document
(`search.signals.index_changed`, received in `signal_handlers`), and
`tags_changed` moves the tags that document can affect:

- ``member:<pk>`` / ``project:<pk>``: the record itself changed (its own
  suggestions);
- ``partner:<pk>``: what a member shows as someone's partner changed (kind,
  country, name, offers, languages, sectors, commune): the suggestions for
  the experiments it is on;
- ``members:<kind>``: a member of that kind changed as a *candidate* (its
  indexed document differs), so every ranking of members of that kind may
  differ (experiment → members of that kind or of any kind; member →
  members); a member that changed kind moves both kinds;
- ``projects``: an experiment changed as a candidate (member → experiments,
  the track record of experiment → members, similar experiments);
- ``teams``: the same, for member → experiments, where any experiment's
  team features may change.

Whether a document changed is decided by a digest of its indexed source,
kept per record; a record never seen before counts as changed in every way
(its former kind is unknown: every kind moves). Corpus statistics (BM25's
term frequencies) shift a little with every write; they are left to the
expiry.

Elasticsearch shows a write after its next refresh (every second by
default): a ranking made within `SETTLING_SECONDS` of a change to one of its
tags may predate it, so it is served but not kept. Whatever is returned,
cached or not, is first checked against the database: a member or experiment
unpublished since the ranking was made is dropped, so a stale entry never
shows a hidden record. Hits and misses are counted in the store
(`match_cache_stats`).
"""

import hashlib
import json
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from members.models import Member, MemberKind
from projects.models import Project
from search.graph import collaboration_graph

CACHE_ALIAS = "matches"
SETTLING_SECONDS = 2.0
_CHANGED_AT = "hub:matches:changed-at"
_REFRESHED_AT = "hub:matches:refreshed-at"
_GENERATION = "hub:matches:generation"
# What a member shows as someone's partner (team features, cited partners).
TEAM_FIELDS = ("kind", "country", "commune", "languages", "sectors", "name", "offers")


def _cache():
    return caches[CACHE_ALIAS]


def match_cache_clear(*, visible: bool = True) -> None:
    """Forget every cached ranking (a rebuild). `visible=False`: the change is
    not searchable yet (before the index's refresh)."""
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


def match_cache_settled() -> None:
    """Every write so far is searchable (the index was refreshed)."""
    cache = _cache()
    cache.set(_REFRESHED_AT, time.time(), None)
    cache.delete(_CHANGED_AT)


# Tags ------------------------------------------------------------------------------


def _tag_key(tag: str) -> str:
    return f"hub:matches:tag:{settings.HUB_INDEX_PREFIX}:{tag}"


def _version(changed: bool) -> tuple[float, str, bool]:
    # Unique, so that a tag evicted and created again never matches a
    # ranking made before.
    return (time.time(), uuid.uuid4().hex, changed)


# The tag of rankings that name none: any change moves it.
ANY = "any"


def member_kind_tags(kind: str | None) -> list[str]:
    """Tags of the rankings of members of `kind` (every kind if None)."""
    kinds = [kind] if kind else list(MemberKind.values)
    return [f"members:{k}" for k in kinds]


def tags_for_project_members(*, project_id, partners, kind) -> list[str]:
    """Experiment → members: the experiment, its team, the candidates of
    `kind` and the past experiments (track record)."""
    tags = [f"partner:{pk}" for pk in sorted(set(partners))]
    if project_id:
        tags.append(f"project:{project_id}")
    return [*tags, *member_kind_tags(kind), "projects"]


def tags_for_member_projects(*, member_id) -> list[str]:
    """Member → experiments: the member, the experiments and their teams."""
    return [f"member:{member_id}", "projects", "teams"]


def tags_for_member_members(*, member_id) -> list[str]:
    """Member → members: the member and every member as a candidate."""
    return [f"member:{member_id}", *member_kind_tags(None)]


def tags_for_similar_projects(*, project_id) -> list[str]:
    return [f"project:{project_id}", "projects"]


def tags_touch(tags) -> None:
    """Move `tags` on: every ranking made from them is recomputed (and those
    that named no tags: `ANY`)."""
    if not tags:
        return
    cache = _cache()
    version = _version(True)
    cache.set_many({_tag_key(tag): version for tag in {*tags, ANY}}, None)


# Derived from the other fields: no need to hash them.
DERIVED_FIELDS = ("embedding", "suggest")


def _digest(source: dict, fields=None) -> str:
    if fields is None:
        source = {k: v for k, v in source.items() if k not in DERIVED_FIELDS}
    else:
        source = {k: source.get(k) for k in fields}
    raw = json.dumps(source, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def tags_changed(*, document: str, changes: dict[int, dict | None]) -> list[str]:
    """The tags that the indexed documents `changes` (id → new source, None
    when removed) can affect; remembers each document's digests."""
    cache = _cache()
    seen_keys = {
        pk: f"hub:matches:seen:{settings.HUB_INDEX_PREFIX}:{document}:{pk}"
        for pk in changes
    }
    seen = cache.get_many(list(seen_keys.values()))
    tags, remember, forget = set(), {}, []
    for pk, source in changes.items():
        before = seen.get(seen_keys[pk])
        if document == "member":
            kind = source.get("kind") if source else None
            old_kind = before[2] if before else None
            now = (
                (_digest(source), _digest(source, TEAM_FIELDS), kind)
                if source
                else None
            )
            if now == before:
                continue
            tags.add(f"member:{pk}")
            if before is None or now is None or now[0] != before[0]:
                if before is None:
                    tags.update(member_kind_tags(None))
                else:
                    tags.update(member_kind_tags(old_kind))
                if kind:
                    tags.update(member_kind_tags(kind))
            if before is None or now is None or now[1] != before[1]:
                tags.update([f"partner:{pk}", "teams"])
        else:
            now = (_digest(source),) if source else None
            if now == before:
                continue
            tags.update([f"project:{pk}", "projects"])
        if now is None:
            forget.append(seen_keys[pk])
        else:
            remember[seen_keys[pk]] = now
    if remember:
        cache.set_many(remember, None)
    if forget:
        cache.delete_many(forget)
    return sorted(tags)


# Rankings --------------------------------------------------------------------------


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


STATS = ("hits", "misses", "stale")


def _stats_keys() -> list[str]:
    site = settings.HUB_INDEX_PREFIX
    return [f"hub:matches:stats:{site}:{name}" for name in STATS]


def _count(outcome: str) -> None:
    """`outcome`: "hits", "misses" (of which "stale" also counts the entries
    found but ranked before a change they depend on)."""
    cache, key = _cache(), _stats_keys()[STATS.index(outcome)]
    cache.add(key, 0, None)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def match_cache_stats(*, reset: bool = False) -> dict:
    """Rankings answered from the cache and computed, across all processes."""
    cache, keys = _cache(), _stats_keys()
    found = cache.get_many(keys)
    hits, misses, stale = (found.get(key, 0) for key in keys)
    if reset:
        cache.delete_many(keys)
    total = hits + misses
    return {
        "hits": hits,
        "misses": misses,
        "stale": stale,
        "hit_rate": hits / total if total else 0.0,
    }


def _fresh(versions: dict, keys: list[str]) -> bool:
    """No tag among `keys` changed too recently to be searchable."""
    refreshed = _cache().get(_REFRESHED_AT, 0.0)
    now = time.time()
    if now - _cache().get(_CHANGED_AT, 0.0) <= SETTLING_SECONDS:
        return False
    for key in keys:
        changed_at, _nonce, changed = versions[key]
        if changed and changed_at > refreshed and now - changed_at <= SETTLING_SECONDS:
            return False
    return True


def matches_remembered(name: str, record, parts: tuple, compute, *, tags=(ANY,)):
    """`compute()` (a list of matches, or a dict of such lists) for `record`
    (a member or an experiment), reused for `HUB_MATCH_CACHE_SECONDS` while
    `name`, `parts`, the record's last update and the versions of `tags`
    stay the same. Without `tags`, any index change drops it."""
    return matches_remembered_together(
        {name: (name, record, parts, tags)}, lambda _labels: {name: compute()}
    )[name]


def matches_remembered_together(wanted: dict, compute) -> dict:
    """Several cached rankings at once. `wanted`: by label, the (name,
    record, parts, tags) that `matches_remembered` takes; the lists the cache
    holds are read, and one call `compute(labels)` ranks the missing ones
    (their lists by label), so that their searches can share a round trip.
    Answers every list by label, each cached apart."""
    if settings.HUB_MATCH_CACHE_SECONDS <= 0:
        return {k: _checked(v) for k, v in compute(list(wanted)).items()}
    entries = {
        label: _Entry(name, record, parts, tags)
        for label, (name, record, parts, tags) in wanted.items()
    }
    missing = [label for label, entry in entries.items() if not entry.found]
    computed = compute(missing) if missing else {}
    return {
        label: _checked(entry.value if entry.found else entry.store(computed[label]))
        for label, entry in entries.items()
    }


class _Entry:
    """One ranking's place in the cache: its value if found and current, else
    the tag versions it is computed under (read before computing, so a change
    made meanwhile leaves the stored ranking stale)."""

    def __init__(self, name: str, record, parts: tuple, tags):
        cache = _cache()
        self.key = _key(name, (record.pk, record.updated_at, *parts))
        self.keys = [_tag_key(tag) for tag in dict.fromkeys(tags)]
        entry = cache.get(self.key)
        versions = cache.get_many(self.keys) if self.keys else {}
        self.found = entry is not None and all(
            versions.get(k) is not None and versions[k] == entry["tags"].get(k)
            for k in self.keys
        )
        if self.found:
            _count("hits")
            self.value = entry["value"]
            return
        _count("misses")
        if entry is not None:
            _count("stale")
        missing = [k for k in self.keys if versions.get(k) is None]
        if missing:
            for k in missing:
                cache.add(k, _version(False), None)
            versions.update(cache.get_many(missing))
        self.versions = versions

    def store(self, value):
        keys, versions = self.keys, self.versions
        if all(k in versions for k in keys) and _fresh(versions, keys):
            _cache().set(
                self.key,
                {"value": value, "tags": versions},
                settings.HUB_MATCH_CACHE_SECONDS,
            )
        return value


def _checked(found):
    if isinstance(found, dict):
        return {k: _published(v) for k, v in found.items()}
    return _published(found)
