"""The open datasets: which records (published only), which public fields, which types.

Each dataset yields plain tuples, one per record, in the order of its fields, read from a
chunked database cursor (a server-side cursor on PostgreSQL) so that memory stays flat whatever
the size; many-to-many codes are fetched once per chunk (never one query per row). Field names
are the public contract, in French snake_case like the API; types are Frictionless Table
Schema types. Values are what the JSON file holds: text (dates and datetimes may also be
``date``/``datetime`` objects), numbers, booleans, lists, or None.

Nothing personal is published: no contact e-mail, no phone, no street address, no applicant
answers — only what the public pages and the API already show of published records. The
head office's position comes from SIRENE only (import_sirene_etablissements), which publishes
it as open data for diffusible establishments; it is never set for an address members edited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frenchimpact.calls import selectors as call_selectors
from frenchimpact.calls.models import Call
from frenchimpact.labels.enums import LabelKind
from frenchimpact.labels.register_selectors import labels_for_register
from frenchimpact.organisations.enums import EssFamily, ModerationStatus, OrganisationKind, Source
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Sdg, Stage
from frenchimpact.projects.models import Project
from frenchimpact.support.enums import OfferStatus, OfferType, Public
from frenchimpact.support.models import Offer
from frenchimpact.territories.models import Department, Region

Row = tuple[Any, ...]
LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Etalab 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}


@dataclass(frozen=True)
class Field:
    """One column: a Table Schema field descriptor."""

    name: str
    type: str  # string, integer, number, boolean, date, datetime, array
    description: Any
    required: bool = False
    format: str = ""
    enum: tuple[Any, ...] = ()
    pattern: str = ""

    def descriptor(self) -> dict[str, Any]:
        field: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": str(self.description),
        }
        if self.format:
            field["format"] = self.format
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.pattern:
            constraints["pattern"] = self.pattern
        if constraints:
            field["constraints"] = constraints
        return field


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: Any
    description: Any
    fields: tuple[Field, ...]
    # rows(chunk_size) -> one tuple per record, values in the order of ``fields``.
    rows: Callable[[int], Iterator[Row]]
    primary_key: tuple[str, ...] = ("id",)
    # Names of the (longitude, latitude) number fields of located records; a GeoJSON file is
    # published only for datasets that have them (records without a position are left out).
    position: tuple[str, str] | None = None

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]


# --- Helpers ----------------------------------------------------------------------------------


def _batched(iterable: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stream(queryset: Any, chunk_size: int) -> Iterator[Row]:
    """The rows of a ``values_list`` queryset straight from a chunked database cursor (a
    server-side cursor on PostgreSQL, as ``.iterator()`` uses), without Django's per-value
    converters: at national scale they cost more than the rest of the publication. Select
    dates and datetimes through IsoDate and IsoDatetime (below), which make the database
    write their text; raw, they arrive as objects (SQLite's registered converters, psycopg).
    JSON fields arrive as text."""
    sql, params = queryset.query.sql_with_params()
    connection = connections[queryset.db]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


class IsoDatetime(Func):
    """A datetime column as ISO 8601 text in UTC ("…Z", to the second), made by the database:
    no Python object per value (same text as ``iso_datetime``)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]": cut and pasted, which costs
        # less than strftime() parsing every value.
        template = (
            "(substr(%(expressions)s, 1, 10) || 'T' || substr(%(expressions)s, 12, 8) || 'Z')"
        )
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        return self.as_sql(compiler, connection, template=template, **extra)


class IsoDate(Func):
    """A date column as ISO 8601 text (YYYY-MM-DD), made by the database."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Already stored as ISO text: the cast only drops the declared type (and its converter).
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "to_char(%(expressions)s, 'YYYY-MM-DD')"
        return self.as_sql(compiler, connection, template=template, **extra)


def _url_sql(view_name: str, key: str = "pk") -> Concat:
    """The public URL of each record, concatenated by the database."""
    marker = 987654321
    prefix, suffix = (settings.PUBLIC_BASE_URL + reverse(view_name, args=[marker])).split(
        str(marker)
    )
    return Concat(Value(prefix), Cast(key, CharField()), Value(suffix), output_field=CharField())


def _nullif_blank(name: str) -> NullIf:
    return NullIf(F(name), Value(""), output_field=TextField())


def iso_datetime(value: Any) -> str | None:
    """A stored datetime as ISO 8601 in UTC ("…Z"); naive values are UTC (USE_TZ storage)."""
    if value is None or (isinstance(value, str) and not value):
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return value if isinstance(value, list) else []


def _codes_by_owner(
    manager: Any, owner: str, code: str, owner_ids: list[int]
) -> dict[int, list[str]]:
    """Codes of a many-to-many relation for a chunk of owners, in one query."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = (
        manager.through.objects.filter(**{f"{owner}__in": owner_ids})
        .values_list(owner, code)
        .order_by(owner, code)
    )
    for owner_id, value in rows:
        found[owner_id].append(value)
    return found


