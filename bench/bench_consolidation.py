"""Time the consolidation and ranking of a review round: 500 applications × 5 reviewers ×
10 criteria (25,000 scores), target under 200 ms.

For each database (a fresh SQLite file in a temporary VAR_DIR, and PostgreSQL too when
DATABASE_URL points to one), a worker process creates a fresh test database (Django's test
database machinery: migrated, then destroyed), writes the round in bulk, then times over
several runs:

* ``consolidation.consolidate_round(round_id)`` end to end (its queries and the maths);
* ``consolidation.load_round(round_id)`` alone (the queries and building the inputs);
* ``consolidation.consolidate(...)`` alone (the pure maths on the loaded inputs).

It prints the median and maximum of each and one summary line per database:
``consolidation <db> median_ms=<x> max_ms=<y> maths_median_ms=<z> runs=<n> target_ms=200``.
Run it with ``make bench-calls``; BENCH_CALLS_RUNS changes the number of timed runs.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APPLICATIONS = 500
REVIEWERS = 5
CRITERIA = 10
TARGET_MS = 200.0
RUNS = int(os.environ.get("BENCH_CALLS_RUNS", "25"))
WARMUP = 3


def _timed(function: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    for _ in range(WARMUP):
        result = function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def _build_round() -> int:
    """The round to consolidate, written in bulk; returns its id."""
    import datetime as dt

    from django.utils import timezone

    from frenchimpact.accounts.models import User
    from frenchimpact.calls.enums import (
        ApplicationStatus,
        AssignmentStatus,
        CallStatus,
        GridKind,
        RoundKind,
    )
    from frenchimpact.calls.models import (
        Assignment,
        Call,
        CallApplication,
        Criterion,
        FormVersion,
        Grid,
        ReviewRound,
        Score,
    )
    from frenchimpact.organisations.models import Organisation

    rng = random.Random(2018)
    now = timezone.now()
    call = Call.objects.create(
        slug="bench",
        title="Banc d’essai",
        summary="Banc d’essai de la consolidation",
        description="—",
        opens_at=now - dt.timedelta(days=60),
        closes_at=now - dt.timedelta(days=30),
        status=CallStatus.PUBLISHED,
    )
    form = FormVersion.objects.create(call=call, number=1, frozen_at=now)
    grid = Grid.objects.create(call=call, kind=GridKind.EVALUATION, number=1, frozen_at=now)
    criteria = Criterion.objects.bulk_create(
        Criterion(
            grid=grid,
            key=f"c{n}",
            label=f"Critère {n}",
            weight=Decimal(rng.randint(1, 3)),
            scale_min=0,
            scale_max=5 if n % 2 else 10,
            order=n,
        )
        for n in range(CRITERIA)
    )
    review_round = ReviewRound.objects.create(
        call=call, number=1, kind=RoundKind.WRITTEN, name="Évaluation", grid=grid
    )
    reviewers = User.objects.bulk_create(
        User(email=f"evaluateur-{n}@bench.example", first_name="É", last_name=str(n))
        for n in range(REVIEWERS)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Structure {n:03d}") for n in range(APPLICATIONS)
    )
    applications = CallApplication.objects.bulk_create(
        CallApplication(
            call=call,
            organisation=organisation,
            form=form,
            reference=f"BENCH-{n:05d}",
            status=ApplicationStatus.IN_REVIEW,
        )
        for n, organisation in enumerate(organisations)
    )
    assignments = Assignment.objects.bulk_create(
        (
            Assignment(
                round=review_round,
                application=application,
                reviewer=reviewer,
                status=AssignmentStatus.SUBMITTED,
                submitted_at=now,
            )
            for application in applications
            for reviewer in reviewers
        ),
        batch_size=1000,
    )
    Score.objects.bulk_create(
        (
            Score(
                assignment=assignment,
                criterion=criterion,
                value=Decimal(rng.randint(criterion.scale_min, criterion.scale_max)),
            )
            for assignment in assignments
            for criterion in criteria
        ),
        batch_size=2000,
    )
    return review_round.pk


def worker() -> None:
    """Run in a process of its own: the settings, hence the database, are chosen once."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    from frenchimpact.calls import consolidation
    from frenchimpact.calls.models import Score

    vendor = connection.vendor
    old_name = connection.settings_dict["NAME"]
    if vendor != "sqlite":
        # A name of its own: never clobber the test database of a suite running meanwhile.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_calls_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        start = time.perf_counter()
        round_id = _build_round()
        built = time.perf_counter() - start
        scores = Score.objects.count()
        end_to_end, results = _timed(lambda: consolidation.consolidate_round(round_id), RUNS)
        loading, loaded = _timed(lambda: consolidation.load_round(round_id), RUNS)
        criteria, reviews, application_ids = loaded
        maths, _ = _timed(
            lambda: consolidation.consolidate(
                criteria=criteria,
                reviews=reviews,
                application_ids=application_ids,
                spread_threshold=20.0,
                seed="bench",
            ),
            RUNS,
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    ranked = sum(1 for r in results if r.rank)
    print(
        f"{vendor}: {APPLICATIONS} applications × {REVIEWERS} reviewers × {CRITERIA} criteria "
        f"({scores} scores, {ranked} ranked), data written in {built:.1f} s"
    )
    for label, times in (
        ("consolidate_round (queries + maths)", end_to_end),
        ("load_round (queries only)", loading),
        ("consolidate (maths only)", maths),
    ):
        print(
            f"  {label:<38} median {statistics.median(times):7.1f} ms   "
            f"max {max(times):7.1f} ms   ({len(times)} runs)"
        )
    median = statistics.median(end_to_end)
    verdict = "OK" if median < TARGET_MS else "OVER TARGET"
    print(
        f"consolidation {vendor} median_ms={median:.1f} max_ms={max(end_to_end):.1f} "
        f"maths_median_ms={statistics.median(maths):.1f} runs={len(end_to_end)} "
        f"target_ms={TARGET_MS:.0f} {verdict}"
    )


def main() -> None:
    databases: list[tuple[str, dict[str, str]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as var_dir:
        sqlite = {**os.environ, "VAR_DIR": var_dir}
        sqlite.pop("DATABASE_URL", None)  # always a fresh SQLite file
        databases.append(("SQLite", sqlite))
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            databases.append(("PostgreSQL", {**os.environ, "VAR_DIR": var_dir}))
        for _name, env in databases:
            subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--worker"],
                cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
                check=True,
            )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
