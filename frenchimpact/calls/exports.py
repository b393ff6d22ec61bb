"""Exports of a call for programme staff: CSV (UTF-8 with BOM, ``;``, streamed) and XLSX.

Datasets: ``candidatures`` (one row per application, with the answers of its latest
submission: one column per question of the call's form), ``eligibilite`` (one row per rule and
application), ``notes`` (one row per review handed in: per-criterion scores, the reviewer's
total and z-score, the file's raw and normalised scores, spread and rank in the round),
``deports`` (recusals) and ``decisions``.

Every text cell goes through ``core.spreadsheets.spreadsheet_safe``: a text typed by an applicant or a
reviewer that starts with =, +, -, @, a tab or a carriage return gets an apostrophe in front,
so that no spreadsheet runs it as a formula; in XLSX, the control characters a workbook cannot
hold are dropped first. Numbers (ours, and the number and money answers) stay numbers; dates and
times are given in Europe/Paris.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from frenchimpact.core.spreadsheets import spreadsheet_safe

from . import answers as answer_rules
from . import consolidation
from .enums import DECISION_STATES, ApplicationStatus, AssignmentStatus, GridKind, QuestionKind
from .models import (
    ApplicationFile,
    Assignment,
    Call,
    CallApplication,
    Criterion,
    Question,
    ReviewRound,
    Score,
    Submission,
)
from .review import answer_file_ids, recusal_rows

Row = Sequence[Any]
FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 500


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("oui") if value else _("non")


def _paris(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def _person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.email)


# --- Datasets -------------------------------------------------------------------------------


def _applications(call: Call) -> Any:
    return (
        CallApplication.objects.filter(call=call)
        .select_related("organisation", "organisation__region")
        .prefetch_related(
            Prefetch("projects", to_attr="project_list"),
            Prefetch(
                "submissions",
                queryset=Submission.objects.only("pk", "application_id", "number", "answers"),
                to_attr="submission_list",
            ),
            Prefetch(
                "files",
                queryset=ApplicationFile.objects.only("pk", "application_id", "original_name"),
                to_attr="file_list",
            ),
        )
        .order_by("reference")
    )


def form_questions(call: Call) -> list[Question]:
    """The questions of the call's form, in order: those of the latest version, then any key
    only an older version asked (two queries)."""
    questions: dict[str, Question] = {}
    for form in call.form_versions.order_by("-number").prefetch_related("questions"):
        for question in form.questions.all():
            questions.setdefault(question.key, question)
    return list(questions.values())


def answer_cell(question: Question, value: Any, files: dict[int, str]) -> Any:
    """An answer as a cell: numbers and amounts as numbers, a date as a date, multiple
    choices joined with ", ", files by their original names; any other text as typed
    (neutralised when written)."""
    if answer_rules.is_blank(value):
        return None
    kind = question.kind
    if kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
        number = answer_rules.parse_decimal(value)
        return number if number is not None else str(value)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        items = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(str(item) for item in items if str(item).strip())
    if kind == QuestionKind.FILE:
        return ", ".join(files[pk] for pk in sorted(answer_file_ids(value)) if pk in files)
    if kind == QuestionKind.DATE:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    return str(value)


def application_rows(call: Call) -> Iterator[Row]:
    questions = form_questions(call)
    yield [
        _("Numéro de dossier"),
        _("Structure candidate"),
        _("SIREN"),
        _("Code région"),
        _("Région"),
        _("Projets"),
        _("Statut"),
        _("Code du statut"),
        _("Déposée le (heure de Paris)"),
        _("Éligible selon les règles"),
        _("Règles non respectées"),
        _("Recevabilité contraire aux règles"),
        _("Motif de recevabilité"),
        *[question.label for question in questions],
    ]
    for application in _applications(call).iterator(chunk_size=CHUNK):
        submissions = application.submission_list
        latest = max(submissions, key=lambda s: s.number) if submissions else None
        answers = latest.answers if latest is not None and isinstance(latest.answers, dict) else {}
        files = {f.pk: f.original_name for f in application.file_list}
        organisation = application.organisation
        region = organisation.region
        failed = [
            str(result.get("label") or result.get("rule", ""))
            for result in application.eligibility or []
            if not result.get("passed")
        ]
        yield [
            application.reference,
            organisation.name,
            organisation.siren or "",
            region.code if region else "",
            region.nom if region else "",
            " | ".join(project.title for project in application.project_list),
            str(application.get_status_display()),
            application.status,
            _paris(application.submitted_at),
            _yes_no(application.eligible),
            " | ".join(failed),
            _yes_no(application.admissibility_overridden)
            if application.status != ApplicationStatus.DRAFT
            else "",
            application.admissibility_reason,
            *[answer_cell(q, answers.get(q.key), files) for q in questions],
        ]


def eligibility_rows(call: Call) -> Iterator[Row]:
    yield [
        _("Numéro de dossier"),
        _("Structure candidate"),
        _("SIREN"),
        _("Règle"),
        _("Code de la règle"),
        _("Respectée"),
        _("Détail"),
        _("Statut"),
        _("Motif de recevabilité"),
    ]
    applications = (
        CallApplication.objects.filter(call=call)
        .exclude(eligibility=[])
        .select_related("organisation")
        .order_by("reference")
    )
    for application in applications.iterator(chunk_size=CHUNK):
        for result in application.eligibility or []:
            yield [
                application.reference,
                application.organisation.name,
                application.organisation.siren or "",
                str(result.get("label", "")),
                str(result.get("rule", "")),
                _yes_no(bool(result.get("passed"))),
                str(result.get("message", "")),
                str(application.get_status_display()),
                application.admissibility_reason,
            ]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def score_rows(call: Call) -> Iterator[Row]:
    """One row per review handed in, round by round (a fixed number of queries per round)."""
    rounds = list(ReviewRound.objects.filter(call=call).select_related("grid").order_by("number"))
    by_grid: dict[int, list[Criterion]] = {}
    for criterion in Criterion.objects.filter(grid_id__in={r.grid_id for r in rounds}).order_by(
        "order", "pk"
    ):
        by_grid.setdefault(criterion.grid_id, []).append(criterion)
    # Columns in the order of the rounds (written evaluation, then auditions).
    grids = list(dict.fromkeys(r.grid_id for r in rounds))
    kind_of = {r.grid_id: r.grid.kind for r in rounds}
    criteria = [c for grid_id in grids for c in by_grid.get(grid_id, [])]
    grid_kinds = set(kind_of.values())
    columns = []
    for criterion in criteria:
        label = f"{criterion.label} (/{criterion.scale_max})"
        if len(grid_kinds) > 1:
            interview = kind_of[criterion.grid_id] == GridKind.INTERVIEW
            short = _("audition") if interview else _("dossier")
            label = f"{label} — {short}"
        columns.append((criterion.pk, label))
    yield [
        _("Tour"),
        _("Numéro de dossier"),
        _("Structure candidate"),
        _("Évaluateur"),
        *[label for _pk, label in columns],
        _("Total de l’évaluateur (sur 100)"),
        _("Score normalisé de l’évaluateur (z)"),
        _("Score brut du dossier (sur 100)"),
        _("Score normalisé du dossier"),
        _("Évaluations"),
        _("Écart entre évaluateurs"),
        _("À discuter"),
        _("Rang"),
    ]
    for review_round in rounds:
        results = {r.application_id: r for r in consolidation.consolidate_round(review_round.pk)}
        values: dict[int, dict[int, Decimal]] = {}
        for assignment_id, criterion_id, value in Score.objects.filter(
            assignment__round=review_round, assignment__status=AssignmentStatus.SUBMITTED
        ).values_list("assignment_id", "criterion_id", "value"):
            values.setdefault(assignment_id, {})[criterion_id] = value
        assignments = list(
            Assignment.objects.filter(round=review_round, status=AssignmentStatus.SUBMITTED)
            .select_related("application__organisation", "reviewer")
            .order_by("application__reference", "reviewer__last_name", "reviewer_id")
        )

        def position(assignment: Assignment, results: Any = results) -> tuple[int, str]:
            result = results.get(assignment.application_id)
            rank = result.rank if result is not None and result.rank else 10**9
            return rank, assignment.application.reference

        assignments.sort(key=position)
        for assignment in assignments:
            result = results.get(assignment.application_id)
            scores = values.get(assignment.pk, {})
            reviewer = assignment.reviewer_id
            yield [
                review_round.name,
                assignment.application.reference,
                assignment.application.organisation.name,
                _person(assignment.reviewer),
                *[scores.get(pk) for pk, _label in columns],
                _round(result.totals.get(reviewer), 2) if result else None,
                _round(result.z_scores.get(reviewer), 3) if result else None,
                _round(result.raw, 2) if result else None,
                _round(result.normalised, 3) if result else None,
                result.reviews if result else 0,
                _round(result.spread, 2) if result else None,
                _yes_no(result.flagged) if result else "",
                result.rank if result else None,
            ]


def decision_rows(call: Call) -> Iterator[Row]:
    yield [
        _("Numéro de dossier"),
        _("Structure candidate"),
        _("SIREN"),
        _("Code région"),
        _("Région"),
        _("Décision"),
        _("Code de la décision"),
        _("Rang sur liste d’attente"),
        _("Décidée le (heure de Paris)"),
        _("Publiée"),
        _("Motif de la décision"),
    ]
    published = call.results_published_at is not None
    order = {status: index for index, status in enumerate(DECISION_STATES)}
    applications = sorted(
        CallApplication.objects.filter(call=call, status__in=DECISION_STATES).select_related(
            "organisation", "organisation__region"
        ),
        key=lambda a: (order[ApplicationStatus(a.status)], a.waiting_list_rank or 0, a.reference),
    )
    for application in applications:
        region = application.organisation.region
        yield [
            application.reference,
            application.organisation.name,
            application.organisation.siren or "",
            region.code if region else "",
            region.nom if region else "",
            str(application.get_status_display()),
            application.status,
            application.waiting_list_rank,
            _paris(application.decided_at),
            _yes_no(published),
            application.decision_reason,
        ]


@dataclass(frozen=True)
class Dataset:
    title: Any
    rows: Callable[[Call], Iterable[Row]]


DATASETS: dict[str, Dataset] = {
    "candidatures": Dataset(gettext_lazy("Candidatures"), application_rows),
    "eligibilite": Dataset(gettext_lazy("Éligibilité"), eligibility_rows),
    "notes": Dataset(gettext_lazy("Notes (brutes et normalisées)"), score_rows),
    "deports": Dataset(gettext_lazy("Déports"), recusal_rows),
    "decisions": Dataset(gettext_lazy("Décisions"), decision_rows),
}


# --- Cells and files ------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """A value as a French spreadsheet reads it in a CSV: decimal comma, Paris time, text
    neutralised against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        return format(value, "f" if isinstance(value, Decimal) else "").replace(".", ",")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(spreadsheet_safe(str(value)))


