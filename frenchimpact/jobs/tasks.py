"""Background tasks of the platform's infrastructure."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import management
from django.core.mail import get_connection
from django.utils import timezone
from django_tasks import task

from .mail import deserialize_message
from .scheduler import periodic

logger = logging.getLogger(__name__)


@task(queue_name="emails")
def send_email(message: dict[str, Any]) -> int:
    """Deliver one serialised e-mail through the configured delivery backend."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    return connection.send_messages([deserialize_message(message)]) or 0


@periodic(daily_at=dt.time(3, 0))
@task()
def clear_expired_sessions() -> None:
    """Remove expired sessions (they hold no value and weigh on the database)."""
    management.call_command("clearsessions")


@periodic(daily_at=dt.time(3, 30))
@task()
def prune_job_history() -> int:
    """Forget finished task results and scheduler marks older than 30 days."""
    from .models import ScheduledRun

    management.call_command("prune_db_task_results", min_age_days=30, verbosity=0)
    deleted, _ = ScheduledRun.objects.filter(
        slot__lt=timezone.now() - dt.timedelta(days=30)
    ).delete()
    return deleted
