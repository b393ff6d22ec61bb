"""Public open-data pages and files (/donnees/): anyone may read them, no sign-in."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import publish
from .datasets import DATASETS, LICENCE, Dataset
from .models import Publication


def _dataset(slug: str) -> Dataset:
    dataset = DATASETS.get(slug)
    if dataset is None:
        raise Http404(_("Ce jeu de données n’existe pas."))
    return dataset


def _not_published(request: HttpRequest, dataset: Dataset, message: str) -> HttpResponse:
    return render(
        request,
        "opendata/not_published.html",
        {"dataset": dataset, "message": message},
        status=404,
    )


def _downloads(dataset: Dataset, publication: Publication | None) -> list[dict[str, Any]]:
    if publication is None:
        return []
    return [
        {
            "format": fmt.upper(),
            "url": publish.public_url("latest", dataset.slug, fmt),
            "bytes": publication.files[fmt]["bytes"],
        }
        for fmt in publish.formats_of(dataset)
        if fmt in publication.files
    ]


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    latest = publish.latest_publications()
    entries = [
        {
            "dataset": dataset,
            "publication": latest.get(slug),
            "downloads": _downloads(dataset, latest.get(slug)),
        }
        for slug, dataset in DATASETS.items()
    ]
    return render(request, "opendata/index.html", {"entries": entries, "licence": LICENCE})


@require_safe
def detail(request: HttpRequest, dataset: str) -> HttpResponse:
    found = _dataset(dataset)
    history = publish.snapshots(found)
    publication = history[0] if history else None
    return render(
        request,
        "opendata/detail.html",
        {
            "dataset": found,
            "publication": publication,
            "downloads": _downloads(found, publication),
            "snapshots": [
                {
                    "day": item.published_on,
                    "rows": item.row_count,
                    "links": [
                        {
                            "format": fmt.upper(),
                            "url": publish.public_url(
                                "snapshot", found.slug, item.published_on.isoformat(), fmt
                            ),
                        }
                        for fmt in publish.formats_of(found)
                        if fmt in item.files
                    ],
                }
                for item in history
            ],
            "fields": [field.descriptor() for field in found.fields],
            "licence": LICENCE,
            "snapshot_days": publish.snapshot_days(),
        },
    )


def _json(descriptor: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
        content_type="application/json",
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def schema(request: HttpRequest, dataset: str) -> HttpResponse:
    found = _dataset(dataset)
    return _json(publish.schema_descriptor(found), f"{found.slug}-schema.json")


@require_safe
def datapackage(request: HttpRequest, dataset: str) -> HttpResponse:
    found = _dataset(dataset)
    publication = publish.latest_publication(found)
    if publication is None:
        return _not_published(request, found, _("Ce jeu de données n’a pas encore été publié."))
    descriptor = publish.datapackage_descriptor(
        found,
        publication,
        paths={
            fmt: publish.public_url("latest", found.slug, fmt) for fmt in publish.formats_of(found)
        },
        schema=publish.public_url("schema", found.slug),
    )
    return _json(descriptor, f"{found.slug}-datapackage.json")


def _stream(
    request: HttpRequest, dataset: Dataset, publication: Publication, fmt: str
) -> HttpResponseBase:
    info = publication.files.get(fmt)
    if info is None:
        return _not_published(request, dataset, _("Ce format n’est pas publié pour ce jeu."))
    try:
        handle = default_storage.open(info["name"], "rb")
    except FileNotFoundError:
        # Pruned between the lookup and the opening (a newer version just replaced it).
        return _not_published(request, dataset, _("Cette version n’est plus disponible."))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"french-impact-{dataset.slug}-{publication.published_on.isoformat()}.{fmt}",
        content_type=publish.CONTENT_TYPES[fmt],
    )
    response["Content-Length"] = str(info["bytes"])
    response["Last-Modified"] = http_date(publication.published_at.timestamp())
    response["ETag"] = f'"{info["sha256"]}"'
    return response


@require_safe
def latest_file(request: HttpRequest, dataset: str, fmt: str) -> HttpResponseBase:
    found = _dataset(dataset)
    if fmt not in publish.formats_of(found):
        return _not_published(request, found, _("Ce format n’est pas publié pour ce jeu."))
    publication = publish.latest_publication(found)
    if publication is None:
        return _not_published(request, found, _("Ce jeu de données n’a pas encore été publié."))
    return _stream(request, found, publication, fmt)


@require_safe
def snapshot_file(request: HttpRequest, dataset: str, day: str, fmt: str) -> HttpResponseBase:
    found = _dataset(dataset)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404(_("Date invalide.")) from None
    publication = publish.snapshot(found, date)
    if publication is None or fmt not in publish.formats_of(found):
        return _not_published(
            request,
            found,
            _("Aucune version de ce jeu n’est conservée pour le %(day)s.")
            % {"day": date.strftime("%d/%m/%Y")},
        )
    return _stream(request, found, publication, fmt)
