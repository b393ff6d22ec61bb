"""Periodic job of the search app: prune the change log."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task

from frenchimpact.jobs.scheduler import periodic

from . import changelog


@periodic(daily_at=dt.time(4, 15))
@task()
def prune_search_changes() -> int:
    """Delete change-log rows older than SEARCH_CHANGE_RETENTION_DAYS (docs/search.md)."""
    return changelog.prune(older_than=dt.timedelta(days=settings.SEARCH_CHANGE_RETENTION_DAYS))
