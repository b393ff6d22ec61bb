"""Import of projects from spreadsheets sent by partner networks (``import_projects``).

Each network lays its file out its own way, so a JSON *mapping* (validated by
``mapping_schema.json``, documented in docs/imports.md) says which column feeds which field of
``Project``, with value maps, multi-value separators, defaults and constants. Reading, ragged
rows, batches, checkpoints and audit entries are the framework's (``framework.run_import``).

Decisions:

* **natural key** — a project is the same project when it belongs to the same organisation and
  its title is the same once case and spacing are ignored. A row whose key already exists is
  never written over (the members may have edited the project, moderators may have decided on
  it): it counts as *unchanged* when the file says the same as the platform, otherwise it is
  skipped with a reason. Re-importing a file therefore changes nothing.
* **organisation** — found by SIREN (a SIRET gives its SIREN), or by exact name when the mapping
  allows it (``par_nom``) and the SIREN cell is empty; unknown, ambiguous or invalid → the row is
  rejected with its line number. Organisations are never created by this import.
* **moderation** — projects are created *pending*, so they enter the moderation queue; the
  search index is told once per batch (pending projects stay out of it until published).
* **free-text tags** — ``Project`` has no tag field (and this import adds none): the tags are
  kept at the end of the description, under "Mots-clés :".
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from stdnum.fr import siren as siren_number

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Stage
from frenchimpact.projects.models import Project
from frenchimpact.projects.services import EDITABLE_FIELDS
from frenchimpact.search.documents import PROJECT, schedule_sync
from frenchimpact.territories.models import Department, Region
from frenchimpact.territories.reference import UnknownRegion, current_region_code, normalize_name

from .framework import BatchResult, ImportFileError, Row
from .models import ImportKind, ImportRun

SCHEMA_PATH = Path(__file__).with_name("mapping_schema.json")
MAX_MAPPING_ERRORS = 20
TITLE_MAX = Project._meta.get_field("title").max_length or 200
SUMMARY_MAX = Project._meta.get_field("summary").max_length or 280
UNIT_MAX = Project._meta.get_field("beneficiaries_unit").max_length or 100
TAGS_HEADING = "Mots-clés :"

# Mapping key → Project field (French keys: the mapping file is written by the programme team).
FIELDS = {
    "titre": "title",
    "resume": "summary",
    "description": "description",
    "defis": "challenges",
    "odd": "sdgs",
    "stade": "stage",
    "national": "is_national",
    "regions": "regions",
    "departements": "departments",
    "annee_lancement": "start_year",
    "budget": "budget_band",
    "taille_equipe": "team_size",
    "beneficiaires": "beneficiaries_count",
    "unite_beneficiaires": "beneficiaries_unit",
    "besoins": "needs",
    "liens": "links",
    "mots_cles": "tags",
}
MULTI_VALUED = {"defis", "odd", "regions", "departements", "besoins", "liens", "mots_cles"}
# Fields compared to decide whether an existing project says the same as the file.
# (What members may edit, less the natural key and the image, which a file never carries.)
COMPARED = tuple(name for name in EDITABLE_FIELDS if name not in ("title", "image"))
TRUE_WORDS = {"oui", "o", "vrai", "true", "1", "x", "yes", "y"}
FALSE_WORDS = {"non", "n", "faux", "false", "0", "no", ""}


class MappingError(Exception):
    """The mapping file cannot be used; ``errors`` are French, each naming the faulty key."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --- Mapping ---------------------------------------------------------------------------------


@cache
def mapping_schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def _key_path(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path) or _("(racine)")


