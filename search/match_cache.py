"""The match cache, by its former module: it now lives in
`search.matchmaking.cache`; these names stay for the code that imports them
from here."""

from search.matchmaking.cache import (
    CACHE_ALIAS,
    match_cache_clear,
    match_cache_stats,
    matches_remembered,
)

__all__ = [
    "CACHE_ALIAS",
    "match_cache_clear",
    "match_cache_stats",
    "matches_remembered",
]
