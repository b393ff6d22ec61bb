"""import_sirene_unites_legales: the ESS structures of the SIRENE stock of legal units."""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations import services
from frenchimpact.organisations.enums import EssFamily, ModerationStatus, Source
from frenchimpact.organisations.models import Organisation
from frenchimpact.registries import sirene
from frenchimpact.registries.framework import run_import
from frenchimpact.registries.models import ImportReject, ImportRun, ImportStatus
from frenchimpact.registries.sirene import COLUMNS_33, COLUMNS_35, SireneUnitsImporter
from frenchimpact.search import engine
from frenchimpact.search.documents import ORGANISATION
from tests.registries.interruption import kill_at_batch

from ..organisations.factories import (
    ImportedOrganisationFactory,
    OrganisationFactory,
    valid_siren,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registries"
COMMAND = "import_sirene_unites_legales"

pytestmark = pytest.mark.django_db


def unit(n: int, **values: str) -> dict[str, str]:
    """A diffusible, active ESS association (flag empty, legal form 9220) unless overridden."""
    return {
        "siren": valid_siren(n),
        "statutDiffusionUniteLegale": "O",
        "unitePurgeeUniteLegale": "",
        "dateCreationUniteLegale": "2012-03-01",
        "trancheEffectifsUniteLegale": "11",
        "etatAdministratifUniteLegale": "A",
        "denominationUniteLegale": f"ASSOCIATION SOLIDAIRE {n}",
        "categorieJuridiqueUniteLegale": "9220",
        "activitePrincipaleUniteLegale": "88.99B",
        "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
        "nicSiegeUniteLegale": "00012",
        "economieSocialeSolidaireUniteLegale": "",
        **values,
    }


def stock(
    path: Path,
    units: Iterable[Mapping[str, str]],
    *,
    columns: Iterable[str] = COLUMNS_35,
    encoding: str = "utf-8",
) -> Path:
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for values in units:
        writer.writerow([values.get(name, "") for name in columns])
    data = buffer.getvalue().encode(encoding)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("StockUniteLegale_utf8.csv", data)
    else:
        path.write_bytes(data)
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command(COMMAND, str(path), *args, stdout=out)
    return out.getvalue()


def last_run() -> ImportRun:
    return ImportRun.objects.order_by("-pk").first()  # type: ignore[return-value]


def state() -> list[tuple[Any, ...]]:
    """What the import produced, comparable between two databases' runs."""
    return list(
        Organisation.objects.order_by("siren").values_list(
            "siren",
            "name",
            "acronym",
            "siret",
            "legal_form_code",
            "ess_flag",
            "ess_family",
            "creation_date",
            "size_band",
            "ceased",
            "status",
            "source",
            "field_sources",
        )
    )


# --- Real samples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rows"),
    [("StockUniteLegale_sample.csv", 3), ("StockUniteLegale_35col_sample.csv", 2)],
)
def test_real_samples_are_skipped_as_not_ess(name, rows):
    out = run(FIXTURES / name)

    report = last_run()
    assert report.status == ImportStatus.COMPLETED
    assert (report.rows_read, report.created, report.rejected) == (rows, 0, 0)
    assert report.skipped == {"non ESS": rows}
    assert f"ignorées — non ESS : {rows}" in out
    assert not Organisation.objects.exists()


# --- Creation, update, idempotence ------------------------------------------------------


