"""Periodic work that keeps the index in step with the database while nobody
watches; hub/scheduler.py enqueues these, `manage.py db_worker` runs them.

Every task is idempotent: running one twice, or two schedulers enqueuing the
same one, changes nothing more than running it once.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from django_tasks import task

from members.models import Offer, Seek
from search.services import (
    embedding_cache_prune,
    outbox_drain,
    outbox_enqueue,
    outbox_prune,
)

logger = logging.getLogger(__name__)

# The daily re-index also covers the days before `day`, so a scheduler that
# was down for a few days still has the records of those days re-indexed.
EXPIRY_CATCH_UP_DAYS = 7


class OutboxDrainFailed(RuntimeError):
    """Elasticsearch refused some rows: they stay in the outbox, with their
    backoff, for the next minute's drain."""


@task()
def outbox_drain_task() -> dict:
    """Apply every outbox row whose backoff has passed, rows that failed
    earlier included (search.services.MAX_BACKOFF_SECONDS caps the wait)."""
    report = outbox_drain()
    result = {
        "indexed": report.indexed,
        "deleted": report.deleted,
        "failed": report.failed,
    }
    if report.errors:
        # A failed task is what the task metrics and the operator see; the
        # rows themselves wait in the outbox.
        raise OutboxDrainFailed(f"{result}: {report.errors[0]}")
    return result


def members_with_expired_items(*, day: date) -> list[int]:
    """Members whose offers or seeks reached their end date in the days
    before `day` (`expires_on` is the last day they show)."""
    since = day - timedelta(days=EXPIRY_CATCH_UP_DAYS)
    ids: set[int] = set()
    for model in (Offer, Seek):
        ids.update(
            model.objects.filter(expires_on__lt=day, expires_on__gte=since)
            .values_list("member_id", flat=True)
            .distinct()
        )
    return sorted(ids)


@task()
def expired_items_reindex(*, day: str) -> dict:
    """Re-index the members whose offers or seeks expired before `day` (an
    ISO date), so search results and match reasons drop those lines; nobody
    needs to save the profile. The rows are drained at once; what Elasticsearch
    refuses waits in the outbox for the minute drain."""
    member_ids = members_with_expired_items(day=date.fromisoformat(day))
    with transaction.atomic():
        ids = outbox_enqueue(targets=[("member", pk) for pk in member_ids], drain=False)
    report = outbox_drain(ids=ids or None) if member_ids else None
    return {
        "members": len(member_ids),
        "indexed": report.indexed if report else 0,
        "waiting": report.failed if report else 0,
    }


@task()
def search_prune() -> dict:
    """Outbox rows superseded by a newer one, and cached embeddings that no
    current text uses (older than HUB_EMBEDDING_CACHE_DAYS)."""
    before = timezone.now() - timedelta(days=settings.HUB_EMBEDDING_CACHE_DAYS)
    return {
        "outbox_rows": outbox_prune(),
        "embeddings": embedding_cache_prune(before=before),
    }
