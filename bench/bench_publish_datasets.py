"""Time the publication of the organisations open dataset: 200,000 published organisations,
target ≥ 50,000 rows/s with flat memory.

A worker process creates a fresh SQLite test database (Django's test database machinery, in a
temporary VAR_DIR; PostgreSQL too when DATABASE_URL points to one), writes the organisations
with bulk_create, then publishes the "organisations" dataset (one pass writing the CSV and the
JSON files, their hashes, the schema and the data package, stored in a FileSystemStorage under
a temporary folder) and prints:

``publish_organisations <db> rows=<n> seconds=<s> rows_per_s=<r> target=50000``
``  peak_rss_mb before=<a> after=<b>  traced_peak_mb=<p> (second run, under tracemalloc)``

BENCH_OPENDATA_ROWS changes the number of organisations.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_OPENDATA_ROWS", "200000"))
TARGET = 50_000
BATCH = 10_000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _organisations() -> None:
    """ROWS published organisations with realistic field sizes, written in bulk."""
    import datetime as dt

    from django.utils import timezone
    from stdnum import luhn

    from frenchimpact.organisations.enums import EssFamily, ModerationStatus, Source
    from frenchimpact.organisations.models import Organisation
    from frenchimpact.territories.models import Department, Region

    region = Region.objects.get_or_create(code="53", defaults={"nom": "Bretagne"})[0]
    department = Department.objects.get_or_create(
        code="35", defaults={"nom": "Ille-et-Vilaine", "region": region}
    )[0]
    now = timezone.now()
    for start in range(0, ROWS, BATCH):
        batch = []
        for index in range(start, min(start + BATCH, ROWS)):
            base = f"{100_000_000 + index * 7:08d}"[-8:]
            siren = base + luhn.calc_check_digit(base)
            batch.append(
                Organisation(
                    name=f"Association pour l’insertion et la solidarité n° {index}",
                    acronym="AIS",
                    kinds=["porteur_projet"],
                    siren=siren,
                    siret=siren + "00012",
                    legal_form_code="9220",
                    legal_form_label="Association déclarée",
                    ess_flag="O",
                    ess_family=EssFamily.ASSOCIATION,
                    creation_date=dt.date(2000 + index % 20, 1 + index % 12, 1),
                    size_band="11",
                    postal_code="35000",
                    commune_code="35238",
                    commune_name="Rennes",
                    department=department,
                    region=region,
                    website="https://exemple.fr",
                    description="Accompagnement vers l’emploi des personnes qui en sont éloignées.",
                    contact_email="prive@exemple.fr",
                    source=Source.SIRENE,
                    status=ModerationStatus.PUBLISHED,
                    published_at=now,
                )
            )
        Organisation.objects.bulk_create(batch)


def _bare_csv_loop() -> float:
    """The machine's speed right now: raw cursor rows to csv.writer, nothing else."""
    import csv

    from django.db import connection

    from frenchimpact.opendata.datasets import _stream
    from frenchimpact.organisations.models import Organisation

    queryset = (
        Organisation.objects.published()
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "acronym",
            "siren",
            "siret",
            "rna",
            "kinds",
            "ess_family",
            "ess_flag",
            "legal_form_code",
            "legal_form_label",
            "creation_date",
            "rna_creation_date",
            "size_band",
            "commune_code",
            "commune_name",
            "postal_code",
            "department__code",
            "region__code",
            "website",
            "description",
            "charter_accepted_at",
            "ceased",
            "source",
            "published_at",
            "updated_at",
        )
    )
    assert connection.vendor in ("sqlite", "postgresql")
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
        print(f"  generated {ROWS} organisations in {time.perf_counter() - start:.1f} s")
        baseline = _bare_csv_loop()
        print(f"  baseline: bare SQL-to-CSV loop over the same rows {baseline:,.0f} rows/s")
        with override_settings(STORAGES=storages, OPENDATA_SNAPSHOT_DAYS=30):
            # Warm-up: the first reverse() imports every URLconf (a one-off cost per process).
            from django.urls import reverse

            reverse("directory:organisation", args=[1])
            before = _rss_mb()
            start = time.perf_counter()
            publication = publish_dataset(DATASETS["organisations"])
            seconds = time.perf_counter() - start
            after = _rss_mb()
            sizes = {fmt: info["bytes"] for fmt, info in publication.files.items()}
            tracemalloc.start()
            publish_dataset(DATASETS["organisations"])
            traced_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
        rate = publication.row_count / seconds
        print(
            f"publish_organisations {label} rows={publication.row_count} seconds={seconds:.2f} "
            f"rows_per_s={rate:,.0f} target={TARGET:,}"
        )
        print(
            f"  peak_rss_mb before={before:.0f} after={after:.0f}  "
            f"traced_peak_mb={traced_peak:.1f} (second run, under tracemalloc)"
        )
        print(f"  file sizes: {sizes}")
    finally:
        connection.creation.destroy_test_db(
            connection.settings_dict["NAME"], verbosity=0, keepdb=False
        )


def main() -> None:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-opendata-") as var_dir:
        sqlite = {**env, "VAR_DIR": var_dir}
        sqlite.pop("DATABASE_URL", None)  # always a fresh SQLite file
        runs = [sqlite]
        if env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            runs.append(env)
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
