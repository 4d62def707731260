"""Keeping the index in step with the database: the outbox and full rebuilds.

Every outbox row names a document to refresh. Draining reads each record's
current state and writes it (or deletes it, when the record is gone or no
longer public) with an external version equal to the newest outbox row id, so
a slow drainer can never overwrite a newer state and draining twice changes
nothing.
"""

import logging
from collections import defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.helpers import bulk, scan

from search import embeddings
from search.client import SearchUnavailable, get_client, index_alias
from search.documents import DOCUMENTS, documents_prepare, encoded_texts
from search.indices import alias_swap, index_ensure, index_new, indices_behind
from search.models import EmbeddingCache, OutboxEntry
from search.signals import index_changed, index_refreshed

logger = logging.getLogger(__name__)

# A failed row waits at most this long before its next try. The scheduler
# drains every minute (search/tasks.py), so with less than a minute here a
# row deferred by one run is due at the next: once the node is back, nothing
# waits more than a minute.
MAX_BACKOFF_SECONDS = 45
ES_ERRORS = (ApiError, TransportError, SearchUnavailable)
REBUILD_TIMEOUT = 300  # seconds
MERGE_TIMEOUT = 1800  # seconds
# Bulk requests in flight while the next chunk is prepared: two let
# Elasticsearch index on two threads (vector graphs are built while indexing).
BULK_THREADS = 2
SCAN_PAGE_SIZE = 5000
BULK_SETTINGS = {"refresh_interval": "-1", "translog.durability": "async"}


@dataclass
class DrainReport:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: "DrainReport") -> None:
        self.indexed += other.indexed
        self.deleted += other.deleted
        self.failed += other.failed
        self.rows += other.rows
        self.errors.extend(other.errors)


def outbox_enqueue(
    *, targets: Iterable[tuple[str, int]], drain: bool | None = None
) -> list[int]:
    """Write one outbox row per (document, object id); call inside the transaction.

    With `drain` (default: the HUB_SEARCH_DRAIN_ON_COMMIT setting) the rows are
    applied right after the commit; bulk writers pass False and drain or
    rebuild once at the end.
    """
    rows = OutboxEntry.objects.bulk_create(
        (
            OutboxEntry(document=document, object_id=object_id)
            for document, object_id in dict.fromkeys(targets)
        ),
        batch_size=2000,
    )
    if drain is None:
        drain = settings.HUB_SEARCH_DRAIN_ON_COMMIT
    ids = [row.pk for row in rows if row.pk is not None]
    if rows and drain:
        # Backends that return no ids from bulk inserts drain whatever is due.
        transaction.on_commit(lambda: outbox_drain_quietly(ids=ids or None))
    return ids


def outbox_drain_quietly(*, ids: list[int] | None) -> None:
    """After-commit drain: never raises, the rows stay for `search_sync`."""
    try:
        report = outbox_drain(ids=ids)
    except Exception:  # noqa: BLE001 - a save must never fail because of search
        logger.warning(
            "Search outbox drain failed; rows kept for search_sync", exc_info=True
        )
        return
    if report.errors:
        logger.warning(
            "Search outbox drain left %s rows: %s", report.failed, report.errors[0]
        )


def outbox_drain(
    *,
    ids: list[int] | None = None,
    batch_size: int = 500,
    include_deferred: bool = False,
    client: Elasticsearch | None = None,
) -> DrainReport:
    """Apply outbox rows to the index, oldest first, and delete the applied rows.

    `ids` limits the drain to those rows (the after-commit path); otherwise all
    rows whose backoff has passed are drained, or every row with
    `include_deferred`. Rows that fail get their attempt count raised and are
    deferred with exponential backoff.
    """
    report = DrainReport()
    queryset = OutboxEntry.objects.order_by("id")
    if ids is not None:
        queryset = queryset.filter(id__in=ids)
    elif not include_deferred:
        queryset = queryset.filter(next_attempt_at__lte=timezone.now())
    last_id = 0
    while True:
        rows = list(queryset.filter(id__gt=last_id)[:batch_size])
        if not rows:
            return report
        last_id = rows[-1].pk
        try:
            client = client or get_client()
            batch = _drain_batch(rows, client=client)
        except ES_ERRORS as exc:
            _defer(rows, error=str(exc))
            report.failed += len(rows)
            report.rows += len(rows)
            report.errors.append(str(exc))
            return report
        report.merge(batch)


