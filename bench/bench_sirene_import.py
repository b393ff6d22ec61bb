"""Time the import of a national-scale SIRENE stock of legal units (StockUniteLegale).

Generates, in a temporary directory, a synthetic StockUniteLegale in the real 35-column
layout: BENCH_SIRENE_ROWS rows (default 2,000,000), ~5 % ESS (flag O, or flag empty with an
ESS legal form), valid SIREN keys, ~2 % of names quoted with commas, ~1 % non-diffusible
rows, ~30 % ceased units. Then, for each database (a fresh SQLite file in a temporary
VAR_DIR, and PostgreSQL too when DATABASE_URL points to one or ``--postgres URL`` is given),
a worker process creates a fresh test database (migrated, then destroyed; on PostgreSQL named
BENCH_TEST_DB, default ``bench_sirene_<pid>``) and measures:

* **reading + filtering** — the importer's fast scan alone over the whole file (bytes
  classified by numpy; the ESS candidates and every doubtful line split in Python), no
  database: rows/s over all rows (target ≥ 1,000,000);
* **import** — ``run_import`` end to end (scan, row checks, upserts, rejects, one audit entry
  and one checkpoint per batch, search index told once per batch); the time spent in the
  batch commits gives the **ESS upsert** rate: ESS rows / commit seconds (target ≥ 20,000),
  and the same without the time spent in the search interface (``schedule_sync`` and what it
  runs after commit), which is reported apart;
* **re-import** of the same file (every ESS row unchanged);
* **peak memory** of the worker (``getrusage`` maxrss; target < 500 MB).

Prints one summary line per database:
``sirene_import <db> rows=<n> ess=<n> scan_rows_s=<x> upsert_rows_s=<y>
upsert_without_search_rows_s=<y'> search_s=<s> upsert_cpu_rows_s=<c> total_s=<z>
reimport_s=<w> peak_mb=<m> load=<1-minute load average>`` (``upsert_cpu_rows_s``: ESS rows
per CPU second of the worker during the commits — on a shared machine, the figure that waiting
for the CPU does not lower; on PostgreSQL it leaves out the server's work). Run it with
``make bench-sirene`` (or ``.venv/bin/python bench/bench_sirene_import.py [--postgres URL]``);
BENCH_SIRENE_ROWS changes the size, BENCH_SIRENE_BATCH the batch size (default 5000, as the
command).
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_SIRENE_ROWS", "2000000"))
BATCH = int(os.environ.get("BENCH_SIRENE_BATCH", "5000"))
TARGET_SCAN = 1_000_000
TARGET_UPSERT = 20_000
TARGET_MB = 500


def _luhn_siren(base: int) -> str:
    digits = f"{base:08d}"
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # doubled: the check digit will be in position 0
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return digits + str((10 - total % 10) % 10)


def generate(path: Path, rows: int) -> int:
    """Write the synthetic stock; returns the number of ESS rows (diffusible ones)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()  # no database access here: only the layout's column names
    from frenchimpact.registries.sirene import COLUMNS_35

    rng = random.Random(20261126)
    ess = 0
    ess_forms = ["9220", "9220", "9220", "9230", "9300", "5458", "6317", "8210"]
    other_forms = ["5710", "5499", "6540", "5720", "5599"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS_35) + "\n")
        lines = []
        for n in range(rows):
            siren = _luhn_siren(10_000_000 + n * 37)
            draw = rng.random()
            state = "C" if rng.random() < 0.3 else "A"
            statut = "P" if rng.random() < 0.01 else "O"
            created = f"{rng.randint(1950, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            nic = f"{rng.randint(1, 99999):05d}"
            person = ["", "", "", "", "", ""]
            name = ""
            if draw < 0.05:
                form = rng.choice(ess_forms)
                flag = "O" if rng.random() < 0.5 else ""
                name = f"ASSOCIATION SOLIDAIRE {n}"
                if statut == "O":
                    ess += 1
            elif draw < 0.62:
                form, flag = "1000", rng.choice(["N", ""])
                person = ["M", "JEAN", "", "", "", "JEAN"]
            else:
                form, flag = rng.choice(other_forms), rng.choice(["N", "N", ""])
                name = f"SOCIETE {n}"
            if name and rng.random() < 0.02:
                name = f'"{name}, ET ASSOCIES"'
            fields = [
                siren,
                statut,
                "",
                created,
                "",
                *person[:1],
                person[1],
                "",
                "",
                "",
                person[5],
                "",
                "",
                rng.choice(["NN", "01", "11", ""]),
                "2023",
                "2025-12-06T05:25:38",
                "3",
                "PME",
                "2023",
                "2022-10-01",
                state,
                "DUPONT" if person[0] else "",
                "",
                name,
                "",
                "",
                "",
                form,
                "88.99B",
                "NAFRev2",
                nic,
                flag,
                "",
                "N",
                "88.99Y",
            ]
            lines.append(",".join(fields))
            if len(lines) == 100_000:
                handle.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            handle.write("\n".join(lines) + "\n")
    return ess


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(path: Path, ess: int) -> None:
    """Run in a process of its own: the settings, hence the database, are chosen once."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    from frenchimpact.organisations.models import Organisation
    from frenchimpact.registries import framework
    from frenchimpact.registries.framework import Tally, open_stream, run_import
    from frenchimpact.registries.sirene import SireneUnitsImporter

    vendor = connection.vendor
    old_name = connection.settings_dict["NAME"]
    if vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = os.environ.get(
            "BENCH_TEST_DB", f"bench_sirene_{os.getpid()}"
        )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        # 1. Reading and filtering alone.
        importer = SireneUnitsImporter()
        start = time.perf_counter()
        candidates = skipped = 0
        with open_stream(path) as (header, stream, found):
            importer.check_header(header)
            for item in importer.scan(
                stream,
                encoding=found["encoding"],
                delimiter=found["delimiter"],
                width=len(header),
                first_line=2,
                after_line=1,
                every=5000,
            ):
                if isinstance(item, Tally):
                    skipped += item.skipped.total()
                else:
                    candidates += 1
        scan_s = time.perf_counter() - start
        scan_peak = _peak_mb()

        # 2. The import, timing the batch commits (checks, upserts, audit, search sync) and,
        # apart, the search interface.
        commit_time = [0.0, 0.0]  # wall, CPU of this process
        search = _time_search()
        original_commit = framework._commit

        def timed_commit(*args: Any, **kwargs: Any) -> None:
            begin, begin_cpu = time.perf_counter(), time.process_time()
            try:
                original_commit(*args, **kwargs)
            finally:
                commit_time[0] += time.perf_counter() - begin
                commit_time[1] += time.process_time() - begin_cpu

        framework._commit = timed_commit
        start = time.perf_counter()
        first = run_import(SireneUnitsImporter(), path, batch_size=BATCH)
        total_s = time.perf_counter() - start
        first_commit_s, first_search_s = commit_time[0], search["seconds"]
        first_commit_cpu_s, first_search_calls = commit_time[1], search["calls"]
        commit_time[0] = commit_time[1] = search["seconds"] = 0.0
        organisations = Organisation.objects.count()

        # 3. Re-import of the same file: nothing changes.
        start = time.perf_counter()
        second = run_import(SireneUnitsImporter(), path, batch_size=BATCH)
        reimport_s = time.perf_counter() - start
        reimport_commit_s = commit_time[0]
        framework._commit = original_commit
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    peak = _peak_mb()
    load = os.getloadavg()[0]
    scan_rate = ROWS / scan_s
    upsert_rate = first.created / first_commit_s if first_commit_s else 0.0
    bare_s = first_commit_s - first_search_s
    bare_rate = first.created / bare_s if bare_s > 0 else 0.0
    # On a shared machine the wall clock waits for the CPU too; this process's CPU time holds
    # all of SQLite's work but not PostgreSQL's (its server is another process).
    cpu_rate = first.created / first_commit_cpu_s if first_commit_cpu_s else 0.0
    print(f"{vendor}: {ROWS:,} rows, {ess:,} diffusible ESS rows, batches of {BATCH:,}")
    print(
        f"  scan only           {scan_s:7.2f} s  {scan_rate:12,.0f} rows/s  "
        f"({candidates:,} rows to check in Python, {skipped:,} skipped unparsed; "
        f"peak {scan_peak:.0f} MB)"
    )
    print(
        f"  import              {total_s:7.2f} s  {ROWS / total_s:12,.0f} rows/s  "
        f"(created {first.created:,}, skipped {first.skipped}, rejected {first.rejected}; "
        f"{organisations:,} organisations)"
    )
    print(
        f"    of which commits  {first_commit_s:7.2f} s  {upsert_rate:12,.0f} ESS rows/s "
        f"(checks + upsert + rejects + audit + search index)"
    )
    print(
        f"      of which search {first_search_s:7.2f} s  ({first_search_calls} calls; without it "
        f"{bare_rate:,.0f} ESS rows/s)"
    )
    print(
        f"      CPU time        {first_commit_cpu_s:7.2f} s  {cpu_rate:12,.0f} ESS rows per CPU "
        f"second of this process (load average {load:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"  re-import           {reimport_s:7.2f} s  (unchanged {second.unchanged:,}, "
        f"created {second.created}, updated {second.updated}; commits {reimport_commit_s:.2f} s)"
    )
    verdicts = [
        "scan OK" if scan_rate >= TARGET_SCAN else "scan UNDER TARGET",
        "upsert OK" if upsert_rate >= TARGET_UPSERT else "upsert UNDER TARGET",
        "memory OK" if peak < TARGET_MB else "memory OVER TARGET",
    ]
    print(
        f"sirene_import {vendor} rows={ROWS} ess={ess} scan_rows_s={scan_rate:.0f} "
        f"upsert_rows_s={upsert_rate:.0f} upsert_without_search_rows_s={bare_rate:.0f} "
        f"search_s={first_search_s:.1f} upsert_cpu_rows_s={cpu_rate:.0f} "
        f"total_s={total_s:.1f} reimport_s={reimport_s:.1f} "
        f"peak_mb={peak:.0f} load={load:.1f} {' / '.join(verdicts)}"
    )


def _time_search() -> dict[str, Any]:
    """Time spent in the search interface the importers call once per batch
    (``schedule_sync``), including what it leaves to run after commit."""
    from django.db import transaction

    from frenchimpact.search import documents

    spent: dict[str, Any] = {"seconds": 0.0, "calls": 0}
    original = documents.schedule_sync

    def timed(func: Any) -> Any:
        def run() -> None:
            begin = time.perf_counter()
            try:
                func()
            finally:
                spent["seconds"] += time.perf_counter() - begin

        return run

    def schedule_sync(kind: str, ids: Any) -> None:
        real_on_commit = transaction.on_commit
        transaction.on_commit = lambda func, *a, **k: real_on_commit(timed(func), *a, **k)
        begin = time.perf_counter()
        try:
            original(kind, ids)
        finally:
            spent["seconds"] += time.perf_counter() - begin
            spent["calls"] += 1
            transaction.on_commit = real_on_commit

    documents.schedule_sync = schedule_sync
    return spent


def main() -> None:
    postgres = os.environ.get("DATABASE_URL", "")
    if "--postgres" in sys.argv:
        postgres = sys.argv[sys.argv.index("--postgres") + 1]
    with tempfile.TemporaryDirectory(prefix="bench-sirene-") as tmp:
        path = Path(tmp) / "StockUniteLegale_utf8.csv"
        start = time.perf_counter()
        ess = generate(path, ROWS)
        print(
            f"generated {path.name}: {ROWS:,} rows, {path.stat().st_size / 1e6:.0f} MB "
            f"in {time.perf_counter() - start:.1f} s"
        )
        databases: list[dict[str, str]] = []
        sqlite = {**os.environ, "VAR_DIR": tmp}
        sqlite.pop("DATABASE_URL", None)  # always a fresh SQLite file
        databases.append(sqlite)
        if postgres.startswith(("postgres://", "postgresql://")):
            databases.append({**os.environ, "VAR_DIR": tmp, "DATABASE_URL": postgres})
        for env in databases:
            subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), str(ess)],
                cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
                check=True,
            )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
