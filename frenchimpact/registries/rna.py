"""The RNA "waldec" file (Répertoire national des associations): associations become
organisations, or enrich the one SIRENE already gave (linked by the SIREN of their SIRET).

What is kept: RNA number, title, object (as the presentation while nobody has written one),
the association's address (number and street, postal code, commune → department and region),
creation date, dissolution (position D → ceased). What is never stored, even in the rejected
rows: the director's civility, phone numbers, e-mails, the manager's address and the address
complement (often "chez M. …").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.fr import siret as siret_number

from frenchimpact.organisations.enums import EssFamily, ModerationStatus, Source
from frenchimpact.organisations.models import Membership, Organisation

from .establishments import (
    LOOKUP_CHUNK,
    Territories,
    bulk_save,
    chunks,
    missing_columns_error,
    organisations_by,
    registry_merge,
    valid_commune_code,
)
from .framework import BatchResult, ImportFileError, Row
from .models import ImportKind, ImportRun

REQUIRED_COLUMNS = (
    "id",
    "siret",
    "date_creat",
    "titre",
    "objet",
    "adrs_numvoie",
    "adrs_repetition",
    "adrs_typevoie",
    "adrs_libvoie",
    "adrs_codeinsee",
    "adrs_codepostal",
    "adrs_libcommune",
    "position",
)
# Personal data of the waldec file: never read, blanked in the rejected rows.
PERSONAL_COLUMNS = (
    "dir_civilite",
    "telephone",
    "email",
    "adrs_complement",
    "adrg_declarant",
    "adrg_complemid",
    "adrg_complemgeo",
    "adrg_libvoie",
    "adrg_distrib",
    "adrg_codepostal",
    "adrg_achemine",
)
# Corsican numbers carry the department letters (W2A…, W2B…), as the model allows.
_RNA = re.compile(r"^W[0-9A-Z]{9}$")
_EMAIL = re.compile(r"[^\s;,]+@[^\s;,]+")
_PHONE = re.compile(r"(?:\+|\b0)[0-9](?:[ .-]?[0-9]{2}){4}\b")
UNKNOWN_DATE = "0001-01-01"
# Registry fields this import sets (plus the presentation, guarded apart).
RNA_FIELDS = (
    "name",
    "rna",
    "rna_creation_date",
    "address_line",
    "postal_code",
    "commune_code",
    "commune_name",
    "department",
    "region",
    "ceased",
)


def skip_reasons() -> dict[str, str]:
    return {
        "deleted": _("association supprimée du RNA"),
        "duplicate": _("numéro RNA en double dans le lot"),
        "siren_conflict": _("SIREN déjà rattaché à un autre numéro RNA (à vérifier)"),
    }


def parse_date(value: str) -> dt.date | None:
    """A waldec date; empty and 0001-01-01 mean unknown (None). ValueError if malformed."""
    value = value.strip()
    if not value or value == UNKNOWN_DATE:
        return None
    return dt.date.fromisoformat(value[:10])


def clean(value: str) -> str:
    value = " ".join(value.split())
    return "" if value == "_" else value


class RnaImporter:
    """Waldec rows → organisations (source RNA, published, unclaimed), one organisation per
    association known to both registries."""

    kind: str = ImportKind.RNA
    source = Source.RNA

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}
        self.personal: list[int] = []
        self.territories = Territories()

    def check_header(self, header: list[str]) -> None:
        header = [name.lower() for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ImportFileError(missing_columns_error(_("RNA (waldec)"), missing, header))
        self.columns = {name: header.index(name) for name in REQUIRED_COLUMNS}
        self.personal = [header.index(name) for name in PERSONAL_COLUMNS if name in header]

    def redact(self, fields: list[str]) -> list[str]:
        """The row without its personal data, as written to the rejected rows."""
        kept = list(fields)
        for index in self.personal:
            if index < len(kept):
                kept[index] = ""
        return [_PHONE.sub("…", _EMAIL.sub("…", value)) for value in kept]

    def process(self, rows: list[Row], run: ImportRun) -> BatchResult:
        result = BatchResult()
        reasons = skip_reasons()
        records: dict[str, dict[str, Any]] = {}
        for line, fields in rows:
            record = self._parse(line, fields, result)
            if record is None:
                continue
            if record["rna"] in records:
                result.skipped[reasons["duplicate"]] += 1
                continue
            records[record["rna"]] = record

        by_rna = organisations_by("rna", records)
        by_siren = organisations_by("siren", {r["siren"] for r in records.values() if r["siren"]})
        ids = {o.pk for o in by_rna.values()} | {o.pk for o in by_siren.values()}
        claimed: set[int] = set()
        for chunk in chunks(sorted(ids), LOOKUP_CHUNK):
            claimed.update(
                Membership.objects.filter(organisation_id__in=chunk).values_list(
                    "organisation_id", flat=True
                )
            )
        names = self.territories.commune_names(r["commune_code"] for r in records.values())
        sirens_used = set(by_siren)
        now = timezone.now()
        created: list[Organisation] = []
        updated: list[Organisation] = []
        fields_changed: set[str] = set()

        for rna, record in records.items():
            values = self._values(record, names)
            organisation = by_rna.get(rna)
            if organisation is None and record["siren"] in by_siren:
                organisation = by_siren[record["siren"]]
                if organisation.rna and organisation.rna != rna:
                    result.skipped[reasons["siren_conflict"]] += 1
                    continue
            if organisation is None:
                siren = record["siren"] if record["siren"] not in sirens_used else ""
                if siren:
                    sirens_used.add(siren)
                    values["siret"] = record["siret"]
                organisation = Organisation(
                    **{k: v for k, v in values.items() if k not in ("department", "region")},
                    department_id=values["department"],
                    region_id=values["region"],
                    siren=siren or None,
                    description=record["object"],
                    ess_family=EssFamily.ASSOCIATION,
                    source=self.source,
                    field_sources=dict.fromkeys(values, self.source)
                    | ({"description": self.source} if record["object"] else {}),
                    status=ModerationStatus.PUBLISHED,
                    published_at=now,
                )
                created.append(organisation)
                result.created += 1
                continue
            changed: list[str] = []
            if (
                organisation.siren is None
                and record["siren"]
                and record["siren"] not in sirens_used
            ):
                # Known to the RNA only so far: take the SIREN its SIRET gives.
                organisation.siren = record["siren"]
                sirens_used.add(record["siren"])
                changed.append("siren")
            if record["siren"] and organisation.siren == record["siren"]:
                values["siret"] = record["siret"]
            changed += registry_merge(organisation, values, source=self.source)
            changed += self._merge_presentation(organisation, record["object"], claimed)
            if changed:
                updated.append(organisation)
                fields_changed.update(changed)
                result.updated += 1
            else:
                result.unchanged += 1
        bulk_save(created=created, updated=updated, fields=fields_changed)
        return result

    def _merge_presentation(
        self, organisation: Organisation, text: str, claimed: set[int]
    ) -> list[str]:
        # The presentation is not a registry field: a member's edit leaves no provenance mark
        # on it, so the RNA object only fills it while empty or while nobody has joined.
        sources = dict(organisation.field_sources or {})
        ours = sources.get("description") == self.source
        if not text or organisation.description == text:
            return []
        if organisation.description and not (ours and organisation.pk not in claimed):
            return []
        organisation.description = text
        sources["description"] = self.source
        organisation.field_sources = sources
        return ["description", "field_sources"]

    def _parse(self, line: int, fields: list[str], result: BatchResult) -> dict[str, Any] | None:
        c = self.columns
        rna = fields[c["id"]].strip().upper()
        if not _RNA.match(rna):
            result.reject(
                line,
                _("numéro RNA invalide : « %(value)s » (attendu : W suivi de 9 caractères)")
                % {"value": fields[c["id"]][:20]},
                self.redact(fields),
            )
            return None
        position = fields[c["position"]].strip().upper()
        if position == "S":
            result.skipped[skip_reasons()["deleted"]] += 1
            return None
        if position not in ("A", "D"):
            result.reject(
                line,
                _("position inconnue : « %(value)s » (attendu : A active, D dissoute)")
                % {"value": position[:10]},
                self.redact(fields),
            )
            return None
        title = clean(fields[c["titre"]])
        if not title:
            result.reject(line, _("titre de l’association manquant"), self.redact(fields))
            return None
        try:
            created = parse_date(fields[c["date_creat"]])
        except ValueError:
            result.reject(
                line,
                _("date de création invalide : « %(value)s »")
                % {"value": fields[c["date_creat"]][:20]},
                self.redact(fields),
            )
            return None
        siret = fields[c["siret"]].strip().replace(" ", "")
        if not siret_number.is_valid(siret):
            siret = ""  # an RNA SIRET is informative: a wrong one only loses the link
        postal_code = clean(fields[c["adrs_codepostal"]])
        street = " ".join(
            clean(fields[c[name]])
            for name in ("adrs_numvoie", "adrs_repetition", "adrs_typevoie", "adrs_libvoie")
        )
        return {
            "rna": rna,
            "siret": siret,
            "siren": siret[:9],
            "name": title[:255],
            "object": clean(fields[c["objet"]]),
            "rna_creation_date": created,
            "ceased": position == "D",
            "address_line": " ".join(street.split())[:255],
            "postal_code": postal_code if len(postal_code) == 5 and postal_code.isdigit() else "",
            "commune_code": valid_commune_code(fields[c["adrs_codeinsee"]]),
            "commune_file_name": clean(fields[c["adrs_libcommune"]])[:100],
        }

    def _values(self, record: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
        department_id, region_id = self.territories.department_region(record["commune_code"])
        return {
            "name": record["name"],
            "rna": record["rna"],
            "rna_creation_date": record["rna_creation_date"],
            "address_line": record["address_line"],
            "postal_code": record["postal_code"],
            "commune_code": record["commune_code"],
            "commune_name": names.get(record["commune_code"]) or record["commune_file_name"],
            "department": department_id,
            "region": region_id,
            "ceased": record["ceased"],
        }