def _schema_error_message(error: jsonschema.ValidationError) -> str:
    """A French message for one schema error, prefixed with the dotted key it concerns."""
    where = _key_path(error.absolute_path)
    validator = error.validator
    if validator in {"anyOf", "oneOf"} and error.context:
        # The value is neither a code nor null: say what the codes are.
        specific = [e for e in error.context if e.validator != "type"] or list(error.context)
        return _schema_error_message(specific[0])
    instance = error.instance
    if validator == "required":
        missing = [name for name in error.validator_value if name not in instance]
        return _("%(where)s : « %(name)s » est requis") % {
            "where": where,
            "name": missing[0] if missing else "?",
        }
    if validator in {"additionalProperties", "unevaluatedProperties"}:
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in known)
        return _("%(where)s : clé inconnue « %(name)s » (clés possibles : %(known)s)") % {
            "where": where,
            "name": "», «".join(extra),
            "known": ", ".join(sorted(known)),
        }
    if validator == "type":
        names = {
            "string": _("une chaîne de caractères"),
            "object": _("un objet"),
            "array": _("une liste"),
            "boolean": _("true ou false"),
            "integer": _("un nombre entier"),
            "null": _("null"),
        }
        expected = error.validator_value
        expected_list = expected if isinstance(expected, list) else [expected]
        return _("%(where)s : doit être %(expected)s") % {
            "where": where,
            "expected": _(" ou ").join(str(names.get(t, t)) for t in expected_list),
        }
    if validator == "enum":
        return _("%(where)s : « %(value)s » n’est pas une valeur permise (%(allowed)s)") % {
            "where": where,
            "value": instance,
            "allowed": ", ".join(str(v) for v in error.validator_value),
        }
    if validator == "minLength":
        return _("%(where)s : ne doit pas être vide") % {"where": where}
    if validator == "minimum":
        return _("%(where)s : doit valoir au moins %(limit)s") % {
            "where": where,
            "limit": error.validator_value,
        }
    if validator == "maximum":
        return _("%(where)s : doit valoir au plus %(limit)s") % {
            "where": where,
            "limit": error.validator_value,
        }
    return _("%(where)s : valeur invalide (%(detail)s)") % {"where": where, "detail": error.message}


