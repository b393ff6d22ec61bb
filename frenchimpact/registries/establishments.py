"""SIRENE establishments (StockEtablissement): the head office's address, commune and position
of the organisations already on the platform.

Reads the plain INSEE layout and Etalab's geocoded one (the same columns followed by
longitude, latitude, geo_score, geo_type, geo_adresse, geo_id, geo_ligne, geo_l4, geo_l5).
Only open, diffusible head offices (``etablissementSiege`` true) of organisations whose SIREN is
already known are used; every other row is skipped with its reason. Nothing is created here.

Position (WGS 84 latitude/longitude): the geocoded layout's ``longitude``/``latitude``; else, in
a file that has them, INSEE's ``coordonneeLambertAbscisseEtablissement``/``…Ordonnee…``,
converted from Lambert 93 for mainland France and Corsica (``lambert93_to_wgs84``). INSEE gives
overseas establishments in local UTM projections: those are not converted (no position). A
position outside France (mainland, Corsica and the overseas departments and collectivities
that SIRENE covers), or one that does not match the row's commune, rejects the row. The
position describes the SIRENE address: it is only set while the organisation's address is the
registry's, and a SIRENE position is removed when members have edited the address.

The helpers of the second section (territories of a commune code, a registry merge that keeps
what members edited, bulk writes) serve the RNA import too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from frenchimpact.organisations.enums import Source
from frenchimpact.organisations.models import Organisation
from frenchimpact.search.documents import ORGANISATION, schedule_sync
from frenchimpact.territories.models import Commune, Department
from frenchimpact.territories.reference import COMMUNE_CODE_PATTERN

from .framework import BatchResult, ImportFileError, Row
from .models import ImportKind, ImportRun

# Lookups by key are chunked: SQLite builds of old limit a statement to 999 parameters.
LOOKUP_CHUNK = 900
UPDATE_CHUNK = 500
_COMMUNE_CODE = re.compile(COMMUNE_CODE_PATTERN)
_SIREN = re.compile(r"^[0-9]{9}$")
_SIRET = re.compile(r"^[0-9]{14}$")


# --- Shared with the RNA import: territories, merge, bulk writes -----------------------------


def department_code(commune_code: str) -> str:
    """The department of an INSEE commune code: 2 characters, 3 overseas (971…976)."""
    return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]


class Territories:
    """Department and region of commune codes (departments read once per import) and the
    communes' official names (one query per batch)."""

    def __init__(self) -> None:
        self._departments: dict[str, tuple[int, int]] | None = None

    def department_region(self, commune_code: str) -> tuple[int | None, int | None]:
        if self._departments is None:
            self._departments = {
                code: (pk, region_id)
                for code, pk, region_id in Department.objects.values_list("code", "pk", "region_id")
            }
        if not commune_code:
            return None, None
        return self._departments.get(department_code(commune_code), (None, None))

    @staticmethod
    def commune_names(codes: Iterable[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for chunk in chunks(sorted({c for c in codes if c}), LOOKUP_CHUNK):
            names.update(Commune.objects.filter(code__in=chunk).values_list("code", "nom"))
        return names


def valid_commune_code(value: str) -> str:
    value = value.strip().upper()
    return value if _COMMUNE_CODE.match(value) else ""


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def organisations_by(field: str, keys: Iterable[str]) -> dict[str, Organisation]:
    """Organisations whose ``field`` is one of ``keys``, by that key (chunked lookups)."""
    found: dict[str, Organisation] = {}
    for chunk in chunks(sorted(set(keys)), LOOKUP_CHUNK):
        for organisation in Organisation.objects.filter(**{f"{field}__in": chunk}):
            found[getattr(organisation, field)] = organisation
    return found


_ATTNAMES = {field.name: field.attname for field in Organisation._meta.concrete_fields}


def _is_empty(value: Any) -> bool:
    return value in ("", None, False)


def registry_merge(
    organisation: Organisation, values: Mapping[str, Any], *, source: str
) -> list[str]:
    """Set on ``organisation`` what the registry ``source`` says, field by field, where it may:
    a field last set by this registry, or still empty with no known provenance. A field set by
    a member (or by another registry) is left as it is. Foreign keys are given as ids.

    Returns the names of the fields changed ("field_sources" included when provenance moved).
    """
    sources = dict(organisation.field_sources or {})
    changed: list[str] = []
    for name, value in values.items():
        attname = _ATTNAMES[name]
        current = getattr(organisation, attname)
        provenance = sources.get(name)
        if provenance is None:
            if not _is_empty(current) or _is_empty(value):
                continue
        elif provenance != source:
            continue
        if current != value:
            setattr(organisation, attname, value)
            changed.append(name)
        sources[name] = source
    if sources != (organisation.field_sources or {}):
        organisation.field_sources = sources
        changed.append("field_sources")
    return changed


def bulk_save(
    *, created: list[Organisation], updated: list[Organisation], fields: set[str]
) -> None:
    """Insert and update a batch in a few statements, and re-index those records in the search
    engine once the batch commits (bulk writes send no signals)."""
    if created:
        Organisation.objects.bulk_create(created, batch_size=UPDATE_CHUNK)
    if updated:
        now = timezone.now()
        for organisation in updated:
            organisation.updated_at = now
        Organisation.objects.bulk_update(
            updated, sorted({*fields, "updated_at"}), batch_size=UPDATE_CHUNK
        )
    ids = [o.pk for o in created if o.pk is not None] + [o.pk for o in updated]
    if ids:
        schedule_sync(ORGANISATION, ids)


def missing_columns_error(kind_label: str, missing: Iterable[str], header: list[str]) -> str:
    return _(
        "L’en-tête ne correspond pas à un fichier %(kind)s : colonne(s) manquante(s) : "
        "%(missing)s. Colonnes trouvées : %(found)s. Rien n’a été importé."
    ) % {
        "kind": kind_label,
        "missing": ", ".join(missing),
        "found": ", ".join(header[:60]) or "—",
    }


# --- Establishments ---------------------------------------------------------------------------

REQUIRED_COLUMNS = (
    "siren",
    "siret",
    "statutDiffusionEtablissement",
    "etablissementSiege",
    "etatAdministratifEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "codeCommuneEtablissement",
)
GEO_COLUMNS = (
    "longitude",
    "latitude",
    "geo_score",
    "geo_type",
    "geo_adresse",
    "geo_id",
    "geo_ligne",
    "geo_l4",
    "geo_l5",
)
# INSEE codes of typeVoieEtablissement, written out in the address line.
STREET_TYPES = {
    "ALL": "ALLÉE",
    "AV": "AVENUE",
    "BD": "BOULEVARD",
    "CAR": "CARREFOUR",
    "CHE": "CHEMIN",
    "CHS": "CHAUSSÉE",
    "CITE": "CITÉ",
    "COR": "CORNICHE",
    "CRS": "COURS",
    "DOM": "DOMAINE",
    "DSC": "DESCENTE",
    "ECA": "ÉCART",
    "ESP": "ESPLANADE",
    "FG": "FAUBOURG",
    "GR": "GRANDE RUE",
    "HAM": "HAMEAU",
    "HLE": "HALLE",
    "IMP": "IMPASSE",
    "LD": "LIEU-DIT",
    "LOT": "LOTISSEMENT",
    "MAR": "MARCHÉ",
    "MTE": "MONTÉE",
    "PAS": "PASSAGE",
    "PL": "PLACE",
    "PLN": "PLAINE",
    "PLT": "PLATEAU",
    "PRO": "PROMENADE",
    "PRV": "PARVIS",
    "QUA": "QUARTIER",
    "QUAI": "QUAI",
    "RES": "RÉSIDENCE",
    "RLE": "RUELLE",
    "ROC": "ROCADE",
    "RPT": "ROND-POINT",
    "RTE": "ROUTE",
    "RUE": "RUE",
    "SEN": "SENTIER",
    "SQ": "SQUARE",
    "TPL": "TERRE-PLEIN",
    "TRA": "TRAVERSE",
    "VLA": "VILLA",
    "VLGE": "VILLAGE",
}
LAMBERT_COLUMNS = (
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
)
# The fields whose provenance says whose address the organisation shows.
ADDRESS_OWNER_FIELDS = ("address_line", "commune_code")
POSITION_DECIMALS = 6  # about 0.1 m: enough, and stable across re-imports
# (south, north, west, east) in degrees, a little wider than the land: mainland France and
# Corsica, then the overseas departments and collectivities covered by SIRENE, by the
# department part of their commune codes.
MAINLAND_BOX = (41.0, 51.6, -5.9, 10.0)
OVERSEAS_BOXES = {
    "971": (15.7, 16.7, -62.0, -60.8),  # Guadeloupe
    "972": (14.3, 15.0, -61.3, -60.7),  # Martinique
    "973": (2.0, 6.0, -54.8, -51.4),  # Guyane
    "974": (-21.5, -20.8, 55.1, 56.0),  # La Réunion
    "975": (46.7, 47.2, -56.5, -56.0),  # Saint-Pierre-et-Miquelon
    "976": (-13.1, -12.5, 44.9, 45.4),  # Mayotte
    "977": (17.8, 18.0, -63.0, -62.7),  # Saint-Barthélemy
    "978": (18.0, 18.2, -63.2, -62.9),  # Saint-Martin
}
NOT_DIFFUSED = "[ND]"  # INSEE's mark of a value withheld from publication


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in degrees of a Lambert 93 (RGF93, EPSG:2154) point.

    The inverse Lambert conformal conic projection of IGN's note NT/G 71 (algorithms ALG0004
    and ALG0001), with the constants of Lambert 93 (GRS 80 ellipsoid, n, C, Xs, Ys computed
    for the standard parallels 44° and 49° N, origin 3° E, 46.5° N, false easting 700,000 m,
    false northing 6,600,000 m). RGF93 and WGS 84 differ by less than a metre.
    """
    e = 0.0818191910428158  # first eccentricity of GRS 80
    n = 0.7256077650532670
    c = 11754255.426096
    xs, ys = 700000.0, 12655612.049876
    dx, dy = x - xs, y - ys
    radius = math.hypot(dx, dy)
    gamma = math.atan(dx / -dy)
    longitude = math.radians(3) + gamma / n
    isometric = -math.log(abs(radius / c)) / n
    latitude = 2 * math.atan(math.exp(isometric)) - math.pi / 2
    for _iteration in range(20):
        sine = e * math.sin(latitude)
        following = (
            2 * math.atan(((1 + sine) / (1 - sine)) ** (e / 2) * math.exp(isometric)) - math.pi / 2
        )
        if abs(following - latitude) < 1e-12:
            latitude = following
            break
        latitude = following
    return math.degrees(latitude), math.degrees(longitude)


class PositionError(ValueError):
    """A row's coordinates cannot be used: the message says why (French, for the rejects)."""


class _OverseasLambert(Exception):
    """Lambert columns of an overseas establishment: a local UTM projection, not converted."""


def _number(text: str) -> float | None:
    text = text.strip()
    if not text or text == NOT_DIFFUSED:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise PositionError(
            _("Coordonnée illisible : « %(value)s »") % {"value": text[:40]}
        ) from None
    if not math.isfinite(value):
        raise PositionError(_("Coordonnée illisible : « %(value)s »") % {"value": text[:40]})
    return value


def check_position(latitude: float, longitude: float, commune_code: str) -> None:
    """Refuse a position outside France, or outside the territory of the row's commune."""
    if commune_code:
        boxes = [OVERSEAS_BOXES.get(department_code(commune_code), MAINLAND_BOX)]
    else:
        boxes = [MAINLAND_BOX, *OVERSEAS_BOXES.values()]
    if not any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in boxes):
        raise PositionError(
            _(
                "Coordonnées hors du territoire attendu (France, ou territoire de la commune "
                "%(commune)s) : latitude %(latitude)s, longitude %(longitude)s"
            )
            % {"commune": commune_code or "—", "latitude": latitude, "longitude": longitude}
        )


