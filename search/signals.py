"""What the indexer announces; caches listen (the indexer imports none)."""

from django.dispatch import Signal

# Documents were written to (or removed from) an index. Arguments:
# `document` ("member" or "project"), `changes` ({id: the source written, or
# None when removed}; None after a rebuild: anything may have changed) and
# `visible` (False until the index's next refresh shows them).
index_changed = Signal()

# Every write so far is searchable (`index_refresh`).
index_refreshed = Signal()
