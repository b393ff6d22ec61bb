"""Staff pages of imports (/gestion/imports/): the history of registry and partner imports,
each import's report, and the download of its rejected rows.

Programme staff and administrators only (the moderation check): anonymous visitors go to the
login page, everyone else gets a 403.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from frenchimpact.permissions import can_moderate, check_required

from .framework import rejects_csv
from .models import ImportKind, ImportRun

PAGE_SIZE = 30
REJECTS_PREVIEW = 20
staff_required = check_required(can_moderate)


class HistoryFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type d’import"), choices=[("", _("Tous")), *ImportKind.choices], required=False
    )


def import_runs(*, kind: str = "") -> QuerySet[ImportRun]:
    """The history, newest first, with who started each run (one query per page)."""
    queryset = ImportRun.objects.select_related("started_by").defer("options")
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-started_at", "-pk")


@staff_required
def history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilterForm(request.GET or None)
    kind = form.cleaned_data.get("type", "") if form.is_valid() else ""
    page = Paginator(import_runs(kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registries/staff/history.html",
        {"form": form, "page": page, "kind": kind, "query": query.urlencode()},
    )


def _duration(run: ImportRun) -> datetime.timedelta | None:
    if run.finished_at is None or run.started_at is None:
        return None
    return run.finished_at - run.started_at


@staff_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.select_related("started_by"), pk=pk)
    skipped = sorted((run.skipped or {}).items(), key=lambda item: (-int(item[1]), item[0]))
    duration = _duration(run)
    rows_per_second = (
        round(run.rows_read / duration.total_seconds())
        if duration and duration.total_seconds() > 0
        else None
    )
    return render(
        request,
        "registries/staff/detail.html",
        {
            "run": run,
            "skipped": skipped,
            "duration": duration,
            "rows_per_second": rows_per_second,
            "rejects": run.rejects.order_by("line")[:REJECTS_PREVIEW],
            "rejects_preview_size": REJECTS_PREVIEW,
        },
    )


@staff_required
def rejects_download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The rejected rows as CSV (UTF-8 with BOM for spreadsheets), streamed; formula-like
    text is neutralised by the framework."""
    run = get_object_or_404(ImportRun, pk=pk)

    def content() -> Iterator[str]:
        yield "\ufeff"
        yield from rejects_csv(run)

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejets.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
