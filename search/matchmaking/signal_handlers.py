"""The match cache follows the indexer's announcements (search/signals.py)."""

from django.conf import settings

from search.matchmaking.cache import (
    match_cache_clear,
    match_cache_settled,
    tags_changed,
    tags_touch,
)
from search.signals import index_changed, index_refreshed


def index_changed_received(sender, *, document, changes, visible=True, **kwargs):
    if settings.HUB_MATCH_CACHE_SECONDS <= 0:
        return  # nothing is kept: nothing to drop
    if changes is None:
        match_cache_clear(visible=visible)
        return
    tags_touch(tags_changed(document=document, changes=changes))


def index_refreshed_received(sender, **kwargs):
    match_cache_settled()


def register() -> None:
    index_changed.connect(
        index_changed_received, dispatch_uid="matchmaking-index-changed"
    )
    index_refreshed.connect(
        index_refreshed_received, dispatch_uid="matchmaking-index-refreshed"
    )
