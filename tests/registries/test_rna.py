"""import_rna: the RNA "waldec" file becomes organisations, one per association."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import EssFamily, ModerationStatus, Source
from frenchimpact.organisations.models import Organisation
from frenchimpact.registries.models import ImportReject, ImportRun, ImportStatus
from frenchimpact.registries.rna import RnaImporter
from frenchimpact.search import documents, engine
from frenchimpact.search.documents import ORGANISATION
from frenchimpact.territories.services import territories_load_reference

from ..organisations.factories import (
    ImportedOrganisationFactory,
    MembershipFactory,
    OrganisationFactory,
    valid_siren,
    valid_siret,
)
from .interruption import assert_resumed, kill_at_batch

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registries"
SAMPLE = FIXTURES / "rna_waldec_sample.csv"
HEADER = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(";")


@pytest.fixture(autouse=True)
def territories_reference(db):
    territories_load_reference()


def waldec_row(**values: str) -> list[str]:
    defaults = {
        "id": "W751000001",
        "date_creat": "2010-05-04",
        "titre": "Association Test",
        "objet": "Objet de l'association",
        "adrs_numvoie": "12",
        "adrs_typevoie": "RUE",
        "adrs_libvoie": "de la Paix",
        "adrs_codeinsee": "75056",
        "adrs_codepostal": "75002",
        "adrs_libcommune": "Paris",
        "position": "A",
    }
    defaults.update(values)
    return [defaults.get(name, "") for name in HEADER]


def write_waldec(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_rna", str(path), *args, stdout=out)
    return out.getvalue()


def test_the_real_sample_gives_three_associations_two_active_one_dissolved():
    output = run(SAMPLE)

    organisations = {o.rna: o for o in Organisation.objects.all()}
    assert set(organisations) == {"W632007046", "W012000002", "W012000005"}
    assert [o.rna for o in Organisation.objects.filter(ceased=True)] == ["W632007046"]
    black_owl = organisations["W632007046"]
    assert black_owl.name == "BLACK OWL"
    # Accents as in the file (this sample lost them upstream): the text is kept byte for byte.
    assert black_owl.description == (
        'promouvoir la scne indpendante musicale "psychdlique" travers l\'organisation '
        "d'vnements de type concert et ou festival"
    )
    assert black_owl.rna_creation_date == dt.date(2014, 6, 17)
    assert black_owl.address_line == "35 RUE Pascal"
    assert black_owl.postal_code == "63000"
    assert black_owl.commune_code == "63113"
    assert black_owl.commune_name == "Clermont-Ferrand"
    assert black_owl.department is not None and black_owl.department.code == "63"
    assert black_owl.region is not None and black_owl.region.code == "84"
    assert black_owl.source == Source.RNA
    assert black_owl.status == ModerationStatus.PUBLISHED
    assert black_owl.published_at is not None
    assert black_owl.ess_family == EssFamily.ASSOCIATION
    assert black_owl.siren is None and black_owl.siret == ""
    assert black_owl.field_sources["name"] == "rna"
    assert black_owl.field_sources["description"] == "rna"
    ufic = organisations["W012000005"]
    assert ufic.name == "UNITE FRANCAISE D'INTERVENTION EN CATASTROPHE (UFIC)"
    assert ufic.commune_name == "Fontaines-sur-Sane"  # not in the loaded communes: as in the file
    assert ufic.department is not None and ufic.department.code == "69"
    assert ufic.ceased is False

    import_run = ImportRun.objects.get()
    assert (import_run.rows_read, import_run.created, import_run.rejected) == (3, 3, 0)
    assert import_run.status == ImportStatus.COMPLETED
    assert "3 ligne(s) lue(s) : 3 créée(s), 0 mise(s) à jour" in output
    # One audit entry for the batch, none per organisation.
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["import.rna.batch"]


def test_a_latin1_file_keeps_its_accents(tmp_path):
    path = write_waldec(
        tmp_path / "rna_latin1.csv",
        [
            waldec_row(
                id="W691000001",
                titre="Les Amis de la Forêt Élémentaire",
                objet="Protéger les forêts ; créer des sentiers à Fontaines-sur-Saône",
                adrs_libvoie="Ampère",
                adrs_codeinsee="69088",
                adrs_libcommune="Fontaines-sur-Saône",
            ),
            waldec_row(id="W691000002", titre="Café Théâtre « Ça déménage »"),
        ],
        encoding="latin-1",
    )
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really Latin-1

    run(path)

    foret = Organisation.objects.get(rna="W691000001")
    assert foret.name == "Les Amis de la Forêt Élémentaire"
    assert foret.description == "Protéger les forêts ; créer des sentiers à Fontaines-sur-Saône"
    assert foret.address_line == "12 RUE Ampère"
    assert foret.commune_name == "Fontaines-sur-Saône"
    assert Organisation.objects.get(rna="W691000002").name == "Café Théâtre « Ça déménage »"
    assert ImportRun.objects.get().options["encoding"] == "latin-1"


def test_re_running_the_same_file_changes_nothing():
    run(SAMPLE)
    before = {o.pk: o.updated_at for o in Organisation.objects.all()}

    output = run(SAMPLE)

    assert {o.pk: o.updated_at for o in Organisation.objects.all()} == before
    assert Organisation.objects.count() == 3
    latest = ImportRun.objects.order_by("-pk").first()
    assert latest is not None
    assert (latest.created, latest.updated, latest.unchanged) == (0, 0, 3)
    assert "3 inchangée(s)" in output


def test_a_later_file_dissolves_and_updates(tmp_path):
    run(write_waldec(tmp_path / "v1.csv", [waldec_row(titre="Ancien titre")]))
    run(
        write_waldec(
            tmp_path / "v2.csv",
            [waldec_row(titre="Nouveau titre", position="D", adrs_numvoie="14")],
        )
    )

    organisation = Organisation.objects.get()
    assert organisation.name == "Nouveau titre"
    assert organisation.ceased is True
    assert organisation.address_line == "14 RUE de la Paix"
    latest = ImportRun.objects.order_by("-pk").first()
    assert latest is not None and latest.updated == 1


def test_unknown_dates_are_none(tmp_path):
    run(write_waldec(tmp_path / "dates.csv", [waldec_row(date_creat="0001-01-01")]))

    assert Organisation.objects.get().rna_creation_date is None


def test_an_association_known_to_sirene_stays_one_organisation(tmp_path):
    siren = valid_siren(42)
    known = ImportedOrganisationFactory.create(
        siren=siren, name="ASSOCIATION DES JARDINS (SIRENE)", rna=None, description=""
    )
    path = write_waldec(
        tmp_path / "linked.csv",
        [waldec_row(id="W751000042", siret=valid_siret(siren), titre="Jardins (RNA)")],
    )

    run(path)

    assert Organisation.objects.count() == 1
    known.refresh_from_db()
    assert known.rna == "W751000042"
    assert known.rna_creation_date == dt.date(2010, 5, 4)
    assert known.name == "ASSOCIATION DES JARDINS (SIRENE)"  # SIRENE's field, not the RNA's
    assert known.description == "Objet de l'association"
    assert known.source == Source.SIRENE
    assert known.field_sources["rna"] == "rna"


def test_a_new_association_with_a_siret_gets_its_siren(tmp_path):
    siren = valid_siren(7)
    run(write_waldec(tmp_path / "siret.csv", [waldec_row(siret=valid_siret(siren))]))

    organisation = Organisation.objects.get()
    assert organisation.siren == siren
    assert organisation.siret == valid_siret(siren)


def test_a_siren_linked_to_another_rna_number_is_skipped_for_review(tmp_path):
    siren = valid_siren(8)
    ImportedOrganisationFactory.create(siren=siren, rna="W751999999")
    path = write_waldec(tmp_path / "conflict.csv", [waldec_row(siret=valid_siret(siren))])

    output = run(path)

    assert Organisation.objects.count() == 1
    assert "SIREN déjà rattaché à un autre numéro RNA (à vérifier) : 1" in output


def test_what_members_edited_is_never_overwritten(tmp_path):
    organisation = OrganisationFactory.create(
        rna="W751000001",
        name="Notre nom choisi",
        address_line="Maison des associations",
        description="Notre présentation",
        rna_creation_date=None,
        field_sources={"name": "membre", "address_line": "membre"},
    )
    MembershipFactory.create(organisation=organisation)

    run(write_waldec(tmp_path / "member.csv", [waldec_row(titre="TITRE OFFICIEL")]))

    organisation.refresh_from_db()
    assert organisation.name == "Notre nom choisi"
    assert organisation.address_line == "Maison des associations"
    assert organisation.description == "Notre présentation"
    assert organisation.rna_creation_date == dt.date(2010, 5, 4)  # empty: the RNA fills it
    assert organisation.field_sources["name"] == "membre"
    assert organisation.source == Source.REGISTERED


def test_personal_data_is_never_stored(tmp_path):
    personal = {
        "dir_civilite": "PM",
        "telephone": "0612345678",
        "email": "dirigeant@perso.fr",
        "adrg_declarant": "Jean Dupont",
        "adrs_complement": "chez Mme Martin",
    }
    path = write_waldec(
        tmp_path / "personal.csv",
        [
            waldec_row(**personal),
            waldec_row(id="X12", telephone="06 98 76 54 32", email="autre@perso.fr"),
        ],
    )

    run(path)

    stored = [
        *Organisation.objects.values_list(),
        *ImportReject.objects.values_list(),
        *AuditEntry.objects.values_list(),
        *ImportRun.objects.values_list(),
    ]
    text = repr(stored)
    assert "Association Test" in text  # the check reads real rows
    for secret in (
        "0612345678",
        "06 98 76 54 32",
        "dirigeant@perso.fr",
        "autre@perso.fr",
        "Jean Dupont",
        "Mme Martin",
    ):
        assert secret not in text
    assert ImportReject.objects.get().line == 3


def test_invalid_rows_are_rejected_with_their_line_numbers(tmp_path):
    rows = [
        waldec_row(id="W751000001"),
        waldec_row(id="751000002"),  # no W
        waldec_row(id="W751000003")[:-3],  # ragged: three fields short
        waldec_row(id="W751000004", date_creat="2010-13-45"),
        waldec_row(id="W751000005", position="Z"),
        waldec_row(id="W751000006"),
    ]
    path = write_waldec(tmp_path / "bad_rows.csv", rows)
    rejects = tmp_path / "rejets.csv"

    output = run(path, "--rejets", str(rejects))

    assert set(Organisation.objects.values_list("rna", flat=True)) == {"W751000001", "W751000006"}
    assert "4 rejetée(s)" in output
    lines = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert lines[0] == ["ligne", "motif", "contenu"]
    assert [(row[0], row[1].split(" :")[0]) for row in lines[1:]] == [
        ("3", "numéro RNA invalide"),
        ("4", f"{len(HEADER) - 3} champs au lieu de {len(HEADER)} (ligne décalée ou coupée)"),
        ("5", "date de création invalide"),
        ("6", "position inconnue"),
    ]


def test_a_header_from_another_file_is_refused_before_writing(tmp_path):
    with pytest.raises(CommandError) as error:
        run(FIXTURES / "StockUniteLegale_sample.csv")

    message = str(error.value)
    assert "colonne(s) manquante(s) : id, siret, date_creat, titre, objet" in message
    assert "Rien n’a été importé" in message
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_an_empty_file_exits_with_an_error(tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="Le fichier est vide"):
        run(empty)

    header_only = write_waldec(tmp_path / "entete.csv", [])
    with pytest.raises(CommandError, match="Rien n’a pu être importé"):
        run(header_only)


def test_nothing_importable_exits_with_an_error(tmp_path):
    path = write_waldec(tmp_path / "all_bad.csv", [waldec_row(id="nope"), waldec_row(id="W1")])
    rejects = tmp_path / "rejets.csv"

    with pytest.raises(CommandError, match="Rien n’a pu être importé"):
        run(path, "--rejets", str(rejects))

    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 3
    assert not Organisation.objects.exists()


def test_dry_run_writes_nothing():
    output = run(SAMPLE, "--dry-run")

    assert "Simulation" in output
    assert "3 créée(s)" in output
    assert not Organisation.objects.exists()
    assert not ImportRun.objects.exists()


def test_the_search_index_is_updated_once_per_batch(
    tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    calls: list[list[int]] = []
    real_sync = documents.sync_organisations

    def spy(ids, **kwargs):
        ids = list(ids)
        calls.append(ids)
        real_sync(ids, **kwargs)

    monkeypatch.setattr(documents, "sync_organisations", spy)
    path = write_waldec(
        tmp_path / "batches.csv",
        [waldec_row(id=f"W75100000{n}", titre=f"Atelier Vélo {n}") for n in range(5)],
    )

    with django_capture_on_commit_callbacks(execute=True):
        run(path, "--batch-size", "3")

    assert [len(ids) for ids in calls] == [3, 2]
    found = engine.query(ORGANISATION, "atelier velo", limit=10).ids
    assert sorted(found) == sorted(Organisation.objects.values_list("pk", flat=True))


def rna_state() -> list[tuple[object, ...]]:
    """What the import produced, comparable between two runs."""
    return list(
        Organisation.objects.order_by("rna").values_list(
            "rna",
            "siren",
            "name",
            "description",
            "rna_creation_date",
            "address_line",
            "postal_code",
            "commune_code",
            "commune_name",
            "department__code",
            "ceased",
            "status",
            "source",
            "field_sources",
        )
    )


def test_a_killed_import_resumes_and_ends_like_an_uninterrupted_one(tmp_path, monkeypatch):
    rows = []
    for n in range(1, 121):
        if n % 11 == 0:
            rows.append(waldec_row(id=f"X{n}"))  # rejected
        elif n % 13 == 0:
            rows.append(waldec_row(id=f"W75{n:07d}", position="S"))  # skipped: deleted
        else:
            rows.append(
                waldec_row(
                    id=f"W75{n:07d}",
                    titre=f"Association {n}",
                    adrs_numvoie=str(n),
                    position="D" if n % 5 == 0 else "A",
                    siret=valid_siret(valid_siren(n)) if n % 4 == 0 else "",
                )
            )
    path = write_waldec(tmp_path / "waldec.csv", rows)
    # Reference: an uninterrupted run, in batches of 10 rows.
    run(path, "--batch-size", "10")
    reference = rna_state()
    reference_run = ImportRun.objects.get()
    expected = (
        reference_run.rows_read,
        reference_run.created,
        reference_run.skipped,
        reference_run.rejected,
    )
    reference_rejects = list(ImportReject.objects.order_by("line").values_list("line", "reason"))
    assert expected == (120, 101, {"association supprimée du RNA": 9}, 10)
    Organisation.objects.all().delete()
    ImportRun.objects.all().delete()
    audit_before = AuditEntry.objects.filter(action="import.rna.batch").count()

    kill_at_batch(monkeypatch, RnaImporter, 4)
    with pytest.raises(RuntimeError):
        run(path, "--batch-size", "10")
    interrupted = ImportRun.objects.get()
    assert interrupted.status == ImportStatus.RUNNING
    assert interrupted.last_line == 31  # header + 3 batches of 10 rows committed
    assert interrupted.rows_read == 30
    assert Organisation.objects.count() == interrupted.created > 0

    run(path, "--batch-size", "10")

    assert_resumed(interrupted.pk, expected, reference_rejects)
    assert rna_state() == reference
    # One audit entry per committed batch, none for the batch that was rolled back.
    assert AuditEntry.objects.filter(action="import.rna.batch").count() - audit_before == 12
