"""Import of INSEE's SIRENE stock of legal units (StockUniteLegale): the ESS structures.

Kept: ESS flag ``O``, or an empty flag and an ESS legal form (``N`` excludes). A row that is
not diffusible (``statutDiffusionUniteLegale`` ≠ ``O``) or purged is skipped and the
organisation with its SIREN, if any, is unpublished; ceased units are marked ceased.

The national stock has ~30 million rows of which ~5 % are kept, so the importer has a fast
path (``scan``): the raw bytes are classified with numpy, 8 MB at a time, and only the rows
that may matter reach Python — ESS candidates, non-diffusible or purged rows, and every line
that is not plain (quotes, wrong field count, odd values), which then goes through the full
checks and, if bad, is rejected with its line number. A plain line proved non-ESS is counted
as skipped ("non ESS") without being parsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from frenchimpact.organisations.enums import SizeBand, Source
from frenchimpact.organisations.legal_forms import family_from_legal_form
from frenchimpact.organisations.services import organisations_upsert_from_registry

from .framework import BatchResult, ImportFileError, Row, Tally, read_chunks
from .models import ImportKind, ImportRun

# The two published layouts (2019–2024: 33 columns; since 2025: 35).
COLUMNS_33 = (
    "siren",
    "statutDiffusionUniteLegale",
    "unitePurgeeUniteLegale",
    "dateCreationUniteLegale",
    "sigleUniteLegale",
    "sexeUniteLegale",
    "prenom1UniteLegale",
    "prenom2UniteLegale",
    "prenom3UniteLegale",
    "prenom4UniteLegale",
    "prenomUsuelUniteLegale",
    "pseudonymeUniteLegale",
    "identifiantAssociationUniteLegale",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "dateDernierTraitementUniteLegale",
    "nombrePeriodesUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "dateDebut",
    "etatAdministratifUniteLegale",
    "nomUniteLegale",
    "nomUsageUniteLegale",
    "denominationUniteLegale",
    "denominationUsuelle1UniteLegale",
    "denominationUsuelle2UniteLegale",
    "denominationUsuelle3UniteLegale",
    "categorieJuridiqueUniteLegale",
    "activitePrincipaleUniteLegale",
    "nomenclatureActivitePrincipaleUniteLegale",
    "nicSiegeUniteLegale",
    "economieSocialeSolidaireUniteLegale",
    "caractereEmployeurUniteLegale",
)
COLUMNS_35 = (
    *COLUMNS_33[:32],
    "societeMissionUniteLegale",
    "caractereEmployeurUniteLegale",
    "activitePrincipaleNAF25UniteLegale",
)
LAYOUTS = (COLUMNS_35, COLUMNS_33)

# Every 4-digit legal form that makes a unit ESS when its flag is empty.
ESS_LEGAL_FORMS = frozenset(
    f"{code}" for code in range(1000, 10000) if family_from_legal_form(str(code)) is not None
)
_ESS_FORM_NUMBERS = np.array(sorted(int(code) for code in ESS_LEGAL_FORMS), dtype=np.int32)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SIZE_BANDS = frozenset(SizeBand.values)
CHUNK_BYTES = 512 * 1024  # small chunks keep numpy's passes in the CPU cache (measured)

_COMMA, _QUOTE, _NEWLINE = 44, 34, 10
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # digit -> digits of its double, summed
_O, _F = ord("O"), ord("f")


def _reasons() -> dict[str, str]:
    return {
        "not_ess": _("non ESS"),
        "not_diffusible": _("non diffusible"),
        "purged": _("unité purgée"),
        "concurrent": _("modifiée sur la plateforme pendant l’import : reprise au prochain import"),
    }


class SireneUnitsImporter:
    kind: str = ImportKind.SIRENE_UNITS

    def __init__(self) -> None:
        self.position: dict[str, int] = {}

    # --- Header ---------------------------------------------------------------------------

    def check_header(self, header: list[str]) -> None:
        names = set(header)
        for layout in LAYOUTS:
            if names == set(layout) and len(header) == len(layout):
                self.position = {name: index for index, name in enumerate(header)}
                return
        nearest = min(LAYOUTS, key=lambda layout: len(names ^ set(layout)))
        missing = [name for name in nearest if name not in names]
        extra = [name for name in header if name not in nearest]
        duplicated = sorted({name for name in header if header.count(name) > 1})
        parts = []
        if missing:
            parts.append(_("colonnes manquantes : %(names)s") % {"names": ", ".join(missing)})
        if extra:
            parts.append(_("colonnes en trop : %(names)s") % {"names": ", ".join(extra)})
        if duplicated:
            parts.append(_("colonnes en double : %(names)s") % {"names": ", ".join(duplicated)})
        raise ImportFileError(
            _(
                "L’en-tête n’est pas celui d’un fichier StockUniteLegale (%(layout)d colonnes) : "
                "%(details)s. Rien n’a été importé."
            )
            % {"layout": len(nearest), "details": " ; ".join(parts)}
        )

    # --- Fast path ------------------------------------------------------------------------

    def scan(
        self,
        stream: Any,
        *,
        encoding: str,
        delimiter: str,
        width: int,
        first_line: int,
        after_line: int,
        every: int,
    ) -> Iterator[Row | Tally]:
        not_ess = _reasons()["not_ess"]
        sep = ord(delimiter)
        pos = self.position
        column = {
            "statut": pos["statutDiffusionUniteLegale"],
            "purged": pos["unitePurgeeUniteLegale"],
            "form": pos["categorieJuridiqueUniteLegale"],
            "flag": pos["economieSocialeSolidaireUniteLegale"],
        }
        first_checked = False
        for start_line, chunk in read_chunks(stream, first_line=first_line, chunk_size=CHUNK_BYTES):
            if not first_checked:
                first_checked = True
                self._check_first_row(chunk, encoding, delimiter, width)
            candidate, plain = _classify(chunk, sep, width, column)
            n = len(candidate)
            numbers = np.arange(start_line, start_line + n, dtype=np.int64)
            live = numbers > after_line
            candidate &= live
            skipped = plain & ~candidate & live
            skipped_before = np.cumsum(skipped)
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == _NEWLINE)
            counted = 0
            yielded = 0
            for index in np.flatnonzero(candidate).tolist():
                begin = int(ends[index - 1]) + 1 if index else 0
                raw = chunk[begin : int(ends[index])]
                fields = self._split(raw, encoding, delimiter)
                if fields is None:
                    continue  # blank line
                line = start_line + index
                yield line, fields
                yielded += 1
                if yielded % every == 0:
                    upto = int(skipped_before[index])
                    yield Tally(line, _count(not_ess, upto - counted))
                    counted = upto
            total = int(skipped_before[-1]) if n else 0
            yield Tally(start_line + n - 1, _count(not_ess, total - counted))

    def _check_first_row(self, chunk: bytes, encoding: str, delimiter: str, width: int) -> None:
        """A header of one layout on rows of the other: stop before writing anything."""
        end = chunk.find(b"\n")
        fields = self._split(chunk[:end], encoding, delimiter)
        if fields is not None and len(fields) != width:
            other = [layout for layout in LAYOUTS if len(layout) == len(fields)]
            raise ImportFileError(
                _(
                    "L’en-tête compte %(width)d colonnes mais la ligne 2 en compte %(count)d%(hint)s :"
                    " l’en-tête ne correspond pas aux lignes. Rien n’a été importé."
                )
                % {
                    "width": width,
                    "count": len(fields),
                    "hint": (
                        _(" (format à %(n)d colonnes ; en trop ou manquantes : %(names)s)")
                        % {
                            "n": len(other[0]),
                            "names": ", ".join(sorted(set(other[0]) ^ set(self.position))),
                        }
                        if other
                        else ""
                    ),
                }
            )

    @staticmethod
    def _split(raw: bytes, encoding: str, delimiter: str) -> list[str] | None:
        # An undecodable byte becomes U+FFFD, which process() rejects with the line number.
        text = raw.decode(encoding, errors="replace").rstrip("\r")
        if not text:
            return None
        if '"' in text:
            return next(csv.reader([text], delimiter=delimiter), [])
        return text.split(delimiter)

    # --- Checks and writes ----------------------------------------------------------------

    def process(self, rows: list[Row], run: ImportRun) -> BatchResult:
        reasons = _reasons()
        pos = self.position
        result = BatchResult()
        records: dict[str, dict[str, Any]] = {}
        withdrawn: dict[str, str] = {}
        at_siren, at_statut, at_purged, at_flag, at_form = (
            pos[name]
            for name in (
                "siren",
                "statutDiffusionUniteLegale",
                "unitePurgeeUniteLegale",
                "economieSocialeSolidaireUniteLegale",
                "categorieJuridiqueUniteLegale",
            )
        )
        for line, fields in rows:
            text = "".join(fields)
            if "\ufffd" in text:
                result.reject(
                    line,
                    _("caractère illisible : précisez l’encodage (--encoding latin-1 ou utf-8)"),
                    fields,
                )
                continue
            if "\x00" in text:  # PostgreSQL stores no NUL character in text
                result.reject(line, _("caractère nul dans la ligne (fichier corrompu ?)"), fields)
                continue
            siren = fields[at_siren].strip()
            statut = fields[at_statut].strip()
            purged = fields[at_purged].strip().lower() in ("true", "1", "o")
            flag = fields[at_flag].strip()
            form = fields[at_form].strip()
            is_ess = flag == "O" or (flag == "" and form in ESS_LEGAL_FORMS)
            if statut != "O" or purged:
                # Whatever the row says, the organisation with this SIREN may no longer be
                # shown; the row itself is reported under its first reason.
                reason = reasons["not_diffusible" if statut != "O" else "purged"]
                if siren_is_valid(siren):
                    withdrawn[siren] = reason
                result.skipped[reason if is_ess else reasons["not_ess"]] += 1
                continue
            if flag not in ("O", "N", ""):
                result.reject(
                    line,
                    _("indicateur ESS « %(flag)s » inconnu (attendu O, N ou vide)")
                    % {"flag": flag},
                    fields,
                )
                continue
            if not is_ess:
                result.skipped[reasons["not_ess"]] += 1
                continue
            if not siren_is_valid(siren):
                result.reject(line, _invalid_siren(siren), fields)
                continue
            try:
                records[siren] = self._values(fields, siren, flag, form)
            except ValueError as error:
                result.reject(line, str(error), fields)
        upsert = organisations_upsert_from_registry(
            records=list(records.values()),
            source=Source.SIRENE,
            withdrawn=withdrawn,
            actor=None,
        )
        result.created, result.updated, result.unchanged = (
            upsert.created,
            upsert.updated,
            upsert.unchanged,
        )
        if upsert.concurrent:
            result.skipped[reasons["concurrent"]] += upsert.concurrent
        if upsert.unpublished:
            result.audit["depubliees"] = upsert.unpublished
        return result

    def _values(self, fields: list[str], siren: str, flag: str, form: str) -> dict[str, Any]:
        pos = self.position

        def get(name: str) -> str:
            return fields[pos[name]].strip()

        name = get("denominationUniteLegale") or get("denominationUsuelle1UniteLegale")
        if not name:
            person = " ".join(
                part
                for part in (
                    get("prenomUsuelUniteLegale") or get("prenom1UniteLegale"),
                    get("nomUsageUniteLegale") or get("nomUniteLegale"),
                )
                if part
            )
            name = person or get("sigleUniteLegale")
        if not name:
            raise ValueError(_("aucun nom (dénomination, sigle ou nom) pour ce SIREN"))
        created = get("dateCreationUniteLegale")
        nic = get("nicSiegeUniteLegale")
        size = get("trancheEffectifsUniteLegale")
        state = get("etatAdministratifUniteLegale")
        if state not in ("A", "C"):
            raise ValueError(
                _("état administratif « %(state)s » inconnu (attendu A ou C)") % {"state": state}
            )
        return {
            "siren": siren,
            "name": name[:255],
            "acronym": get("sigleUniteLegale")[:50],
            "siret": siren + nic if len(nic) == 5 and nic.isdigit() else "",
            "legal_form_code": form if len(form) == 4 and form.isdigit() else "",
            "ess_flag": flag,
            "creation_date": _parse_date(created),
            "size_band": size if size in _SIZE_BANDS else "",
            "ceased": state == "C",
        }


def siren_is_valid(value: str) -> bool:
    """9 ASCII digits with a valid Luhn key: ``stdnum.fr.siren.is_valid`` on a stripped value,
    about ten times faster (it runs on every kept row of the national file)."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    # Luhn: every second digit from the right doubled (its digits summed); byte sums minus "0"s.
    doubled = value[-2::-2].translate(_LUHN_DOUBLED)
    return (sum(value[::-2].encode()) + sum(doubled.encode()) - 48 * 9) % 10 == 0


