"""Public API of the directory: /api/v1/organisations/ and /api/v1/projets/.

The same search as the directory pages (``selectors.search``): words, facet filters,
disjunctive facet counts, relevance order, page-number pagination (SearchPagination). Filters
taking several values use comma-separated lists (``region=53,11``): a repeated parameter is a
400, as everywhere in the API.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.core.validators import RegexValidator
from django.db.models import Model, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from frenchimpact.api.errors import ParameterError
from frenchimpact.api.pagination import SearchPagination, single_value
from frenchimpact.api.sync import (
    SynchronisationViewSet,
    greatest_updated_at,
    sync_item_serializer,
    sync_response,
)
from frenchimpact.api.views import ReadOnlyViewSet, SearchTextField
from frenchimpact.organisations.enums import EssFamily, ModerationStatus, OrganisationKind, Source
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Sdg, Stage
from frenchimpact.projects.models import Project
from frenchimpact.search import engine
from frenchimpact.search.documents import ORGANISATION, PROJECT
from frenchimpact.territories.models import Department

from . import selectors
from .views import MAX_QUERY_LENGTH, safe_links

ID_PATTERN = "^[0-9]+$"

# --- Filters --------------------------------------------------------------------------------


class ValueListField(serializers.CharField):
    """A comma-separated list of accepted values (``53,11``); the value is the list."""

    def __init__(self, *, choices: Sequence[str], **kwargs: Any) -> None:
        self.accepted = list(choices)
        alternatives = "|".join(re.escape(value) for value in self.accepted)
        pattern = rf"^(?:{alternatives})(?:,(?:{alternatives}))*$"
        super().__init__(**kwargs)
        # Documents the pattern in the schema; to_internal_value checks first, with a
        # message naming the accepted values.
        self.validators.append(RegexValidator(pattern))

    def to_internal_value(self, data: Any) -> Any:
        text = super().to_internal_value(data)
        accepted = set(self.accepted)
        for value in text.split(","):
            if value not in accepted:
                raise serializers.ValidationError(
                    _(
                        "« %(value)s » n’est pas une valeur acceptée. Valeurs acceptées : %(values)s."
                    )
                    % {"value": value, "values": ", ".join(self.accepted)}
                )
        return text

    @staticmethod
    def values(text: str) -> list[str]:
        return list(dict.fromkeys(text.split(",")))


def _filters_serializer(kind: str) -> type[serializers.Serializer]:
    fields: dict[str, serializers.Field] = {
        "q": SearchTextField(
            required=False,
            max_length=MAX_QUERY_LENGTH,
            trim_whitespace=False,  # "q= " searches nothing rather than answering 400
            help_text=gettext_lazy(
                "Mots recherchés : tous doivent figurer (sans tenir compte des accents ni des "
                "majuscules), le dernier peut être un début de mot. Les résultats sont alors "
                "classés par pertinence."
            ),
        ),
        "tri": serializers.ChoiceField(
            choices=list(engine.SORTS),
            required=False,
            help_text=gettext_lazy(
                "Ordre : « pertinence » (par défaut avec q), « recent » (dernières publiées "
                "d’abord, par défaut sans q) ou « nom »."
            ),
        ),
    }
    for name, facet in selectors.facets_of(kind).items():
        listed = ", ".join(f"{value} ({label})" for value, label in facet.choices)
        fields[name] = ValueListField(
            choices=facet.values,
            required=False,
            help_text=gettext_lazy(
                "Filtre « %(facet)s » : une ou plusieurs valeurs séparées par "
                "des virgules (ou). Valeurs : %(values)s."
            )
            % {"facet": facet.label, "values": listed},
        )
    name = "FiltresOrganisations" if kind == ORGANISATION else "FiltresProjets"
    return type(name, (serializers.Serializer,), fields)


OrganisationFilters = _filters_serializer(ORGANISATION)
ProjectFilters = _filters_serializer(PROJECT)


# --- Representations ------------------------------------------------------------------------


class FormeJuridiqueSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("Code INSEE de la catégorie juridique."))
    libelle = serializers.CharField(help_text=gettext_lazy("Libellé, s’il est connu."))


class StructureRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Identifiant de la structure."))
    nom = serializers.CharField(source="name", help_text=gettext_lazy("Nom de la structure."))


class TerritoiresSerializer(serializers.Serializer):
    regions = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Codes INSEE des régions.")
    )
    departements = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Codes INSEE des départements.")
    )


class BeneficiairesSerializer(serializers.Serializer):
    nombre = serializers.IntegerField(allow_null=True)
    unite = serializers.CharField(help_text=gettext_lazy("Unité (personnes, familles…)."))


class PositionSerializer(serializers.Serializer):
    latitude = serializers.FloatField(help_text=gettext_lazy("Latitude (WGS 84)."))
    longitude = serializers.FloatField(help_text=gettext_lazy("Longitude (WGS 84)."))


class LienSerializer(serializers.Serializer):
    url = serializers.URLField()
    titre = serializers.CharField()


def _blank_to_none(value: str | None) -> str | None:
    return value or None


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Identifiant de la structure."))
    nom = serializers.CharField(source="name")
    sigle = serializers.SerializerMethodField()
    siren = serializers.CharField(allow_null=True, help_text=gettext_lazy("SIREN (9 chiffres)."))
    types = serializers.SerializerMethodField()
    famille_ess = serializers.ChoiceField(
        source="ess_family", choices=EssFamily.choices, help_text=gettext_lazy("Famille de l’ESS.")
    )
    forme_juridique = serializers.SerializerMethodField()
    date_creation = serializers.DateField(source="creation_date", allow_null=True)
    commune = serializers.SerializerMethodField()
    code_postal = serializers.SerializerMethodField()
    departement = serializers.SerializerMethodField(
        help_text=gettext_lazy("Code INSEE du département du siège.")
    )
    region = serializers.SerializerMethodField(
        help_text=gettext_lazy("Code INSEE de la région du siège.")
    )
    site_web = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Position du siège (WGS 84) publiée par le répertoire SIRENE, si elle est connue."
        )
    )
    presentation = serializers.CharField(source="description")
    membre_communaute = serializers.BooleanField(
        source="is_community_member",
        help_text=gettext_lazy("A signé la charte de la communauté French IMPACT."),
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field named "source"
        choices=Source.choices, help_text=gettext_lazy("Origine de la fiche.")
    )
    url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_sigle(self, obj: Organisation) -> str | None:
        return _blank_to_none(obj.acronym)

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=OrganisationKind.choices))
    )
    def get_types(self, obj: Organisation) -> list[str]:
        return [kind for kind in obj.kinds if kind in OrganisationKind.values]

    @extend_schema_field(FormeJuridiqueSerializer(allow_null=True))
    def get_forme_juridique(self, obj: Organisation) -> dict[str, str] | None:
        if not obj.legal_form_code:
            return None
        return {"code": obj.legal_form_code, "libelle": obj.legal_form_label}

    @extend_schema_field({"type": "string", "nullable": True})
    def get_commune(self, obj: Organisation) -> str | None:
        return _blank_to_none(obj.commune_name)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_code_postal(self, obj: Organisation) -> str | None:
        return _blank_to_none(obj.postal_code)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_departement(self, obj: Organisation) -> str | None:
        return obj.department.code if obj.department else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_region(self, obj: Organisation) -> str | None:
        return obj.region.code if obj.region else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_site_web(self, obj: Organisation) -> str | None:
        return _blank_to_none(obj.website)

    @extend_schema_field(PositionSerializer(allow_null=True))
    def get_position(self, obj: Organisation) -> dict[str, float] | None:
        if obj.latitude is None or obj.longitude is None:
            return None
        return {"latitude": obj.latitude, "longitude": obj.longitude}

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, obj: Organisation) -> str:
        return _absolute(self.context, reverse("directory:organisation", args=[obj.pk]))


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class ProjetSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Identifiant du projet."))
    titre = serializers.CharField(source="title")
    resume = serializers.CharField(source="summary")
    description = serializers.CharField()
    defis = serializers.SerializerMethodField()
    odd = serializers.SerializerMethodField()
    stade = serializers.ChoiceField(source="stage", choices=Stage.choices)
    territoires = serializers.SerializerMethodField()
    nationale = serializers.BooleanField(
        source="is_national", help_text=gettext_lazy("Action menée à l’échelle nationale.")
    )
    annee_lancement = serializers.IntegerField(source="start_year", allow_null=True)
    budget_annuel = serializers.SerializerMethodField()
    taille_equipe = serializers.IntegerField(source="team_size", allow_null=True)
    beneficiaires = serializers.SerializerMethodField()
    besoins = serializers.SerializerMethodField()
    liens = serializers.SerializerMethodField()
    structure = StructureRefSerializer(source="organisation")
    url = serializers.SerializerMethodField()
    date_publication = serializers.DateTimeField(source="published_at", allow_null=True)

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Challenge.choices))
    )
    def get_defis(self, obj: Project) -> list[str]:
        return [code for code in obj.challenges if code in Challenge.values]

    @extend_schema_field(
        serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=17))
    )
    def get_odd(self, obj: Project) -> list[int]:
        return [number for number in obj.sdgs if number in Sdg.values]

    @extend_schema_field(TerritoiresSerializer)
    def get_territoires(self, obj: Project) -> dict[str, list[str]]:
        return {
            "regions": sorted(region.code for region in obj.regions.all()),
            "departements": sorted(department.code for department in obj.departments.all()),
        }

    @extend_schema_field(serializers.ChoiceField(choices=BudgetBand.choices, allow_null=True))
    def get_budget_annuel(self, obj: Project) -> str | None:
        return obj.budget_band or None

    @extend_schema_field(BeneficiairesSerializer(allow_null=True))
    def get_beneficiaires(self, obj: Project) -> dict[str, Any] | None:
        if obj.beneficiaries_count is None and not obj.beneficiaries_unit:
            return None
        return {"nombre": obj.beneficiaries_count, "unite": obj.beneficiaries_unit}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Need.choices)))
    def get_besoins(self, obj: Project) -> list[str]:
        return [code for code in obj.needs if code in Need.values]

    @extend_schema_field(LienSerializer(many=True))
    def get_liens(self, obj: Project) -> list[dict[str, str]]:
        return safe_links(obj.links)

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, obj: Project) -> str:
        return _absolute(self.context, reverse("directory:project", args=[obj.pk]))


# --- Pagination with facets -----------------------------------------------------------------


class FacetedPagination(SearchPagination):
    kind = ""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        facets = selectors.facets_of(self.kind)
        response["properties"]["facets"] = {
            "type": "object",
            "description": _(
                "Nombre de résultats par valeur de chaque filtre (valeurs non nulles "
                "seulement), chaque filtre compté avec tous les autres filtres sauf lui-même."
            ),
            "properties": {
                name: {
                    "type": "object",
                    "description": str(facet.label),
                    "properties": {
                        value: {"type": "integer", "minimum": 1, "description": str(label)}
                        for value, label in facet.choices
                    },
                    "additionalProperties": False,
                }
                for name, facet in facets.items()
            },
            "required": list(facets),
            "additionalProperties": False,
        }
        response["required"] = ["count", "results", "facets"]
        return response


class OrganisationPagination(FacetedPagination):
    kind = ORGANISATION


class ProjetPagination(FacetedPagination):
    kind = PROJECT


# --- Views ----------------------------------------------------------------------------------


class SearchViewSet(ReadOnlyViewSet):
    """A list answered by the search engine (count, ranking, facets), then one page fetched."""

    kind = ""
    lookup_value_regex = "[0-9]+"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        filters = self.get_filters()
        paginator: SearchPagination = self.paginator  # type: ignore[assignment]
        paginator.check_parameters(request)
        page_size = paginator.get_page_size(request)
        page_number = int(single_value(request, paginator.page_query_param) or 1)
        q = filters.pop("q", "")
        sort = filters.pop("tri", None)
        result = selectors.search(
            self.kind,
            q=q,
            filters={name: ValueListField.values(text) for name, text in filters.items()},
            sort=sort,
            offset=(page_number - 1) * page_size,
            limit=page_size,
            fetch=False,
        )
        # Validators: the scope (entries matching q, whatever the filters) holds every entry
        # the page, the count and the facet counts read; both counts go into the ETag.
        not_modified, headers = self._conditional(
            *self._validators(result.last_modified, result.scope_total * 10**12 + result.total)
        )
        if not_modified is not None:
            return not_modified
        if page_number > 1 and not result.ids:
            raise ParameterError(
                paginator.page_query_param,
                _("La page %(page)d n’existe pas.") % {"page": page_number},
                status_code=404,
            )
        objects = selectors.fetch_in_order(self.get_queryset(), result.ids)
        url = request.build_absolute_uri()
        last_page = max(1, -(-result.total // page_size))
        data = {
            "count": result.total,
            "next": replace_query_param(url, paginator.page_query_param, page_number + 1)
            if page_number < last_page and page_number < paginator.max_page
            else None,
            "previous": (
                remove_query_param(url, paginator.page_query_param)
                if page_number == 2
                else replace_query_param(url, paginator.page_query_param, page_number - 1)
            )
            if page_number > 1
            else None,
            "results": self.get_serializer(objects, many=True).data,
            "facets": result.facets,
        }
        return Response(data, headers=headers)


def _id_parameter(description: Any) -> OpenApiParameter:
    return OpenApiParameter(
        "id", int, OpenApiParameter.PATH, description=description, pattern=ID_PATTERN
    )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Recherche dans les structures publiées"),
        description=gettext_lazy(
            "Les mêmes recherche et filtres que l’annuaire : mots (q), filtres par valeurs "
            "séparées par des virgules, comptes par valeur de chaque filtre (facets), "
            "pagination par numéro de page, tri par pertinence quand q est donné."
        ),
        tags=["annuaire"],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Une structure publiée"),
        parameters=[_id_parameter(gettext_lazy("Identifiant de la structure."))],
        tags=["annuaire"],
    ),
)
class OrganisationViewSet(SearchViewSet):
    kind = ORGANISATION
    serializer_class = OrganisationSerializer
    pagination_class = OrganisationPagination  # type: ignore[assignment]  # page numbers
    filter_serializer_class = OrganisationFilters
    lookup_field = "pk"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.organisations_for_display()


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Recherche dans les projets publiés"),
        description=gettext_lazy(
            "Les mêmes recherche et filtres que l’annuaire. Territoires : un projet est compté "
            "dans les régions et départements où il agit ; « nationale » pour les actions "
            "nationales ; à défaut, la région et le département de sa structure."
        ),
        tags=["annuaire"],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Un projet publié"),
        parameters=[_id_parameter(gettext_lazy("Identifiant du projet."))],
        tags=["annuaire"],
    ),
)
class ProjetViewSet(SearchViewSet):
    kind = PROJECT
    serializer_class = ProjetSerializer
    pagination_class = ProjetPagination  # type: ignore[assignment]  # page numbers
    filter_serializer_class = ProjectFilters
    lookup_field = "pk"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[Project]:
        return selectors.projects_for_display(with_territories=True)

    def object_validators(self, obj: Model) -> tuple[str, int | None]:
        # The representation shows the organisation's name: its changes count too.
        project: Project = obj  # type: ignore[assignment]
        last = max(project.updated_at, project.organisation.updated_at)
        return self._validators(last, 1)


# --- Synchronisation listings ---------------------------------------------------------------

_SYNC_DESCRIPTION = gettext_lazy(
    "Liste complète pour les réutilisateurs qui synchronisent une copie : {what}, par "
    "identifiant croissant (pagination par curseur, même coût à toute profondeur), chacun dans "
    "la représentation du point d’accès de détail. Sans modifie_depuis : l’ensemble public "
    "(chargement initial). Avec modifie_depuis : ce qui a changé depuis, et les retraits "
    "({{id, retire: true, modifie_le}}) des enregistrements qui étaient publics et ne le sont "
    "plus. Gardez l’en-tête Prochain-Modifie-Depuis de la première page pour la prochaine "
    "synchronisation."
)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Synchronisation des structures"),
        description=format_lazy(
            _SYNC_DESCRIPTION,
            what=gettext_lazy(
                "les structures publiées (une structure dépubliée, refusée après publication "
                "ou retirée par un import SIRENE/RNA devient un retrait)"
            ),
        ),
        responses=sync_response(OrganisationSerializer, "SynchronisationStructure"),
        tags=["synchronisation"],
    )
)
class OrganisationSyncViewSet(SynchronisationViewSet):
    serializer_class = sync_item_serializer(OrganisationSerializer)

    def base_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.select_related("department", "region")

    def public(self) -> Q:
        return Q(status=ModerationStatus.PUBLISHED)

    def ever_public(self) -> Q:
        return Q(published_at__isnull=False)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Synchronisation des projets"),
        description=format_lazy(
            _SYNC_DESCRIPTION,
            what=gettext_lazy(
                "les projets publiés des structures publiées (un projet dépublié, ou dont la "
                "structure est dépubliée, devient un retrait ; un changement de la structure "
                "compte comme un changement du projet)"
            ),
        ),
        responses=sync_response(ProjetSerializer, "SynchronisationProjet"),
        tags=["synchronisation"],
    )
)
class ProjetSyncViewSet(SynchronisationViewSet):
    serializer_class = sync_item_serializer(ProjetSerializer)

    def base_queryset(self) -> QuerySet[Project]:
        return Project.objects.select_related("organisation").prefetch_related(
            "regions", Prefetch("departments", queryset=Department.objects.order_by("code"))
        )

    def public(self) -> Q:
        return Q(status=ModerationStatus.PUBLISHED, organisation__status=ModerationStatus.PUBLISHED)

    def ever_public(self) -> Q:
        return Q(published_at__isnull=False, organisation__published_at__isnull=False)

    def modified_since(self, since: dt.datetime) -> Q:
        # The organisation's name and publication show through the project. Written as two
        # id sets (each served by its updated_at index), not an OR across the join, which no
        # index serves and which would scan every project on every page.
        changed_organisations = Organisation.objects.filter(updated_at__gte=since).values("pk")
        return Q(pk__in=Project.objects.filter(updated_at__gte=since).values("pk")) | Q(
            organisation_id__in=changed_organisations
        )

    def modified_at(self) -> Any:
        return greatest_updated_at("organisation")
