import datetime as dt
import zoneinfo

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from frenchimpact.jobs import scheduler
from frenchimpact.jobs.models import ScheduledRun

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "emails"]}
}


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_daily_slot_is_the_latest_paris_time_already_passed():
    job = scheduler.PeriodicJob(name="j", task=None, daily_at=dt.time(3, 0))
    assert job.slot(paris(2026, 11, 26, 2, 59)) == paris(2026, 11, 25, 3, 0)
    assert job.slot(paris(2026, 11, 26, 3, 0)) == paris(2026, 11, 26, 3, 0)
    assert job.slot(paris(2026, 11, 26, 23, 0)) == paris(2026, 11, 26, 3, 0)


def test_daily_slot_follows_paris_summer_time():
    job = scheduler.PeriodicJob(name="j", task=None, daily_at=dt.time(3, 0))
    # 3:00 in Paris is 01:00 UTC in summer and 02:00 UTC in winter.
    assert job.slot(paris(2026, 7, 1, 12, 0)).astimezone(dt.UTC).hour == 1
    assert job.slot(paris(2026, 12, 1, 12, 0)).astimezone(dt.UTC).hour == 2


def test_interval_slots_are_aligned_so_every_worker_agrees():
    job = scheduler.PeriodicJob(name="j", task=None, every=dt.timedelta(minutes=15))
    now = dt.datetime(2026, 11, 26, 10, 7, 31, tzinfo=dt.UTC)
    assert job.slot(now) == dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
    assert job.slot(now + dt.timedelta(minutes=8)) == dt.datetime(
        2026, 11, 26, 10, 15, tzinfo=dt.UTC
    )


def test_periodic_rejects_ambiguous_or_too_frequent_schedules():
    with pytest.raises(ValueError):
        scheduler.periodic()
    with pytest.raises(ValueError):
        scheduler.periodic(every=dt.timedelta(minutes=5), daily_at=dt.time(1, 0))
    with pytest.raises(ValueError):
        scheduler.periodic(every=dt.timedelta(seconds=10))


def test_infrastructure_jobs_are_registered():
    assert "frenchimpact.jobs.tasks.clear_expired_sessions" in scheduler.REGISTRY
    assert "frenchimpact.jobs.tasks.prune_job_history" in scheduler.REGISTRY


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_tick_enqueues_each_slot_once_even_when_two_workers_tick():
    now = paris(2026, 11, 26, 4, 0)
    first = scheduler.tick(now)
    second = scheduler.tick(now)  # another worker, same slot

    assert sorted(first) == sorted(scheduler.REGISTRY)
    assert second == []
    assert ScheduledRun.objects.count() == len(scheduler.REGISTRY)
    assert DBTaskResult.objects.count() == len(scheduler.REGISTRY)

    next_day = scheduler.tick(now + dt.timedelta(days=1))
    assert sorted(next_day) == sorted(scheduler.REGISTRY)
    assert DBTaskResult.objects.count() == 2 * len(scheduler.REGISTRY)


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_slot_claimed_by_another_worker_is_skipped(monkeypatch):
    now = paris(2026, 11, 26, 4, 0)
    job = scheduler.REGISTRY["frenchimpact.jobs.tasks.clear_expired_sessions"]
    ScheduledRun.objects.create(job=job.name, slot=job.slot(now))
    enqueued = scheduler.tick(now)
    assert job.name not in enqueued
    assert ScheduledRun.objects.filter(job=job.name).count() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_batch_worker_runs_the_periodic_jobs_it_enqueued():
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    call_command("run_worker", "--batch", verbosity=0)
    assert not Session.objects.filter(session_key="x" * 32).exists()
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
