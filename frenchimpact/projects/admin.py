"""Django admin for projects; states move only through the services."""

from __future__ import annotations

from django.contrib import admin

from .models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "status", "stage", "updated_at")
    list_filter = ("status", "stage", "is_national")
    search_fields = ("title", "organisation__name")
    raw_id_fields = ("organisation",)
    filter_horizontal = ("regions", "departments")
    readonly_fields = (
        "status",
        "moderation_reason",
        "published_at",
        "pending_changes",
        "pending_changes_at",
        "pending_changes_by",
        "created_by",
    )
