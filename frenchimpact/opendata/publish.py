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

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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

from .datasets import DATASETS, LICENCE, Dataset, Row, iso_datetime
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
    return ["csv", "json", "geojson"] if dataset.position is not None else ["csv", "json"]


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

# Spreadsheets run text starting with one of these as a formula (the rule of
# core.spreadsheets.spreadsheet_safe, inlined in the generated encoder below).
FORMULA_STARTS = frozenset(FORMULA_PREFIXES)
# The C string quoter of the json module (ensure_ascii=False): json.dumps(text) minus the
# call overhead, which counts a million times per column.
_quote: Callable[[str], str] = json.encoder.encode_basestring


# A CSV cell holding one of these must be quoted (RFC 4180), its quotes doubled.
_NEEDS_QUOTES = re.compile('[",\r\n]').search


def csv_cell(text: str) -> str:
    """A text CSV cell: neutralised against spreadsheet formulas, then quoted if needed (as
    ``csv.writer`` with QUOTE_MINIMAL would)."""
    if text[:1] in FORMULA_STARTS:
        text = "'" + text
    if _NEEDS_QUOTES(text):
        return '"' + text.replace('"', '""') + '"'
    return text


@functools.lru_cache(maxsize=4096)
def _array_texts(items: tuple[Any, ...]) -> tuple[str, str]:
    text = json.dumps(list(items), ensure_ascii=False)
    return text, csv_cell(text)


def _array(value: Any) -> tuple[str, str]:
    """A Table Schema array: a JSON array (in a CSV cell too); (JSON text, CSV cell), cached
    since there are few distinct lists."""
    return _array_texts(tuple(value) if value else ())


def _date_text(value: Any) -> str:
    return value if value.__class__ is str else str(value.isoformat())


def _datetime_text(value: Any) -> str:
    return value if value.__class__ is str else str(iso_datetime(value))


# Per Table Schema type: (text computed once per value, or ""; CSV cell; JSON text), "{v}"
# standing for the value and "{t}" for its computed text. None is an empty CSV cell and a JSON
# null. Numbers, dates and booleans never need CSV quoting; text goes through csv_cell only
# when it starts with a formula character or holds a comma, a quote or a line break, and
# through the JSON quoter unless it is letters and digits only (no character JSON escapes).
_CODECS: dict[str, tuple[str, str, str]] = {
    "integer": (
        "(None if {v} is None else repr({v}))",
        "('' if {t} is None else {t})",
        "('null' if {t} is None else {t})",
    ),
    "string": (
        # Letters and digits only (codes, most identifiers): nothing to quote or escape.
        "({v} is not None and {v}.isalnum())",
        "({v} if {t} else '' if {v} is None else {v} if {v}[:1] not in GUARD "
        "and not NEEDS_QUOTES({v}) else cell({v}))",
        "('\"' + {v} + '\"' if {t} else 'null' if {v} is None else quote({v}))",
    ),
    "date": (
        "(None if {v} is None else date_text({v}))",
        "('' if {t} is None else {t})",
        "('null' if {t} is None else quote({t}))",
    ),
    "datetime": (
        "(None if {v} is None else datetime_text({v}))",
        "('' if {t} is None else {t})",
        "('null' if {t} is None else quote({t}))",
    ),
    "boolean": (
        "(None if {v} is None else 'true' if {v} else 'false')",
        "('' if {t} is None else {t})",
        "('null' if {t} is None else {t})",
    ),
    "array": ("array({v})", "{t}[1]", "{t}[0]"),
}
_CODECS["number"] = _CODECS["integer"]  # repr(): what csv.writer and json.dumps write


def row_encoder(dataset: Dataset) -> Callable[[Row], tuple[str, str]]:
    """A function turning one row into (its CSV line, its JSON object text).

    Generated from the fields once per publication, like ``collections.namedtuple`` builds
    its classes: at national scale the generic way (``csv.writer`` on converted cells, then
    ``json.dumps(dict(zip(names, row)))``) costs more than reading the rows from the database.
    The field names only enter the code as ``repr`` of their JSON keys; the tests compare the
    result with ``csv``/``json`` and validate it with frictionless.
    """
    setup, cells, parts = [], [], []
    for index, field in enumerate(dataset.fields):
        prepare, cell, text = _CODECS[field.type]
        value, computed = f"v{index}", f"t{index}"
        if prepare:
            setup.append(f"    {computed} = {prepare.format(v=value)}")
        key = ("{" if index == 0 else ", ") + json.dumps(field.name, ensure_ascii=False) + ": "
        cells.append(cell.format(v=value, t=computed))
        parts += [repr(key), text.format(v=value, t=computed)]
    variables = ", ".join(f"v{index}" for index in range(len(dataset.fields)))
    source = "\n".join(
        [
            "def encode(row):",
            f"    ({variables},) = row",
            *setup,
            f"    return ','.join(({', '.join(cells)},)) + '\\r\\n', "
            f"''.join(({', '.join(parts)}, '}}'))",
        ]
    )
    namespace: dict[str, Any] = {
        "GUARD": FORMULA_STARTS,
        "NEEDS_QUOTES": _NEEDS_QUOTES,
        "cell": csv_cell,
        "quote": _quote,
        "date_text": _date_text,
        "datetime_text": _datetime_text,
        "array": _array,
    }
    exec(compile(source, f"<opendata encoder {dataset.slug}>", "exec"), namespace)  # noqa: S102
    return namespace["encode"]


def _feature(longitude: float, latitude: float, properties: str) -> str:
    """A GeoJSON Feature (RFC 7946: a Point in longitude, latitude order, WGS 84)."""
    return (
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": '
        f'[{longitude!r}, {latitude!r}]}}, "properties": {properties}}}'
    )


@dataclass
class Outputs:
    csv: IO[str]
    json: IO[str]
    geojson: IO[str] | None = None


def write_rows(dataset: Dataset, rows: Iterable[Row], outputs: Outputs) -> int:
    """Write every row in each format, one row at a time; return the number of rows.

    CSV: header, then one line per row (RFC 4180, CRLF), text that a spreadsheet would run as
    a formula prefixed with an apostrophe. JSON: an array of objects. GeoJSON (datasets with a
    position): a FeatureCollection of the located records, their JSON object as properties."""
    encode = row_encoder(dataset)
    write_csv, write_json = outputs.csv.write, outputs.json.write
    write_csv(",".join(csv_cell(name) for name in dataset.field_names) + "\r\n")
    write_json("[")
    geojson = outputs.geojson if dataset.position is not None else None
    lon_index = lat_index = -1
    if geojson is not None and dataset.position is not None:
        lon_index, lat_index = (dataset.field_names.index(name) for name in dataset.position)
        geojson.write('{"type": "FeatureCollection", "features": [')
    count = 0
    separator = geo_separator = "\n"
    for row in rows:
        line, record = encode(row)
        write_csv(line)
        write_json(separator + record)
        separator = ",\n"
        count += 1
        if geojson is not None and row[lon_index] is not None:
            geojson.write(geo_separator + _feature(row[lon_index], row[lat_index], record))
            geo_separator = ",\n"
    write_json("\n]\n")
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
        handles = {
            fmt: path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
            for fmt, path in paths.items()
        }
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
            # hashlib releases the GIL: the files are hashed side by side, on every core.
            with ThreadPoolExecutor(max_workers=len(paths)) as pool:
                digests = dict(zip(paths, pool.map(_digest, paths.values()), strict=True))
            for fmt, path in paths.items():
                info: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": digests[fmt]}
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
