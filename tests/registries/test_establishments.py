"""import_sirene_etablissements: head-office addresses of the organisations already known."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.models import Organisation
from frenchimpact.registries.models import ImportRun
from frenchimpact.territories.services import territories_load_reference

from ..organisations.factories import (
    ImportedOrganisationFactory,
    OrganisationFactory,
    valid_siren,
    valid_siret,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registries"
GEO_SAMPLE = FIXTURES / "StockEtablissement_geo_sample.csv"
GEO_HEADER = GEO_SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(",")
PLAIN_HEADER = GEO_HEADER[: GEO_HEADER.index("longitude")]


@pytest.fixture(autouse=True)
def territories_reference(db):
    territories_load_reference()


def establishment(siren: str, nic: int = 1, **values: str) -> dict[str, str]:
    row = {
        "siren": siren,
        "nic": f"{nic:05d}",
        "siret": valid_siret(siren, nic),
        "statutDiffusionEtablissement": "O",
        "etablissementSiege": "true",
        "etatAdministratifEtablissement": "A",
        "numeroVoieEtablissement": "3",
        "indiceRepetitionEtablissement": "B",
        "typeVoieEtablissement": "AV",
        "libelleVoieEtablissement": "JEAN JAURES",
        "codePostalEtablissement": "35000",
        "libelleCommuneEtablissement": "RENNES",
        "codeCommuneEtablissement": "35238",
        "longitude": "-1.6777",
        "latitude": "48.1173",
    }
    row.update(values)
    return row


def write(path: Path, rows: list[dict[str, str]], header: list[str] = PLAIN_HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row.get(name, "") for name in header] for row in rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_sirene_etablissements", str(path), *args, stdout=out)
    return out.getvalue()


def imported(siren: str) -> Organisation:
    return ImportedOrganisationFactory.create(
        siren=siren,
        siret="",
        address_line="",
        postal_code="",
        commune_code="",
        commune_name="",
        department=None,
        region=None,
    )


def siren_of(organisation: Organisation) -> str:
    assert organisation.siren is not None
    return organisation.siren


def test_the_real_geocoded_sample_skips_its_closed_establishments():
    # Even known organisations: the three head offices of the sample are closed.
    for siren in ("005880034", "006003560", "006004659"):
        imported(siren)

    output = run(GEO_SAMPLE)

    assert "3 ligne(s) lue(s) : 0 créée(s), 0 mise(s) à jour, 0 inchangée(s), 3 ignorée(s)" in (
        output
    )
    assert "ignorées — établissement fermé : 3" in output
    assert not Organisation.objects.exclude(address_line="").exists()
    import_run = ImportRun.objects.get()
    assert import_run.skipped == {"établissement fermé": 3}
    assert import_run.options["delimiter"] == ","


def test_a_plain_file_sets_the_head_office_address_of_known_organisations(tmp_path):
    known = imported(valid_siren(1))
    member_edited = OrganisationFactory.create(
        siren=valid_siren(2),
        address_line="Chez notre adhérent",
        field_sources={"address_line": "membre", "siret": "membre"},
    )
    member_siret = member_edited.siret
    rows = [
        establishment(siren_of(known)),
        establishment(siren_of(known), nic=2, etablissementSiege="false"),
        establishment(siren_of(member_edited)),
        establishment(valid_siren(3)),  # unknown
        establishment(valid_siren(4), etatAdministratifEtablissement="F"),
        establishment(valid_siren(5), statutDiffusionEtablissement="P"),
        establishment("12345", siret="12345"),
    ]
    path = write(tmp_path / "StockEtablissement.csv", rows)

    output = run(path)

    known.refresh_from_db()
    assert known.siret == valid_siret(siren_of(known), 1)
    assert known.address_line == "3B AVENUE JEAN JAURES"
    assert known.postal_code == "35000"
    assert known.commune_code == "35238"
    assert known.commune_name == "Rennes"  # the official name (a prefecture, loaded)
    assert known.department is not None and known.department.code == "35"
    assert known.region is not None and known.region.code == "53"
    assert known.field_sources["address_line"] == "sirene"
    member_edited.refresh_from_db()
    assert member_edited.address_line == "Chez notre adhérent"
    assert member_edited.siret == member_siret
    assert member_edited.commune_code == "75056"  # set at registration (factory): kept

    import_run = ImportRun.objects.get()
    assert (import_run.updated, import_run.unchanged, import_run.rejected) == (1, 1, 1)
    assert import_run.skipped == {
        "établissement secondaire (pas le siège)": 1,
        "organisation inconnue sur la plateforme": 1,
        "établissement fermé": 1,
        "établissement non diffusible": 1,
    }
    assert "1 rejetée(s)" in output
    assert import_run.rejects.get().line == 8
    assert AuditEntry.objects.filter(action="import.sirene_etablissements.batch").count() == 1


def test_the_geocoded_layout_is_recognised(tmp_path):
    known = imported(valid_siren(11))
    path = write(tmp_path / "geo.csv", [establishment(siren_of(known))], header=GEO_HEADER)

    run(path)

    known.refresh_from_db()
    assert known.address_line == "3B AVENUE JEAN JAURES"
    assert known.department is not None and known.department.code == "35"


def test_re_running_changes_nothing(tmp_path):
    known = imported(valid_siren(12))
    path = write(tmp_path / "again.csv", [establishment(siren_of(known))])
    run(path)
    known.refresh_from_db()
    stamp = known.updated_at

    output = run(path)

    known.refresh_from_db()
    assert known.updated_at == stamp
    assert "0 mise(s) à jour, 1 inchangée(s)" in output


def test_a_moved_head_office_is_updated(tmp_path):
    known = imported(valid_siren(13))
    run(write(tmp_path / "v1.csv", [establishment(siren_of(known))]))

    run(
        write(
            tmp_path / "v2.csv",
            [
                establishment(
                    siren_of(known),
                    nic=9,
                    typeVoieEtablissement="RUE",
                    libelleVoieEtablissement="DE LA REPUBLIQUE",
                    codeCommuneEtablissement="69123",
                    codePostalEtablissement="69002",
                    libelleCommuneEtablissement="LYON",
                )
            ],
        )
    )

    known.refresh_from_db()
    assert known.siret == valid_siret(siren_of(known), 9)
    assert known.address_line == "3B RUE DE LA REPUBLIQUE"
    assert known.commune_name == "Lyon"
    assert known.region is not None and known.region.code == "84"


def test_a_header_from_another_file_is_refused_before_writing(tmp_path):
    with pytest.raises(CommandError) as error:
        run(FIXTURES / "StockUniteLegale_sample.csv")
    assert "colonne(s) manquante(s) : siret, statutDiffusionEtablissement" in str(error.value)

    truncated_geo = GEO_HEADER[: GEO_HEADER.index("geo_score")]
    path = write(tmp_path / "half_geo.csv", [], header=truncated_geo)
    with pytest.raises(CommandError) as error:
        run(path)
    assert "geo_score, geo_type, geo_adresse, geo_id, geo_ligne, geo_l4, geo_l5" in str(error.value)
    assert not AuditEntry.objects.exists()


def test_nothing_importable_exits_with_an_error(tmp_path):
    with pytest.raises(CommandError, match="Rien n’a pu être importé"):
        run(write(tmp_path / "entete.csv", []))
