"""Public API of the territories: /api/v1/regions/ and /api/v1/departements/.

Both are full listings of small, bounded reference sets: cursor pagination ordered by code
(the convention of every full listing), with a page large enough to hold the whole set, so
that one request gets every department while the envelope stays that of every listing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from frenchimpact.api.filters import FiltresModifieDepuis
from frenchimpact.api.pagination import ListingPagination
from frenchimpact.api.views import ReadOnlyViewSet

from . import reference, selectors
from .models import Department, Region


class RegionSerializer(serializers.ModelSerializer):
    code = serializers.CharField(help_text=_("Code INSEE de la région (COG), 2 chiffres."))
    nom = serializers.CharField(help_text=_("Nom officiel de la région."))

    class Meta:
        model = Region
        fields = ["code", "nom"]


class DepartementSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        help_text=_("Code INSEE du département (COG) : 01…95, 2A, 2B, 971…976.")
    )
    nom = serializers.CharField(help_text=_("Nom officiel du département."))
    region = serializers.CharField(
        source="region.code", help_text=_("Code INSEE de la région du département.")
    )

    class Meta:
        model = Department
        fields = ["code", "nom", "region"]


class DepartementFiltersSerializer(FiltresModifieDepuis):
    region = serializers.ChoiceField(
        choices=[(region.code, region.nom) for region in reference.REGIONS],
        required=False,
        help_text=_("Code INSEE d’une région : seuls ses départements sont renvoyés."),
    )


class ReferencePagination(ListingPagination):
    page_size = 200


def _code_parameter(description: Any, pattern: str) -> OpenApiParameter:
    return OpenApiParameter(
        "code", str, OpenApiParameter.PATH, description=description, pattern=pattern
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Liste des régions"),
        description=_("Les 18 régions du Code officiel géographique, par code croissant."),
        tags=["territoires"],
    ),
    retrieve=extend_schema(
        summary=_("Une région, par son code INSEE"),
        description=_("Attention : la région 75 est la Nouvelle-Aquitaine, pas Paris."),
        parameters=[
            _code_parameter(
                _("Code INSEE de la région (2 chiffres), et non celui d’un département."),
                reference.REGION_CODE_PATTERN,
            )
        ],
        tags=["territoires"],
    ),
)
class RegionViewSet(ReadOnlyViewSet):
    serializer_class = RegionSerializer
    pagination_class = ReferencePagination
    filter_serializer_class = FiltresModifieDepuis
    lookup_field = "code"
    lookup_value_regex = reference.REGION_CODE_REGEX

    def get_queryset(self) -> QuerySet[Region]:
        return Region.objects.order_by("code")


@extend_schema_view(
    list=extend_schema(
        summary=_("Liste des départements"),
        description=_(
            "Les 101 départements du Code officiel géographique, par code croissant, "
            "avec le code de leur région ; filtrables par région."
        ),
        tags=["territoires"],
    ),
    retrieve=extend_schema(
        summary=_("Un département, par son code INSEE"),
        description=_("Attention : le département 53 est la Mayenne, pas la Bretagne."),
        parameters=[
            _code_parameter(
                _("Code INSEE du département (01…95, 2A, 2B, 971…976), et non celui d’une région."),
                reference.DEPARTMENT_CODE_PATTERN,
            )
        ],
        tags=["territoires"],
    ),
)
class DepartementViewSet(ReadOnlyViewSet):
    # modifie_depuis reads the department's own updated_at: its representation shows only
    # the code of its region, which never changes.
    serializer_class = DepartementSerializer
    pagination_class = ReferencePagination
    filter_serializer_class = DepartementFiltersSerializer
    lookup_field = "code"
    lookup_value_regex = reference.DEPARTMENT_CODE_REGEX

    def get_queryset(self) -> QuerySet[Department]:
        return selectors.departments_with_region()

    def apply_filters(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        if "region" in filters:
            queryset = queryset.filter(region__code=filters["region"])
        return queryset
