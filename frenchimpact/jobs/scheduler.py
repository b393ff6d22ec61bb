"""Periodic jobs: a registry, slot arithmetic, and a tick that enqueues each slot once.

A job is a django-tasks Task declared with ``@periodic(...)``. Slots are computed from the
wall clock (daily at a Paris time, or every N seconds aligned on the epoch), so every worker
computes the same slot and the database's unique constraint elects one of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None

    def slot(self, now: dt.datetime) -> dt.datetime:
        """The latest slot that is due at ``now`` (aware datetime, UTC)."""
        if self.every is not None:
            step = int(self.every.total_seconds())
            epoch = int(now.timestamp())
            return dt.datetime.fromtimestamp(epoch - epoch % step, tz=dt.UTC)
        assert self.daily_at is not None
        local = now.astimezone(PARIS)
        candidate = dt.datetime.combine(local.date(), self.daily_at, tzinfo=PARIS)
        if candidate > local:
            candidate = dt.datetime.combine(
                local.date() - dt.timedelta(days=1), self.daily_at, tzinfo=PARIS
            )
        return candidate.astimezone(dt.UTC)


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(
    *, every: dt.timedelta | None = None, daily_at: dt.time | None = None
) -> Callable[[Any], Any]:
    """Register a task as periodic: ``every=timedelta(...)`` or ``daily_at=time(h, m)`` (Paris)."""
    if (every is None) == (daily_at is None):
        raise ValueError("Give exactly one of every= or daily_at=.")
    if every is not None and every.total_seconds() < 60:
        raise ValueError("A periodic job runs at most once a minute.")

    def register(task: Any) -> Any:
        name = task.module_path
        REGISTRY[name] = PeriodicJob(name=name, task=task, every=every, daily_at=daily_at)
        return task

    return register


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot nobody has claimed yet; return their names."""
    from .models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    for job in REGISTRY.values():
        slot = job.slot(now)
        if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                result = job.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            # Another worker claimed this slot first.
            continue
        logger.info("Enqueued periodic job %s for slot %s", job.name, slot.isoformat())
        enqueued.append(job.name)
    return enqueued
