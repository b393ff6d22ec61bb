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


# --- Positions --------------------------------------------------------------------------------

LAMBERT_SAMPLE = FIXTURES / "StockEtablissement_lambert_sample.csv"


def position(organisation: Organisation) -> tuple[float | None, float | None]:
    organisation.refresh_from_db()
    return organisation.latitude, organisation.longitude


def test_the_geocoded_layout_gives_the_position_and_a_plain_file_keeps_it(tmp_path):
    known = imported(valid_siren(21))
    geocoded = write(tmp_path / "geo.csv", [establishment(siren_of(known))], header=GEO_HEADER)

    run(geocoded)

    assert position(known) == (48.1173, -1.6777)
    assert known.field_sources["latitude"] == "sirene"
    assert "0 mise(s) à jour, 1 inchangée(s)" in run(geocoded)  # idempotent

    # A plain file without coordinates, same address: the position stays.
    run(write(tmp_path / "plain.csv", [establishment(siren_of(known))]))
    assert position(known) == (48.1173, -1.6777)

    # The head office moves, the file gives no coordinates: the old position goes.
    moved = establishment(siren_of(known), codeCommuneEtablissement="69123")
    run(write(tmp_path / "moved.csv", [moved]))
    assert position(known) == (None, None)
    assert known.commune_code == "69123"


def test_an_overseas_position_is_accepted(tmp_path):
    known = imported(valid_siren(22))
    row = establishment(
        siren_of(known),
        codeCommuneEtablissement="97411",
        codePostalEtablissement="97400",
        latitude="-20.8789",
        longitude="55.4481",
    )
    run(write(tmp_path / "reunion.csv", [row], header=GEO_HEADER))
    assert position(known) == (-20.8789, 55.4481)


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("-1.6777", "48.1173", "Coordonnées hors du territoire attendu"),  # swapped
        ("48.1173", "55.4481", "Coordonnées hors du territoire attendu"),  # not France
        ("-20.8789", "55.4481", "commune 35238"),  # Réunion, for a commune of Rennes
        ("91", "-1.6777", "Coordonnées hors du territoire attendu"),
        ("48,1173x", "-1.6777", "Coordonnée illisible : « 48,1173x »"),
        ("nan", "-1.6777", "Coordonnée illisible : « nan »"),
    ],
)
def test_a_position_outside_france_rejects_the_row(tmp_path, latitude, longitude, message):
    known = imported(valid_siren(23))
    row = establishment(siren_of(known), latitude=latitude, longitude=longitude)
    path = write(tmp_path / "bad.csv", [row], header=GEO_HEADER)

    with pytest.raises(CommandError, match="Rien n’a pu être importé"):
        run(path)

    reject = ImportRun.objects.get().rejects.get()
    assert reject.line == 2
    assert message in reject.reason
    known.refresh_from_db()
    assert (known.latitude, known.longitude, known.address_line) == (None, None, "")


def test_no_position_for_an_address_members_edited(tmp_path):
    member_address = OrganisationFactory.create(
        siren=valid_siren(24),
        address_line="Chez notre adhérent",
        commune_code="",
        field_sources={"address_line": "membre"},
    )
    row = establishment(siren_of(member_address))
    run(write(tmp_path / "geo.csv", [row], header=GEO_HEADER))
    assert position(member_address) == (None, None)
    assert member_address.address_line == "Chez notre adhérent"


def test_a_sirene_position_is_dropped_once_members_edit_the_address(tmp_path):
    known = imported(valid_siren(25))
    path = write(tmp_path / "geo.csv", [establishment(siren_of(known))], header=GEO_HEADER)
    run(path)
    assert position(known) == (48.1173, -1.6777)
    # What organisation_update records when members change the address.
    known.address_line = "Nouvelle adresse des membres"
    known.field_sources = {**known.field_sources, "address_line": "membre"}
    known.save()

    run(path)

    assert position(known) == (None, None)
    assert known.address_line == "Nouvelle adresse des membres"


