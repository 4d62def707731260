"""Alerts and digests as background tasks; hub/scheduler.py enqueues them and
`manage.py db_worker` runs them. Each message has its key in the database, so
a retried task or a second scheduler sends nothing twice."""

from datetime import date

from django_tasks import task

from members.call_alerts import calls_alert
from members.follows import follow_updates_send
from members.models import AlertFrequency
from members.notifications import digests_send, saved_searches_alert


@task()
def saved_search_alerts_send(*, frequency: str = AlertFrequency.INSTANT) -> int:
    """E-mail the new results of the saved searches of `frequency`."""
    return saved_searches_alert(frequency=frequency)


@task()
def weekly_digests_send(*, day: str) -> int:
    """The weekly digest of the week holding `day` (an ISO date)."""
    return digests_send(day=date.fromisoformat(day))


@task()
def follow_updates_send_task() -> int:
    """Tell followers what happened to the members and experiments they
    follow."""
    return follow_updates_send()


@task()
def call_alerts_send() -> int:
    """Tell the managers of fitting members of each open call (once)."""
    return calls_alert()
