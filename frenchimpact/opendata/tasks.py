"""Scheduled work of the open-data domain (discovered by frenchimpact.jobs)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from frenchimpact.jobs.scheduler import periodic

from . import publish


@periodic(daily_at=dt.time(4, 30))
@task()
def publish_datasets() -> dict[str, int]:
    """Publish every open dataset (files, schema, data package) and prune old snapshots;
    return the number of rows of each."""
    return publish.publish_all()