def _url_maker(view_name: str) -> Callable[[Any], str]:
    """An absolute public URL per primary key without one reverse() per row."""
    marker = 987654321
    prefix, suffix = (settings.PUBLIC_BASE_URL + reverse(view_name, args=[marker])).split(
        str(marker)
    )
    return lambda key: f"{prefix}{key}{suffix}"


def _known(values: Any, allowed: Iterable[Any]) -> list[Any]:
    """Only the codes of a list field that are part of the contract (as the API does)."""
    accepted = set(allowed)
    return [value for value in values if value in accepted] if isinstance(values, list) else []


def _blank(value: str | None) -> str | None:
    return value or None


CODE_REGION = r"^[0-9]{2}$"
CODE_DEPARTMENT = r"^([0-9]{2}|2A|2B|97[1-6])$"


def _url(name: str, description: Any, required: bool = False) -> Field:
    return Field(name, "string", description, required=required, format="uri")


# --- Organisations ----------------------------------------------------------------------------

ORGANISATION_FIELDS = (
    Field("id", "integer", _("Identifiant de la structure sur la plateforme."), required=True),
    Field("nom", "string", _("Nom de la structure."), required=True),
    Field("sigle", "string", _("Sigle.")),
    Field("siren", "string", _("Numéro SIREN (9 chiffres)."), pattern=r"^[0-9]{9}$"),
    Field("siret_siege", "string", _("SIRET du siège (14 chiffres)."), pattern=r"^[0-9]{14}$"),
    Field("rna", "string", _("Numéro RNA de l’association."), pattern=r"^W[0-9A-Z]{9}$"),
    Field("types", "array", _("Types d’acteur (liste JSON de codes).")),
    Field(
        "famille_ess",
        "string",
        _("Famille de l’économie sociale et solidaire."),
        required=True,
        enum=tuple(EssFamily.values),
    ),
    Field("indicateur_ess", "string", _("Indicateur ESS officiel de SIRENE."), enum=("O", "N")),
    Field("categorie_juridique", "string", _("Code INSEE de la catégorie juridique.")),
    Field("categorie_juridique_libelle", "string", _("Libellé de la catégorie juridique.")),
    Field("date_creation", "date", _("Date de création (SIRENE).")),
    Field("date_creation_rna", "date", _("Date de création de l’association (RNA).")),
    Field("tranche_effectifs", "string", _("Tranche d’effectifs (code INSEE).")),
    Field("code_commune", "string", _("Code INSEE de la commune du siège.")),
    Field("commune", "string", _("Commune du siège.")),
    Field("code_postal", "string", _("Code postal du siège.")),
    Field(
        "departement", "string", _("Code INSEE du département du siège."), pattern=CODE_DEPARTMENT
    ),
    Field("region", "string", _("Code INSEE de la région du siège."), pattern=CODE_REGION),
    Field("latitude", "number", _("Latitude du siège (WGS 84, degrés décimaux), selon SIRENE.")),
    Field("longitude", "number", _("Longitude du siège (WGS 84, degrés décimaux), selon SIRENE.")),
    _url("site_web", _("Site web.")),
    Field("presentation", "string", _("Présentation de la structure.")),
    Field(
        "membre_communaute",
        "boolean",
        _("A signé la charte de la communauté French IMPACT."),
        required=True,
    ),
    Field("cessee", "boolean", _("Structure cessée selon le registre."), required=True),
    Field("source", "string", _("Origine de la fiche."), required=True, enum=tuple(Source.values)),
    Field("date_publication", "datetime", _("Date de publication de la fiche (UTC).")),
    Field(
        "date_modification", "datetime", _("Date de dernière modification (UTC)."), required=True
    ),
    _url("url", _("Fiche publique de la structure."), required=True),
)


