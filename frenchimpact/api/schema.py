"""OpenAPI generation: every operation documents the shared errors, headers and 304.

Set as REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"], so each later endpoint gets it for free.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from .filters import NEXT_SINCE_HEADER, has_modified_since
from .views import ConditionalGetMixin

SAFE_METHODS = ("GET", "HEAD")


# The body of every API error (component "Erreur"; no docstring: it would become the
# component's description in the public schema).
class ErreurSerializer(serializers.Serializer):
    erreur = serializers.CharField(help_text=_("Message court, en français."))
    parametre = serializers.CharField(
        allow_null=True, help_text=_("Nom du paramètre en cause, ou null.")
    )
    detail = serializers.CharField(allow_null=True, help_text=_("Précisions, ou null."))


def _header(name: str, description: Any, *, response: list[int] | bool = False) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        required=False,
        description=description,
        response=response,
    )


class AutoSchema(BaseAutoSchema):
    """Project schema generator; documents the shared error responses and headers."""

    def _is_conditional(self) -> bool:
        return self.method in SAFE_METHODS and isinstance(self.view, ConditionalGetMixin)

    def _is_public(self) -> bool:
        return all(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        filter_serializer = getattr(self.view, "filter_serializer_class", None)
        if filter_serializer is not None and self._is_list_view():
            parameters.append(filter_serializer)
        if self._is_conditional():
            parameters += [
                _header(
                    "If-None-Match",
                    _("ETag d’une réponse précédente : 304 sans corps si rien n’a changé."),
                ),
                _header(
                    "If-Modified-Since",
                    _("Date HTTP : 304 sans corps si rien n’a changé depuis."),
                ),
                _header(
                    "ETag",
                    _("Validateur faible de la représentation (à renvoyer dans If-None-Match)."),
                    response=[200, 304],
                ),
                _header(
                    "Last-Modified",
                    _("Date de la dernière modification des données renvoyées."),
                    response=[200, 304],
                ),
            ]
        if self._is_list_view() and has_modified_since(filter_serializer):
            parameters.append(
                _header(
                    NEXT_SINCE_HEADER,
                    _(
                        "Valeur à passer dans modifie_depuis à la prochaine synchronisation "
                        "(date et heure ISO 8601) : l’heure du serveur au calcul de la liste, "
                        "moins une marge de recouvrement. Gardez celle de la première page."
                    ),
                    response=[200, 304],
                )
            )
        parameters.append(
            _header("Retry-After", _("Secondes à attendre avant de réessayer."), response=[429])
        )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        extra: dict[str, tuple[Any, Any]] = {}
        if self._is_conditional():
            extra["304"] = (None, _("Non modifié depuis la version indiquée par le client."))
        if self._is_list_view() or self.method not in SAFE_METHODS:
            extra["400"] = (ErreurSerializer, _("Paramètre ou requête invalide."))
        if not self._is_public():
            extra["401"] = (ErreurSerializer, _("Authentification requise."))
            extra["403"] = (ErreurSerializer, _("Accès refusé."))
        extra["404"] = (ErreurSerializer, _("Ressource, page ou curseur introuvable."))
        extra["429"] = (ErreurSerializer, _("Trop de requêtes : voir l’en-tête Retry-After."))
        for code, (serializer, description) in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description), code, direction=direction
                )
        return dict(sorted(responses.items()))
