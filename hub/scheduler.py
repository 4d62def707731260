"""The periodic jobs: APScheduler's triggers decide when, and each job only
enqueues a task for `manage.py db_worker` to run (`manage.py hub_scheduler`).

Run one scheduler per site. The jobs are idempotent, so a second scheduler
(two machines started with the same compose file) only repeats work.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from events.tasks import meeting_reminders_task
from hub.tasks import task_results_prune
from members.notifications_tasks import (
    call_alerts_send,
    follow_updates_send_task,
    saved_search_alerts_send,
    weekly_digests_send,
)
from members.tasks import expiry_reminders_send, personal_data_prune
from search.tasks import expired_items_reindex, outbox_drain_task, search_prune

logger = logging.getLogger(__name__)


def _today() -> dict:
    return {"day": timezone.localdate().isoformat()}


@dataclass(frozen=True)
class Entry:
    """One periodic job: `task` enqueued on `trigger`, with the keyword
    arguments `arguments()` returns at that moment (the day, for daily jobs)."""

    id: str
    task: Any
    trigger: Any
    arguments: Any = dict
    at_start: bool = False

    def enqueue(self, **overrides):
        result = self.task.enqueue(**{**self.arguments(), **overrides})
        logger.info("Enqueued %s (%s)", self.id, result.id)
        return result


def entries() -> list[Entry]:
    """The schedule, in the site's time zone (TIME_ZONE)."""
    zone = timezone.get_current_timezone()
    daily = {"timezone": zone}
    return [
        # Outbox rows left by an outage or a failed after-commit drain.
        Entry(
            "outbox-drain", outbox_drain_task, IntervalTrigger(minutes=1), at_start=True
        ),
        # Just after midnight: yesterday was the last day of what expired.
        Entry(
            "expired-items-reindex",
            expired_items_reindex,
            CronTrigger(hour=0, minute=5, **daily),
            _today,
            at_start=True,
        ),
        Entry(
            "expiry-reminders",
            expiry_reminders_send,
            CronTrigger(hour=8, minute=0, **daily),
            _today,
        ),
        Entry("search-prune", search_prune, CronTrigger(hour=3, minute=30, **daily)),
        Entry(
            "task-results-prune",
            task_results_prune,
            CronTrigger(hour=3, minute=45, **daily),
        ),
        Entry(
            "personal-data-prune",
            personal_data_prune,
            CronTrigger(hour=4, minute=0, **daily),
        ),
        # Saved searches: instant ones every five minutes, then the daily and
        # weekly ones before the working day; the digest on Monday morning.
        Entry(
            "alerts-instant",
            saved_search_alerts_send,
            IntervalTrigger(minutes=5),
            lambda: {"frequency": "instant"},
        ),
        Entry(
            "alerts-daily",
            saved_search_alerts_send,
            CronTrigger(hour=7, minute=0, **daily),
            lambda: {"frequency": "daily"},
        ),
        Entry(
            "alerts-weekly",
            saved_search_alerts_send,
            CronTrigger(day_of_week="mon", hour=7, minute=10, **daily),
            lambda: {"frequency": "weekly"},
        ),
        # What followed members and experiments did; open calls that fit.
        Entry(
            "follow-updates",
            follow_updates_send_task,
            IntervalTrigger(minutes=5),
        ),
        Entry(
            "call-alerts",
            call_alerts_send,
            CronTrigger(hour=7, minute=20, **daily),
        ),
        # Matchmaking meetings: the day-before and hour-before reminders.
        Entry("meeting-reminders", meeting_reminders_task, IntervalTrigger(minutes=5)),
        Entry(
            "weekly-digests",
            weekly_digests_send,
            CronTrigger(day_of_week="mon", hour=7, minute=30, **daily),
            _today,
        ),
    ]


def _enqueue(entry: Entry) -> None:
    # APScheduler runs jobs in its own threads: each gets fresh connections.
    close_old_connections()
    try:
        entry.enqueue()
    finally:
        close_old_connections()


def scheduler_build() -> BlockingScheduler:
    """A scheduler holding every entry (job id = entry id). A missed run
    (scheduler down, machine asleep) is made up once, not once per miss."""
    scheduler = BlockingScheduler(
        timezone=timezone.get_current_timezone(),
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    now = timezone.now()
    for entry in entries():
        scheduler.add_job(
            _enqueue,
            entry.trigger,
            args=[entry],
            id=entry.id,
            name=entry.id,
            **({"next_run_time": now} if entry.at_start else {}),
        )
    return scheduler