def organisation_rows(chunk_size: int) -> Iterator[Row]:
    """One query with its joins; text, dates and URLs are formatted by the database, so that
    Python only filters the actor types (few distinct lists, each decoded once)."""
    kinds = set(OrganisationKind.values)
    rows = (
        Organisation.objects.published()
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            _nullif_blank("acronym"),
            "siren",
            _nullif_blank("siret"),
            "rna",
            "kinds",
            "ess_family",
            _nullif_blank("ess_flag"),
            _nullif_blank("legal_form_code"),
            _nullif_blank("legal_form_label"),
            IsoDate("creation_date"),
            IsoDate("rna_creation_date"),
            _nullif_blank("size_band"),
            _nullif_blank("commune_code"),
            _nullif_blank("commune_name"),
            _nullif_blank("postal_code"),
            "department__code",
            "region__code",
            "latitude",
            "longitude",
            _nullif_blank("website"),
            _nullif_blank("description"),
            ExpressionWrapper(Q(charter_accepted_at__isnull=False), output_field=BooleanField()),
            "ceased",
            "source",
            IsoDatetime("published_at"),
            IsoDatetime("updated_at"),
            _url_sql("directory:organisation"),
        )
    )
    types_of: dict[Any, tuple[str, ...]] = {}
    for row in _stream(rows, chunk_size):
        raw = row[6]
        # The database gives JSON text (a list with some drivers): key the cache on text.
        key = raw if isinstance(raw, str) else json.dumps(raw)
        types = types_of.get(key)
        if types is None:
            types = types_of[key] = tuple(k for k in _json_list(raw) if k in kinds)
        yield (*row[:6], types, *row[7:])


# --- Projects ---------------------------------------------------------------------------------

PROJECT_FIELDS = (
    Field("id", "integer", _("Identifiant du projet."), required=True),
    Field("titre", "string", _("Titre du projet."), required=True),
    Field("resume", "string", _("Résumé."), required=True),
    Field("description", "string", _("Description.")),
    Field("defis", "array", _("Défis de société (liste JSON de codes).")),
    Field("odd", "array", _("Objectifs de développement durable (liste JSON de numéros 1 à 17).")),
    Field("stade", "string", _("Stade du projet."), required=True, enum=tuple(Stage.values)),
    Field("nationale", "boolean", _("Action menée à l’échelle nationale."), required=True),
    Field("regions", "array", _("Codes INSEE des régions d’action (liste JSON).")),
    Field("departements", "array", _("Codes INSEE des départements d’action (liste JSON).")),
    Field("annee_lancement", "integer", _("Année de lancement.")),
    Field("budget_annuel", "string", _("Tranche de budget annuel."), enum=tuple(BudgetBand.values)),
    Field("taille_equipe", "integer", _("Taille de l’équipe.")),
    Field("beneficiaires_nombre", "integer", _("Nombre de bénéficiaires touchés.")),
    Field("beneficiaires_unite", "string", _("Unité des bénéficiaires (personnes, familles…).")),
    Field("besoins", "array", _("Besoins exprimés (liste JSON de codes).")),
    Field("liens", "array", _("Liens publics http(s) (liste JSON d’adresses).")),
    Field("structure_id", "integer", _("Identifiant de la structure porteuse."), required=True),
    Field("structure_nom", "string", _("Nom de la structure porteuse."), required=True),
    Field("date_publication", "datetime", _("Date de publication (UTC).")),
    Field(
        "date_modification", "datetime", _("Date de dernière modification (UTC)."), required=True
    ),
    _url("url", _("Fiche publique du projet."), required=True),
)


