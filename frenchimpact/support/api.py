"""Public API of the service offers: /api/v1/offres/ (search, page numbers) and the detail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from frenchimpact.api.filters import paris_day
from frenchimpact.api.pagination import SearchPagination
from frenchimpact.api.sync import (
    SynchronisationViewSet,
    greatest_updated_at,
    sync_item_serializer,
    sync_response,
)
from frenchimpact.api.views import ReadOnlyViewSet, SearchTextField
from frenchimpact.directory.api import ValueListField
from frenchimpact.labels.models import Label
from frenchimpact.labels.register_api import labels_changed_since
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.territories import reference
from frenchimpact.territories.models import Department, Region

from . import selectors, services
from .enums import ApplyMode, OfferStatus, OfferType, Public
from .models import Offer


def _listed(choices: list[tuple[str, Any]]) -> str:
    return ", ".join(value for value, _label in choices)


_UNKNOWN_DEPARTMENT = format_lazy(
    "{}{}",
    gettext_lazy("« {input} » n’est pas un code de département connu. Valeurs acceptées : "),
    ", ".join(d.code for d in reference.DEPARTMENTS),
)
_UNKNOWN_REGION = format_lazy(
    "{}{}",
    gettext_lazy("« {input} » n’est pas un code de région connu. Valeurs acceptées : "),
    ", ".join(r.code for r in reference.REGIONS),
)


class FiltresOffres(serializers.Serializer):
    q = SearchTextField(
        required=False,
        max_length=200,
        trim_whitespace=False,
        help_text=gettext_lazy("Mots cherchés dans le nom ou la description (sous-chaîne)."),
    )
    type = ValueListField(
        choices=OfferType.values,
        required=False,
        help_text=gettext_lazy("Types d’offre, séparés par des virgules (ou). Valeurs : ")
        + _listed(OfferType.choices),
    )
    departement = serializers.ChoiceField(
        choices=[(d.code, d.nom) for d in reference.DEPARTMENTS],
        required=False,
        error_messages={"invalid_choice": _UNKNOWN_DEPARTMENT},
        help_text=gettext_lazy(
            "Code INSEE d’un département : les offres ouvertes dans ce département (France "
            "entière, sa région, lui-même ou une de ses communes)."
        ),
    )
    region = serializers.ChoiceField(
        choices=[(r.code, r.nom) for r in reference.REGIONS],
        required=False,
        error_messages={"invalid_choice": _UNKNOWN_REGION},
        help_text=gettext_lazy(
            "Code INSEE d’une région : les offres ouvertes dans au moins un de ses départements."
        ),
    )
    stade = ValueListField(
        choices=Stage.values,
        required=False,
        help_text=gettext_lazy("Stades de projet, séparés par des virgules (ou). Valeurs : ")
        + _listed(Stage.choices),
    )
    defi = ValueListField(
        choices=Challenge.values,
        required=False,
        help_text=gettext_lazy("Défis, séparés par des virgules (ou). Valeurs : ")
        + _listed(Challenge.choices),
    )
    labellise = serializers.ChoiceField(
        choices=["oui", "non"],
        required=False,
        help_text=gettext_lazy(
            "« oui » : offres des structures titulaires d’un label French IMPACT valide ce jour."
        ),
    )


class ZoneSerializer(serializers.Serializer):
    france = serializers.BooleanField(help_text=gettext_lazy("Ouverte dans toute la France."))
    regions = serializers.ListField(child=serializers.CharField())
    departements = serializers.ListField(child=serializers.CharField())
    communes = serializers.ListField(child=serializers.CharField())


class PromotionSerializer(serializers.Serializer):
    debut = serializers.DateField(allow_null=True)
    fin = serializers.DateField(allow_null=True, help_text=gettext_lazy("Fin des candidatures."))


class CandidaterSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=ApplyMode.choices)
    lien = serializers.URLField(allow_null=True)
    email = serializers.EmailField(allow_null=True)


class StructureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nom = serializers.CharField()
    url = serializers.URLField()


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class OffreSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Identifiant de l’offre."))
    nom = serializers.CharField(source="name")
    description = serializers.CharField()
    type = serializers.ChoiceField(source="offer_type", choices=OfferType.choices)
    stades = serializers.SerializerMethodField()
    defis = serializers.SerializerMethodField()
    publics = serializers.SerializerMethodField()
    zone = serializers.SerializerMethodField()
    gratuit = serializers.BooleanField(source="is_free")
    conditions_tarifaires = serializers.SerializerMethodField()
    presentiel = serializers.BooleanField(source="on_site")
    a_distance = serializers.BooleanField(source="remote")
    capacite = serializers.IntegerField(source="capacity", allow_null=True)
    fil_de_l_eau = serializers.BooleanField(source="rolling")
    prochaine_promotion = serializers.SerializerMethodField()
    candidater = serializers.SerializerMethodField()
    statut = serializers.SerializerMethodField()
    suspendue_jusqu_au = serializers.SerializerMethodField()
    structure = serializers.SerializerMethodField()
    labellise = serializers.BooleanField(
        source="labelled",
        help_text=gettext_lazy("La structure détient un label French IMPACT valide ce jour."),
    )
    url = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Stage.choices))
    )
    def get_stades(self, obj: Offer) -> list[str]:
        return [code for code in obj.stages if code in Stage.values]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Challenge.choices))
    )
    def get_defis(self, obj: Offer) -> list[str]:
        return [code for code in obj.challenges if code in Challenge.values]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Public.choices))
    )
    def get_publics(self, obj: Offer) -> list[str]:
        return [code for code in obj.publics if code in Public.values]

    @extend_schema_field(ZoneSerializer)
    def get_zone(self, obj: Offer) -> dict[str, Any]:
        return {
            "france": obj.zone_france,
            "regions": [r.code for r in obj.zone_regions.all()],
            "departements": [d.code for d in obj.zone_departments.all()],
            "communes": list(obj.zone_communes),
        }

    @extend_schema_field({"type": "string", "nullable": True})
    def get_conditions_tarifaires(self, obj: Offer) -> str | None:
        return obj.price_details or None

    @extend_schema_field(PromotionSerializer(allow_null=True))
    def get_prochaine_promotion(self, obj: Offer) -> dict[str, Any] | None:
        if obj.next_cohort_start is None and obj.next_cohort_end is None:
            return None
        return {
            "debut": obj.next_cohort_start.isoformat() if obj.next_cohort_start else None,
            "fin": obj.next_cohort_end.isoformat() if obj.next_cohort_end else None,
        }

    @extend_schema_field(CandidaterSerializer)
    def get_candidater(self, obj: Offer) -> dict[str, Any]:
        return {
            "mode": obj.apply_mode,
            "lien": obj.apply_url or None,
            "email": obj.apply_email or None,
        }

    @extend_schema_field(
        serializers.ChoiceField(choices=[OfferStatus.ACTIVE, OfferStatus.SUSPENDED])
    )
    def get_statut(self, obj: Offer) -> str:
        # A suspension past its date is over: the offer is active again.
        return OfferStatus.SUSPENDED if services.offer_is_suspended(obj) else OfferStatus.ACTIVE

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_suspendue_jusqu_au(self, obj: Offer) -> str | None:
        if services.offer_is_suspended(obj) and obj.suspended_until:
            return obj.suspended_until.isoformat()
        return None

    @extend_schema_field(StructureSerializer)
    def get_structure(self, obj: Offer) -> dict[str, Any]:
        return {
            "id": obj.provider_id,
            "nom": obj.provider.name,
            "url": _absolute(
                self.context, reverse("directory:organisation", args=[obj.provider_id])
            ),
        }

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, obj: Offer) -> str:
        return _absolute(self.context, reverse("support:offer", args=[obj.pk]))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Recherche dans les offres d’accompagnement"),
        description=gettext_lazy(
            "Les offres publiques des structures d’accompagnement et entreprises engagées "
            "publiées (hors offres archivées), par ordre alphabétique, pagination par numéro de "
            "page. Une offre suspendue est listée avec son statut et sa date de fin de suspension."
        ),
        tags=["accompagnement"],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("Une offre d’accompagnement"),
        parameters=[
            OpenApiParameter(
                "id",
                int,
                OpenApiParameter.PATH,
                description=gettext_lazy("Identifiant de l’offre."),
                pattern="^[0-9]+$",
            )
        ],
        tags=["accompagnement"],
    ),
)
class OffreViewSet(ReadOnlyViewSet):
    serializer_class = OffreSerializer
    pagination_class = SearchPagination  # type: ignore[assignment]  # page numbers
    filter_serializer_class = FiltresOffres
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    @property
    def representation_version(self) -> str:  # type: ignore[override]
        # "labellise" and "statut" depend on today's date.
        return f"1-{timezone.localdate().isoformat()}"

    def get_queryset(self) -> QuerySet[Offer]:
        return selectors.offers_for_display()

    def apply_filters(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        labelled = {"oui": True, "non": False}.get(filters.get("labellise", ""))
        return selectors.offers_filter(
            queryset,
            types=ValueListField.values(filters["type"]) if filters.get("type") else [],
            department=filters.get("departement", ""),
            region=filters.get("region", ""),
            stages=ValueListField.values(filters["stade"]) if filters.get("stade") else [],
            challenges=ValueListField.values(filters["defi"]) if filters.get("defi") else [],
            labelled=labelled,
            q=(filters.get("q") or "").strip(),
        )

    def get_validator_querysets(self, queryset: QuerySet) -> list[QuerySet]:
        # The representation shows the provider's name and whether it is labelled: changes
        # of either count too.
        provider_ids = queryset.order_by().values("provider_id")
        return [
            queryset.order_by(),
            Organisation.objects.filter(pk__in=provider_ids),
            Label.objects.filter(holder_id__in=provider_ids),
        ]

    def object_validators(self, obj: Model) -> tuple[str, int | None]:
        offer: Offer = obj  # type: ignore[assignment]
        return self._validators(max(offer.updated_at, offer.provider.updated_at), 1)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Synchronisation des offres d’accompagnement"),
        description=gettext_lazy(
            "Liste complète pour les réutilisateurs qui synchronisent une copie : les offres "
            "publiques (non archivées, de structures publiées), par identifiant croissant "
            "(pagination par curseur), chacune dans la représentation du point d’accès de "
            "détail. Sans modifie_depuis : l’ensemble public (chargement initial). Avec "
            "modifie_depuis : ce qui a changé depuis (l’offre, sa structure, le label de la "
            "structure, la fin d’une suspension), et les retraits ({id, retire: true, "
            "modifie_le}) des offres archivées ou dont la structure a été dépubliée. Gardez "
            "l’en-tête Prochain-Modifie-Depuis de la première page pour la prochaine "
            "synchronisation."
        ),
        responses=sync_response(OffreSerializer, "SynchronisationOffre"),
        tags=["synchronisation"],
    )
)
class OffreSyncViewSet(SynchronisationViewSet):
    serializer_class = sync_item_serializer(OffreSerializer)

    @property
    def representation_version(self) -> str:  # type: ignore[override]
        # "labellise" and "statut" depend on today's date.
        return f"1-{timezone.localdate().isoformat()}"

    def base_queryset(self) -> QuerySet[Offer]:
        return (
            Offer.objects.select_related("provider")
            .prefetch_related(
                Prefetch("zone_regions", queryset=Region.objects.order_by("code")),
                Prefetch("zone_departments", queryset=Department.objects.order_by("code")),
            )
            .annotate(labelled=selectors.labelled_subquery())
        )

    def public(self) -> Q:
        return ~Q(status=OfferStatus.ARCHIVED) & Q(provider__status=ModerationStatus.PUBLISHED)

    def ever_public(self) -> Q:
        # Offers have no publication of their own: they are public while their structure is.
        return Q(provider__published_at__isnull=False)

    def modified_since(self, since: dt.datetime) -> Q:
        today = timezone.localdate()
        labels = Label.objects.filter(labels_changed_since(since, today))
        day = paris_day(since)
        return (
            # Id sets served by each updated_at index, not an OR across the join.
            Q(pk__in=Offer.objects.filter(updated_at__gte=since).values("pk"))
            | Q(provider_id__in=Organisation.objects.filter(updated_at__gte=since).values("pk"))
            # A suspension ends by itself the day after its date: on a day since then.
            | Q(
                status=OfferStatus.SUSPENDED,
                suspended_until__gte=day - dt.timedelta(days=1) if day > dt.date.min else day,
                suspended_until__lt=today,
            )
            | Q(provider_id__in=labels.values("holder_id"))
        )

    def modified_at(self) -> Any:
        return greatest_updated_at("provider")

    def row_signature(self, obj: Any) -> str:
        return str(obj.labelled)
