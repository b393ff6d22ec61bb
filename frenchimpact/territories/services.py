"""Writes of territories: the reference loader and the imports of INSEE's COG files.

Reference data is not audited row by row (tens of thousands of rows per import); the
commands print a report instead.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import reference
from .enums import EpciNature
from .models import Commune, Department, Epci, Region

COMMUNE_COLUMNS = ("TYPECOM", "COM", "DEP", "LIBELLE")
EPCI_COLUMNS = ("EPCI", "LIBEPCI", "NATURE_EPCI", "CODGEO")
NO_EPCI = "ZZZZZZZZZ"  # INSEE's code for the few communes outside any EPCI (islands)
_NATURE_ALIASES = {"METLYON": EpciNature.METROPOLE_LYON, "METRO": EpciNature.METROPOLE}

_commune_code = re.compile(reference.COMMUNE_CODE_PATTERN)
_epci_code = re.compile(reference.EPCI_CODE_PATTERN)


class ImportFormatError(ValueError):
    """The file cannot be imported at all (wrong header, empty file): nothing was written."""


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    memberships_changed: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(RejectedRow(line, reason))


def _upsert(
    model: type[models.Model], rows: dict[str, dict[str, Any]]
) -> tuple[list[models.Model], int, int]:
    """Create or update rows keyed by ``code`` in 3 queries at most; returns (objects, created, updated).

    Values are given by attname (``department_id``), so comparing needs no join.
    """
    if not rows:
        return [], 0, 0
    fields = sorted({name for values in rows.values() for name in values})
    existing = model._default_manager.in_bulk(list(rows), field_name="code")
    now = timezone.now()
    to_create, to_update = [], []
    for code, values in rows.items():
        obj = existing.get(code)
        if obj is None:
            to_create.append(model(code=code, **values))
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            obj.updated_at = now  # type: ignore[attr-defined]  # bulk_update skips auto_now
            to_update.append(obj)
    model._default_manager.bulk_create(to_create)
    if to_update:
        model._default_manager.bulk_update(to_update, [*fields, "updated_at"])
    return [*existing.values(), *to_create], len(to_create), len(to_update)


@transaction.atomic
def territories_load_reference() -> dict[str, tuple[int, int]]:
    """Create or update the 18 regions, 101 departments and their prefectures (idempotent).

    Returns {"regions"|"departements"|"prefectures": (created, updated)}.
    """
    result: dict[str, tuple[int, int]] = {}
    regions, *counts = _upsert(Region, {r.code: {"nom": r.nom} for r in reference.REGIONS})
    result["regions"] = (counts[0], counts[1])
    region_ids = {r.code: r.pk for r in regions}  # type: ignore[attr-defined]
    departments, *counts = _upsert(
        Department,
        {d.code: {"nom": d.nom, "region_id": region_ids[d.region]} for d in reference.DEPARTMENTS},
    )
    result["departements"] = (counts[0], counts[1])
    department_ids = {d.code: d.pk for d in departments}  # type: ignore[attr-defined]
    prefecture_codes = [c.code for c in reference.PREFECTURES]
    # Unflag former prefectures first: at most one prefecture per department (constraint).
    Commune.objects.filter(is_prefecture=True).exclude(code__in=prefecture_codes).update(
        is_prefecture=False, updated_at=timezone.now()
    )
    _objects, *counts = _upsert(
        Commune,
        {
            c.code: {
                "nom": c.nom,
                "department_id": department_ids[c.department],
                "is_prefecture": True,
            }
            for c in reference.PREFECTURES
        },
    )
    result["prefectures"] = (counts[0], counts[1])
    return result


def _read_csv(
    file: TextIO, *, required: Sequence[str], delimiter: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking the header; rows are stripped strings.

    The header is checked before the first row is yielded, so before anything is written.
    """
    reader = csv.reader(file, delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ImportFormatError(_("Le fichier est vide : la première ligne doit être l’en-tête."))
    columns = [cell.strip().upper() for cell in header]
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFormatError(
            _("Colonnes manquantes dans l’en-tête : %(missing)s (colonnes trouvées : %(found)s).")
            % {"missing": ", ".join(missing), "found": ", ".join(columns)}
        )
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            yield reader.line_num, {}
            continue
        yield (
            reader.line_num,
            {name: cell.strip() for name, cell in zip(columns, cells, strict=True)},
        )


def _wrong_width(line: int, report: ImportReport) -> None:
    report.reject(line, _("nombre de colonnes différent de celui de l’en-tête"))


def communes_import(*, file: TextIO, delimiter: str = ",", batch_size: int = 1000) -> ImportReport:
    """Import INSEE's communes file (v_commune_AAAA.csv), streaming, one transaction per batch.

    Only TYPECOM=COM rows are communes; associated and delegated communes and municipal
    arrondissements (COMA, COMD, ARM) are skipped. Creates or renames communes and moves
    them between departments; populations and prefecture flags are left as they are.
    Raises ImportFormatError, before writing anything, when the header lacks a column.
    """
    department_ids = dict(Department.objects.values_list("code", "id"))
    if not department_ids:
        raise ImportFormatError(
            _("Aucun département en base : lancez d’abord la commande load_territories.")
        )
    report = ImportReport()
    seen: set[str] = set()
    batch: dict[str, dict[str, Any]] = {}

    def flush() -> None:
        with transaction.atomic():
            _objects, created, updated = _upsert(Commune, batch)
        report.created += created
        report.updated += updated
        report.unchanged += len(batch) - created - updated
        batch.clear()

    for line, row in _read_csv(file, required=COMMUNE_COLUMNS, delimiter=delimiter):
        report.read += 1
        if not row:
            _wrong_width(line, report)
            continue
        if row["TYPECOM"] != "COM":
            report.skipped += 1
            continue
        code, department, nom = row["COM"], row["DEP"], row["LIBELLE"]
        if not _commune_code.match(code):
            report.reject(line, _("code commune « %(code)s » invalide") % {"code": code})
        elif code in seen:
            report.reject(
                line, _("commune « %(code)s » en double dans le fichier") % {"code": code}
            )
        elif not nom:
            report.reject(line, _("libellé vide pour la commune « %(code)s »") % {"code": code})
        elif department not in department_ids:
            report.reject(line, _("département « %(dep)s » inconnu") % {"dep": department})
        elif not code.startswith(department):
            report.reject(
                line,
                _("le code commune « %(code)s » n’appartient pas au département « %(dep)s »")
                % {"code": code, "dep": department},
            )
        else:
            seen.add(code)
            batch[code] = {"nom": nom, "department_id": department_ids[department]}
            if len(batch) >= batch_size:
                flush()
    flush()
    return report


def epcis_import(*, file: TextIO, delimiter: str = ",", batch_size: int = 1000) -> ImportReport:
    """Import the composition of the EPCI à fiscalité propre, one row per commune.

    Expected columns (INSEE's "Intercommunalité – Métropole" file, sheet
    Composition_communale, with the NATURE_EPCI column of sheet EPCI added):
    EPCI, LIBEPCI, NATURE_EPCI, CODGEO (others such as LIBGEO, DEP, REG are ignored).
    EPCI ZZZZZZZZZ means "no EPCI". Communes must be imported first (communes_import).
    Counts in the report (created, updated, unchanged) are EPCIs; memberships_changed counts
    communes whose EPCI changed.
    """
    report = ImportReport()
    epcis: dict[str, tuple[str, str]] = {}  # code -> (nom, nature) as first seen
    saved_epcis: set[str] = set()
    seen_communes: set[str] = set()
    pending: list[tuple[int, str, str | None]] = []  # (line, commune code, epci code)

    def flush() -> None:
        new = {
            code: {"nom": epcis[code][0], "nature": epcis[code][1]}
            for _line, _commune, code in pending
            if code is not None and code not in saved_epcis
        }
        with transaction.atomic():
            _objects, created, updated = _upsert(Epci, new)
            report.created += created
            report.updated += updated
            report.unchanged += len(new) - created - updated
            saved_epcis.update(new)
            epci_ids = dict(
                Epci.objects.filter(
                    code__in={code for _line, _c, code in pending if code}
                ).values_list("code", "id")
            )
            communes = Commune.objects.only("id", "code", "epci_id").in_bulk(
                [commune for _line, commune, _code in pending], field_name="code"
            )
            changed = []
            now = timezone.now()
            for line, commune_code, epci_code in pending:
                commune = communes.get(commune_code)
                if commune is None:
                    report.reject(
                        line,
                        _("commune « %(code)s » inconnue (importez d’abord les communes)")
                        % {"code": commune_code},
                    )
                    continue
                epci_id = epci_ids[epci_code] if epci_code else None
                if commune.epci_id != epci_id:
                    commune.epci_id = epci_id
                    commune.updated_at = now
                    changed.append(commune)
            Commune.objects.bulk_update(changed, ["epci", "updated_at"])
        report.memberships_changed += len(changed)
        pending.clear()

    for line, row in _read_csv(file, required=EPCI_COLUMNS, delimiter=delimiter):
        report.read += 1
        if not row:
            _wrong_width(line, report)
            continue
        commune, code, nom = row["CODGEO"], row["EPCI"], row["LIBEPCI"]
        nature = _NATURE_ALIASES.get(row["NATURE_EPCI"], row["NATURE_EPCI"])
        if not _commune_code.match(commune):
            report.reject(line, _("code commune « %(code)s » invalide") % {"code": commune})
        elif commune in seen_communes:
            report.reject(
                line, _("commune « %(code)s » en double dans le fichier") % {"code": commune}
            )
        elif code == NO_EPCI:
            seen_communes.add(commune)
            pending.append((line, commune, None))
        elif not _epci_code.match(code):
            report.reject(line, _("numéro SIREN d’EPCI « %(code)s » invalide") % {"code": code})
        elif nature not in EpciNature.values:
            report.reject(
                line,
                _("nature d’EPCI « %(nature)s » inconnue (attendu : %(expected)s)")
                % {"nature": row["NATURE_EPCI"], "expected": ", ".join(EpciNature.values)},
            )
        elif not nom:
            report.reject(line, _("libellé vide pour l’EPCI « %(code)s »") % {"code": code})
        elif epcis.setdefault(code, (nom, nature)) != (nom, nature):
            report.reject(
                line,
                _("l’EPCI « %(code)s » a un autre libellé ou une autre nature plus haut")
                % {"code": code},
            )
        else:
            seen_communes.add(commune)
            pending.append((line, commune, code))
            if len(pending) >= batch_size:
                flush()
    flush()
    return report
