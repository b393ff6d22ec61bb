"""The synthetic national directory of `make bench-search`: generation, cache, loading.

Organisations and projects are written once as CSV files under the cache folder
(``var/bench/search-<scale>/``), from a seeded generator (the same seed and sizes give the same
rows, byte for byte). Their words follow a Zipf law over a vocabulary of about 60,000 words:
the domain's common words (« insertion », « solidaire », « jeunes ») are found in tens of
thousands of records at a million organisations, real rare words (« lombricompostage ») in a
few dozen, and synthetic French-looking words fill the long tail. Facet values are the real
ones: regions and departments of the reference territories (drawn by population), INSEE legal
forms and their ESS family, organisation kinds, challenges, SDGs, stages.

Loading goes around the ORM: plain ``executemany`` on SQLite, ``COPY`` on PostgreSQL; the CSV
files carry territory codes, mapped to the database's ids when loading. Every record is
published, so that the public API sees all of them.

Needs Django set up (reads the domain's enums, legal forms and demo constants).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from frenchimpact.organisations import demo
from frenchimpact.organisations.enums import OrganisationKind, SizeBand
from frenchimpact.organisations.legal_forms import ess_family, legal_form_label
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Sdg, Stage
from frenchimpact.territories import reference

SEED = 20261126
BATCH = 10_000
ZIPF_EXPONENT = 1.0
VOCABULARY_SIZE = 60_000

ORGANISATIONS_CSV = "organisations.csv"
PROJECTS_CSV = "projects.csv"
PROJECT_REGIONS_CSV = "project_regions.csv"
PROJECT_DEPARTMENTS_CSV = "project_departments.csv"
COMPLETE = "dataset.complete"  # written last: a half-written dataset is regenerated

ORGANISATION_COLUMNS = (
    "id", "name", "acronym", "kinds", "siren", "siret", "rna", "legal_form_code",
    "legal_form_label", "ess_flag", "ess_family", "creation_date", "size_band", "address_line",
    "postal_code", "commune_code", "commune_name", "department", "region", "website",
    "description", "charter_accepted_at", "published_at",
)  # fmt: skip
PROJECT_COLUMNS = (
    "id", "organisation_id", "title", "summary", "description", "challenges", "sdgs", "stage",
    "is_national", "start_year", "budget_band", "team_size", "beneficiaries_count",
    "beneficiaries_unit", "needs", "published_at",
)  # fmt: skip

# The domain's common words, most frequent first: the rank of a word sets its frequency.
COMMON_WORDS = [
    "accompagnement",
    "social",
    "sociale",
    "projet",
    "personnes",
    "territoire",
    "développement",
    "action",
    "emploi",
    "association",
    "économie",
    "solidarité",
    "activité",
    "habitants",
    "public",
    "quartier",
    "formation",
    "ateliers",
    "services",
    "accès",
    "réseau",
    "partenaires",
    "local",
    "insertion",
    "locale",
    "vie",
    "soutien",
    "familles",
    "solidaire",
    "initiative",
    "jeunes",
    "culture",
    "éducation",
    "numérique",
    "citoyens",
    "logement",
    "santé",
    "lien",
    "collectif",
    "environnement",
    "handicap",
    "alimentation",
    "enfants",
    "durable",
    "écologique",
    "animation",
    "sport",
    "famille",
    "économique",
    "entreprises",
    "bénévoles",
    "accueil",
    "transition",
    "insertion",
    "professionnelle",
    "ville",
    "innovation",
    "coopération",
    "proximité",
    "mobilité",
    "participation",
    "égalité",
    "inclusion",
    "jeunesse",
    "seniors",
    "isolement",
    "parentalité",
    "solidaires",
    "culturelle",
    "sportive",
    "éducative",
    "citoyenne",
    "rurale",
    "territoriale",
    "nature",
    "jardin",
    "jardins",
    "réemploi",
    "recyclage",
    "déchets",
    "énergie",
    "climat",
    "biodiversité",
    "agriculture",
    "circuit",
    "court",
    "producteurs",
    "paysans",
    "épicerie",
    "repas",
    "cuisine",
    "restauration",
    "chantier",
    "bâtiment",
    "rénovation",
    "habitat",
    "hébergement",
    "urgence",
    "précarité",
    "pauvreté",
    "exclusion",
    "droits",
    "médiation",
    "juridique",
    "numérique",
    "médiation",
    "emploi",
    "chômeurs",
    "demandeurs",
    "salariés",
    "travailleurs",
    "entrepreneuriat",
    "création",
    "coopérative",
    "mutualisation",
    "gouvernance",
    "bénévolat",
    "engagement",
    "volontariat",
    "service",
    "civique",
    "étudiants",
    "élèves",
    "école",
    "collège",
    "lycée",
    "université",
    "décrochage",
    "scolaire",
    "réussite",
    "orientation",
    "apprentissage",
    "compétences",
    "qualification",
    "réfugiés",
    "migrants",
    "exilés",
    "femmes",
    "égalité",
    "discriminations",
    "violences",
    "victimes",
    "prévention",
    "addictions",
    "soins",
    "aidants",
    "dépendance",
    "autonomie",
    "personnes",
    "âgées",
    "grand",
    "âge",
    "vieillissement",
    "intergénérationnel",
    "quartiers",
    "prioritaires",
    "politique",
    "ville",
    "banlieue",
    "campagne",
    "village",
    "montagne",
    "littoral",
    "outre-mer",
    "mer",
    "forêt",
    "eau",
    "vélo",
    "transport",
    "covoiturage",
    "tourisme",
    "patrimoine",
    "musique",
    "théâtre",
    "danse",
    "cinéma",
    "lecture",
    "bibliothèque",
    "livre",
    "arts",
    "spectacle",
    "festival",
    "artistes",
    "handisport",
    "loisirs",
    "vacances",
    "enfance",
    "petite",
    "crèche",
    "périscolaire",
    "ludothèque",
    "ressources",
    "information",
    "sensibilisation",
    "plaidoyer",
    "recherche",
    "évaluation",
    "impact",
    "mesure",
    "utilité",
    "financement",
    "subventions",
    "mécénat",
    "fondation",
    "épargne",
    "finance",
    "microcrédit",
    "monnaie",
    "locale",
    "commerce",
    "équitable",
    "consommation",
    "responsable",
    "textile",
    "couture",
    "réparation",
    "bricolage",
    "outils",
    "informatique",
    "ordinateurs",
    "internet",
    "plateforme",
    "application",
    "données",
    "innovation",
    "sociale",
    "tiers",
    "lieu",
    "fablab",
    "coworking",
    "café",
    "associatif",
    "restaurant",
    "boutique",
    "friperie",
    "marché",
    "ferme",
    "maraîchage",
    "bio",
    "biologique",
    "compost",
    "compostage",
    "semences",
    "vergers",
    "apiculture",
    "élevage",
    "pêche",
]

# Real rare words and the rank they get in the Zipf law (≈ 2.6 × SCALE / rank records).
RARE_WORDS = {
    "ressourcerie": 1_500,
    "recyclerie": 2_500,
    "permaculture": 5_000,
    "apiculteurs": 8_000,
    "agroforesterie": 12_000,
    "luthérie": 20_000,
    "cyclologistique": 30_000,
    "lombricompostage": 40_000,
    "ostréiculture": 50_000,
}

SYLLABLES = (
    "ba", "be", "ca", "cho", "dou", "fa", "gre", "li", "lou", "ma", "mi", "no", "pa", "ra",
    "ri", "sa", "sou", "ta", "ti", "va", "vi", "bra", "cla", "tre", "vo", "gno", "que", "lan",
    "ber", "mon", "tor", "vel", "pin", "ron", "del", "mar", "bou", "gar", "fon", "ler",
)  # fmt: skip
ENDINGS = ("ette", "ier", "age", "erie", "ade", "ois", "ine", "on", "eau", "elle", "ure", "ance")
FUNCTION_WORDS = (
    "de", "la", "les", "et", "des", "pour", "avec", "du", "en", "à", "au", "aux", "sur", "dans",
    "par", "le", "un", "une", "leur", "autour",
)  # fmt: skip
VERBS = (
    "accompagne", "développe", "anime", "propose", "soutient", "favorise", "organise",
    "agit pour", "met en œuvre", "coordonne", "facilite", "porte", "crée", "défend",
)  # fmt: skip
ORG_PREFIXES = {
    "association": ("Association", "Collectif", "Amicale", "Comité", "Maison", "Réseau",
                    "Fédération", "Régie de quartier", "Atelier", "Les Amis de la", "Ressourcerie"),
    "cooperative": ("SCOP", "SCIC", "Coopérative", "Coop", "Atelier coopératif"),
    "fondation": ("Fondation", "Fonds de dotation"),
    "mutuelle": ("Mutuelle", "Mutuelle solidaire"),
    "entreprise_ess": ("Entreprise solidaire", "Entreprise d’insertion", "Société", "Atelier"),
}  # fmt: skip
OTHER_PREFIXES = ("Groupe", "Société", "Cabinet", "Agence", "Entreprise")
PROJECT_PREFIXES = (
    "Projet", "Programme", "Atelier", "Plateforme", "Maison", "Réseau", "Parcours", "Chantier",
    "Jardin", "École", "Fabrique", "Café", "Tiers-lieu", "Laboratoire", "Festival", "Accueil",
)  # fmt: skip
UNITS = ("personnes", "familles", "jeunes", "élèves", "salariés", "habitants", "structures")
KINDS = (
    (OrganisationKind.PROJECT_HOLDER.value, 80),
    (OrganisationKind.SUPPORT_STRUCTURE.value, 8),
    (OrganisationKind.FUNDER.value, 3),
    (OrganisationKind.LOCAL_GOVERNMENT.value, 2),
    (OrganisationKind.ADMINISTRATION.value, 1),
    (OrganisationKind.COMMITTED_COMPANY.value, 6),
)
PUBLICATION_START = dt.datetime(2018, 2, 1)
PUBLICATION_SPAN = int((dt.datetime(2025, 12, 31) - PUBLICATION_START).total_seconds())


def vocabulary() -> list[str]:
    """VOCABULARY_SIZE distinct words in rank order (deterministic)."""
    words = list(dict.fromkeys(COMMON_WORDS))
    rng = np.random.default_rng(SEED)
    taken = set(words) | set(RARE_WORDS)
    synthetic: list[str] = []
    while len(synthetic) < VOCABULARY_SIZE:
        count = int(rng.integers(2, 4))
        parts = [SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), count)]
        word = "".join(parts) + ENDINGS[int(rng.integers(0, len(ENDINGS)))]
        if word not in taken:
            taken.add(word)
            synthetic.append(word)
    words += synthetic
    words = words[:VOCABULARY_SIZE]
    for word, rank in sorted(RARE_WORDS.items(), key=lambda item: item[1]):
        words.insert(rank - 1, word)
    return words[:VOCABULARY_SIZE]


class Zipf:
    """Draws word indices with probability ∝ 1 / rank^s, in numpy batches."""

    def __init__(self, words: list[str], rng: np.random.Generator):
        weights = 1.0 / np.arange(1, len(words) + 1, dtype=np.float64) ** ZIPF_EXPONENT
        self.cumulative = np.cumsum(weights / weights.sum())
        self.words = words
        self.rng = rng

    def draw(self, count: int) -> list[str]:
        indices = np.searchsorted(self.cumulative, self.rng.random(count), side="right")
        words = self.words
        return [words[min(i, len(words) - 1)] for i in indices]


def _sentence(rng: np.random.Generator, words: list[str]) -> str:
    """Content words with function words in between: not grammar, but French-looking text."""
    out: list[str] = []
    functions = rng.integers(0, len(FUNCTION_WORDS) * 2, len(words))
    for word, function in zip(words, functions, strict=True):
        if function < len(FUNCTION_WORDS):
            out.append(FUNCTION_WORDS[function])
        out.append(word)
    return " ".join(out)


def _weighted(items: list[tuple[Any, float]]) -> tuple[list[Any], np.ndarray]:
    values = [value for value, _ in items]
    weights = np.array([weight for _, weight in items], dtype=np.float64)
    return values, np.cumsum(weights / weights.sum())


def _pick(rng: np.random.Generator, table: tuple[list[Any], np.ndarray]) -> Any:
    values, cumulative = table
    return values[
        min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(values) - 1)
    ]


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _timestamp(rng: np.random.Generator) -> str:
    moment = PUBLICATION_START + dt.timedelta(seconds=int(rng.integers(0, PUBLICATION_SPAN)))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Places:
    """Communes drawn by department population: each prefecture and 30 synthetic communes."""

    def __init__(self, rng: np.random.Generator):
        prefecture = {row.department: row for row in reference.PREFECTURES}
        self.rows: list[tuple[str, str, str, str]] = []  # commune code, name, department, region
        weights: list[float] = []
        for department in reference.DEPARTMENTS:
            population = demo.POPULATION_THOUSANDS[department.code]
            pref = prefecture[department.code]
            self.rows.append((pref.code, pref.nom, department.code, department.region))
            weights.append(population * 0.4)
            for serial in range(1, 31):
                count = int(rng.integers(2, 4))
                stem = _capitalise("".join(SYLLABLES[i] for i in rng.integers(0, 40, count)))
                pattern = int(rng.integers(0, 5))
                name = (
                    stem,
                    f"Saint-{stem}",
                    f"{stem}-sur-Loire",
                    f"Le {stem}",
                    f"{stem}-les-Bains",
                )[pattern]
                code = (
                    f"{department.code}{serial:03d}"[:5]
                    if len(department.code) == 2
                    else (f"{department.code}{serial:02d}")
                )
                self.rows.append((code, name, department.code, department.region))
                weights.append(population * 0.6 / 30)
        self.table = _weighted(list(zip(range(len(self.rows)), weights, strict=True)))

    def draw(self, rng: np.random.Generator) -> tuple[str, str, str, str]:
        return self.rows[_pick(rng, self.table)]


def _write_csv(path: Path, rows: Iterator[tuple[Any, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(row)


def _postal_code(department: str) -> str:
    return (department.replace("2A", "20").replace("2B", "20") + "000")[:5]


def generate(folder: Path, *, organisations: int, projects: int) -> None:
    """Write the dataset's CSV files into ``folder`` (skipped when already complete)."""
    if (folder / COMPLETE).exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED + 1)
    words = vocabulary()
    zipf = Zipf(words, rng)
    places = Places(rng)
    legal_forms = _weighted([((code, flag), w) for code, flag, w in demo.LEGAL_FORMS])
    kinds = _weighted(list(KINDS))
    size_bands = [band.value for band in SizeBand]
    name_words = list(demo.WORDS)

    def organisation_rows() -> Iterator[tuple[Any, ...]]:
        yield ORGANISATION_COLUMNS
        for index in range(1, organisations + 1):
            code, flag = _pick(rng, legal_forms)
            family = ess_family(ess_flag=flag, legal_form_code=code).value
            commune_code, commune, department, region = places.draw(rng)
            prefix = rng.choice(ORG_PREFIXES.get(family, OTHER_PREFIXES))
            drawn = zipf.draw(int(rng.integers(18, 42)) + 2)
            name_parts = [prefix, _capitalise(drawn[0])]
            roll = rng.random()
            if roll < 0.3:
                name_parts.append(name_words[int(rng.integers(0, len(name_words)))])
            elif roll < 0.6:
                name_parts.append(_capitalise(drawn[1]))
            if rng.random() < 0.4:
                name_parts.append(demo._de(commune))
            name = " ".join(name_parts)
            capitals = [part[0] for part in " ".join(name_parts).split() if part[:1].isupper()]
            acronym = "".join(capitals).upper() if len(capitals) >= 3 and rng.random() < 0.3 else ""
            kind = _pick(rng, kinds)
            kind_list = (
                [kind] if rng.random() < 0.9 else list(dict.fromkeys([kind, _pick(rng, kinds)]))
            )
            published = _timestamp(rng)
            body = drawn[2:]
            cut = len(body) // 2
            description = (
                f"{name} est {'une association' if family == 'association' else 'une structure'} "
                f"fondée en {int(rng.integers(1950, 2025))} à {commune}. "
                f"Elle {VERBS[int(rng.integers(0, len(VERBS)))]} {_sentence(rng, body[:cut])}. "
                f"Elle {VERBS[int(rng.integers(0, len(VERBS)))]} {_sentence(rng, body[cut:])}."
            )
            siren = f"{700_000_000 + index:09d}" if rng.random() < 0.7 else ""
            yield (
                index,
                name[:255],
                acronym[:50],
                json.dumps(kind_list),
                siren,
                f"{siren}00012" if siren else "",
                f"W{index:09d}" if family == "association" and rng.random() < 0.8 else "",
                code,
                legal_form_label(code),
                flag,
                family,
                f"{int(rng.integers(1950, 2025))}-{int(rng.integers(1, 13)):02d}-01",
                size_bands[int(rng.integers(0, len(size_bands)))] if rng.random() < 0.6 else "",
                f"{int(rng.integers(1, 200))} rue {demo.SURNAMES[int(rng.integers(0, len(demo.SURNAMES)))]}",
                _postal_code(department),
                commune_code,
                commune,
                department,
                region,
                f"https://www.structure-{index}.fr" if rng.random() < 0.3 else "",
                description,
                published if rng.random() < 0.15 else "",
                published,
            )

    _write_csv(folder / ORGANISATIONS_CSV, organisation_rows())

    challenges = list(Challenge.values)
    sdgs = list(Sdg.values)
    stages = list(Stage.values)
    budgets = list(BudgetBand.values)
    needs = list(Need.values)
    department_codes = [row.code for row in reference.DEPARTMENTS]
    region_codes = [row.code for row in reference.REGIONS]
    project_regions: list[tuple[int, str]] = []
    project_departments: list[tuple[int, str]] = []

    def project_rows() -> Iterator[tuple[Any, ...]]:
        yield PROJECT_COLUMNS
        for index in range(1, projects + 1):
            drawn = zipf.draw(int(rng.integers(50, 90)))
            title = f"{PROJECT_PREFIXES[int(rng.integers(0, len(PROJECT_PREFIXES)))]} " + " ".join(
                _capitalise(word) if position == 0 else word
                for position, word in enumerate(drawn[: int(rng.integers(1, 4))])
            )
            summary = _sentence(rng, drawn[3:20])
            summary = _capitalise(summary[:279].rsplit(" ", 1)[0]) + "."
            description = _capitalise(_sentence(rng, drawn[20:])) + "."
            national = rng.random() < 0.04
            roll = rng.random()
            if not national and roll < 0.3:
                project_regions.append(
                    (index, region_codes[int(rng.integers(0, len(region_codes)))])
                )
            elif not national and roll < 0.6:
                for pick in dict.fromkeys(
                    rng.integers(0, len(department_codes), int(rng.integers(1, 4)))
                ):
                    project_departments.append((index, department_codes[int(pick)]))
            yield (
                index,
                int(rng.integers(1, organisations + 1)),
                title[:200],
                summary[:280],
                description,
                json.dumps(
                    [
                        challenges[int(i)]
                        for i in dict.fromkeys(
                            rng.integers(0, len(challenges), int(rng.integers(1, 4)))
                        )
                    ]
                ),
                json.dumps(
                    [
                        sdgs[int(i)]
                        for i in dict.fromkeys(rng.integers(0, len(sdgs), int(rng.integers(1, 4))))
                    ]
                ),
                stages[int(rng.integers(0, len(stages)))],
                int(national),
                int(rng.integers(2000, 2026)),
                budgets[int(rng.integers(0, len(budgets)))] if rng.random() < 0.7 else "",
                int(rng.integers(1, 60)),
                int(rng.integers(10, 5000)),
                UNITS[int(rng.integers(0, len(UNITS)))],
                json.dumps([needs[int(i)] for i in dict.fromkeys(rng.integers(0, len(needs), 2))]),
                _timestamp(rng),
            )

    _write_csv(folder / PROJECTS_CSV, project_rows())
    _write_csv(folder / PROJECT_REGIONS_CSV, iter([("project_id", "region"), *project_regions]))
    _write_csv(
        folder / PROJECT_DEPARTMENTS_CSV, iter([("project_id", "department"), *project_departments])
    )
    (folder / COMPLETE).write_text(f"organisations={organisations} projects={projects}\n")


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


