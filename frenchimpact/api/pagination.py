"""The two pagination styles of the API.

* SearchPagination (page numbers) for searches in relevance order: ``count`` helps users,
  but deep pages are expensive, so the depth is capped at settings.API_MAX_PAGE.
* ListingPagination (cursor) for full listings in a stable order: constant cost whatever
  the depth, no ``count``, robust to rows inserted while a client walks the list.

Invalid values of the parameters answer 400 with the error body, never a silent fallback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from .errors import ParameterError

if TYPE_CHECKING:
    from rest_framework.views import APIView

PAGE_SIZE_PARAM = "taille_page"


def single_value(request: Request, name: str) -> str | None:
    """The parameter's value; a repeated parameter is a 400 (none of ours is a list)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ParameterError(name, _("Ce paramètre ne peut être donné qu’une fois."))
    return values[0] if values else None


def _strict_positive_int(request: Request, name: str, *, maximum: int) -> int | None:
    raw = single_value(request, name)
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ParameterError(
            name,
            _("« %(value)s » n’est pas un entier entre 1 et %(maximum)d.")
            % {"value": raw, "maximum": maximum},
        )
    return int(raw)


class SearchPagination(pagination.PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_query_param = "page"
    page_size_query_param = PAGE_SIZE_PARAM

    @property
    def max_page(self) -> int:
        return settings.API_MAX_PAGE

    def get_page_size(self, request: Request) -> int:
        size = _strict_positive_int(request, PAGE_SIZE_PARAM, maximum=self.max_page_size)
        return size or self.page_size

    def check_parameters(self, request: Request) -> None:
        """Validate the parameters before any work (e.g. before answering 304)."""
        self.get_page_size(request)
        _strict_positive_int(request, self.page_query_param, maximum=self.max_page)

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        number = _strict_positive_int(request, self.page_query_param, maximum=self.max_page)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:  # past the last page
            if number is None:
                raise
            raise ParameterError(
                self.page_query_param,
                _("La page %(page)d n’existe pas.") % {"page": number},
                status_code=404,
            ) from error

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": _(
                    "Numéro de page (profondeur maximale : %(max)d pages ; "
                    "au-delà, réponse 400 : affinez la recherche)."
                )
                % {"max": self.max_page},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page},
            },
            {
                "name": PAGE_SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": _("Nombre de résultats par page (%(default)d par défaut).")
                % {"default": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class ListingPagination(pagination.CursorPagination):
    page_size = 100
    max_page_size = 1000
    cursor_query_param = "curseur"
    page_size_query_param = PAGE_SIZE_PARAM
    ordering = "code"  # views override it with their own unique, stable key

    def get_page_size(self, request: Request) -> int:
        size = _strict_positive_int(request, PAGE_SIZE_PARAM, maximum=self.max_page_size)
        return size or self.page_size

    def check_parameters(self, request: Request) -> None:
        """Validate the parameters before any work (e.g. before answering 304)."""
        self.get_page_size(request)
        self.decode_cursor(request)

    def _invalid_cursor(self) -> ParameterError:
        # An opaque token pointing nowhere: like an unknown page, a 404.
        return ParameterError(
            self.cursor_query_param,
            _("Curseur invalide ou périmé : repartez du début de la liste."),
            status_code=404,
        )

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        single_value(request, self.cursor_query_param)
        try:
            return super().decode_cursor(request)
        except NotFound as error:  # DRF's "Invalid cursor"
            raise self._invalid_cursor() from error

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError) as error:
            # DRF checks the cursor's offset, not its position: a forged position that the
            # ordering field cannot hold ("p=abc" for an id) fails when filtering.
            if single_value(request, self.cursor_query_param) is None:
                raise
            raise self._invalid_cursor() from error

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _(
                    "Curseur opaque de la page, tel que donné par « next » ou « previous »."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": PAGE_SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": _("Nombre de résultats par page (%(default)d par défaut).")
                % {"default": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
