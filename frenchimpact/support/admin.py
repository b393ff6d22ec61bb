"""Read-mostly admin of the support domain: edits go through the member pages (services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Offer, OfferRequest, SupportProfile


@admin.register(SupportProfile)
class SupportProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "typology", "covers_france", "updated_at")
    list_filter = ("typology", "covers_france")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "offer_type", "status", "suspended_until", "updated_at")
    list_filter = ("offer_type", "status", "zone_france")
    search_fields = ("name", "provider__name")
    list_select_related = ("provider",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Offers leave the public set by archiving (services), which API reusers see as a
        # withdrawal in the synchronisation listing; a deletion would leave no trace.
        return False


@admin.register(OfferRequest)
class OfferRequestAdmin(admin.ModelAdmin):
    list_display = ("offer", "requester", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("offer", "requester")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