def _drain_batch(rows: list[OutboxEntry], *, client: Elasticsearch) -> DrainReport:
    report = DrainReport(rows=len(rows))
    rows_of: dict[tuple[str, int], list[OutboxEntry]] = defaultdict(list)
    for row in rows:
        rows_of[(row.document, row.object_id)].append(row)

    operation: dict[tuple[str, int], str] = {}
    sources: dict[tuple[str, int], dict] = {}
    actions = []
    for document, doc_class in DOCUMENTS.items():
        wanted = [oid for (doc, oid) in rows_of if doc == document]
        if not wanted:
            continue
        index_ensure(document=document, client=client)
        found = doc_class.indexable().in_bulk(wanted)
        prepared = dict(
            zip(found, documents_prepare(doc_class, found.values()), strict=True)
        )
        for object_id in wanted:
            key = (document, object_id)
            action = {
                "_index": index_alias(document),
                "_id": object_id,
                "version": max(row.pk for row in rows_of[key]),
                "version_type": "external_gte",
            }
            if object_id in found:
                action["_op_type"] = "index"
                action["_source"] = sources[key] = prepared[object_id]
            else:
                action["_op_type"] = "delete"
            operation[key] = action["_op_type"]
            actions.append(action)

    _, errors = bulk(client, actions, raise_on_error=False, raise_on_exception=True)
    failed_keys = {}
    for error in errors:
        op, info = next(iter(error.items()))
        status = info.get("status")
        # A missing document on delete, or a newer version already indexed,
        # both mean the index already holds what this row asks for.
        if (op == "delete" and status == 404) or status == 409:
            continue
        failed_keys[(_document_of(info["_index"]), int(info["_id"]))] = str(
            info.get("error")
        )

    done, failed = [], []
    for key, key_rows in rows_of.items():
        if key in failed_keys:
            failed.extend(key_rows)
            report.errors.append(f"{key[0]} {key[1]}: {failed_keys[key]}")
        else:
            done.extend(row.pk for row in key_rows)
            if operation[key] == "index":
                report.indexed += 1
            else:
                report.deleted += 1
    OutboxEntry.objects.filter(id__in=done).delete()
    changes: dict[str, dict] = defaultdict(dict)
    for key in rows_of:
        if key not in failed_keys:
            changes[key[0]][key[1]] = (
                sources.get(key) if operation[key] == "index" else None
            )
    for document, changed in changes.items():
        index_changed.send(
            sender=DOCUMENTS[document],
            document=document,
            changes=changed,
            visible=False,
        )
    if failed:
        _defer(failed, error=report.errors[-1])
        report.failed += len(failed)
    return report


def _document_of(index_name: str) -> str:
    for document in DOCUMENTS:
        alias = index_alias(document)
        if index_name == alias or index_name.startswith(f"{alias}-"):
            return document
    raise ValueError(f"{index_name} belongs to no known document")


def _defer(rows: list[OutboxEntry], *, error: str) -> None:
    now = timezone.now()
    for row in rows:
        row.attempts += 1
        delay = min(2**row.attempts, MAX_BACKOFF_SECONDS)
        row.next_attempt_at = now + timedelta(seconds=delay)
        row.last_error = error[:2000]
    OutboxEntry.objects.bulk_update(rows, ["attempts", "next_attempt_at", "last_error"])


def outbox_prune() -> int:
    """Delete outbox rows that a newer row for the same record makes useless.

    A drain reads the record's current state and writes it with the newest
    row's id as its version, so older rows of that record add nothing (a
    record saved a hundred times during an outage leaves one row). Returns
    the rows deleted.
    """
    repeated = (
        OutboxEntry.objects.values("document", "object_id")
        .annotate(rows=Count("id"), newest=Max("id"))
        .filter(rows__gt=1)
        .order_by()
    )
    superseded = [
        pk
        for row in repeated
        for pk in OutboxEntry.objects.filter(
            document=row["document"], object_id=row["object_id"], id__lt=row["newest"]
        ).values_list("id", flat=True)
    ]
    deleted = 0
    for start in range(0, len(superseded), 2000):
        deleted += OutboxEntry.objects.filter(
            id__in=superseded[start : start + 2000]
        ).delete()[0]
    return deleted


def embedding_cache_prune(*, before, chunk_size: int = 1000) -> int:
    """Delete cached embeddings created before `before` that no indexable
    record's current text needs any more (edited or deleted texts). Entries
    newer than `before` stay, so a save racing with the prune keeps its own.
    Returns the entries deleted."""
    used: set[str] = set()
    for doc_class in DOCUMENTS.values():
        pks = list(doc_class.indexable().order_by("pk").values_list("pk", flat=True))
        for batch in _chunks(pks, chunk_size):
            records = doc_class.records(batch)
            used.update(
                embeddings.cache_key(text)
                for record in records.values()
                for text in encoded_texts(doc_class, doc_class.source(record, url=""))
            )
    stale = [
        key
        for key in EmbeddingCache.objects.filter(created_at__lt=before).values_list(
            "key", flat=True
        )
        if key not in used
    ]
    deleted = 0
    for start in range(0, len(stale), 2000):
        deleted += EmbeddingCache.objects.filter(
            key__in=stale[start : start + 2000]
        ).delete()[0]
    return deleted


@dataclass
class RebuildReport:
    document: str
    index: str
    indexed: int
    removed_after_swap: int