def validate_mapping(data: Any) -> list[str]:
    """French messages for every problem of a mapping (empty when it is usable)."""
    validator = jsonschema.Draft202012Validator(mapping_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    messages = [_schema_error_message(error) for error in errors[:MAX_MAPPING_ERRORS]]
    if messages:
        return messages
    columns = data.get("colonnes", {})
    constants = data.get("constantes", {})
    for name in sorted(set(columns) & set(constants)):
        messages.append(
            _("constantes.%(name)s : déjà lue dans la colonne colonnes.%(name)s") % {"name": name}
        )
    if "stade" not in columns and "stade" not in constants:
        messages.append(
            _(
                "colonnes.stade : le stade est requis par la plateforme ; indiquez sa colonne "
                "ou une valeur dans constantes.stade"
            )
        )
    sources: dict[str, str] = {}
    for name, spec in columns.items():
        if spec["source"] in sources:
            messages.append(
                _("colonnes.%(name)s : la colonne « %(source)s » alimente déjà colonnes.%(other)s")
                % {"name": name, "source": spec["source"], "other": sources[spec["source"]]}
            )
        sources[spec["source"]] = name
    return messages


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    source: str
    required: bool = False
    separator: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    normalised_values: Mapping[str, Any] = field(default_factory=dict)
    default: Any = None

    @cached_property
    def label(self) -> str:
        return _("colonne « %(source)s »") % {"source": self.source}

    def mapped(self, raw: str) -> tuple[bool, Any]:
        """(found, value) in the value map: exact text first, then case/accent-insensitive."""
        if raw in self.values:
            return True, self.values[raw]
        if not self.normalised_values:
            return False, raw
        key = _normalised(raw)
        if key in self.normalised_values:
            return True, self.normalised_values[key]
        return False, raw


@dataclass(frozen=True)
class ProjectMapping:
    siren_column: str | None
    name_column: str | None
    by_name: bool
    columns: Mapping[str, ColumnSpec]
    constants: Mapping[str, Any]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ProjectMapping:
        organisation = data["organisation"]
        columns = {
            key: ColumnSpec(
                key=key,
                source=spec["source"],
                required=bool(spec.get("obligatoire", False)) or key == "titre",
                separator=spec.get("separateur") or (";" if key in MULTI_VALUED else None),
                values=dict(spec.get("valeurs", {})),
                normalised_values={
                    _normalised(k): v for k, v in (spec.get("valeurs") or {}).items()
                },
                default=spec.get("defaut"),
            )
            for key, spec in data["colonnes"].items()
        }
        return cls(
            siren_column=organisation.get("siren"),
            name_column=organisation.get("nom"),
            by_name=bool(organisation.get("par_nom", False)),
            columns=columns,
            constants=dict(data.get("constantes", {})),
        )

    @property
    def sources(self) -> list[str]:
        names = [self.siren_column, self.name_column if self.by_name else None]
        return [n for n in names if n] + [spec.source for spec in self.columns.values()]


def load_mapping(path: Path) -> ProjectMapping:
    """Read and validate a mapping file; raises MappingError (French, naming the keys)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(
            [_("Fichier de correspondance introuvable : %(path)s") % {"path": path}]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(
            [_("Fichier de correspondance illisible (%(error)s).") % {"error": error}]
        ) from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MappingError(
            [
                _("JSON invalide ligne %(line)d, colonne %(column)d : %(error)s")
                % {"line": error.lineno, "column": error.colno, "error": error.msg}
            ]
        ) from error
    messages = validate_mapping(data)
    if messages:
        raise MappingError(messages)
    return ProjectMapping.from_data(data)


# --- Values ----------------------------------------------------------------------------------


class RowError(ValueError):
    """The row cannot be imported; the message (French) goes to the rejects."""


@lru_cache(maxsize=4096)
def _normalised(value: str) -> str:
    return normalize_name(value)


@cache
def _choice_index(choices: Any) -> dict[str, str]:
    """Code by code and by label, case and accents ignored (labels in French: built per
    process, which runs in one language)."""
    index: dict[str, str] = {}
    for code, label in choices.choices:
        index[str(code)] = str(code)
        index.setdefault(normalize_name(str(code)), str(code))
        index.setdefault(normalize_name(str(label)), str(code))
    return index


def _choice(value: Any, choices: Any, spec_label: str) -> str:
    index = _choice_index(choices)
    code = index.get(str(value)) or index.get(_normalised(str(value)))
    if code is not None:
        return code
    raise RowError(
        _("%(column)s : valeur inconnue « %(value)s »") % {"column": spec_label, "value": value}
    )


def _integer(value: Any, spec_label: str, *, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool):
        raise RowError(_("%(column)s : nombre attendu") % {"column": spec_label})
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value))
    if re.fullmatch(r"\d+([.,]0+)?", text) is None:
        raise RowError(
            _("%(column)s : « %(value)s » n’est pas un nombre entier")
            % {"column": spec_label, "value": value}
        )
    number = int(re.split(r"[.,]", text)[0])
    if number < low or (high is not None and number > high):
        raise RowError(
            _("%(column)s : %(value)d hors des limites") % {"column": spec_label, "value": number}
        )
    return number


def _boolean(value: Any, spec_label: str) -> bool:
    if isinstance(value, bool):
        return value
    key = normalize_name(str(value))
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise RowError(
        _("%(column)s : « %(value)s » n’est ni oui ni non") % {"column": spec_label, "value": value}
    )


def _sdg(value: Any, spec_label: str) -> int:
    text = re.sub(r"^(odd|sdg|objectif)\s*", "", normalize_name(str(value)))
    return _integer(text, spec_label, low=1, high=17)


def _department_code(value: Any) -> str:
    code = str(value).strip().upper()
    return f"0{code}" if code.isdigit() and len(code) == 1 else code


_url = URLValidator(schemes=["http", "https"])


def _link(value: Any, spec_label: str) -> str:
    text = str(value).strip()
    try:
        _url(text)
    except ValidationError:
        raise RowError(
            _("%(column)s : « %(value)s » n’est pas une adresse web (https://…)")
            % {"column": spec_label, "value": text[:100]}
        ) from None
    return text


def _convert(key: str, value: Any, label: str) -> Any:
    """One value (already through the value map) as the Project field wants it."""
    if key == "defis":
        return _choice(value, Challenge, label)
    if key == "besoins":
        return _choice(value, Need, label)
    if key == "stade":
        return _choice(value, Stage, label)
    if key == "budget":
        return _choice(value, BudgetBand, label)
    if key == "odd":
        return _sdg(value, label)
    if key == "national":
        return _boolean(value, label)
    if key == "annee_lancement":
        return _integer(value, label, low=1800, high=datetime.date.today().year + 1)
    if key in {"taille_equipe", "beneficiaires"}:
        return _integer(value, label)
    if key == "regions":
        try:
            return current_region_code(str(value))
        except UnknownRegion:
            raise RowError(
                _("%(column)s : région inconnue « %(value)s »") % {"column": label, "value": value}
            ) from None
    if key == "departements":
        return _department_code(value)
    if key == "liens":
        return _link(value, label)
    return str(value).strip()


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def read_value(spec: ColumnSpec, cell: str) -> Any:
    """The field value of one cell: split, mapped, converted; None when empty."""
    label = spec.label
    cell = cell.strip()
    if spec.key in MULTI_VALUED:
        assert spec.separator is not None
        items = [item.strip() for item in cell.split(spec.separator)] if cell else []
        converted = []
        for item in items:
            if not item:
                continue
            _found, value = spec.mapped(item)
            if value is None:  # mapped to null: dropped on purpose
                continue
            converted.append(_convert(spec.key, value, label))
        if not converted:
            if spec.default is not None:
                return _unique(_convert(spec.key, v, label) for v in spec.default)
            return None
        return _unique(converted)
    if not cell:
        if spec.default is not None:
            return _convert(spec.key, spec.default, label)
        return None
    _found, value = spec.mapped(cell)
    if value is None:
        return None
    return _convert(spec.key, value, label)


def title_key(title: str) -> str:
    """The title part of the natural key: case and spacing ignored."""
    return " ".join(title.casefold().split())


def normalise_siren(value: str) -> str:
    digits = re.sub(r"[\s.\u00a0\u202f-]", "", value)
    if len(digits) == 14 and digits.isdigit():  # a SIRET: its first nine digits
        digits = digits[:9]
    return digits


def _with_tags(description: str, tags: list[str]) -> str:
    if not tags:
        return description
    line = f"{TAGS_HEADING} {', '.join(tags)}"
    return f"{description}\n\n{line}" if description else line


# --- Importer --------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    line: int
    fields: list[str]
    siren: str
    name: str
    values: dict[str, Any]
    regions: list[str]
    departments: list[str]


class PartnerProjectsImporter:
    """``framework.Importer`` for partner networks' project spreadsheets."""

    kind: str = ImportKind.PROJECTS.value

    def __init__(self, mapping: ProjectMapping, *, actor: Any = None, preview_limit: int = 20):
        self.mapping = mapping
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.positions: dict[str, int] = {}
        # The first rejects seen by this importer, for the command's output (a dry run keeps
        # none in the database).
        self.preview: list[tuple[int, str]] = []
        self.preview_limit = preview_limit

    def check_header(self, header: list[str]) -> None:
        positions: dict[str, int] = {}
        duplicated: set[str] = set()
        for index, name in enumerate(header):
            if name in positions:
                duplicated.add(name)
            positions.setdefault(name, index)
        wanted = self.mapping.sources
        missing = [name for name in wanted if name not in positions]
        if missing:
            raise ImportFileError(
                _(
                    "Colonnes absentes de l’en-tête du fichier : %(missing)s. Colonnes trouvées : "
                    "%(found)s. Vérifiez le fichier ou la correspondance (--mapping)."
                )
                % {
                    "missing": ", ".join(f"« {n} »" for n in missing),
                    "found": ", ".join(f"« {n} »" for n in header[:40]),
                }
            )
        ambiguous = sorted(duplicated & set(wanted))
        if ambiguous:
            raise ImportFileError(
                _("Colonnes présentes plusieurs fois dans l’en-tête : %(names)s.")
                % {"names": ", ".join(f"« {n} »" for n in ambiguous)}
            )
        self.positions = positions

    # -- parsing --

    def _parse(self, line: int, fields: list[str]) -> ParsedRow:
        mapping = self.mapping
        siren = (
            normalise_siren(fields[self.positions[mapping.siren_column]])
            if mapping.siren_column
            else ""
        )
        name = (
            fields[self.positions[mapping.name_column]].strip()
            if mapping.by_name and mapping.name_column
            else ""
        )
        if siren:
            if not siren_number.is_valid(siren):
                raise RowError(_("SIREN invalide « %(siren)s »") % {"siren": siren[:20]})
        elif not name:
            raise RowError(
                _("structure manquante : colonne « %(source)s » vide")
                % {"source": mapping.siren_column or mapping.name_column}
            )
        values: dict[str, Any] = {}
        for key, constant in mapping.constants.items():
            values[key] = (
                _unique(_convert(key, v, f"constantes.{key}") for v in constant)
                if key in MULTI_VALUED
                else _convert(key, constant, f"constantes.{key}")
            )
        for key, spec in mapping.columns.items():
            value = read_value(spec, fields[self.positions[spec.source]])
            if value is None or value == "":
                if spec.required:
                    raise RowError(
                        _("valeur manquante : %(key)s (colonne « %(source)s »)")
                        % {"key": key, "source": spec.source}
                    )
                continue
            values[key] = value
        if not values.get("stade"):
            raise RowError(_("valeur manquante : stade"))
        title = values["titre"]
        if len(title) > TITLE_MAX:
            raise RowError(
                _("titre trop long (%(length)d caractères, %(max)d au plus)")
                % {"length": len(title), "max": TITLE_MAX}
            )
        summary = values.get("resume", "")
        description = values.get("description", "")
        if len(summary) > SUMMARY_MAX:
            raise RowError(
                _("résumé trop long (%(length)d caractères, %(max)d au plus)")
                % {"length": len(summary), "max": SUMMARY_MAX}
            )
        if not summary:
            if not description:
                raise RowError(_("valeur manquante : résumé ou description"))
            flat = " ".join(description.split())
            summary = flat if len(flat) <= SUMMARY_MAX else flat[: SUMMARY_MAX - 1].rstrip() + "…"
        if len(values.get("unite_beneficiaires", "")) > UNIT_MAX:
            raise RowError(
                _("unité des bénéficiaires trop longue (%(max)d caractères au plus)")
                % {"max": UNIT_MAX}
            )
        project_values = {
            "title": title,
            "summary": summary,
            "description": _with_tags(description, values.get("mots_cles", [])),
            "challenges": values.get("defis", []),
            "sdgs": sorted(values.get("odd", [])),
            "stage": values["stade"],
            "is_national": values.get("national", False),
            "start_year": values.get("annee_lancement"),
            "budget_band": values.get("budget", ""),
            "team_size": values.get("taille_equipe"),
            "beneficiaries_count": values.get("beneficiaires"),
            "beneficiaries_unit": values.get("unite_beneficiaires", ""),
            "needs": values.get("besoins", []),
            "links": values.get("liens", []),
        }
        return ParsedRow(
            line=line,
            fields=fields,
            siren=siren,
            name=name,
            values=project_values,
            regions=values.get("regions", []),
            departments=values.get("departements", []),
        )

    def _reject(self, result: BatchResult, line: int, reason: str, fields: list[str]) -> None:
        result.reject(line, reason, fields)
        if len(self.preview) < self.preview_limit:
            self.preview.append((line, reason))

    # -- writing --

    def process(self, rows: list[Row], run: ImportRun) -> BatchResult:
        result = BatchResult()
        parsed: list[ParsedRow] = []
        for line, fields in rows:
            try:
                parsed.append(self._parse(line, fields))
            except RowError as error:
                self._reject(result, line, str(error), fields)

        # Bulk look-ups, one query per kind of key for the whole batch.
        sirens = {row.siren for row in parsed if row.siren}
        by_siren = dict(
            Organisation.objects.filter(siren__in=sirens).values_list("siren", "pk")
            if sirens
            else []
        )
        names = {row.name for row in parsed if not row.siren and row.name}
        by_name: dict[str, list[int]] = {}
        if names:
            for org_name, pk in Organisation.objects.filter(name__in=names).values_list(
                "name", "pk"
            ):
                by_name.setdefault(org_name, []).append(pk)
        region_codes = {code for row in parsed for code in row.regions}
        regions = (
            dict(Region.objects.filter(code__in=region_codes).values_list("code", "pk"))
            if region_codes
            else {}
        )
        department_codes = {code for row in parsed for code in row.departments}
        departments = (
            dict(Department.objects.filter(code__in=department_codes).values_list("code", "pk"))
            if department_codes
            else {}
        )

        located: list[tuple[ParsedRow, int]] = []
        for row in parsed:
            if row.siren:
                organisation_id = by_siren.get(row.siren)
                if organisation_id is None:
                    self._reject(
                        result,
                        row.line,
                        _("structure inconnue (SIREN %(siren)s)") % {"siren": row.siren},
                        row.fields,
                    )
                    continue
            else:
                matches = by_name.get(row.name, [])
                if len(matches) != 1:
                    reason = (
                        _("structure inconnue (nom « %(name)s »)")
                        if not matches
                        else _("plusieurs structures s’appellent « %(name)s » : indiquez le SIREN")
                    )
                    self._reject(result, row.line, reason % {"name": row.name[:100]}, row.fields)
                    continue
                organisation_id = matches[0]
            unknown = [c for c in row.regions if c not in regions] + [
                c for c in row.departments if c not in departments
            ]
            if unknown:
                self._reject(
                    result,
                    row.line,
                    _("territoire absent du référentiel : %(codes)s")
                    % {"codes": ", ".join(unknown)},
                    row.fields,
                )
                continue
            located.append((row, organisation_id))

        existing = self._existing(located)
        seen: dict[tuple[int, str], int] = {}
        new: list[tuple[ParsedRow, Project]] = []
        for row, organisation_id in located:
            key = (organisation_id, title_key(row.values["title"]))
            if key in seen:
                result.skipped[_("doublon d’une ligne précédente du fichier")] += 1
                continue
            seen[key] = row.line
            current = existing.get(key)
            if current is not None:
                if self._same(current, row):
                    result.unchanged += 1
                else:
                    result.skipped[
                        _("projet déjà présent, différent du fichier : non modifié")
                    ] += 1
                continue
            new.append(
                (
                    row,
                    Project(
                        organisation_id=organisation_id,
                        status=ModerationStatus.PENDING,
                        created_by=self.actor,
                        **row.values,
                    ),
                )
            )

        if new:
            created = Project.objects.bulk_create([project for _row, project in new])
            region_links = [
                Project.regions.through(project_id=project.pk, region_id=regions[code])
                for (row, _p), project in zip(new, created, strict=True)
                for code in row.regions
            ]
            department_links = [
                Project.departments.through(project_id=project.pk, department_id=departments[code])
                for (row, _p), project in zip(new, created, strict=True)
                for code in row.departments
            ]
            Project.regions.through.objects.bulk_create(region_links)
            Project.departments.through.objects.bulk_create(department_links)
            result.created += len(created)
            # bulk_create sends no post_save: tell the index once for the batch (after commit).
            schedule_sync(PROJECT, [project.pk for project in created])
        return result

    @staticmethod
    def _existing(located: list[tuple[ParsedRow, int]]) -> dict[tuple[int, str], Project]:
        """Projects already carrying a natural key of the batch. Titles are compared in Python
        (SQLite's lower() ignores accents): only (pk, organisation, title) of the batch's
        organisations are read, then the matching projects in full."""
        wanted = {
            (organisation_id, title_key(row.values["title"])) for row, organisation_id in located
        }
        if not wanted:
            return {}
        matched: dict[int, tuple[int, str]] = {}
        found: set[tuple[int, str]] = set()
        candidates = (
            Project.objects.filter(
                organisation_id__in={organisation_id for organisation_id, _key in wanted}
            )
            .values_list("pk", "organisation_id", "title")
            .order_by("pk")
        )
        for pk, organisation_id, title in candidates.iterator(chunk_size=5000):
            key = (organisation_id, title_key(title))
            if key in wanted and key not in found:  # the oldest project wins if titles clash
                matched[pk] = key
                found.add(key)
        if not matched:
            return {}
        projects = (
            Project.objects.filter(pk__in=matched)
            .only("pk", "organisation_id", "title", *COMPARED)
            .prefetch_related("regions", "departments")
        )
        return {matched[project.pk]: project for project in projects}

    @staticmethod
    def _same(project: Project, row: ParsedRow) -> bool:
        if any(getattr(project, name) != row.values[name] for name in COMPARED):
            return False
        regions = sorted(region.code for region in project.regions.all())
        departments = sorted(department.code for department in project.departments.all())
        return regions == sorted(row.regions) and departments == sorted(row.departments)