def xlsx_cell(value: Any) -> Any:
    """A value as an XLSX cell. Text loses the control characters a workbook cannot hold
    (openpyxl refuses them) *before* being neutralised: cleaned afterwards, a vertical tab
    followed by "=1+1" would become a formula."""
    if value is None or (isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, dt.datetime):
        # openpyxl writes naive datetimes only: the Paris wall-clock time.
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


class _Echo:
    """A file-like object whose write returns what it is given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Row]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff"  # the BOM: spreadsheets then read UTF-8
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def xlsx_bytes(rows: Iterable[Row], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xlsx_cell(value))
            if index == 0:
                cell.font = bold
            elif isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(call: Call, dataset: str, fmt: str) -> str:
    return f"{call.slug}-{dataset}-{timezone.localdate():%Y%m%d}.{fmt}"


def export_response(call: Call, dataset: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The file of ``dataset`` in ``fmt`` (both checked by the caller: KeyError otherwise)."""
    spec = DATASETS[dataset]
    disposition = f'attachment; filename="{filename(call, dataset, fmt)}"'
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_lines(spec.rows(call)), content_type=CSV_CONTENT_TYPE
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(spec.rows(call), str(spec.title)), content_type=XLSX_CONTENT_TYPE
        )
    else:
        raise KeyError(fmt)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response
