"""Public API of the calls for projects: /api/v1/appels/ (list and detail) and
/api/v1/appels/<id>/laureats/.

Only published calls exist here (a call in preparation answers 404). The laureates are those
of the *published* results (``selectors.laureates``): the list is empty until the results are
published, so a decision taken under embargo never shows. The status (``statut``) depends on
the clock (a call opens and closes at a given second): which calls have opened and closed is
part of the ETag.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from frenchimpact.api.filters import MODIFIED_SINCE, FiltresModifieDepuis
from frenchimpact.api.pagination import ListingPagination
from frenchimpact.api.views import ReadOnlyViewSet
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project

from . import selectors, services
from .enums import ApplicationStatus
from .models import Call, CallApplication

PUBLIC_STATUSES = [
    ("a_venir", _("À venir : les candidatures ne sont pas encore ouvertes")),
    ("ouvert", _("Ouvert : les candidatures sont reçues")),
    ("clos", _("Clos : les candidatures sont closes, la sélection est en cours")),
    ("resultats_publies", _("Résultats publiés")),
]


def public_status(call: Call, now: dt.datetime) -> str:
    if selectors.results_published(call):
        return "resultats_publies"
    if now < call.opens_at:
        return "a_venir"
    if services.is_accepting(call, now):
        return "ouvert"
    return "clos"


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class LaureatsVisesSerializer(serializers.Serializer):
    min = serializers.IntegerField(help_text=_("Nombre minimal de lauréats visé."))
    max = serializers.IntegerField(help_text=_("Nombre maximal de lauréats visé."))


class AppelSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Identifiant de l’appel."))
    slug = serializers.CharField(help_text=_("Identifiant lisible, celui de l’adresse de la page."))
    titre = serializers.CharField(source="title")
    resume = serializers.CharField(source="summary")
    ouverture = serializers.DateTimeField(
        source="opens_at",
        help_text=_("Ouverture des candidatures (ISO 8601, heure de Paris avec son décalage)."),
    )
    cloture = serializers.DateTimeField(
        source="closes_at",
        help_text=_(
            "Clôture des candidatures, à la seconde (ISO 8601, heure de Paris avec son "
            "décalage) : une candidature déposée à cet instant ou après est refusée."
        ),
    )
    statut = serializers.SerializerMethodField(
        help_text=_("Statut au moment de la requête : a_venir, ouvert, clos ou resultats_publies.")
    )
    laureats_vises = serializers.SerializerMethodField(
        help_text=_("Nombre de lauréats visé par l’appel (fourchette).")
    )
    nombre_laureats = serializers.SerializerMethodField(
        help_text=_("Nombre de lauréats une fois les résultats publiés ; null avant.")
    )
    url = serializers.SerializerMethodField(help_text=_("Page publique de l’appel."))

    @extend_schema_field(serializers.ChoiceField(choices=PUBLIC_STATUSES))
    def get_statut(self, obj: Call) -> str:
        return public_status(obj, self.context["now"])

    @extend_schema_field(LaureatsVisesSerializer)
    def get_laureats_vises(self, obj: Call) -> dict[str, int]:
        return {"min": obj.target_laureates_min, "max": obj.target_laureates_max}

    @extend_schema_field({"type": "integer", "nullable": True, "minimum": 0})
    def get_nombre_laureats(self, obj: Call) -> int | None:
        if not selectors.results_published(obj):
            return None
        return int(getattr(obj, "laureate_count", 0))

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, obj: Call) -> str:
        return _absolute(self, reverse("calls:call_detail", args=[obj.slug]))


class ProjetLaureatSerializer(serializers.Serializer):
    titre = serializers.CharField(help_text=_("Titre du projet."))
    url = serializers.CharField(
        allow_null=True,
        help_text=_("Fiche publique du projet (null s’il n’est pas publié dans l’annuaire)."),
    )


class LaureatSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="organisation.pk",
        help_text=_("Identifiant de la structure (celui de /api/v1/organisations/)."),
    )
    nom = serializers.CharField(source="organisation.name", help_text=_("Nom de la structure."))
    siren = serializers.CharField(
        source="organisation.siren", allow_null=True, help_text=_("SIREN de la structure.")
    )
    code_region = serializers.SerializerMethodField(
        help_text=_("Code INSEE de la région du siège.")
    )
    region = serializers.SerializerMethodField(help_text=_("Nom de la région du siège."))
    projets = serializers.SerializerMethodField(
        help_text=_("Projets de la structure portés par la candidature lauréate.")
    )
    url = serializers.SerializerMethodField(
        help_text=_("Fiche publique de la structure (null si elle n’est pas publiée).")
    )

    @extend_schema_field({"type": "string", "nullable": True})
    def get_code_region(self, obj: CallApplication) -> str | None:
        region = obj.organisation.region
        return region.code if region else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_region(self, obj: CallApplication) -> str | None:
        region = obj.organisation.region
        return region.nom if region else None

    @extend_schema_field(ProjetLaureatSerializer(many=True))
    def get_projets(self, obj: CallApplication) -> list[dict[str, Any]]:
        published = obj.organisation.status == ModerationStatus.PUBLISHED
        return [
            {
                "titre": project.title,
                "url": _absolute(self, reverse("directory:project", args=[project.pk]))
                if published and project.status == ModerationStatus.PUBLISHED
                else None,
            }
            for project in sorted(obj.projects.all(), key=lambda p: (p.title, p.pk))
        ]

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, obj: CallApplication) -> str | None:
        if obj.organisation.status != ModerationStatus.PUBLISHED:
            return None
        return _absolute(self, reverse("directory:organisation", args=[obj.organisation.pk]))


class AppelPagination(ListingPagination):
    # Latest first; the primary key keeps the order stable between calls opening together.
    ordering = ("-opens_at", "-pk")  # type: ignore[assignment]


class LaureatPagination(ListingPagination):
    ordering = "reference"


ID_PARAMETER = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description=_("Identifiant de l’appel.")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Appels à projets publiés"),
        description=_(
            "Les appels à projets publiés (pas ceux en préparation), du plus récent au plus "
            "ancien, avec leur statut au moment de la requête. Avec modifie_depuis : les appels "
            "modifiés depuis, ceux qui ont ouvert ou clos depuis, et ceux dont des lauréats "
            "publiés ont changé ; un appel publié ne quitte pas la liste."
        ),
        tags=["appels"],
    ),
    retrieve=extend_schema(
        summary=_("Un appel à projets"),
        description=_("Un appel publié ; un appel en préparation répond 404."),
        parameters=[ID_PARAMETER],
        tags=["appels"],
    ),
    laureats=extend_schema(
        summary=_("Lauréats d’un appel à projets"),
        description=_(
            "Les lauréats une fois les résultats publiés, par numéro de dossier ; liste vide "
            "avant la publication des résultats (les décisions restent sous embargo jusque-là). "
            "Avec modifie_depuis : les lauréats publiés ou modifiés depuis (leur structure et "
            "leurs projets compris). Cette liste courte ne signale pas les retraits : pour "
            "les voir, relisez-la en entier."
        ),
        parameters=[ID_PARAMETER],
        # A list (paginated like every listing), not one object.
        responses=LaureatSerializer(many=True),
        tags=["appels"],
    ),
)
class AppelViewSet(ReadOnlyViewSet):
    serializer_class = AppelSerializer
    pagination_class = AppelPagination
    filter_serializer_class = FiltresModifieDepuis
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9]+"

    @property
    def representation_version(self) -> str:  # type: ignore[override]
        # The status follows the clock: a call that opens or closes changes the answer.
        return f"1-{getattr(self, '_phase', '')}"

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        self._now = timezone.now()
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": getattr(self, "_now", timezone.now())}

    def get_queryset(self) -> QuerySet[Call]:
        # Counted only once the results are published: a decision under embargo never
        # reaches the body.
        return selectors.public_calls().annotate(
            laureate_count=Count(
                "applications",
                filter=Q(
                    applications__status=ApplicationStatus.LAUREATE,
                    applications__decision_embargoed=False,
                    results_published_at__isnull=False,
                ),
            )
        )

    def modified_since(self, since: dt.datetime) -> Q:
        # The status follows the clock, and the number of laureates the published decisions;
        # only published, non-embargoed laureates count (nothing under embargo may show).
        laureates = CallApplication.objects.filter(
            call=OuterRef("pk"),
            status=ApplicationStatus.LAUREATE,
            decision_embargoed=False,
            call__results_published_at__isnull=False,
            updated_at__gte=since,
        )
        return (
            Q(updated_at__gte=since)
            | Q(opens_at__gte=since, opens_at__lte=self._now)
            | Q(closes_at__gte=since, closes_at__lte=self._now)
            | Q(results_published_at__gte=since)
            | Q(Exists(laureates))
        )

    def _set_phase(self, calls: QuerySet[Call]) -> None:
        phase = calls.order_by().aggregate(
            opened=Count("pk", filter=Q(opens_at__lte=self._now)),
            closed=Count("pk", filter=Q(closes_at__lte=self._now)),
        )
        self._phase = f"{phase['opened']}-{phase['closed']}"

    def get_validator_querysets(self, queryset: QuerySet) -> list[QuerySet]:
        if self.action == "laureats":
            # The organisations' names and publication, and the projects' titles, show too.
            organisations = Organisation.objects.filter(pk__in=queryset.values("organisation_id"))
            links = CallApplication.projects.through.objects.filter(
                callapplication__in=queryset.values("pk")
            )
            projects = Project.objects.filter(pk__in=links.values("project_id"))
            return [queryset, organisations, projects, Call.objects.filter(pk=self._call.pk)]
        # The number of laureates shows once published: a reopened decision changes it. Only
        # the laureates of published results count, or the validators (count and date) would
        # tell a poller when a laureate is decided under embargo.
        calls = Call.objects.filter(pk__in=queryset.values("pk"))
        self._set_phase(calls)
        laureates = CallApplication.objects.filter(
            call__in=calls.filter(results_published_at__isnull=False),
            status=ApplicationStatus.LAUREATE,
            decision_embargoed=False,
        )
        return [calls, laureates]

    def object_validators(self, obj: Any) -> tuple[str, int | None]:
        call: Call = obj
        self._phase = public_status(call, self._now)
        # selectors.laureates is empty before publication (embargo).
        last = (
            selectors.laureates(call)
            .order_by("-updated_at")
            .values_list("updated_at", flat=True)
            .first()
        )
        return self._validators(max(filter(None, [call.updated_at, last])), 1)

    @action(
        detail=True,
        url_path="laureats",
        serializer_class=LaureatSerializer,
        pagination_class=LaureatPagination,
        filter_serializer_class=FiltresModifieDepuis,
    )
    def laureats(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        since = self.get_filters().get(MODIFIED_SINCE)
        self._call = self.get_object()
        queryset = selectors.laureates(self._call)
        if since is not None:
            projects = CallApplication.projects.through.objects.filter(
                callapplication_id=OuterRef("pk"), project__updated_at__gte=since
            )
            queryset = queryset.filter(
                Q(updated_at__gte=since)
                | Q(call__results_published_at__gte=since)
                | Q(organisation__updated_at__gte=since)
                | Q(Exists(projects))
            )
        check_parameters = getattr(self.paginator, "check_parameters", None)
        if check_parameters is not None:
            check_parameters(request)
        not_modified, headers = self._conditional(*self.list_validators(queryset))
        if not_modified is not None:
            return not_modified  # type: ignore[return-value]
        page = self.paginate_queryset(queryset)
        assert page is not None
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        for name, value in headers.items():
            response[name] = value
        return response