# --- Loading -----------------------------------------------------------------------------------

_ORG_INSERT_COLUMNS = (
    "id", "name", "acronym", "kinds", "siren", "siret", "rna", "legal_form_code",
    "legal_form_label", "ess_flag", "ess_family", "creation_date", "rna_creation_date",
    "size_band", "address_line", "postal_code", "commune_code", "commune_name", "department_id",
    "region_id", "website", "description", "logo", "contact_email", "ceased", "source",
    "field_sources", "status", "moderation_reason", "published_at", "pending_changes",
    "charter_accepted_at", "created_at", "updated_at",
)  # fmt: skip
_PROJECT_INSERT_COLUMNS = (
    "id", "organisation_id", "title", "summary", "description", "challenges", "sdgs", "stage",
    "is_national", "start_year", "budget_band", "team_size", "beneficiaries_count",
    "beneficiaries_unit", "needs", "links", "image", "status", "moderation_reason",
    "published_at", "pending_changes", "created_at", "updated_at",
)  # fmt: skip


def _organisation_values(
    row: dict[str, str], regions: dict[str, int], departments: dict[str, int], tz: str
) -> tuple[Any, ...]:
    published = row["published_at"] + tz
    return (
        int(row["id"]), row["name"], row["acronym"], row["kinds"], row["siren"] or None,
        row["siret"], row["rna"] or None, row["legal_form_code"], row["legal_form_label"],
        row["ess_flag"], row["ess_family"], row["creation_date"], None, row["size_band"],
        row["address_line"], row["postal_code"], row["commune_code"], row["commune_name"],
        departments[row["department"]], regions[row["region"]], row["website"],
        row["description"], "", "", False, "sirene" if row["siren"] else "inscription", "{}",
        "publie", "", published, "{}",
        (row["charter_accepted_at"] + tz) if row["charter_accepted_at"] else None,
        published, published,
    )  # fmt: skip