def project_rows(chunk_size: int) -> Iterator[Row]:
    from frenchimpact.directory.views import safe_links

    url = _url_maker("directory:project")
    rows = (
        Project.objects.published()
        .order_by("pk")
        .values_list(
            "pk",
            "title",
            "summary",
            "description",
            "challenges",
            "sdgs",
            "stage",
            "is_national",
            "start_year",
            "budget_band",
            "team_size",
            "beneficiaries_count",
            "beneficiaries_unit",
            "needs",
            "links",
            "organisation_id",
            "organisation__name",
            "published_at",
            "updated_at",
        )
    )
    for batch in _batched(rows.iterator(chunk_size=chunk_size), chunk_size):
        ids = [row[0] for row in batch]
        regions = _codes_by_owner(Project.regions, "project_id", "region__code", ids)
        departments = _codes_by_owner(Project.departments, "project_id", "department__code", ids)
        for row in batch:
            pk = row[0]
            yield (
                pk,
                row[1],
                row[2],
                row[3] or None,
                _known(row[4], Challenge.values),
                _known(row[5], Sdg.values),
                row[6],
                row[7],
                regions.get(pk, []),
                departments.get(pk, []),
                row[8],
                row[9] or None,
                row[10],
                row[11],
                row[12] or None,
                _known(row[13], Need.values),
                [link["url"] for link in safe_links(row[14])],
                row[15],
                row[16],
                row[17],
                row[18],
                url(pk),
            )


# --- Service offers ---------------------------------------------------------------------------

OFFER_FIELDS = (
    Field("id", "integer", _("Identifiant de l’offre."), required=True),
    Field("nom", "string", _("Nom de l’offre."), required=True),
    Field("description", "string", _("Description."), required=True),
    Field("type", "string", _("Type d’offre."), required=True, enum=tuple(OfferType.values)),
    Field("stades", "array", _("Stades de projet accompagnés (liste JSON de codes).")),
    Field("defis", "array", _("Défis de société (liste JSON de codes).")),
    Field("publics", "array", _("Publics visés (liste JSON de codes).")),
    Field("zone_france", "boolean", _("Ouverte dans toute la France."), required=True),
    Field("zone_regions", "array", _("Codes INSEE des régions de la zone (liste JSON).")),
    Field("zone_departements", "array", _("Codes INSEE des départements (liste JSON).")),
    Field("zone_communes", "array", _("Codes INSEE des communes (liste JSON).")),
    Field("gratuit", "boolean", _("Offre gratuite."), required=True),
    Field("conditions_tarifaires", "string", _("Conditions tarifaires.")),
    Field("presentiel", "boolean", _("En présentiel."), required=True),
    Field("a_distance", "boolean", _("À distance."), required=True),
    Field("capacite", "integer", _("Capacité (places).")),
    Field("fil_de_l_eau", "boolean", _("Entrées au fil de l’eau."), required=True),
    Field("promotion_debut", "date", _("Début de la prochaine promotion.")),
    Field("promotion_fin", "date", _("Fin des candidatures de la prochaine promotion.")),
    Field("candidature_mode", "string", _("Comment candidater."), required=True),
    _url("candidature_lien", _("Lien pour candidater.")),
    Field(
        "statut",
        "string",
        _("Statut le jour de la publication : actif ou suspendu."),
        required=True,
        enum=(OfferStatus.ACTIVE.value, OfferStatus.SUSPENDED.value),
    ),
    Field("suspendue_jusqu_au", "date", _("Fin de la suspension en cours.")),
    Field("structure_id", "integer", _("Identifiant de la structure."), required=True),
    Field("structure_nom", "string", _("Nom de la structure."), required=True),
    Field(
        "date_modification", "datetime", _("Date de dernière modification (UTC)."), required=True
    ),
    _url("url", _("Page publique de l’offre."), required=True),
)


def offer_rows(chunk_size: int) -> Iterator[Row]:
    url = _url_maker("support:offer")
    today = timezone.localdate()
    rows = (
        Offer.objects.public()
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "description",
            "offer_type",
            "stages",
            "challenges",
            "publics",
            "zone_france",
            "zone_communes",
            "is_free",
            "price_details",
            "on_site",
            "remote",
            "capacity",
            "rolling",
            "next_cohort_start",
            "next_cohort_end",
            "apply_mode",
            "apply_url",
            "status",
            "suspended_until",
            "provider_id",
            "provider__name",
            "updated_at",
        )
    )
    for batch in _batched(rows.iterator(chunk_size=chunk_size), chunk_size):
        ids = [row[0] for row in batch]
        regions = _codes_by_owner(Offer.zone_regions, "offer_id", "region__code", ids)
        departments = _codes_by_owner(Offer.zone_departments, "offer_id", "department__code", ids)
        for row in batch:
            pk = row[0]
            # Same rule as the API: a suspension past its date is over.
            suspended = (
                row[19] == OfferStatus.SUSPENDED and row[20] is not None and row[20] >= today
            )
            communes = row[8] if isinstance(row[8], list) else []
            yield (
                pk,
                row[1],
                row[2],
                row[3],
                _known(row[4], Stage.values),
                _known(row[5], Challenge.values),
                _known(row[6], Public.values),
                row[7],
                regions.get(pk, []),
                departments.get(pk, []),
                [str(code) for code in communes],
                row[9],
                row[10] or None,
                row[11],
                row[12],
                row[13],
                row[14],
                row[15],
                row[16],
                row[17],
                row[18] or None,
                OfferStatus.SUSPENDED.value if suspended else OfferStatus.ACTIVE.value,
                row[20] if suspended else None,
                row[21],
                row[22],
                row[23],
                url(pk),
            )


