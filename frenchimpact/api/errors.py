"""One error body for every API error: {"erreur", "parametre", "detail"}."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from frenchimpact.search.engine import SearchUnavailable


class ParameterError(exceptions.APIException):
    """A query parameter has an invalid value: 400 naming the parameter."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("Paramètre invalide.")
    default_code = "invalid_parameter"

    def __init__(self, parametre: str, detail: str, *, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.parametre = parametre
        if status_code is not None:
            self.status_code = status_code


def error_body(erreur: str, *, parametre: str | None = None, detail: str | None = None) -> dict:
    return {"erreur": erreur, "parametre": parametre, "detail": detail}


def _title(status_code: int) -> str:
    titles = {
        400: _("Requête invalide"),
        401: _("Authentification requise"),
        403: _("Accès refusé"),
        404: _("Ressource introuvable"),
        405: _("Méthode non autorisée"),
        406: _("Format de réponse non disponible"),
        415: _("Format de requête non pris en charge"),
        429: _("Trop de requêtes"),
        503: _("Service indisponible"),
    }
    return titles.get(status_code, _("Erreur"))


def _first_message(detail: Any) -> tuple[str | None, str | None]:
    """(parameter, message) of the first error in a DRF error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            _key, message = _first_message(value)
            parametre = None if key in ("non_field_errors", "detail") else str(key)
            return parametre, message
        return None, None
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else (None, None)
    return None, str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, headers such as Retry-After and Allow), with our body."""
    if isinstance(exc, SearchUnavailable):
        exc = exceptions.APIException(_("La recherche est momentanément indisponible."))
        exc.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        unavailable = drf_exception_handler(exc, context)
        assert unavailable is not None
        unavailable.data = error_body(
            _title(unavailable.status_code),
            detail=_(
                "L’index de recherche de ce serveur est en cours de construction : "
                "réessayez dans quelques minutes."
            ),
        )
        unavailable["Retry-After"] = "300"
        return unavailable
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged, mailed to admins)
    parametre: str | None = getattr(exc, "parametre", None)
    if isinstance(exc, exceptions.Throttled):
        wait = getattr(exc, "wait", None)
        detail: str | None = (
            _("Réessayez dans %(seconds)d secondes.") % {"seconds": wait}
            if wait is not None
            else None
        )
    elif isinstance(exc, exceptions.MethodNotAllowed):
        request = context.get("request")
        detail = _("La méthode %(method)s n’est pas autorisée sur cette adresse.") % {
            "method": request.method if request else "?"
        }
    elif isinstance(exc, Http404 | exceptions.NotFound) and not isinstance(exc, ParameterError):
        # Django's Http404 (get_object_or_404) carries an English model message: replace it.
        detail = _("Aucune ressource ne correspond à cette adresse.")
    else:
        key, detail = _first_message(response.data)
        parametre = parametre or key
    response.data = error_body(_title(response.status_code), parametre=parametre, detail=detail)
    return response


@csrf_exempt  # answers every method with the same 404: a CSRF 403 would only mislead
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/v1/: a JSON 404 with the error body, not the HTML page."""
    return JsonResponse(
        error_body(
            _("Ressource introuvable"),
            detail=_("Aucun point d’accès de l’API ne correspond à %(path)s.")
            % {"path": request.path},
        ),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