def _count(reason: str, number: int) -> Counter[str]:
    return Counter({reason: number}) if number else Counter()


def _invalid_siren(siren: str) -> str:
    return _("SIREN « %(siren)s » invalide (9 chiffres et clé de contrôle)") % {"siren": siren}


@functools.lru_cache(maxsize=65536)  # creation dates repeat a lot across a national file
def _parse_date(value: str) -> dt.date | None:
    if not value:
        return None
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(
        _("date de création « %(value)s » invalide (attendu AAAA-MM-JJ)") % {"value": value}
    )


def _classify(
    chunk: bytes, sep: int, width: int, column: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(candidate, plain) masks over the lines of ``chunk`` (whole lines, each ending with a
    newline). A plain line has no quote and exactly ``width`` fields; a candidate is any line
    Python must look at: not plain, or diffusion/purge/ESS flag/legal form saying it may
    matter, or holding a value of an unexpected shape."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    ends = np.flatnonzero(data == _NEWLINE)
    n = len(ends)
    if min(column.values()) == 0 or max(column.values()) >= width - 1:
        # A reordered header put a column we read at an edge: every line goes through Python.
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    seps = np.flatnonzero(data == sep)
    sep_before_end = np.searchsorted(seps, ends)
    first_sep = np.empty(n, dtype=np.int64)
    first_sep[0] = 0
    first_sep[1:] = sep_before_end[:-1]
    count = sep_before_end - first_sep
    quoted = np.zeros(n, dtype=bool)
    quotes = np.flatnonzero(data == _QUOTE)
    if len(quotes):
        quoted[np.searchsorted(ends, quotes)] = True
    plain = (count == width - 1) & ~quoted
    # Field k of a plain line spans (seps[first + k - 1] + 1, seps[first + k]); indices of
    # non-plain lines are clamped (their values are ignored).
    last = len(seps) - 1
    if last < 0:
        return np.ones(n, dtype=bool), plain

    def span(k: int) -> tuple[np.ndarray, np.ndarray]:
        begin = seps[np.minimum(first_sep + k - 1, last)] + 1
        end = seps[np.minimum(first_sep + k, last)]
        return begin, end

    def one_char(k: int, char: int) -> np.ndarray:
        begin, end = span(k)
        return (end - begin == 1) & (data[np.minimum(begin, len(data) - 1)] == char)

    def empty(k: int) -> np.ndarray:
        begin, end = span(k)
        return end == begin

    diffusible = one_char(column["statut"], _O)
    b, e = span(column["purged"])
    not_purged = (e == b) | ((e - b == 5) & (data[np.minimum(b, len(data) - 1)] == _F))
    flag_n = one_char(column["flag"], ord("N"))
    flag_empty = empty(column["flag"])
    b, e = span(column["form"])
    digits = np.stack(
        [data[np.minimum(b + i, len(data) - 1)].astype(np.int32) - 48 for i in range(4)]
    )
    form_ok = (e - b == 4) & np.all((digits >= 0) & (digits <= 9), axis=0)
    form_number = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
    form_ess = form_ok & np.isin(form_number, _ESS_FORM_NUMBERS)
    no_form = e == b
    proven_not_ess = flag_n | (flag_empty & ((form_ok & ~form_ess) | no_form))
    skippable = plain & diffusible & not_purged & proven_not_ess
    return ~skippable, plain
