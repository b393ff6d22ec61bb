"""import_projects: partner networks' spreadsheets mapped by a JSON file onto projects."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Stage
from frenchimpact.projects.models import Project
from frenchimpact.projects.selectors import moderation_projects
from frenchimpact.registries import partner_projects
from frenchimpact.registries.framework import run_import
from frenchimpact.registries.models import ImportKind, ImportReject, ImportRun, ImportStatus
from frenchimpact.registries.partner_projects import (
    MappingError,
    PartnerProjectsImporter,
    ProjectMapping,
    load_mapping,
    mapping_schema,
    validate_mapping,
)
from tests.registries.interruption import assert_resumed, kill_at_batch

from ..organisations.factories import OrganisationFactory, department, region, valid_siren

HEADER = "SIREN;Structure;Nom du projet;Résumé;Description;Thématiques;Région;Dépt;Stade;Tags;Année"

MAPPING: dict[str, Any] = {
    "description": "Réseau des tiers-lieux, export 2025",
    "organisation": {"siren": "SIREN", "nom": "Structure"},
    "colonnes": {
        "titre": {"source": "Nom du projet"},
        "resume": {"source": "Résumé"},
        "description": {"source": "Description"},
        "defis": {
            "source": "Thématiques",
            "separateur": ",",
            "valeurs": {"Emploi": "economie_inclusive", "Écologie": "transition_ecologique"},
        },
        "regions": {"source": "Région", "separateur": "/"},
        "departements": {"source": "Dépt"},
        "stade": {
            "source": "Stade",
            "valeurs": {"Idée": "emergence", "Lancé": "developpement"},
            "defaut": "emergence",
        },
        "mots_cles": {"source": "Tags", "separateur": ","},
        "annee_lancement": {"source": "Année"},
    },
    "constantes": {"besoins": ["financement"]},
}


@pytest.fixture
def orgs(db):
    region("76", "Occitanie")
    region("53", "Bretagne")
    department("31", "Haute-Garonne", "76")
    department("35", "Ille-et-Vilaine", "53")
    return {
        "jardins": OrganisationFactory.create(name="Les Jardins Partagés", siren=valid_siren(1)),
        "ateliers": OrganisationFactory.create(name="Ateliers du Lien", siren=valid_siren(2)),
    }


def write(tmp_path: Path, name: str, content: Any, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding=encoding)
    else:
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def rows_file(tmp_path: Path, orgs: dict[str, Any], *lines: str, encoding: str = "utf-8") -> Path:
    text = "\n".join([HEADER, *lines]) + "\n"
    text = text.replace("{J}", orgs["jardins"].siren).replace("{A}", orgs["ateliers"].siren)
    return write(tmp_path, "projets.csv", text, encoding)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("import_projects", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- Mapping ---------------------------------------------------------------------------------


def test_schema_errors_name_the_faulty_key():
    errors = validate_mapping(
        {
            "organisation": {"siren": "SIREN"},
            "colonnes": {
                "titre": {},
                "defis": {"source": "Thème", "valeurs": {"Emploi": "emploi"}},
                "stade": {"source": "Stade", "separateur": ","},
                "couleur": {"source": "X"},
            },
        }
    )
    assert "colonnes.titre : « source » est requis" in errors
    assert any(e.startswith("colonnes : clé inconnue « couleur »") for e in errors)
    assert any(
        e.startswith("colonnes.defis.valeurs.Emploi : « emploi » n’est pas une valeur permise")
        for e in errors
    )
    assert any(e.startswith("colonnes.stade : clé inconnue « separateur »") for e in errors)


def test_mapping_needs_a_siren_column_unless_matching_by_name():
    assert "organisation : « siren » est requis" in validate_mapping(
        {"organisation": {"nom": "Structure"}, "colonnes": {"titre": {"source": "T"}}}
    )
    assert "organisation : « nom » est requis" in validate_mapping(
        {"organisation": {"par_nom": True}, "colonnes": {"titre": {"source": "T"}}}
    )


def test_mapping_needs_the_stage_and_one_source_per_field():
    errors = validate_mapping(
        {
            "organisation": {"siren": "SIREN"},
            "colonnes": {"titre": {"source": "T"}, "resume": {"source": "T"}},
        }
    )
    assert any(e.startswith("colonnes.stade : le stade est requis") for e in errors)
    assert any("« T » alimente déjà colonnes." in e for e in errors)


def test_invalid_json_says_where(tmp_path):
    path = write(tmp_path, "m.json", '{"organisation": {"siren": "SIREN",}}')
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert "JSON invalide ligne 1" in error.value.errors[0]


def test_schema_codes_follow_the_platform_enums():
    defs = mapping_schema()["$defs"]
    constants = mapping_schema()["properties"]["constantes"]["properties"]
    assert constants["stade"]["enum"] == Stage.values
    assert constants["budget"]["enum"] == BudgetBand.values
    assert constants["defis"]["items"]["enum"] == Challenge.values
    assert constants["besoins"]["items"]["enum"] == Need.values
    assert (
        defs["colonne_defis"]["properties"]["valeurs"]["additionalProperties"]["anyOf"][0]["enum"]
        == Challenge.values
    )


def test_invalid_mapping_is_a_command_error_and_writes_nothing(tmp_path, orgs):
    data = rows_file(tmp_path, orgs, "{J};;Potager;Un potager;;;;;;;")
    mapping = write(tmp_path, "m.json", {"organisation": {}, "colonnes": {"titre": {}}})
    with pytest.raises(CommandError) as error:
        run_command(str(data), "--mapping", str(mapping))
    assert "colonnes.titre : « source » est requis" in str(error.value)
    assert "organisation : « siren » est requis" in str(error.value)
    assert not ImportRun.objects.exists()
    assert not Project.objects.exists()


# --- Import ----------------------------------------------------------------------------------


def test_rows_become_pending_projects_in_moderation(tmp_path, orgs):
    data = rows_file(
        tmp_path,
        orgs,
        "{J};;Potager partagé;Un potager au cœur du quartier;Cultiver ensemble.;Emploi, Écologie;"
        "Midi-Pyrénées;31;Lancé;jardin, lien social;2019",
        "{A};;Repair café;;Réparer plutôt que jeter, chaque samedi.;;Bretagne;35;;réemploi;",
    )
    mapping = write(tmp_path, "m.json", MAPPING)
    out = run_command(str(data), "--mapping", str(mapping))

    potager = Project.objects.get(title="Potager partagé")
    assert potager.organisation == orgs["jardins"]
    assert potager.status == ModerationStatus.PENDING
    assert potager.challenges == ["economie_inclusive", "transition_ecologique"]
    assert potager.stage == Stage.DEVELOPMENT
    assert potager.start_year == 2019
    assert potager.needs == ["financement"]  # a constant
    assert [r.code for r in potager.regions.all()] == ["76"]  # Midi-Pyrénées → Occitanie
    assert [d.code for d in potager.departments.all()] == ["31"]
    assert potager.description == "Cultiver ensemble.\n\nMots-clés : jardin, lien social"

    repair = Project.objects.get(title="Repair café")
    assert repair.stage == Stage.EMERGENCE  # the default of an empty cell
    assert repair.summary == "Réparer plutôt que jeter, chaque samedi."  # from the description
    assert set(moderation_projects()) == {potager, repair}

    run = ImportRun.objects.get()
    assert run.kind == ImportKind.PROJECTS
    assert (run.status, run.rows_read, run.created, run.rejected) == (
        ImportStatus.COMPLETED,
        2,
        2,
        0,
    )
    assert "2 ligne(s) lue(s) : 2 créée(s)" in out
    assert "2 projet(s) en attente de modération." in out
    assert "ajoutés à la fin de la description" in out


def test_latin1_semicolon_file_is_detected(tmp_path, orgs):
    data = rows_file(
        tmp_path,
        orgs,
        "{J};;Épicerie solidaire;Une épicerie;;;Languedoc-Roussillon;;;;",
        encoding="latin-1",
    )
    run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)))
    project = Project.objects.get()
    assert project.title == "Épicerie solidaire"
    assert [r.code for r in project.regions.all()] == ["76"]


def test_bad_rows_are_rejected_with_their_line_never_shifted(tmp_path, orgs):
    data = rows_file(
        tmp_path,
        orgs,
        "{J};;Bon projet;Résumé;;;;;;;",  # line 2
        "{J};;Décalé;Résumé;;;;;;;;;",  # line 3: 13 fields instead of 11
        "{J};;;Sans titre;;;;;;;",  # line 4
        "732829320;;Inconnue;Résumé;;;;;;;",  # line 5: valid SIREN, no such organisation
        "123456789;;Mauvais SIREN;Résumé;;;;;;;",  # line 6
        "{A};;Région fantaisie;Résumé;;;Atlantide;;;;",  # line 7
        "{A};;Défi inconnu;Résumé;;Astronomie;;;;;",  # line 8
        "{A};;Autre bon projet;Résumé;;;;;;;",  # line 9
    )
    out = run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)))
    assert set(Project.objects.values_list("title", flat=True)) == {
        "Bon projet",
        "Autre bon projet",
    }
    rejects = dict(ImportReject.objects.values_list("line", "reason"))
    assert sorted(rejects) == [3, 4, 5, 6, 7, 8]
    assert rejects[3].startswith("13 champs au lieu de 11")
    assert rejects[4] == "valeur manquante : titre (colonne « Nom du projet »)"
    assert rejects[5] == "structure inconnue (SIREN 732829320)"
    assert rejects[6] == "SIREN invalide « 123456789 »"
    assert rejects[7] == "colonne « Région » : région inconnue « Atlantide »"
    assert rejects[8] == "colonne « Thématiques » : valeur inconnue « Astronomie »"
    assert "ligne 5 : structure inconnue (SIREN 732829320)" in out
    run = ImportRun.objects.get()
    assert (run.rows_read, run.created, run.rejected) == (8, 2, 6)


def test_rejects_are_written_to_a_csv_when_asked(tmp_path, orgs):
    data = rows_file(tmp_path, orgs, "{J};;Bon;R;;;;;;;", "{J};;=1+1;R;;;Atlantide;;;;")
    rejects = tmp_path / "rejets.csv"
    run_command(
        str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)), "--rejets", str(rejects)
    )
    content = rejects.read_text(encoding="utf-8")
    assert content.splitlines()[0] == "ligne,motif,contenu"
    assert content.splitlines()[1].startswith("3,")
    assert "Atlantide" in content


def test_reimporting_the_same_file_changes_nothing(tmp_path, orgs):
    lines = [
        "{J};;Potager partagé;Un potager;;Emploi;Midi-Pyrénées;31;;jardin;2019",
        "{A};;Repair café;Réparer;;;;;;;",
    ]
    mapping = str(write(tmp_path, "m.json", MAPPING))
    run_command(str(rows_file(tmp_path, orgs, *lines)), "--mapping", mapping)
    before = list(Project.objects.order_by("pk").values())

    run_command(str(rows_file(tmp_path, orgs, *lines)), "--mapping", mapping)
    assert list(Project.objects.order_by("pk").values()) == before
    second = ImportRun.objects.order_by("-pk").first()
    assert second is not None
    assert (second.created, second.unchanged, second.skipped) == (0, 2, {})

    # Same organisation and title (other case and spacing), new text: kept as it is, reported.
    changed = rows_file(tmp_path, orgs, "{A};;REPAIR  café;Réparer, recoudre;;;;;;;")
    run_command(str(changed), "--mapping", mapping)
    assert Project.objects.count() == 2
    assert Project.objects.get(title="Repair café").summary == "Réparer"
    third = ImportRun.objects.order_by("-pk").first()
    assert third is not None
    assert third.skipped == {"projet déjà présent, différent du fichier : non modifié": 1}


def test_duplicate_rows_in_one_file_create_one_project(tmp_path, orgs):
    data = rows_file(tmp_path, orgs, "{J};;Potager;R;;;;;;;", "{J};;potager;R;;;;;;;")
    run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)))
    assert Project.objects.count() == 1
    assert ImportRun.objects.get().skipped == {"doublon d’une ligne précédente du fichier": 1}


def test_dry_run_writes_nothing(tmp_path, orgs):
    data = rows_file(tmp_path, orgs, "{J};;Potager;R;;;;;;;", "{J};;;R;;;;;;;")
    out = run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)), "--dry-run")
    assert "Simulation : rien n’a été enregistré." in out
    assert "2 ligne(s) lue(s) : 1 créée(s)" in out
    assert "ligne 3 : valeur manquante : titre" in out
    assert not Project.objects.exists()
    assert not ImportRun.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="import.").exists()


def test_header_missing_a_mapped_column_stops_before_writing(tmp_path, orgs):
    data = write(tmp_path, "p.csv", f"SIREN;Titre;Résumé\n{orgs['jardins'].siren};P;R\n")
    with pytest.raises(CommandError) as error:
        run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)))
    assert "Colonnes absentes de l’en-tête du fichier : « Nom du projet »" in str(error.value)
    assert not Project.objects.exists()


def test_nothing_imported_is_a_command_error(tmp_path, orgs):
    data = rows_file(tmp_path, orgs, "732829320;;Inconnue;R;;;;;;;")
    with pytest.raises(CommandError) as error:
        run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)))
    assert "toutes les lignes ont été rejetées" in str(error.value)
    assert not Project.objects.exists()
    # The run stays in the history with its reject, for the staff page.
    assert ImportRun.objects.get().rejected == 1


def test_organisation_found_by_exact_name_when_allowed(tmp_path, orgs):
    OrganisationFactory.create(name="Homonyme", siren=valid_siren(3))
    OrganisationFactory.create(name="Homonyme", siren=valid_siren(4))
    mapping = {**MAPPING, "organisation": {"siren": "SIREN", "nom": "Structure", "par_nom": True}}
    data = rows_file(
        tmp_path,
        orgs,
        ";Ateliers du Lien;Par le nom;R;;;;;;;",
        ";ateliers du lien;Casse différente;R;;;;;;;",
        ";Homonyme;Ambigu;R;;;;;;;",
    )
    run_command(str(data), "--mapping", str(write(tmp_path, "m.json", mapping)))
    assert Project.objects.get().organisation == orgs["ateliers"]
    rejects = dict(ImportReject.objects.values_list("line", "reason"))
    assert rejects == {
        3: "structure inconnue (nom « ateliers du lien »)",
        4: "plusieurs structures s’appellent « Homonyme » : indiquez le SIREN",
    }


def test_siret_gives_the_siren_and_names_are_not_used_unless_allowed(tmp_path, orgs):
    siret = orgs["jardins"].siret
    data = rows_file(tmp_path, orgs, f"{siret};;Par SIRET;R;;;;;;;", ";Ateliers du Lien;X;R;;;;;;;")
    run_command(str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)))
    assert Project.objects.get().organisation == orgs["jardins"]
    assert ImportReject.objects.get().reason == "structure manquante : colonne « SIREN » vide"


def test_one_audit_entry_and_one_index_sync_per_batch(tmp_path, orgs, monkeypatch):
    synced: list[list[int]] = []
    monkeypatch.setattr(partner_projects, "schedule_sync", lambda kind, ids: synced.append(ids))
    data = rows_file(tmp_path, orgs, *[f"{{J}};;Projet {n};R;;;;;;;" for n in range(5)])
    run_command(
        str(data), "--mapping", str(write(tmp_path, "m.json", MAPPING)), "--batch-size", "2"
    )
    assert Project.objects.count() == 5
    assert [len(ids) for ids in synced] == [2, 2, 1]
    assert AuditEntry.objects.filter(action="import.projets.batch").count() == 3
    assert not AuditEntry.objects.filter(action="project.create").exists()


def test_queries_per_batch_do_not_grow_with_rows(tmp_path, orgs):
    mapping = ProjectMapping.from_data(MAPPING)

    def queries(count: int, siren: str) -> int:
        lines = [f"{siren};;Projet {n};R;;Emploi;Occitanie/Bretagne;31;;;" for n in range(count)]
        path = rows_file(tmp_path, orgs, *lines)
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as captured:
            run_import(PartnerProjectsImporter(mapping), path, batch_size=1000)
        return len(captured.captured_queries)

    # 20 rows stay under SQLite's bound on parameters per INSERT (Django splits above it).
    assert queries(2, "{J}") == queries(20, "{A}")
    assert Project.objects.count() == 22


def test_the_documented_example_mapping_is_valid():
    text = (Path(__file__).resolve().parents[2] / "docs" / "imports.md").read_text()
    example = text.split("Example:\n\n```json\n", 1)[1].split("```", 1)[0]
    assert validate_mapping(json.loads(example)) == []


def test_numbers_booleans_goals_budgets_and_links(tmp_path, orgs):
    mapping = {
        "organisation": {"siren": "SIREN"},
        "colonnes": {
            "titre": {"source": "Titre"},
            "resume": {"source": "Résumé"},
            "odd": {"source": "ODD", "separateur": ","},
            "national": {"source": "National", "valeurs": {"France entière": True}},
            "budget": {"source": "Budget", "valeurs": {"< 50 k€": "moins_50k"}},
            "beneficiaires": {"source": "Bénéficiaires"},
            "liens": {"source": "Site"},
            "stade": {"source": "Stade"},
        },
    }
    header = "SIREN,Titre,Résumé,ODD,National,Budget,Bénéficiaires,Site,Stade"
    siren = orgs["jardins"].siren
    data = write(
        tmp_path,
        "p.csv",
        f"{header}\n"
        f'{siren},Cantine,R,"ODD 3, 12, 3",France entière,< 50 k€,1 200,https://cantine.fr,'
        "Amorçage\n"
        f"{siren},Mauvais lien,R,,non,,,javascript:alert(1),emergence\n"
        f"{siren},Mauvais ODD,R,18,non,,,,emergence\n",
    )
    run_command(str(data), "--mapping", str(write(tmp_path, "m.json", mapping)))
    project = Project.objects.get()
    assert project.sdgs == [3, 12]
    assert project.is_national is True
    assert project.budget_band == BudgetBand.UNDER_50K
    assert project.beneficiaries_count == 1200
    assert project.links == ["https://cantine.fr"]
    assert project.stage == Stage.SEED  # by its label
    rejects = dict(ImportReject.objects.values_list("line", "reason"))
    assert rejects[3].startswith("colonne « Site » : « javascript:alert(1) » n’est pas une adresse")
    assert rejects[4] == "colonne « ODD » : 18 hors des limites"


def projects_state() -> list[tuple[Any, ...]]:
    """What the import produced, comparable between two runs (pks and dates aside)."""
    return [
        (
            project.organisation_id,
            project.title,
            project.summary,
            project.description,
            project.challenges,
            project.stage,
            project.start_year,
            project.needs,
            project.status,
            sorted(project.regions.values_list("code", flat=True)),
            sorted(project.departments.values_list("code", flat=True)),
        )
        for project in Project.objects.order_by("organisation_id", "title")
    ]


def test_a_killed_import_resumes_and_ends_like_an_uninterrupted_one(tmp_path, orgs, monkeypatch):
    lines = []
    for n in range(1, 61):
        if n % 7 == 0:
            lines.append(f"{{J}};;;Sans titre {n};;;;;;;")  # rejected: no title
        elif n % 9 == 0:
            lines.append(f"{{A}};;Projet {n - 1};R;;;;;;;")  # duplicate of an earlier row
        else:
            org = "{J}" if n % 2 else "{A}"
            lines.append(f"{org};;Projet {n};Résumé {n};;Emploi;Occitanie;31;Lancé;tag{n};2020")
    path = rows_file(tmp_path, orgs, *lines)
    mapping = str(write(tmp_path, "m.json", MAPPING))
    # Reference: an uninterrupted run, in batches of 8 rows.
    run_command(str(path), "--mapping", mapping, "--batch-size", "8")
    reference = projects_state()
    reference_run = ImportRun.objects.get()
    expected = (
        reference_run.rows_read,
        reference_run.created,
        reference_run.skipped,
        reference_run.rejected,
    )
    reference_rejects = list(ImportReject.objects.order_by("line").values_list("line", "reason"))
    assert reference_run.rows_read == 60 and reference_run.rejected == 8
    Project.objects.all().delete()
    ImportRun.objects.all().delete()
    audit_before = AuditEntry.objects.filter(action="import.projets.batch").count()

    kill_at_batch(monkeypatch, PartnerProjectsImporter, 4)
    with pytest.raises(RuntimeError):
        run_command(str(path), "--mapping", mapping, "--batch-size", "8")
    interrupted = ImportRun.objects.get()
    assert interrupted.status == ImportStatus.RUNNING
    assert interrupted.last_line == 25  # header + 3 batches of 8 rows committed
    assert Project.objects.count() == interrupted.created > 0

    run_command(str(path), "--mapping", mapping, "--batch-size", "8")

    assert_resumed(interrupted.pk, expected, reference_rejects)
    assert projects_state() == reference
    # One audit entry per committed batch (8 batches), none for the one rolled back.
    assert AuditEntry.objects.filter(action="import.projets.batch").count() - audit_before == 8