def test_ess_units_become_published_organisations(tmp_path):
    path = stock(
        tmp_path / "stock.csv",
        [
            unit(1),  # association by its legal form
            unit(2, economieSocialeSolidaireUniteLegale="O", categorieJuridiqueUniteLegale="5710"),
            unit(3, categorieJuridiqueUniteLegale="5710"),  # SAS, flag empty: not ESS
            unit(4, economieSocialeSolidaireUniteLegale="N"),  # N excludes even an association
            unit(5, etatAdministratifUniteLegale="C", economieSocialeSolidaireUniteLegale="O"),
            unit(6, denominationUniteLegale="", sigleUniteLegale="SCOP"),
            unit(7, denominationUniteLegale='TRAITEUR, SOLIDAIRE "LE RELAIS"'),  # quoted
        ],
    )

    out = run(path)

    report = last_run()
    assert (report.created, report.updated, report.unchanged, report.rejected) == (5, 0, 0, 0)
    assert report.skipped == {"non ESS": 2}
    assert "ligne(s) lue(s)" in out  # progress and report
    first = Organisation.objects.get(siren=valid_siren(1))
    assert first.name == "ASSOCIATION SOLIDAIRE 1"
    assert first.status == ModerationStatus.PUBLISHED and first.published_at is not None
    assert first.source == Source.SIRENE
    assert first.ess_family == EssFamily.ASSOCIATION
    assert first.legal_form_label == "Association déclarée"
    assert first.siret == valid_siren(1) + "00012"
    assert first.creation_date == datetime.date(2012, 3, 1)
    assert first.size_band == "11"
    assert first.ceased is False
    assert first.field_sources["name"] == "sirene"
    # The columns the registry does not fill get the model's defaults.
    assert (first.kinds, first.pending_changes, first.description, first.rna) == ([], {}, "", None)
    assert first.created_at == first.updated_at == first.published_at
    assert Organisation.objects.get(siren=valid_siren(2)).ess_family == EssFamily.ESS_COMPANY
    assert Organisation.objects.get(siren=valid_siren(5)).ceased is True
    assert Organisation.objects.get(siren=valid_siren(6)).name == "SCOP"
    assert Organisation.objects.get(siren=valid_siren(7)).name == 'TRAITEUR, SOLIDAIRE "LE RELAIS"'
    assert not Organisation.objects.filter(siren__in=[valid_siren(3), valid_siren(4)]).exists()


def test_one_audit_entry_per_batch(tmp_path):
    path = stock(tmp_path / "stock.csv", [unit(n) for n in range(1, 8)])

    run(path, "--batch-size", "3")

    entries = AuditEntry.objects.filter(action="import.sirene_unites_legales.batch")
    assert entries.count() == 3  # 3 + 3 + 1 rows
    assert not AuditEntry.objects.filter(action="organisation.import").exists()


def test_search_index_is_updated(tmp_path, django_capture_on_commit_callbacks):
    path = stock(tmp_path / "stock.csv", [unit(1, denominationUniteLegale="RESSOURCERIE DU LAC")])

    with django_capture_on_commit_callbacks(execute=True):
        run(path)

    found = engine.query(ORGANISATION, "ressourcerie")
    assert found.ids == [Organisation.objects.get().pk]


