"""Scheduled work of the label domain (discovered by frenchimpact.jobs)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from frenchimpact.jobs.scheduler import periodic

from . import services


@periodic(daily_at=dt.time(6, 0))
@task()
def label_daily_jobs() -> dict[str, int]:
    """Expire labels past their end, open renewals LABEL_RENEWAL_WINDOW_DAYS before the end,
    send the LABEL_REMINDER_DAYS reminders (each step idempotent)."""
    return services.label_daily_jobs()
