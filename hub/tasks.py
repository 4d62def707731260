"""Background work shared by the whole site: the worker's heartbeat and the
pruning of finished task results.

Tasks run in `manage.py db_worker` (django-tasks-db: tasks are rows in the
database, so every web process and machine enqueues into one queue);
`manage.py hub_scheduler` enqueues the periodic ones (hub/scheduler.py).
The heartbeat is read from those rows, so it needs no table of its own and
holds across machines: a worker that claims tasks is alive, and the
scheduler's minute drain gives it one to claim every minute.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult


def _age(moment) -> float | None:
    if moment is None:
        return None
    return max((timezone.now() - moment).total_seconds(), 0.0)


def worker_heartbeat_age() -> float | None:
    """Seconds since a worker last started or finished a task; None if no
    worker ever ran one. Over about 90 s with the scheduler running means no
    worker is taking tasks."""
    moments = DBTaskResult.objects.aggregate(
        started=Max("started_at"), finished=Max("finished_at")
    )
    latest = max((m for m in moments.values() if m is not None), default=None)
    return _age(latest)


def task_backlog() -> dict:
    """Tasks waiting for a worker, and how long the oldest has waited (s)."""
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True)
    return {"ready": ready.count(), "oldest_seconds": _age(oldest.first())}


@task()
def task_results_prune() -> int:
    """Delete finished task results older than HUB_TASK_RESULTS_DAYS (the
    minute drain alone leaves 1,440 a day); failures are kept as long."""
    before = timezone.now() - timedelta(days=settings.HUB_TASK_RESULTS_DAYS)
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=before,
    ).delete()
    return deleted