def test_rerunning_the_same_file_changes_nothing(tmp_path):
    path = stock(tmp_path / "stock.csv", [unit(n) for n in range(1, 6)])
    run(path)
    before = state()
    stamps = list(Organisation.objects.order_by("pk").values_list("updated_at", flat=True))

    run(path)

    report = last_run()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert state() == before
    assert list(Organisation.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_reimport_updates_registry_fields_and_keeps_members_edits(tmp_path):
    run(stock(tmp_path / "v1.csv", [unit(1), unit(2)]))
    organisation = Organisation.objects.get(siren=valid_siren(1))
    # A member renamed the structure (organisation_update marks the field as theirs).
    organisation.name = "Le Relais solidaire"
    organisation.field_sources = {**organisation.field_sources, "name": "membre"}
    organisation.save()
    edited_at = Organisation.objects.get(pk=organisation.pk).updated_at
    other = Organisation.objects.get(siren=valid_siren(2))

    run(
        stock(
            tmp_path / "v2.csv",
            [
                unit(1, denominationUniteLegale="NOUVEAU NOM", trancheEffectifsUniteLegale="21"),
                unit(2),
            ],
        )
    )

    organisation.refresh_from_db()
    assert (last_run().updated, last_run().unchanged) == (1, 1)
    assert organisation.name == "Le Relais solidaire"
    assert organisation.field_sources["name"] == "membre"
    assert organisation.size_band == "21"
    assert organisation.field_sources["size_band"] == "sirene"
    # The API's modifie_depuis relies on it: a changed row gets a new updated_at, not the other.
    assert organisation.updated_at > edited_at
    assert Organisation.objects.get(pk=other.pk).updated_at == other.updated_at


def test_a_field_nobody_set_is_filled_only_while_empty(tmp_path):
    # Declared by its members before any import: no provenance recorded on these fields.
    OrganisationFactory.create(
        siren=valid_siren(1), name="Nom choisi", acronym="", size_band="", field_sources={}
    )

    run(stock(tmp_path / "stock.csv", [unit(1, sigleUniteLegale="ARS")]))

    organisation = Organisation.objects.get()
    assert organisation.name == "Nom choisi"  # not empty: theirs
    assert organisation.acronym == "ARS"  # empty: the registry fills it and owns it now
    assert organisation.size_band == "11"
    assert organisation.field_sources["acronym"] == "sirene"
    assert "name" not in organisation.field_sources


def test_a_row_changed_during_the_batch_is_left_to_the_next_import(tmp_path, monkeypatch):
    run(stock(tmp_path / "v1.csv", [unit(1), unit(2)]))
    original = services._RegistryRows.update

    def member_saves_meanwhile(self, changes, *, now):
        # A member saves organisation 1 between the batch's read and its write.
        organisation = Organisation.objects.get(siren=valid_siren(1))
        organisation.name = "Édité pendant l’import"
        organisation.field_sources = {**organisation.field_sources, "name": "membre"}
        organisation.save()
        return original(self, changes, now=now)

    monkeypatch.setattr(services._RegistryRows, "update", member_saves_meanwhile)
    v2 = [unit(n, trancheEffectifsUniteLegale="21") for n in (1, 2)]
    run(stock(tmp_path / "v2.csv", v2))

    report = last_run()
    assert report.updated == 1
    assert report.skipped == {
        "modifiée sur la plateforme pendant l’import : reprise au prochain import": 1
    }
    edited = Organisation.objects.get(siren=valid_siren(1))
    assert (edited.name, edited.size_band) == ("Édité pendant l’import", "11")
    assert Organisation.objects.get(siren=valid_siren(2)).size_band == "21"

    monkeypatch.setattr(services._RegistryRows, "update", original)
    run(stock(tmp_path / "v3.csv", [*v2, unit(3)]))  # the next import (another file)

    edited.refresh_from_db()
    assert (edited.name, edited.size_band) == ("Édité pendant l’import", "21")


def test_queries_per_batch_do_not_grow_with_rows(tmp_path):
    def queries(units: list[dict[str, str]], name: str) -> int:
        path = stock(tmp_path / name, units)
        with CaptureQueriesContext(connection) as captured:
            run_import(SireneUnitsImporter(), path, batch_size=1000)
        return len(captured.captured_queries)

    created_3 = queries([unit(n) for n in range(1, 4)], "a.csv")
    created_300 = queries([unit(n) for n in range(10, 310)], "b.csv")
    changed_300 = queries(
        [unit(n, trancheEffectifsUniteLegale="21") for n in range(10, 310)], "c.csv"
    )
    unchanged_300 = queries(
        [unit(n, trancheEffectifsUniteLegale="21") for n in range(10, 310)], "d.csv"
    )

    assert created_3 == created_300
    assert changed_300 <= created_300
    assert unchanged_300 < changed_300
    assert Organisation.objects.filter(size_band="21").count() == 300


def test_a_ceased_unit_is_marked_ceased_on_reimport(tmp_path):
    run(stock(tmp_path / "v1.csv", [unit(1)]))

    run(stock(tmp_path / "v2.csv", [unit(1, etatAdministratifUniteLegale="C")]))

    organisation = Organisation.objects.get()
    assert organisation.ceased is True
    assert organisation.status == ModerationStatus.PUBLISHED


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"statutDiffusionUniteLegale": "P"}, "non diffusible"),
        ({"unitePurgeeUniteLegale": "true"}, "unité purgée"),
    ],
)
def test_non_diffusible_or_purged_unit_is_skipped_and_unpublished(tmp_path, values, reason):
    existing = ImportedOrganisationFactory.create(siren=valid_siren(1))
    path = stock(tmp_path / "stock.csv", [unit(1, **values), unit(2, **values)])

    run(path)

    existing.refresh_from_db()
    assert existing.status == ModerationStatus.UNPUBLISHED
    assert reason in existing.moderation_reason
    report = last_run()
    assert report.skipped == {reason: 2}
    assert report.created == 0
    assert not Organisation.objects.filter(siren=valid_siren(2)).exists()
    entry = AuditEntry.objects.get(action="import.sirene_unites_legales.batch")
    assert entry.changes["depubliees"]["apres"] == [existing.pk]


