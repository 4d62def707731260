"""Meeting reminders; hub/scheduler.py enqueues this every five minutes and
`manage.py db_worker` runs it. Idempotent: each reminder is sent once."""

from django_tasks import task

from events.services import meeting_reminders_send


@task()
def meeting_reminders_task() -> int:
    """E-mail both sides of booked meetings starting within a day (once) and
    within an hour (once)."""
    return meeting_reminders_send()
