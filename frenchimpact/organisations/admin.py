"""Django admin for administrators: browsing and correcting records. States move only through
the services (the moderation pages, or the admin actions below), never by editing the field."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import JoinRequest, Membership, Organisation, OrganisationReport

STATE_FIELDS = (
    "status",
    "moderation_reason",
    "published_at",
    "pending_changes",
    "pending_changes_at",
    "pending_changes_by",
    "charter_accepted_at",
    "charter_accepted_by",
    "created_by",
    "source",
    "field_sources",
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "siren", "status", "source", "region", "updated_at")
    list_filter = ("status", "source", "ess_family", "region")
    search_fields = ("name", "acronym", "siren", "rna")
    readonly_fields = STATE_FIELDS
    raw_id_fields = ("department", "region")
    inlines = [MembershipInline]
    actions = ["approve"]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        # Every write goes through the services (moderation, audit, derived fields, search
        # index): the admin browses, and its actions call the services.
        return [field.name for field in Organisation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Records leave the public set through the services (unpublish, archive), which keep
        # the audit trail and let API reusers see the withdrawal (synchronisation tombstones).
        return False

    @admin.action(description=_("Publier les structures sélectionnées (en attente)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        done = 0
        for organisation in queryset:
            try:
                services.organisation_approve(organisation=organisation, actor=request.user)
            except ValidationError:
                continue
            done += 1
        messages.info(request, _("%(n)d structure(s) publiée(s).") % {"n": done})


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("organisation", "user", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("organisation", "user", "decided_by")
    readonly_fields = ("status", "decided_by", "decided_at", "decision_reason")


@admin.register(OrganisationReport)
class OrganisationReportAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "status", "created_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("organisation", "reporter", "handled_by")
    readonly_fields = ("status", "handled_by", "handled_at", "resolution")