# --- Bad input --------------------------------------------------------------------------


def test_header_with_missing_and_extra_columns_is_refused_naming_them(tmp_path):
    columns = [c for c in COLUMNS_35 if c != "nicSiegeUniteLegale"] + ["codePostal"]
    path = stock(tmp_path / "stock.csv", [unit(1)], columns=columns)

    with pytest.raises(CommandError) as error:
        run(path)

    assert "colonnes manquantes : nicSiegeUniteLegale" in str(error.value)
    assert "colonnes en trop : codePostal" in str(error.value)
    assert not Organisation.objects.exists()
    assert not ImportReject.objects.exists()
    assert last_run().status == ImportStatus.FAILED


def test_header_of_one_layout_on_rows_of_the_other_is_refused(tmp_path):
    rows = stock(tmp_path / "rows.csv", [unit(1), unit(2)], columns=COLUMNS_35)
    lines = rows.read_text().splitlines()
    path = tmp_path / "stock.csv"
    path.write_text("\n".join([",".join(COLUMNS_33), *lines[1:]]) + "\n")

    with pytest.raises(CommandError) as error:
        run(path)

    assert "33 colonnes mais la ligne 2 en compte 35" in str(error.value)
    assert "societeMissionUniteLegale" in str(error.value)
    assert not Organisation.objects.exists()


def test_33_column_layout_imports(tmp_path):
    run(stock(tmp_path / "stock.csv", [unit(1), unit(2)], columns=COLUMNS_33))

    assert Organisation.objects.count() == 2


@pytest.mark.parametrize("suffix", [".csv.gz", ".zip"])
def test_archives(tmp_path, suffix):
    run(stock(tmp_path / f"stock{suffix}", [unit(1), unit(2)]))

    assert Organisation.objects.count() == 2


def test_latin1_file(tmp_path):
    run(
        stock(
            tmp_path / "stock.csv", [unit(1, denominationUniteLegale="CRÈCHE")], encoding="latin-1"
        )
    )

    assert Organisation.objects.get().name == "CRÈCHE"


def test_invalid_siren_date_and_ragged_rows_are_rejected_with_their_line(tmp_path):
    path = stock(
        tmp_path / "stock.csv",
        [
            unit(1),
            unit(2, siren="123456789"),  # line 3: wrong key
            unit(3, dateCreationUniteLegale="2012-02-30"),  # line 4
            unit(4, economieSocialeSolidaireUniteLegale="X"),  # line 5
            unit(5),
        ],
    )
    with path.open("a") as handle:
        handle.write(valid_siren(6) + ",O,,2012-01-01\n")  # line 7: ragged
    rejects = tmp_path / "rejets.csv"

    out = run(path, "--rejets", str(rejects))

    assert Organisation.objects.count() == 2
    lines = dict(ImportReject.objects.values_list("line", "reason"))
    assert sorted(lines) == [3, 4, 5, 7]
    assert "SIREN « 123456789 » invalide" in lines[3]
    assert "2012-02-30" in lines[4]
    assert "4 champs au lieu de 35" in lines[7]
    written = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert [row[0] for row in written[1:]] == ["3", "4", "5", "7"]
    assert "Lignes rejetées écrites" in out


def test_a_row_with_a_nul_character_is_rejected_with_its_line(tmp_path):
    path = stock(tmp_path / "stock.csv", [unit(1), unit(2, denominationUniteLegale="AB\x00C")])

    run(path)

    assert Organisation.objects.get().siren == valid_siren(1)
    reject = ImportReject.objects.get()
    assert (reject.line, reject.reason) == (3, "caractère nul dans la ligne (fichier corrompu ?)")
    assert "AB\ufffdC" in reject.raw


def test_rejects_location_is_told_without_option(tmp_path):
    out = run(stock(tmp_path / "stock.csv", [unit(1), unit(2, siren="123456789")]))

    assert "1 ligne(s) rejetée(s) : téléchargez-les sur" in out


