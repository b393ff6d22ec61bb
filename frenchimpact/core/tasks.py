"""Periodic job of the core app: keep the planner statistics of the database fresh."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from frenchimpact.jobs.scheduler import periodic

from .dbstats import refresh_statistics


@periodic(daily_at=dt.time(4, 5))
@task()
def refresh_database_statistics() -> bool:
    """Refresh SQLite's planner statistics (core/dbstats.py); nothing to do on PostgreSQL."""
    return refresh_statistics()
