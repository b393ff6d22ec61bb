"""Read-only admin: every change goes through the services (and their audit trail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ApplicationRevision, Label, LabelApplication


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = ApplicationRevision
    fields = ("number", "submitted_at", "submitted_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(LabelApplication)
class LabelApplicationAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "kind", "status", "submitted_at", "committee_date"]
    list_filter = ["kind", "status"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation"]
    inlines = [RevisionInline]


@admin.register(Label)
class LabelAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder", "kind", "status", "valid_from", "valid_until"]
    list_filter = ["kind", "status", "is_pilot_territory"]
    search_fields = ["number", "holder__name"]
    list_select_related = ["holder"]
