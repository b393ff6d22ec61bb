"""Full synchronisation listings: /api/v1/synchronisation/<type>/.

For the types whose public list is a relevance search with a capped depth (organisations,
projects, offers), a listing of every public record in a stable order (cursor on the
identifier), each in the representation of the detail endpoint.

With ``modifie_depuis``, the listing holds the records changed since then **and the
withdrawals**: records that were public and no longer are (unpublished, withdrawn by a
registry, archived, their organisation unpublished…), as tombstones carrying only
``{"id", "retire": true, "modifie_le"}``. A record that was never public never appears, not
even as a tombstone. Hard deletes leave no row behind and cannot be reported (docs/api.md).

A view set declares three conditions (Q objects on its model) and the related timestamps:

* ``public``: the record is in the public set now (same rule as the detail endpoint);
* ``ever_public``: it was public at some time (its publication date is set…);
* ``modified_since(since)``: its representation, or its publicity, may have changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .filters import MODIFIED_SINCE, FiltresModifieDepuis
from .pagination import ListingPagination
from .views import ReadOnlyViewSet

PUBLIC_FLAG = "sync_public"
MODIFIED_AT = "sync_modified_at"


class IdPagination(ListingPagination):
    """Cursor on the identifier: unique and immutable, whatever changes meanwhile."""

    ordering = "id"


# No docstring: it would become the component's description in the public schema.
class RetraitSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Identifiant de l’enregistrement retiré."))
    retire = serializers.SerializerMethodField(
        help_text=_(
            "Toujours vrai : l’enregistrement a quitté l’ensemble public (dépublié, retiré, "
            "archivé) ; supprimez-le de votre copie."
        )
    )
    modifie_le = serializers.DateTimeField(
        source=MODIFIED_AT,
        help_text=_("Date et heure du dernier changement (heure de Paris avec son décalage)."),
    )

    @extend_schema_field({"type": "boolean", "enum": [True]})
    def get_retire(self, obj: Any) -> bool:
        return True


class SyncItemSerializer(serializers.Serializer):
    """A public record in its detail representation, or a tombstone (``RetraitSerializer``).

    The detail serializer is built once per response and reused for every record."""

    record_class: type[serializers.Serializer]

    def get_fields(self) -> dict[str, serializers.Field]:
        # The record's fields: the ETag hashes their names.
        return self.record_class().get_fields()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if getattr(instance, PUBLIC_FLAG, True):
            if not hasattr(self, "_record"):
                self._record = self.record_class(context=self.context)
            return self._record.to_representation(instance)
        if not hasattr(self, "_tombstone"):
            self._tombstone = RetraitSerializer(context=self.context)
        return self._tombstone.to_representation(instance)


def sync_item_serializer(record_class: type[serializers.Serializer]) -> type[SyncItemSerializer]:
    name = f"Synchronisation{record_class.__name__}"
    return type(name, (SyncItemSerializer,), {"record_class": record_class})


def sync_response(record_class: type[serializers.Serializer], component: str) -> Any:
    """The documented list item: the detail representation or a tombstone."""
    return PolymorphicProxySerializer(
        component_name=component,
        serializers=[record_class, RetraitSerializer],
        resource_type_field_name=None,
        many=True,
    )


class SynchronisationViewSet(ReadOnlyViewSet):
    """List only (routed with ``as_view({"get": "list"})``); see the module docstring."""

    pagination_class = IdPagination
    filter_serializer_class = FiltresModifieDepuis

    def public(self) -> Q:
        raise NotImplementedError

    def ever_public(self) -> Q:
        raise NotImplementedError

    def modified_at(self) -> Any:
        """The expression of the record's last change (shown in tombstones)."""
        return F("updated_at")

    def base_queryset(self) -> QuerySet:
        """Every row with what the detail representation needs (select/prefetch_related)."""
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        return self.base_queryset()

    def apply_all_filters(self, queryset: QuerySet) -> QuerySet:
        filters = self.get_filters()
        since: dt.datetime | None = filters.pop(MODIFIED_SINCE, None)
        queryset = self.apply_filters(queryset, filters).annotate(
            **{MODIFIED_AT: self.modified_at()}
        )
        if since is None:
            return queryset.filter(self.public())
        # Changed since, and public now or once: a tombstone for those that left.
        return queryset.filter(
            self.modified_since(since) & (self.public() | self.ever_public())
        ).annotate(**{PUBLIC_FLAG: ExpressionWrapper(self.public(), output_field=BooleanField())})

    def row_signature(self, obj: Any) -> str:
        """What, besides the identifier and the time of change, shows in an item and may
        change without them (an annotation computed at query time)."""
        return ""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Validators from the page itself, not from the whole listing.

        A full listing may hold a million rows: an aggregate over all of them on every page
        (the convention of ``ReadOnlyViewSet``) would cost a scan per request. A cursor page
        is one index range: it is fetched first (with its prefetches), then its validators
        are the identifiers, times of change and publicity of its rows and whether pages
        follow or precede; a 304 costs the page's queries and no serialization.
        """
        queryset = self.filter_queryset(self.get_queryset())
        paginator: IdPagination = self.paginator  # type: ignore[assignment]
        paginator.check_parameters(request)
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        last = max((getattr(obj, MODIFIED_AT) for obj in page), default=None)
        rows = ";".join(
            f"{obj.pk},{getattr(obj, MODIFIED_AT).isoformat()},"
            f"{int(getattr(obj, PUBLIC_FLAG, True))},{self.row_signature(obj)}"
            for obj in page
        )
        digest = hashlib.sha256(
            f"{paginator.has_next}|{paginator.has_previous}|{rows}".encode()
        ).hexdigest()
        not_modified, headers = self._conditional(*self._validators(last, len(page), digest))
        if not_modified is not None:
            return not_modified  # type: ignore[return-value]
        response = paginator.get_paginated_response(self.get_serializer(page, many=True).data)
        for name, value in headers.items():
            response[name] = value
        return response


def greatest_updated_at(*relations: str) -> Greatest:
    return Greatest("updated_at", *(f"{relation}__updated_at" for relation in relations))
