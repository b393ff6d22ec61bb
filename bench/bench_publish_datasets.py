"""Time the publication of the organisations open dataset: 1,000,000 published organisations,
target ≥ 50,000 rows/s with flat memory.

For each database (a fresh SQLite file in a temporary VAR_DIR, and PostgreSQL too when
DATABASE_URL points to one), a worker process creates a fresh test database (Django's test
database machinery: migrated, then destroyed), inserts the organisations (raw ``executemany``
of ORM-prepared values: the ORM's ``bulk_create`` would take longer than what is measured),
then publishes the "organisations" dataset: one pass writing the CSV, JSON and GeoJSON files,
their SHA-256 hashes, the schema and the data package, stored in a FileSystemStorage under a
temporary folder. Every organisation has a head-office position (the worst case for the
GeoJSON file); one in eight has a comma in its description (quoted by the CSV writer).

Prints, per database:

``publish_organisations <db> rows=<n> seconds=<s> rows_per_s=<r> target=50000
peak_rss_mb=<p> rss_before_mb=<b> csv_mb=<c> json_mb=<j> geojson_mb=<g>``

where ``peak_rss_mb`` is the worker's peak resident memory during the publication alone (the
kernel's high-water mark, reset just before it; falls back to the whole process's peak when
the reset is refused). A bare cursor-to-``csv.writer`` loop over the same rows is printed
before, as the machine's speed of the moment.

``make bench-opendata`` or ``.venv/bin/python bench/bench_publish_datasets.py``;
BENCH_OPENDATA_ROWS changes the number of organisations (default 1,000,000). For PostgreSQL,
``DATABASE_URL=postgres://…/bench_helpc`` (the worker creates and drops ``test_bench_helpc``).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_OPENDATA_ROWS", "1000000"))
TARGET = 50_000
BATCH = 20_000


def _status_mb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mb(reset: bool) -> float:
    peak = _status_mb("VmHWM") if reset else None
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _organisations() -> None:
    """ROWS published organisations with realistic field sizes and a position each."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from frenchimpact.organisations.enums import EssFamily, ModerationStatus, Source
    from frenchimpact.organisations.models import Organisation
    from frenchimpact.territories.models import Department, Region

    region = Region.objects.get_or_create(code="53", defaults={"nom": "Bretagne"})[0]
    department = Department.objects.get_or_create(
        code="35", defaults={"nom": "Ille-et-Vilaine", "region": region}
    )[0]
    template = Organisation(
        name="",
        acronym="AIS",
        kinds=["porteur_projet"],
        siren="000000000",
        siret="",
        legal_form_code="9220",
        legal_form_label="Association déclarée",
        ess_flag="O",
        ess_family=EssFamily.ASSOCIATION,
        creation_date=dt.date(2001, 1, 1),
        size_band="11",
        postal_code="35000",
        commune_code="35238",
        commune_name="Rennes",
        department=department,
        region=region,
        latitude=48.1173,
        longitude=-1.6778,
        website="https://exemple.fr",
        description="",
        contact_email="prive@exemple.fr",
        source=Source.SIRENE,
        status=ModerationStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    fields = [f for f in Organisation._meta.concrete_fields if not f.primary_key]
    prepared = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields]
    position = {f.attname: index for index, f in enumerate(fields)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Organisation._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    descriptions = (
        "Accompagnement vers l’emploi des personnes qui en sont éloignées.",
        "Insertion, formation et accompagnement des jeunes du quartier.",
    )
    for start in range(0, ROWS, BATCH):
        batch = []
        for index in range(start, min(start + BATCH, ROWS)):
            values = list(prepared)
            siren = f"{100_000_000 + index:09d}"  # format only: the database checks no key
            values[position["name"]] = f"Association pour l’insertion et la solidarité {index}"
            values[position["siren"]] = siren
            values[position["siret"]] = siren + "00012"
            values[position["creation_date"]] = f"{2000 + index % 20}-{1 + index % 12:02d}-01"
            values[position["latitude"]] = 48.1173 + (index % 1000) / 10_000
            values[position["longitude"]] = -1.6778 + (index % 997) / 10_000
            values[position["description"]] = descriptions[index % 8 == 0]
            batch.append(values)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)


def _bare_csv_loop() -> float:
    """The machine's speed right now: raw cursor rows to csv.writer, nothing else."""
    import csv

    from frenchimpact.opendata.datasets import _stream
    from frenchimpact.organisations.models import Organisation

    # The columns of the dataset, as stored (the reference figure of issue 6 used these).
    columns = (
        *("pk", "name", "acronym", "siren", "siret", "rna", "kinds", "ess_family", "ess_flag"),
        *("legal_form_code", "legal_form_label", "creation_date", "rna_creation_date"),
        *("size_band", "commune_code", "commune_name", "postal_code", "department__code"),
        *("region__code", "website", "description", "charter_accepted_at", "ceased", "source"),
        *("published_at", "updated_at"),
    )
    queryset = Organisation.objects.published().order_by("pk").values_list(*columns)
    with Path(os.devnull).open("w", newline="") as sink:
        writer = csv.writer(sink)
        start = time.perf_counter()
        count = 0
        for row in _stream(queryset, 2000):
            writer.writerow(row)
            count += 1
    return count / (time.perf_counter() - start)


def worker() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import override_settings

    from frenchimpact.opendata.datasets import DATASETS
    from frenchimpact.opendata.publish import publish_dataset

    label = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    media = tempfile.mkdtemp(prefix="bench-opendata-media-")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    try:
        start = time.perf_counter()
        _organisations()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE organisations_organisation")
        print(f"  {label}: generated {ROWS:,} organisations in {time.perf_counter() - start:.1f} s")
        baseline = _bare_csv_loop()
        print(
            f"  {label}: bare cursor-to-csv.writer loop over the same rows {baseline:,.0f} rows/s"
        )
        with override_settings(STORAGES=storages, OPENDATA_SNAPSHOT_DAYS=30):
            # Warm-up: the first reverse() imports every URLconf (a one-off cost per process).
            from django.urls import reverse

            reverse("directory:organisation", args=[1])
            rss_before = _status_mb("VmRSS") or 0.0
            reset = _reset_peak_rss()
            start = time.perf_counter()
            publication = publish_dataset(DATASETS["organisations"])
            seconds = time.perf_counter() - start
            peak = _peak_rss_mb(reset)
        sizes = {fmt: info["bytes"] / 1e6 for fmt, info in publication.files.items()}
        rate = publication.row_count / seconds
        print(
            f"publish_organisations {label} rows={publication.row_count} seconds={seconds:.2f} "
            f"rows_per_s={rate:.0f} target={TARGET} peak_rss_mb={peak:.0f} "
            f"rss_before_mb={rss_before:.0f} csv_mb={sizes['csv']:.0f} "
            f"json_mb={sizes['json']:.0f} geojson_mb={sizes.get('geojson', 0):.0f}"
            + ("" if reset else " (peak_rss_mb: whole process, reset refused)"),
            flush=True,
        )
    finally:
        connection.close()
        connection.creation.destroy_test_db(
            connection.settings_dict["NAME"], verbosity=0, keepdb=False
        )
        shutil.rmtree(media, ignore_errors=True)


def main() -> None:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-opendata-") as var_dir:
        sqlite = {**env, "VAR_DIR": var_dir}
        sqlite.pop("DATABASE_URL", None)  # always a fresh SQLite file
        runs = [sqlite]
        if env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            runs.append({**env, "VAR_DIR": var_dir})
        for run_env in runs:
            run_env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
            subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--worker"],
                cwd=ROOT,
                env=run_env,
                check=True,
            )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