# --- Labels (the public register) -------------------------------------------------------------

LABEL_FIELDS = (
    Field("numero", "string", _("Numéro du label."), required=True),
    Field("type", "string", _("Type de label."), required=True, enum=tuple(LabelKind.values)),
    Field("titulaire_id", "integer", _("Identifiant de la structure titulaire."), required=True),
    Field("titulaire_nom", "string", _("Nom du titulaire."), required=True),
    Field("typologie", "string", _("Typologie de la structure d’accompagnement.")),
    Field("territoire_niveau", "string", _("Niveau du territoire labellisé.")),
    Field("territoire_code", "string", _("Code INSEE (COG) du territoire labellisé.")),
    Field("territoire_nom", "string", _("Nom du territoire labellisé.")),
    Field("territoire_pilote", "boolean", _("Territoire pilote."), required=True),
    Field("region", "string", _("Code INSEE de la région du label."), pattern=CODE_REGION),
    Field("valide_du", "date", _("Premier jour de validité."), required=True),
    Field("valide_jusqu_au", "date", _("Dernier jour de validité, inclus."), required=True),
    Field(
        "statut",
        "string",
        _("Statut le jour de la publication."),
        required=True,
        enum=("valide", "a_venir", "expire", "suspendu", "revoque"),
    ),
    _url("url_verification", _("Page publique et stable de vérification du label."), True),
)


# "statut" is the annotation of labels_for_register (the status of the day).
LABEL_COLUMNS = (
    "number",
    "kind",
    "holder_id",
    "holder__name",
    "typology",
    "territory_level",
    "territory_code",
    "territory_name",
    "is_pilot_territory",
    "region__code",
    "valid_from",
    "valid_until",
    "statut",
    "verification_token",
)


def label_rows(chunk_size: int) -> Iterator[Row]:
    prefix = settings.PUBLIC_BASE_URL
    marker = "00000000-0000-0000-0000-000000000000"
    verify = prefix + reverse("label_register:verify", args=[marker])
    before, after = verify.split(marker)
    rows = labels_for_register(timezone.localdate()).order_by("number").values_list(*LABEL_COLUMNS)
    for row in rows.iterator(chunk_size=chunk_size):
        yield (
            row[0],
            row[1],
            row[2],
            row[3],
            row[4] or None,
            row[5] or None,
            row[6] or None,
            row[7] or None,
            row[8],
            row[9],
            row[10],
            row[11] - dt.timedelta(days=1),  # validity is [from, until): people read the last day
            row[12],
            f"{before}{row[13]}{after}",
        )


# --- Results of calls for projects (published laureates) -------------------------------------

LAUREATE_FIELDS = (
    Field("appel_id", "integer", _("Identifiant de l’appel à projets."), required=True),
    Field("appel_titre", "string", _("Titre de l’appel."), required=True),
    Field("date_resultats", "datetime", _("Date de publication des résultats (UTC)."), True),
    Field("structure_id", "integer", _("Identifiant de la structure lauréate."), required=True),
    Field("structure_nom", "string", _("Nom de la structure lauréate."), required=True),
    Field("siren", "string", _("SIREN de la structure."), pattern=r"^[0-9]{9}$"),
    Field("code_region", "string", _("Code INSEE de la région du siège."), pattern=CODE_REGION),
    Field("region", "string", _("Nom de la région du siège.")),
    Field("projets", "array", _("Titres des projets de la candidature lauréate (liste JSON).")),
    _url("url_structure", _("Fiche publique de la structure (vide si non publiée).")),
    _url("url_appel", _("Page publique de l’appel."), required=True),
)


