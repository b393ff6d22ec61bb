"""Generation of the open-data files: CSV, JSON, GeoJSON, Table Schema and Data Package.

One pass over a dataset's rows writes every format at once into local temporary files (rows
are streamed from the database iterator, so memory stays flat whatever the size); the files
are then handed to the default storage under a folder of their own, and only once all of them
are stored does one database row (``Publication``) make them the latest version. Readers
therefore always get a complete previous or complete new version: the database commit is the
"rename" (object storages have no rename, and a filesystem rename would not cover the set of
files together).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from frenchimpact.core.spreadsheets import FORMULA_PREFIXES

from .datasets import DATASETS, LICENCE, Dataset, Row
from .models import Publication

logger = logging.getLogger(__name__)

STORAGE_ROOT = "opendata"
DEFAULT_CHUNK_SIZE = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}


def snapshot_days() -> int:
    """How many days dated snapshots are kept (the latest version is always kept)."""
    return int(getattr(settings, "OPENDATA_SNAPSHOT_DAYS", 30))


def formats_of(dataset: Dataset) -> list[str]:
    return ["csv", "json", "geojson"] if dataset.point is not None else ["csv", "json"]


# --- Descriptors ------------------------------------------------------------------------------


def schema_descriptor(dataset: Dataset) -> dict[str, Any]:
    """The Frictionless Table Schema of a dataset (the contract of its CSV and JSON files)."""
    schema: dict[str, Any] = {
        "fields": [field.descriptor() for field in dataset.fields],
        "missingValues": [""],
    }
    if dataset.primary_key:
        schema["primaryKey"] = list(dataset.primary_key)
    return schema


def _iso_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def datapackage_descriptor(
    dataset: Dataset, publication: Publication, *, paths: dict[str, str], schema: Any
) -> dict[str, Any]:
    """A Tabular Data Package: one resource per format, with sizes and SHA-256 hashes.

    ``paths`` gives each format's path or URL; ``schema`` the schema (path, URL or inline)."""
    resources = []
    for fmt, info in publication.files.items():
        if fmt not in MEDIA_TYPES:
            continue
        resource: dict[str, Any] = {
            "name": f"{dataset.slug}-{fmt}",
            "path": paths[fmt],
            "format": fmt,
            "mediatype": MEDIA_TYPES[fmt],
            "encoding": "utf-8",
            "bytes": info["bytes"],
            "hash": f"sha256:{info['sha256']}",
        }
        if fmt == "csv":
            resource["profile"] = "tabular-data-resource"
            resource["schema"] = schema
            resource["dialect"] = {"delimiter": ",", "header": True}
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": f"french-impact-{dataset.slug}",
        "title": str(dataset.title),
        "description": str(dataset.description),
        "licenses": [LICENCE],
        "created": _iso_utc(publication.published_at),
        "count_of_rows": publication.row_count,
        "resources": resources,
    }


# --- Writers ----------------------------------------------------------------------------------


