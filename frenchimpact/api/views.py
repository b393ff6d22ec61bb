"""Base classes of the API views: every endpoint gets conditional GET, filters, throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db.models import Count, Max, Model, Q, QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from rest_framework import generics, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .errors import ParameterError
from .filters import MODIFIED_SINCE, NEXT_SINCE_HEADER, has_modified_since, next_since
from .pagination import ListingPagination, single_value


class ConditionalGetMixin(generics.GenericAPIView):
    """Weak ETag and Last-Modified on GET/HEAD, and 304 answers, without serializing.

    Validators come from data already at hand, never from the rendered body:
    a list runs one aggregate query (max(updated_at), count) on the filtered queryset before
    fetching the page; a detail uses the fetched object's updated_at. The ETag also hashes
    the full path (filters, page) and the serializer's field names, so a change of
    representation invalidates it; bump ``representation_version`` for other changes
    (a field computed differently). Views whose output includes related rows must add
    their timestamps through ``get_validator_querysets``.
    """

    validator_field = "updated_at"
    representation_version = "1"

    def get_validator_querysets(self, queryset: QuerySet) -> list[QuerySet]:
        return [queryset]

    def _validators(
        self, last: dt.datetime | None, count: int, extra: str = ""
    ) -> tuple[str, int | None]:
        signature = "|".join(
            [
                type(self).__qualname__,
                self.representation_version,
                ",".join(getattr(self.get_serializer(), "fields", {})),
                self.request.get_full_path(),
                str(count),
                last.isoformat() if last else "",
                extra,
            ]
        )
        etag = f'W/"{hashlib.sha256(signature.encode()).hexdigest()[:32]}"'
        return etag, int(last.timestamp()) if last else None

    def _conditional(
        self, etag: str, last_modified: int | None
    ) -> tuple[HttpResponseBase | None, dict[str, str]]:
        headers = {"ETag": etag}
        if last_modified is not None:
            headers["Last-Modified"] = http_date(last_modified)
        not_modified = get_conditional_response(
            self.request, etag=etag, last_modified=last_modified
        )
        if not_modified is not None:
            for name, value in headers.items():
                not_modified[name] = value
        return not_modified, headers

    def list_validators(self, queryset: QuerySet) -> tuple[str, int | None]:
        last: dt.datetime | None = None
        count = 0
        for validator_queryset in self.get_validator_querysets(queryset):
            values = validator_queryset.order_by().aggregate(
                last=Max(self.validator_field), count=Count("pk")
            )
            count += values["count"]
            if values["last"] and (last is None or values["last"] > last):
                last = values["last"]
        return self._validators(last, count)

    def object_validators(self, obj: Model) -> tuple[str, int | None]:
        return self._validators(getattr(obj, self.validator_field), 1)


class ReadOnlyViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """A public, read-only resource: list (cursor pagination by default) and detail.

    ``filter_serializer_class`` declares the query filters once: they are validated
    (400 naming the parameter) and documented in the OpenAPI schema from the same class;
    ``apply_filters`` applies the validated values. A filter class deriving from
    ``filters.FiltresModifieDepuis`` adds ``modifie_depuis``, applied by ``modified_since``
    (override it when the representation shows related rows or depends on the date), and the
    ``Prochain-Modifie-Depuis`` response header.
    """

    pagination_class = ListingPagination
    filter_serializer_class: type[serializers.Serializer] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.request_time = timezone.now()
        super().initial(request, *args, **kwargs)

    def get_throttles(self) -> list[BaseThrottle]:
        # Read at request time, so that tests can switch throttling on with settings.
        classes: list[type[BaseThrottle]] = api_settings.DEFAULT_THROTTLE_CLASSES  # type: ignore[assignment]
        return [throttle() for throttle in classes]

    def get_filters(self) -> dict[str, Any]:
        if self.filter_serializer_class is None:
            return {}
        for name in list(self.filter_serializer_class().fields):
            single_value(self.request, name)
        # A plain dict, not the QueryDict: DRF would read "?region=" as "no filter" (HTML
        # form semantics) where an API must answer 400.
        serializer = self.filter_serializer_class(data=self.request.query_params.dict())
        if not serializer.is_valid():
            name, messages = next(iter(serializer.errors.items()))
            raise ParameterError(str(name), str(messages[0]))
        return dict(serializer.validated_data)

    def apply_filters(self, queryset: QuerySet, filters: dict[str, Any]) -> QuerySet:
        return queryset.filter(**filters)

    def modified_since(self, since: dt.datetime) -> Q:
        """The rows whose representation may have changed since ``since`` (inclusive)."""
        return Q(updated_at__gte=since)

    def apply_all_filters(self, queryset: QuerySet) -> QuerySet:
        filters = self.get_filters()
        since = filters.pop(MODIFIED_SINCE, None)
        queryset = self.apply_filters(queryset, filters)
        if since is not None:
            queryset = queryset.filter(self.modified_since(since))
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "list":
            queryset = self.apply_all_filters(queryset)
        return super().filter_queryset(queryset)

    def synchronisation_headers(self) -> dict[str, str]:
        if not has_modified_since(self.filter_serializer_class):
            return {}
        return {NEXT_SINCE_HEADER: next_since(self.request_time)}

    def _conditional(
        self, etag: str, last_modified: int | None
    ) -> tuple[HttpResponseBase | None, dict[str, str]]:
        not_modified, headers = super()._conditional(etag, last_modified)
        extra = self.synchronisation_headers() if self.action != "retrieve" else {}
        if not_modified is not None:
            for name, value in extra.items():
                not_modified[name] = value
        return not_modified, {**headers, **extra}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        queryset = self.filter_queryset(self.get_queryset())
        check_parameters = getattr(self.paginator, "check_parameters", None)
        if check_parameters is not None:
            check_parameters(request)
        not_modified, headers = self._conditional(*self.list_validators(queryset))
        if not_modified is not None:
            return not_modified
        page = self.paginate_queryset(queryset)
        if page is None:
            response = Response(self.get_serializer(queryset, many=True).data)
        else:
            response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        for name, value in headers.items():
            response[name] = value
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        obj = self.get_object()
        not_modified, headers = self._conditional(*self.object_validators(obj))
        if not_modified is not None:
            return not_modified
        return Response(self.get_serializer(obj).data, headers=headers)


class SearchTextField(serializers.CharField):
    """Free text of a query parameter. NUL characters are dropped rather than refused: they
    carry no meaning in a search, and the schema documents a plain string."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str):
            data = data.replace("\x00", "")
        return super().to_internal_value(data)
