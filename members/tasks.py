"""Daily work on members' data; hub/scheduler.py enqueues these and
`manage.py db_worker` runs them. Both are idempotent."""

import logging
from datetime import date

from django_tasks import task

from members.services import privacy
from members.services.profiles import REMINDER_DAYS, expiring_items_remind

logger = logging.getLogger(__name__)


@task()
def expiry_reminders_send(*, day: str) -> int:
    """E-mail the managers of members whose offers or seeks expire within
    REMINDER_DAYS of `day` (an ISO date); a line is reminded once."""
    return expiring_items_remind(
        within_days=REMINDER_DAYS, today=date.fromisoformat(day)
    )


@task()
def personal_data_prune() -> object:
    """Delete personal data kept past its retention period, through
    `members.services.privacy.prune_expired_personal_data` when the privacy
    service provides it (None otherwise)."""
    prune = getattr(privacy, "prune_expired_personal_data", None)
    if prune is None:
        logger.info("members.services.privacy has no prune_expired_personal_data")
        return None
    result = prune()
    # A task's result is stored as JSON.
    return result if isinstance(result, int | dict | list | None) else str(result)