def test_empty_file_fails(tmp_path):
    path = tmp_path / "stock.csv"
    path.write_bytes(b"")

    with pytest.raises(CommandError, match="vide"):
        run(path)


def test_file_with_only_a_header_fails(tmp_path):
    with pytest.raises(CommandError, match="Rien n’a pu être importé"):
        run(stock(tmp_path / "stock.csv", []))


def test_every_row_rejected_fails(tmp_path):
    with pytest.raises(CommandError, match="Rien n’a pu être importé"):
        run(stock(tmp_path / "stock.csv", [unit(1, siren="123456789")]))


# --- Interruptions ----------------------------------------------------------------------


def _mixed_units(count: int) -> list[dict[str, str]]:
    units = []
    for n in range(1, count + 1):
        if n % 3 == 0:
            units.append(unit(n, categorieJuridiqueUniteLegale="5710"))  # not ESS
        elif n % 7 == 0:
            units.append(unit(n, siren="123456789"))  # rejected
        else:
            units.append(unit(n))
    return units


def test_truncated_gzip_keeps_earlier_batches_and_full_file_completes(tmp_path, monkeypatch):
    monkeypatch.setattr(sirene, "CHUNK_BYTES", 8192)
    full = stock(tmp_path / "stock.csv.gz", _mixed_units(3000))
    truncated = tmp_path / "truncated.csv.gz"
    data = full.read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])

    with pytest.raises(CommandError, match="s’interrompt vers la ligne"):
        run(truncated, "--batch-size", "100")

    kept = Organisation.objects.count()
    assert 0 < kept < 1000
    assert last_run().status == ImportStatus.FAILED

    run(full, "--batch-size", "100")

    report = last_run()
    assert report.status == ImportStatus.COMPLETED
    assert report.unchanged == kept
    assert report.created + report.unchanged == Organisation.objects.count()
    assert Organisation.objects.count() == len([n for n in range(1, 3001) if n % 3 and n % 7])


def test_killed_import_resumes_and_ends_like_an_uninterrupted_one(tmp_path, monkeypatch):
    monkeypatch.setattr(sirene, "CHUNK_BYTES", 4096)
    path = stock(tmp_path / "stock.csv", _mixed_units(200))
    # Reference: an uninterrupted run.
    run(path, "--batch-size", "15")
    reference = state()
    reference_run = last_run()
    expected = (
        reference_run.rows_read,
        reference_run.created,
        reference_run.skipped,
        reference_run.rejected,
    )
    Organisation.objects.all().delete()
    ImportRun.objects.all().delete()

    kill_at_batch(monkeypatch, SireneUnitsImporter, 4)
    with pytest.raises(RuntimeError):
        run(path, "--batch-size", "15")
    interrupted = last_run()
    assert interrupted.status == ImportStatus.RUNNING
    assert 1 < interrupted.last_line < 201

    run(path, "--batch-size", "15")

    resumed = last_run()
    assert resumed.pk == interrupted.pk
    assert resumed.status == ImportStatus.COMPLETED
    assert "Reprise" in resumed.message
    assert (resumed.rows_read, resumed.created, resumed.skipped, resumed.rejected) == expected
    assert state() == reference
    assert sorted(ImportReject.objects.values_list("line", flat=True)) == sorted(
        set(ImportReject.objects.values_list("line", flat=True))
    )


# --- Fast path ------------------------------------------------------------------------


def test_fast_path_and_full_checks_agree(tmp_path):
    """Plain non-ESS lines are counted without being parsed; the same rows quoted (parsed
    by the csv module) give the same report."""
    units = [unit(n, categorieJuridiqueUniteLegale="5710") for n in range(1, 50)] + [unit(50)]
    plain = stock(tmp_path / "plain.csv", units)
    quoted = tmp_path / "quoted.csv"
    with quoted.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(COLUMNS_35)
        for values in units:
            writer.writerow([values.get(name, "") for name in COLUMNS_35])

    run(plain)
    fast = last_run()
    run(quoted)
    slow = last_run()

    assert (fast.rows_read, fast.skipped, fast.created) == (50, {"non ESS": 49}, 1)
    assert (slow.rows_read, slow.skipped, slow.unchanged) == (50, {"non ESS": 49}, 1)
