"""Public API of the label register: /api/v1/labels/ (list and detail by number).

The status given (``statut``) is the one true on the day of the request
(``register_selectors.effective_status``), not the stored one: a label past its end date is
"expire" even before the daily job has run. The day is therefore part of the ETag.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from frenchimpact.api.filters import FiltresModifieDepuis, paris_day
from frenchimpact.api.pagination import ListingPagination
from frenchimpact.api.views import ReadOnlyViewSet
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation

from .enums import LabelKind, TerritoryLevel
from .models import Label
from .register_selectors import (
    EffectiveStatus,
    apply_register_filters,
    effective_status,
    labels_for_register,
    last_valid_day,
    paris_today,
    register_filters,
    verification_url,
)

NUMBER_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$"


def _choice_filter(name: str, description: Any) -> serializers.ChoiceField:
    choices = register_filters()[name]
    accepted = ", ".join(code for code, _label in choices)
    listed = ", ".join(f"{code} ({label})" for code, label in choices)
    return serializers.ChoiceField(
        choices=[code for code, _label in choices],
        required=False,
        help_text=f"{description} Valeurs : {listed}.",
        error_messages={
            "invalid_choice": gettext_lazy(
                "« {input} » n’est pas une valeur acceptée. Valeurs acceptées : %(values)s."
            )
            % {"values": accepted}
        },
    )


def labels_changed_since(since: dt.datetime, today: dt.date) -> Q:
    """Labels whose representation may differ from at ``since``: edited since, or whose status
    of the day changed by date alone (start or end of validity on a day since then)."""
    day = paris_day(since)
    return (
        Q(updated_at__gte=since)
        | Q(valid_from__gt=day, valid_from__lte=today)
        | Q(valid_until__gt=day, valid_until__lte=today)
    )


class FiltresLabels(FiltresModifieDepuis):
    type = _choice_filter("type", gettext_lazy("Type de label."))
    typologie = _choice_filter(
        "typologie", gettext_lazy("Typologie de la structure d’accompagnement labellisée.")
    )
    region = _choice_filter("region", gettext_lazy("Code INSEE de la région du label."))
    statut = _choice_filter("statut", gettext_lazy("Statut du label à la date de la requête."))


class TitulaireSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Identifiant de la structure."))
    nom = serializers.CharField(source="name")
    url = serializers.SerializerMethodField(
        help_text=gettext_lazy("Fiche publique de la structure (null si elle n’est pas publiée).")
    )

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, obj: Organisation) -> str | None:
        if obj.status != ModerationStatus.PUBLISHED:
            return None
        path = reverse("directory:organisation", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class TerritoireSerializer(serializers.Serializer):
    niveau = serializers.ChoiceField(choices=TerritoryLevel.choices)
    code = serializers.CharField(help_text=gettext_lazy("Code INSEE (COG) du territoire."))
    nom = serializers.CharField()


class LabelSerializer(serializers.Serializer):
    numero = serializers.CharField(source="number", help_text=gettext_lazy("Numéro du label."))
    type = serializers.ChoiceField(source="kind", choices=LabelKind.choices)
    titulaire = TitulaireSerializer(source="holder")
    typologie = serializers.SerializerMethodField()
    territoire = serializers.SerializerMethodField()
    territoire_pilote = serializers.BooleanField(source="is_pilot_territory")
    region = serializers.SerializerMethodField(
        help_text=gettext_lazy("Code INSEE de la région du label.")
    )
    valide_du = serializers.DateField(source="valid_from")
    valide_jusqu_au = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Dernier jour de validité, inclus (comme sur la page de vérification) ; un "
            "renouvellement commence le lendemain."
        ),
    )
    statut = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Statut à la date de la requête : valide, a_venir (renouvellement qui n’a pas "
            "encore commencé), expire, suspendu ou revoque."
        )
    )
    url_verification = serializers.SerializerMethodField(
        help_text=gettext_lazy("Page publique et stable de vérification du label.")
    )

    @extend_schema_field({"type": "string", "nullable": True})
    def get_typologie(self, obj: Label) -> str | None:
        return obj.typology or None

    @extend_schema_field(TerritoireSerializer(allow_null=True))
    def get_territoire(self, obj: Label) -> dict[str, str] | None:
        if not obj.territory_level or not obj.territory_code:
            return None
        return {
            "niveau": obj.territory_level,
            "code": obj.territory_code,
            "nom": obj.territory_name,
        }

    @extend_schema_field({"type": "string", "nullable": True})
    def get_region(self, obj: Label) -> str | None:
        return obj.region.code if obj.region else None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_valide_jusqu_au(self, label: Label) -> dt.date:
        return last_valid_day(label)

    @extend_schema_field(serializers.ChoiceField(choices=list(EffectiveStatus.choices)))
    def get_statut(self, obj: Label) -> str:
        return effective_status(obj, self.context["today"])

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url_verification(self, obj: Label) -> str:
        return verification_url(obj)


class LabelPagination(ListingPagination):
    ordering = "number"


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Registre des labels French IMPACT"),
        description=gettext_lazy(
            "Tous les labels accordés, quel que soit leur statut, filtrables par type, "
            "typologie, région et statut du jour ; triés par numéro. Avec modifie_depuis : les "
            "labels modifiés depuis, ceux dont le titulaire a changé et ceux dont le statut du "
            "jour a changé par la date (début ou fin de validité) ; un label ne quitte jamais "
            "le registre."
        ),
        tags=["labels"],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Un label"),
        parameters=[
            OpenApiParameter(
                "numero",
                str,
                OpenApiParameter.PATH,
                description=gettext_lazy("Numéro du label."),
                pattern=NUMBER_PATTERN,
            )
        ],
        tags=["labels"],
    ),
)
class LabelViewSet(ReadOnlyViewSet):
    serializer_class = LabelSerializer
    pagination_class = LabelPagination
    filter_serializer_class = FiltresLabels
    lookup_field = "number"
    lookup_url_kwarg = "numero"
    lookup_value_regex = NUMBER_PATTERN[1:-1]

    @property
    def representation_version(self) -> str:  # type: ignore[override]
        # The status depends on the day: yesterday's ETag must not validate today's answer.
        return f"1-{self._today.isoformat()}"

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        self._today = paris_today()
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": self._today}

    def get_queryset(self) -> QuerySet[Label]:
        return labels_for_register(self._today)

    def apply_filters(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        return apply_register_filters(queryset, filters)

    def modified_since(self, since: dt.datetime) -> Q:
        # The holder's name and publication show in the representation.
        return labels_changed_since(since, self._today) | Q(holder__updated_at__gte=since)

    def get_validator_querysets(self, queryset: QuerySet) -> list[QuerySet]:
        # The holder's name and publication show in the representation.
        holders = Organisation.objects.filter(pk__in=queryset.values("holder_id"))
        return [queryset, holders]

    def object_validators(self, obj: Any) -> tuple[str, int | None]:
        label: Label = obj
        return self._validators(max(label.updated_at, label.holder.updated_at), 1)