ADDRESS_FIELDS = (
    "siret",
    "address_line",
    "postal_code",
    "commune_code",
    "commune_name",
    "department",
    "region",
)


POSITION_FIELDS = ("latitude", "longitude")
# What a head office that SIRENE stops publishing takes away (the commune stays public).
WITHDRAWN_FIELDS = ("address_line", *POSITION_FIELDS)


def skip_reasons() -> dict[str, str]:
    return {
        "secondary": _("établissement secondaire (pas le siège)"),
        "closed": _("établissement fermé"),
        "not_diffusible": _("établissement non diffusible"),
        "withdrawn": _(
            "dont siège devenu non diffusible : adresse et position issues de SIRENE retirées"
        ),
        "unknown": _("organisation inconnue sur la plateforme"),
        "duplicate": _("siège en double dans le lot (la dernière ligne est retenue)"),
    }


def address_line(number: str, repetition: str, street_type: str, street: str) -> str:
    street_type = STREET_TYPES.get(street_type.strip().upper(), street_type.strip())
    words = [f"{number.strip()}{repetition.strip()}", street_type, street.strip()]
    return " ".join(" ".join(w for w in words if w).split())[:255]


class EstablishmentsImporter:
    """SIRENE head offices → address, commune, department, region and position of known
    organisations."""

    kind: str = ImportKind.SIRENE_ESTABLISHMENTS
    source = Source.SIRENE

    def __init__(self) -> None:
        self.columns: dict[str, int] = {}
        self.layout = ""
        self.territories = Territories()
        # Where positions come from: the geocoded columns, INSEE's Lambert ones, or nowhere.
        self.geocoded = False
        self.lambert = False

    def check_header(self, header: list[str]) -> None:
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        present_geo = [name for name in GEO_COLUMNS if name in header]
        if present_geo:
            missing += [name for name in GEO_COLUMNS if name not in header]
        present_lambert = [name for name in LAMBERT_COLUMNS if name in header]
        if present_lambert:
            missing += [name for name in LAMBERT_COLUMNS if name not in header]
        if missing:
            raise ImportFileError(
                missing_columns_error(_("SIRENE des établissements"), missing, header)
            )
        wanted = [*REQUIRED_COLUMNS, *present_geo, *present_lambert]
        self.columns = {name: header.index(name) for name in wanted}
        self.layout = "geocodee" if present_geo else "simple"
        self.geocoded = bool(present_geo)
        self.lambert = bool(present_lambert)

    def _position(self, fields: list[str], commune_code: str) -> tuple[float, float] | None:
        """The row's (latitude, longitude), rounded; None when it gives none. Raises
        PositionError for unreadable or out-of-range coordinates."""
        c = self.columns
        if self.geocoded:
            longitude = _number(fields[c["longitude"]])
            latitude = _number(fields[c["latitude"]])
            if latitude is not None and longitude is not None:
                return self._checked(latitude, longitude, commune_code)
        if self.lambert:
            x = _number(fields[c[LAMBERT_COLUMNS[0]]])
            y = _number(fields[c[LAMBERT_COLUMNS[1]]])
            if x is not None and y is not None:
                if department_code(commune_code).startswith("97"):
                    raise _OverseasLambert
                if not (0 < x < 1_400_000 and 6_000_000 < y < 7_200_000):
                    raise PositionError(
                        _("Coordonnées Lambert 93 hors de France : x %(x)s, y %(y)s")
                        % {"x": x, "y": y}
                    )
                return self._checked(*lambert93_to_wgs84(x, y), commune_code)
        return None

    @staticmethod
    def _checked(latitude: float, longitude: float, commune_code: str) -> tuple[float, float]:
        check_position(latitude, longitude, commune_code)
        return round(latitude, POSITION_DECIMALS), round(longitude, POSITION_DECIMALS)

    def process(self, rows: list[Row], run: ImportRun) -> BatchResult:
        result = BatchResult()
        reasons = skip_reasons()
        c = self.columns
        head_offices: dict[str, tuple[int, list[str], tuple[float, float] | None]] = {}
        withdrawn: set[str] = set()  # head offices whose address SIRENE no longer publishes
        for line, fields in rows:
            if fields[c["etablissementSiege"]].strip().lower() != "true":
                result.skipped[reasons["secondary"]] += 1
                continue
            if fields[c["etatAdministratifEtablissement"]].strip() != "A":
                result.skipped[reasons["closed"]] += 1
                continue
            if fields[c["statutDiffusionEtablissement"]].strip() != "O":
                siren = fields[c["siren"]].strip()
                if _SIREN.match(siren):
                    withdrawn.add(siren)
                    head_offices.pop(siren, None)
                else:
                    result.skipped[reasons["not_diffusible"]] += 1
                continue
            siren = fields[c["siren"]].strip()
            siret = fields[c["siret"]].strip()
            if not _SIREN.match(siren):
                result.reject(line, _("SIREN invalide : « %(value)s »") % {"value": siren}, fields)
                continue
            if not _SIRET.match(siret) or not siret.startswith(siren):
                result.reject(line, _("SIRET invalide : « %(value)s »") % {"value": siret}, fields)
                continue
            try:
                position = self._position(
                    fields, valid_commune_code(fields[c["codeCommuneEtablissement"]])
                )
            except PositionError as error:
                result.reject(line, str(error), fields)
                continue
            except _OverseasLambert:
                position = None  # the address is still used
            if siren in head_offices:  # the same head office twice: the later row wins
                result.skipped[reasons["duplicate"]] += 1
            head_offices[siren] = (line, fields, position)
            withdrawn.discard(siren)
        known = organisations_by("siren", head_offices)
        result.skipped[reasons["unknown"]] += len(head_offices) - len(known)
        if not result.skipped[reasons["unknown"]]:
            del result.skipped[reasons["unknown"]]
        names = self.territories.commune_names(
            valid_commune_code(head_offices[s][1][c["codeCommuneEtablissement"]]) for s in known
        )
        updated: list[Organisation] = []
        fields_changed: set[str] = set()
        for siren, organisation in known.items():
            _line, fields, position = head_offices[siren]
            changed = registry_merge(organisation, self._values(fields, names), source=self.source)
            moved = not {"address_line", "commune_code", "postal_code"}.isdisjoint(changed)
            changed += self._merge_position(organisation, position, address_moved=moved)
            if changed:
                updated.append(organisation)
                fields_changed.update(changed)
                result.updated += 1
            else:
                result.unchanged += 1
        self._withdraw(withdrawn, result, updated, fields_changed)
        bulk_save(created=[], updated=updated, fields=fields_changed)
        return result

    def _withdraw(
        self,
        sirens: set[str],
        result: BatchResult,
        updated: list[Organisation],
        fields_changed: set[str],
    ) -> None:
        """Head offices SIRENE no longer publishes (statutDiffusion ``P`` or ``N``): the street
        address and the position it gave leave the platform (INSEE only publishes the commune
        of such units); what members wrote stays. Counted as skipped, with their reason."""
        reasons = skip_reasons()
        known = organisations_by("siren", sirens)
        for siren in sirens:
            result.skipped[reasons["not_diffusible"]] += 1
            organisation = known.get(siren)
            if organisation is None:
                continue
            sources = organisation.field_sources or {}
            changed = [
                name
                for name in WITHDRAWN_FIELDS
                if sources.get(name) == self.source
                and not _is_empty(getattr(organisation, _ATTNAMES[name]))
            ]
            if not changed:
                continue
            for name in changed:
                setattr(organisation, _ATTNAMES[name], None if name in POSITION_FIELDS else "")
            if "latitude" in changed or "longitude" in changed:
                organisation.latitude = organisation.longitude = None
                changed = sorted({*changed, *POSITION_FIELDS})
            updated.append(organisation)
            fields_changed.update(changed)
            result.skipped[reasons["withdrawn"]] += 1

    def _merge_position(
        self,
        organisation: Organisation,
        position: tuple[float, float] | None,
        *,
        address_moved: bool,
    ) -> list[str]:
        """Set the SIRENE position if the organisation shows the SIRENE address; otherwise
        drop a SIRENE position (it described an address members have since replaced). A file
        without coordinates leaves the position alone unless the address moved."""
        sources = organisation.field_sources or {}
        owns_address = all(
            sources.get(name) == self.source
            or (sources.get(name) is None and _is_empty(getattr(organisation, _ATTNAMES[name])))
            for name in ADDRESS_OWNER_FIELDS
        )
        if not owns_address:
            if sources.get("latitude") == self.source and organisation.latitude is not None:
                organisation.latitude = organisation.longitude = None
                return ["latitude", "longitude"]
            return []
        if not (self.geocoded or self.lambert or address_moved):
            return []
        latitude, longitude = position or (None, None)
        changed = registry_merge(
            organisation, {"latitude": latitude, "longitude": longitude}, source=self.source
        )
        if (organisation.latitude is None) != (organisation.longitude is None):
            # Half a pair (one coordinate set by someone else): no position rather than a wrong one.
            organisation.latitude = organisation.longitude = None
            changed += ["latitude", "longitude"]
        return changed

    def _values(self, fields: list[str], names: Mapping[str, str]) -> dict[str, Any]:
        c = self.columns
        commune_code = valid_commune_code(fields[c["codeCommuneEtablissement"]])
        department_id, region_id = self.territories.department_region(commune_code)
        postal_code = fields[c["codePostalEtablissement"]].strip()
        line = (
            address_line(
                fields[c["numeroVoieEtablissement"]],
                fields[c["indiceRepetitionEtablissement"]],
                fields[c["typeVoieEtablissement"]],
                fields[c["libelleVoieEtablissement"]],
            )
            or " ".join(fields[c["complementAdresseEtablissement"]].split())[:255]
        )
        return {
            "siret": fields[c["siret"]].strip(),
            "address_line": line,
            "postal_code": postal_code if len(postal_code) == 5 and postal_code.isdigit() else "",
            "commune_code": commune_code,
            "commune_name": names.get(commune_code)
            or " ".join(fields[c["libelleCommuneEtablissement"]].split())[:100],
            "department": department_id,
            "region": region_id,
        }