def _csv_cell_converters(dataset: Dataset) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column, converter) for the non-text columns whose Python value is not already the CSV
    text. Integers, dates and text print as they are; None is written as an empty cell."""
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, field in enumerate(dataset.fields):
        if field.type == "boolean":
            converters.append((index, _csv_bool))
        elif field.type == "datetime":
            converters.append((index, _csv_datetime))
        elif field.type == "array":
            converters.append((index, _csv_array))
    return converters


# Spreadsheets run text starting with one of these as a formula (checked inline below: the
# hot loop of a million-row export; same rule as core.spreadsheets.spreadsheet_safe).
FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


def _csv_bool(value: Any) -> Any:
    return None if value is None else ("true" if value else "false")


def _csv_datetime(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else _iso_utc(value)


@functools.lru_cache(maxsize=4096)
def _array_text(items: tuple[Any, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _csv_array(value: Any) -> Any:
    # A Table Schema array is a JSON array in a CSV cell; few distinct lists, so cached.
    return _array_text(tuple(value)) if value else "[]"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@dataclass
class Outputs:
    csv: IO[str]
    json: IO[str]
    geojson: IO[str] | None = None


def write_rows(dataset: Dataset, rows: Iterable[Row], outputs: Outputs) -> int:
    """Write every row in each format, one row at a time; return the number of rows."""
    names = dataset.field_names
    converters = _csv_cell_converters(dataset)
    writer = csv.writer(outputs.csv, lineterminator="\r\n")
    writer.writerow(names)
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    point = dataset.point
    geojson = outputs.geojson
    outputs.json.write("[")
    if geojson is not None:
        geojson.write('{"type": "FeatureCollection", "features": [')
    count = 0
    located = 0
    text_columns = [index for index, field in enumerate(dataset.fields) if field.type == "string"]
    starts = FORMULA_STARTS
    for row in rows:
        cells = list(row)
        for index, convert in converters:
            cells[index] = convert(cells[index])
        for index in text_columns:
            text = cells[index]
            if text and text[0] in starts:
                cells[index] = "'" + text
        writer.writerow(cells)
        record = dumps(dict(zip(names, row, strict=True)))
        outputs.json.write(("\n" if count == 0 else ",\n") + record)
        if geojson is not None and point is not None:
            coordinates = point(row)
            if coordinates is not None:
                feature = (
                    '{"type": "Feature", "geometry": {"type": "Point", "coordinates": '
                    f"[{coordinates[0]}, {coordinates[1]}]}}, "
                    f'"properties": {record}}}'
                )
                geojson.write(("\n" if located == 0 else ",\n") + feature)
                located += 1
        count += 1
    outputs.json.write("\n]\n")
    if geojson is not None:
        geojson.write("\n]}\n")
    return count


# --- Publication ------------------------------------------------------------------------------


class _LocalFile(File[bytes]):
    """A finished local file; FileSystemStorage moves it into place instead of copying it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path.open("rb"), name=path.name)  # closed below
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def publish_dataset(
    dataset: Dataset, *, chunk_size: int = DEFAULT_CHUNK_SIZE, now: dt.datetime | None = None
) -> Publication:
    """Generate every file of ``dataset``, store them, then make them the latest version."""
    now = now or timezone.now()
    folder = f"{STORAGE_ROOT}/{dataset.slug}/{now.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"
    formats = formats_of(dataset)
    stored: list[str] = []
    with tempfile.TemporaryDirectory(prefix=f"opendata-{dataset.slug}-") as workdir:
        paths = {fmt: Path(workdir) / f"{dataset.slug}.{fmt}" for fmt in formats}
        handles = {fmt: path.open("w", encoding="utf-8", newline="") for fmt, path in paths.items()}
        try:
            row_count = write_rows(
                dataset,
                dataset.rows(chunk_size),
                Outputs(csv=handles["csv"], json=handles["json"], geojson=handles.get("geojson")),
            )
        finally:
            for handle in handles.values():
                handle.close()
        files: dict[str, dict[str, Any]] = {}
        publication = Publication(
            dataset=dataset.slug,
            published_at=now,
            published_on=timezone.localdate(now),
            row_count=row_count,
        )
        try:
            for fmt, path in paths.items():
                info: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": _digest(path)}
                content = _LocalFile(path)
                try:
                    info["name"] = default_storage.save(f"{folder}/{path.name}", content)
                finally:
                    content.close()
                stored.append(info["name"])
                files[fmt] = info
            publication.files = files
            schema = schema_descriptor(dataset)
            relative = {fmt: Path(info["name"]).name for fmt, info in files.items()}
            extras = {
                "schema": schema,
                "datapackage": datapackage_descriptor(
                    dataset, publication, paths=relative, schema="schema.json"
                ),
            }
            for kind, descriptor in extras.items():
                path = Path(workdir) / f"{kind}.json"
                path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
                size = path.stat().st_size
                content = _LocalFile(path)
                try:
                    name = default_storage.save(f"{folder}/{kind}.json", content)
                finally:
                    content.close()
                stored.append(name)
                files[kind] = {"name": name, "bytes": size}
            with transaction.atomic():
                publication.files = files
                publication.save()
        except BaseException:
            # Nothing points to these files yet: remove them, the previous version stays.
            for name in stored:
                _delete_quietly(name)
            raise
    prune(dataset)
    return publication


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:  # a storage error must not hide the original one
        logger.exception("Could not delete open-data file %s", name)


def prune(dataset: Dataset, *, today: dt.date | None = None) -> int:
    """Keep the latest publication, and one per day (the day's last) for OPENDATA_SNAPSHOT_DAYS
    days; delete the others, rows first (so no link points to a missing file), then files."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=snapshot_days())
    publications = Publication.objects.filter(dataset=dataset.slug).order_by("-published_at", "-pk")
    doomed: list[tuple[int, list[str]]] = []
    kept_days: set[dt.date] = set()
    for index, (pk, day, files) in enumerate(
        publications.values_list("pk", "published_on", "files").iterator()
    ):
        if index > 0 and (day < cutoff or day in kept_days):
            doomed.append((pk, [info["name"] for info in files.values() if "name" in info]))
        else:
            kept_days.add(day)
    if doomed:
        Publication.objects.filter(pk__in=[pk for pk, _names in doomed]).delete()
        for _pk, names in doomed:
            for name in names:
                _delete_quietly(name)
    return len(doomed)


def publish_all(
    slugs: Iterable[str] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[Dataset, Publication], None] | None = None,
) -> dict[str, int]:
    """Publish the given datasets (all by default); return rows per dataset."""
    counts = {}
    for slug in slugs or DATASETS:
        dataset = DATASETS[slug]
        publication = publish_dataset(dataset, chunk_size=chunk_size)
        counts[slug] = publication.row_count
        if progress is not None:
            progress(dataset, publication)
    return counts


# --- Reads for the pages ----------------------------------------------------------------------


def latest_publications() -> dict[str, Publication]:
    """The latest publication of each dataset, in one query."""
    newest = Publication.objects.filter(dataset=OuterRef("dataset")).order_by(
        "-published_at", "-pk"
    )
    publications = Publication.objects.filter(pk=Subquery(newest.values("pk")[:1]))
    return {publication.dataset: publication for publication in publications}


def latest_publication(dataset: Dataset) -> Publication | None:
    return Publication.objects.filter(dataset=dataset.slug).order_by("-published_at", "-pk").first()


def snapshot(dataset: Dataset, day: dt.date) -> Publication | None:
    return (
        Publication.objects.filter(dataset=dataset.slug, published_on=day)
        .order_by("-published_at", "-pk")
        .first()
    )


def snapshots(dataset: Dataset) -> list[Publication]:
    """One publication per day (the day's last), most recent first."""
    seen: set[dt.date] = set()
    found = []
    for publication in Publication.objects.filter(dataset=dataset.slug).order_by(
        "-published_at", "-pk"
    ):
        if publication.published_on not in seen:
            seen.add(publication.published_on)
            found.append(publication)
    return found


def public_url(name: str, *args: Any) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"opendata:{name}", args=args)
