"""Django admin for projects; states move only through the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "status", "stage", "updated_at")
    list_filter = ("status", "stage", "is_national")
    search_fields = ("title", "organisation__name")
    raw_id_fields = ("organisation",)
    readonly_fields = (
        "status",
        "moderation_reason",
        "published_at",
        "pending_changes",
        "pending_changes_at",
        "pending_changes_by",
        "created_by",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        # Every write goes through the services (moderation, audit, search index).
        return [field.name for field in Project._meta.fields] + ["regions", "departments"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Records leave the public set through the services (unpublish, archive), which keep
        # the audit trail and let API reusers see the withdrawal (synchronisation tombstones).
        return False