def _project_values(row: dict[str, str], tz: str) -> tuple[Any, ...]:
    published = row["published_at"] + tz
    return (
        int(row["id"]), int(row["organisation_id"]), row["title"], row["summary"],
        row["description"], row["challenges"], row["sdgs"], row["stage"],
        row["is_national"] == "1", int(row["start_year"]), row["budget_band"],
        int(row["team_size"]), int(row["beneficiaries_count"]), row["beneficiaries_unit"],
        row["needs"], "[]", "", "publie", "", published, "{}", published, published,
    )  # fmt: skip


def _batched(rows: Iterator[tuple[Any, ...]], size: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


def load_sqlite(folder: Path, database: Path) -> None:
    """Insert the CSV files into a migrated SQLite database holding the reference territories."""
    connection = sqlite3.connect(database)
    # The check constraints use REGEXP, which Django registers on its own connections.
    connection.create_function(
        "REGEXP",
        2,
        lambda pattern, value: value is not None and re.search(pattern, value) is not None,
    )
    try:
        connection.execute("PRAGMA synchronous=OFF")
        regions = dict(connection.execute("SELECT code, id FROM territories_region"))
        departments = dict(connection.execute("SELECT code, id FROM territories_department"))
        with connection:
            for batch in _batched(
                _organisation_values(row, regions, departments, "")
                for row in read_csv(folder / ORGANISATIONS_CSV)
            ):
                connection.executemany(
                    _insert_sql("organisations_organisation", _ORG_INSERT_COLUMNS), batch
                )
            for batch in _batched(
                _project_values(row, "") for row in read_csv(folder / PROJECTS_CSV)
            ):
                connection.executemany(
                    _insert_sql("projects_project", _PROJECT_INSERT_COLUMNS), batch
                )
            connection.executemany(
                "INSERT INTO projects_project_regions (project_id, region_id) VALUES (?, ?)",
                [
                    (int(row["project_id"]), regions[row["region"]])
                    for row in read_csv(folder / PROJECT_REGIONS_CSV)
                ],
            )
            connection.executemany(
                "INSERT INTO projects_project_departments (project_id, department_id) VALUES (?, ?)",
                [
                    (int(row["project_id"]), departments[row["department"]])
                    for row in read_csv(folder / PROJECT_DEPARTMENTS_CSV)
                ],
            )
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def load_postgresql(folder: Path, url: str) -> None:
    """COPY the CSV files into a migrated PostgreSQL database holding the reference territories."""
    import psycopg

    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT code, id FROM territories_region")
        regions: dict[str, int] = dict(cursor.fetchall())
        cursor.execute("SELECT code, id FROM territories_department")
        departments: dict[str, int] = dict(cursor.fetchall())

        def copy(table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> None:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as target:
                for row in rows:
                    target.write_row(row)

        copy(
            "organisations_organisation",
            _ORG_INSERT_COLUMNS,
            (
                _organisation_values(row, regions, departments, "+00")
                for row in read_csv(folder / ORGANISATIONS_CSV)
            ),
        )
        copy(
            "projects_project",
            _PROJECT_INSERT_COLUMNS,
            (_project_values(row, "+00") for row in read_csv(folder / PROJECTS_CSV)),
        )
        copy(
            "projects_project_regions",
            ("project_id", "region_id"),
            (
                (int(row["project_id"]), regions[row["region"]])
                for row in read_csv(folder / PROJECT_REGIONS_CSV)
            ),
        )
        copy(
            "projects_project_departments",
            ("project_id", "department_id"),
            (
                (int(row["project_id"]), departments[row["department"]])
                for row in read_csv(folder / PROJECT_DEPARTMENTS_CSV)
            ),
        )
        for table in ("organisations_organisation", "projects_project"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
        connection.commit()
        connection.autocommit = True
        cursor.execute("ANALYZE")