def test_lambert_93_coordinates_of_the_plain_layout_are_converted(tmp_path):
    rows = list(csv.DictReader(io.StringIO(LAMBERT_SAMPLE.read_text(encoding="utf-8"))))
    rennes, reunion, not_diffused, out_of_france = (imported(row["siren"]) for row in rows)

    output = run(LAMBERT_SAMPLE)

    latitude, longitude = position(rennes)
    assert latitude == pytest.approx(48.1173, abs=1e-5)
    assert longitude == pytest.approx(-1.6778, abs=1e-5)
    assert rennes.address_line == "12 RUE DE LA MOTTE PICQUET"
    # Overseas, INSEE uses local UTM projections: the address, not the position.
    assert position(reunion) == (None, None)
    assert reunion.commune_code == "97411"
    assert position(not_diffused) == (None, None)  # "[ND]"
    assert not_diffused.commune_code == "69382"
    assert position(out_of_france) == (None, None)
    assert out_of_france.address_line == ""
    import_run = ImportRun.objects.get()
    assert (import_run.updated, import_run.rejected) == (3, 1)
    reject = import_run.rejects.get()
    assert reject.line == 5
    assert "Coordonnées Lambert 93 hors de France" in reject.reason
    assert "1 rejetée(s)" in output


def test_lambert_93_conversion_matches_reference_points():
    from frenchimpact.registries.establishments import lambert93_to_wgs84

    # The projection's origin, and Notre-Dame de Paris (IGN's converter: 48.85297, 2.34990).
    assert lambert93_to_wgs84(700_000, 6_600_000) == pytest.approx((46.5, 3.0), abs=1e-9)
    assert lambert93_to_wgs84(652_297.1, 6_861_632.8) == pytest.approx(
        (48.85297, 2.34990), abs=1e-5
    )


def test_a_half_lambert_header_is_refused(tmp_path):
    header = [*PLAIN_HEADER, "coordonneeLambertAbscisseEtablissement"]
    with pytest.raises(CommandError) as error:
        run(write(tmp_path / "half.csv", [], header=header))
    assert "colonne(s) manquante(s) : coordonneeLambertOrdonneeEtablissement" in str(error.value)


ADDRESS = "3B AVENUE JEAN JAURES"


def test_a_head_office_sirene_stops_publishing_loses_its_address_and_position(tmp_path):
    known = imported(valid_siren(31))
    edited = imported(valid_siren(32))
    rows = [establishment(siren_of(known)), establishment(siren_of(edited))]
    run(write(tmp_path / "geo.csv", rows, header=GEO_HEADER))
    known.refresh_from_db()
    assert known.address_line == ADDRESS
    # Members rewrote the second one's address (the position went with it).
    Organisation.objects.filter(pk=edited.pk).update(
        address_line="1 rue des Membres",
        latitude=None,
        longitude=None,
        field_sources={**edited.field_sources, "address_line": "membre"},
    )
    hidden = [
        establishment(siren_of(known), statutDiffusionEtablissement="P"),
        establishment(siren_of(edited), statutDiffusionEtablissement="P"),
    ]
    report = run(write(tmp_path / "hidden.csv", hidden, header=GEO_HEADER))
    known.refresh_from_db()
    edited.refresh_from_db()
    assert known.address_line == "" and position(known) == (None, None)
    assert known.commune_code == "35238"  # INSEE still publishes the commune
    assert edited.address_line == "1 rue des Membres"  # what members wrote stays
    assert "siège devenu non diffusible" in report
    assert "établissement non diffusible : 2" in report
    assert "adresse et position issues de SIRENE retirées : 1" in report
    # Published again later: the address comes back.
    run(write(tmp_path / "again.csv", [establishment(siren_of(known))], header=GEO_HEADER))
    known.refresh_from_db()
    assert known.address_line == ADDRESS and position(known) == (48.1173, -1.6777)