def laureate_rows(chunk_size: int) -> Iterator[Row]:
    structure_url = _url_maker("directory:organisation")
    calls = Call.objects.filter(results_published_at__isnull=False).order_by("pk")
    for call in calls.iterator(chunk_size=chunk_size):
        call_url = settings.PUBLIC_BASE_URL + reverse("calls:call_detail", args=[call.slug])
        # The selector is the single rule of what is public (published, not embargoed).
        laureates = call_selectors.laureates(call).order_by("pk")
        for application in laureates.iterator(chunk_size=chunk_size):
            organisation = application.organisation
            published = organisation.status == ModerationStatus.PUBLISHED
            region = organisation.region
            projects = sorted(application.projects.all(), key=lambda p: (p.title, p.pk))
            yield (
                call.pk,
                call.title,
                call.results_published_at,
                organisation.pk,
                organisation.name,
                organisation.siren,
                region.code if region else None,
                region.nom if region else None,
                [project.title for project in projects],
                structure_url(organisation.pk) if published else None,
                call_url,
            )


# --- Territories ------------------------------------------------------------------------------

TERRITORY_FIELDS = (
    Field(
        "niveau",
        "string",
        _("Niveau : region ou departement."),
        True,
        enum=("region", "departement"),
    ),
    Field("code", "string", _("Code INSEE (COG)."), required=True),
    Field("nom", "string", _("Nom."), required=True),
    Field(
        "code_region", "string", _("Code INSEE de la région (départements)."), pattern=CODE_REGION
    ),
)


def territory_rows(chunk_size: int) -> Iterator[Row]:
    for code, nom in (
        Region.objects.order_by("code").values_list("code", "nom").iterator(chunk_size=chunk_size)
    ):
        yield ("region", code, nom, None)
    departments = Department.objects.order_by("code").values_list("code", "nom", "region__code")
    for code, nom, region in departments.iterator(chunk_size=chunk_size):
        yield ("departement", code, nom, region)


# --- Registry ---------------------------------------------------------------------------------

DATASETS: dict[str, Dataset] = {
    dataset.slug: dataset
    for dataset in (
        Dataset(
            "organisations",
            _("Structures de l’innovation sociale"),
            _(
                "Les structures publiées sur la plateforme (associations, coopératives, "
                "fondations, mutuelles, entreprises sociales, structures d’accompagnement…), "
                "avec leurs identifiants SIREN et RNA, leur famille de l’ESS et leur territoire."
            ),
            ORGANISATION_FIELDS,
            organisation_rows,
            position=("longitude", "latitude"),
        ),
        Dataset(
            "projets",
            _("Projets d’innovation sociale"),
            _(
                "Les projets publiés des structures publiées : défis, objectifs de "
                "développement durable, stade, territoires d’action, bénéficiaires et besoins."
            ),
            PROJECT_FIELDS,
            project_rows,
        ),
        Dataset(
            "offres",
            _("Offres d’accompagnement"),
            _(
                "Les offres de services publiques des structures d’accompagnement (hors offres "
                "archivées) : type, publics, zone d’éligibilité, tarifs et modalités."
            ),
            OFFER_FIELDS,
            offer_rows,
        ),
        Dataset(
            "labels",
            _("Registre des labels French IMPACT"),
            _(
                "Tous les labels accordés aux structures d’accompagnement et aux territoires, "
                "avec leur validité et leur statut le jour de la publication."
            ),
            LABEL_FIELDS,
            label_rows,
            primary_key=("numero",),
        ),
        Dataset(
            "laureats",
            _("Résultats des appels à projets"),
            _(
                "Les lauréats des appels à projets French IMPACT dont les résultats sont "
                "publiés, avec les projets retenus."
            ),
            LAUREATE_FIELDS,
            laureate_rows,
            primary_key=(),
        ),
        Dataset(
            "territoires",
            _("Régions et départements"),
            _(
                "Les régions et les départements du Code officiel géographique de l’INSEE "
                "utilisés par la plateforme."
            ),
            TERRITORY_FIELDS,
            territory_rows,
            primary_key=("niveau", "code"),
        ),
    )
}