def index_rebuild(
    *, document: str, chunk_size: int = 1000, client: Elasticsearch | None = None
) -> RebuildReport:
    """Build a new index from the database, then swap the alias atomically.

    Searches keep hitting the old index until the swap. Changes drained during
    the build are reconciled afterwards: documents are written with the newest
    outbox id as their version, and records changed since the build started
    are queued again.
    """
    # Bulk writes and the final refresh of a large index take longer than a
    # search may: the rebuild gets its own, long timeout.
    client = (client or get_client()).options(request_timeout=REBUILD_TIMEOUT)
    doc_class = DOCUMENTS[document]
    started = timezone.now()
    version = OutboxEntry.objects.aggregate(m=Max("id"))["m"] or 0
    new_index = index_new(document=document, client=client, alias=False)

    def chunks():
        pks = list(doc_class.indexable().order_by("pk").values_list("pk", flat=True))
        for batch in _chunks(pks, chunk_size):
            sources = documents_prepare(doc_class, batch)
            yield [
                {
                    "_index": new_index,
                    "_id": pk,
                    "_source": source,
                    "version": version,
                    "version_type": "external_gte",
                }
                for pk, source in zip(batch, sources, strict=True)
                # Deleted or unpublished since the keys were read.
                if source is not None
            ]

    # No refreshes while filling the index (one at the end makes it
    # searchable), and no fsync per bulk request: until the swap, a crash only
    # loses an index that nothing reads.
    client.indices.put_settings(index=new_index, settings=BULK_SETTINGS)
    indexed = _bulk_while_preparing(client, chunks())
    client.indices.put_settings(
        index=new_index, settings=dict.fromkeys(BULK_SETTINGS, None)
    )
    client.indices.refresh(index=new_index)
    alias_swap(document=document, new_index=new_index, client=client)
    index_changed.send(sender=doc_class, document=document, changes=None, visible=True)
    # Rows queued before the build started are covered by it.
    OutboxEntry.objects.filter(document=document, id__lte=version).delete()

    # Reconcile what changed while the new index was being built.
    model = doc_class.indexable().model
    live = set(doc_class.indexable().values_list("pk", flat=True))
    in_index = {
        int(hit["_id"])
        for hit in scan(
            client,
            index=index_alias(document),
            query={"_source": False},
            size=SCAN_PAGE_SIZE,
        )
    }
    changed = set(
        model._default_manager.filter(updated_at__gte=started).values_list(
            "pk", flat=True
        )
    )
    stale = (in_index - live) | (changed & live)
    with transaction.atomic():
        outbox_enqueue(targets=[(document, pk) for pk in sorted(stale)])
    return RebuildReport(
        document=document,
        index=new_index,
        indexed=indexed,
        removed_after_swap=len(stale),
    )


def index_merge(*, document: str, client: Elasticsearch | None = None) -> int:
    """Force-merge the index behind the alias of `document` into one segment.

    A rebuild leaves a few segments (one per bulk thread, more for large
    indices); one segment halves kNN search time (one vector graph to search)
    but merging re-inserts vectors, which costs seconds per 10,000 documents,
    so the rebuild leaves it to `search_rebuild --merge`. Searches keep
    working meanwhile. Returns the number of indices merged.
    """
    client = (client or get_client()).options(request_timeout=MERGE_TIMEOUT)
    names = indices_behind(document=document, client=client)
    for name in names:
        client.indices.forcemerge(index=name, max_num_segments=1)
    return len(names)


def _bulk_while_preparing(client: Elasticsearch, chunks: Iterable[list[dict]]) -> int:
    """Bulk each chunk of actions in a second thread while the next is prepared.

    Preparing reads the database, so it stays in this thread (Django's
    connections are per thread); one chunk is sent while the next is prepared,
    so Elasticsearch indexes while Python prepares. Returns the documents
    indexed; the first failure is raised here.
    """
    indexed = 0
    in_flight: deque[Future] = deque()
    with ThreadPoolExecutor(
        max_workers=BULK_THREADS, thread_name_prefix="search-bulk"
    ) as sender:
        try:
            for actions in chunks:
                in_flight.append(sender.submit(_bulk_chunk, client, actions))
                if len(in_flight) > BULK_THREADS:
                    indexed += in_flight.popleft().result()
            while in_flight:
                indexed += in_flight.popleft().result()
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise
    return indexed


def _bulk_chunk(client: Elasticsearch, actions: list[dict]) -> int:
    indexed, _ = bulk(client, actions, chunk_size=max(len(actions), 1))
    return indexed


def _chunks(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def index_refresh(*, client: Elasticsearch | None = None) -> None:
    """Make every write visible to search now (tests and commands)."""
    client = client or get_client()
    for document in DOCUMENTS:
        client.indices.refresh(index=index_alias(document), ignore_unavailable=True)
    index_refreshed.send(sender=None)
