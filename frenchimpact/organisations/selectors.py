"""Reads of the organisations domain, with the joins their pages need (fixed query counts)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from .enums import JoinRequestStatus, MemberRole, ModerationStatus, ReportStatus, Source
from .models import JoinRequest, Membership, Organisation, OrganisationReport


def organisation_find_by_identifier(*, siren: str = "", rna: str = "") -> Organisation | None:
    """The organisation already on the platform with this SIREN or RNA number, in any state."""
    query = Q()
    if siren:
        query |= Q(siren=siren)
    if rna:
        query |= Q(rna=rna)
    if not query:
        return None
    return Organisation.objects.filter(query).order_by("pk").first()


def organisation_has_admin(*, organisation: Organisation) -> bool:
    return organisation.memberships.filter(role=MemberRole.ADMIN).exists()


def organisation_prefill_from_registry(*, siren: str) -> dict[str, Any]:
    """Initial values of the creation form from registry data already on the platform.

    The hook for the registry-import issue. Today every imported registry record becomes a
    published Organisation (organisation_publish_imported), so a SIREN found there leads to the
    join (claim) request rather than to this form, and nothing is left to prefill from. When the
    import keeps registry rows that are not published as organisations (a raw SIRENE stock
    table), look them up here and return {field: value} for the fields of REGISTRY_FIELDS.
    """
    return {}


def organisations_of_user(*, user: Any) -> QuerySet[Membership]:
    """The user's memberships with their organisation and what waits in each (dashboard)."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation", "organisation__region")
        .annotate(
            pending_requests=Count(
                "organisation__join_requests",
                filter=Q(organisation__join_requests__status=JoinRequestStatus.PENDING),
                distinct=True,
            )
        )
        .order_by("organisation__name", "organisation__pk")
    )


def join_requests_to_decide(*, user: Any) -> QuerySet[JoinRequest]:
    """Pending requests to join the organisations the user administers."""
    admin_of = Membership.objects.filter(user=user, role=MemberRole.ADMIN).values("organisation_id")
    return (
        JoinRequest.objects.filter(status=JoinRequestStatus.PENDING, organisation_id__in=admin_of)
        .select_related("organisation", "user")
        .order_by("created_at", "pk")
    )


def join_requests_of_user(*, user: Any) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(user=user, status=JoinRequestStatus.PENDING)
        .select_related("organisation")
        .order_by("-created_at", "pk")
    )


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("role", "user__email", "pk")


def organisation_for_member_page(*, pk: int) -> QuerySet[Organisation]:
    """One organisation with its memberships prefetched (for the permission checks)."""
    return Organisation.objects.filter(pk=pk).prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("user"))
    )


# --- Moderation queue -----------------------------------------------------------------------

QUEUE_ORGANISATIONS = "structure"
QUEUE_PROJECTS = "projet"
QUEUE_ORGANISATION_CHANGES = "modification_structure"
QUEUE_PROJECT_CHANGES = "modification_projet"
QUEUE_CLAIMS = "revendication"
QUEUE_REPORTS = "signalement"


def _has_admin_subquery() -> Exists:
    return Exists(
        Membership.objects.filter(
            organisation_id=OuterRef("organisation_id"), role=MemberRole.ADMIN
        )
    )


def moderation_organisations(
    *, status: str = ModerationStatus.PENDING, region: str = "", text: str = ""
) -> QuerySet[Organisation]:
    queryset = Organisation.objects.select_related("region", "department")
    if status:
        queryset = queryset.filter(status=status)
    if region:
        queryset = queryset.filter(region__code=region)
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(acronym__icontains=text))
    return queryset.order_by("created_at", "pk")


def moderation_organisation_changes(*, region: str = "", text: str = "") -> QuerySet[Organisation]:
    queryset = Organisation.objects.filter(pending_changes_at__isnull=False).select_related(
        "region", "pending_changes_by"
    )
    if region:
        queryset = queryset.filter(region__code=region)
    if text:
        queryset = queryset.filter(name__icontains=text)
    return queryset.order_by("pending_changes_at", "pk")


def moderation_claims(
    *, status: str = JoinRequestStatus.PENDING, region: str = "", text: str = ""
) -> QuerySet[JoinRequest]:
    """Join requests on organisations with no admin: programme staff decide them."""
    queryset = (
        JoinRequest.objects.annotate(organisation_has_admin=_has_admin_subquery())
        .filter(organisation_has_admin=False)
        .select_related("organisation", "organisation__region", "user")
    )
    if status:
        queryset = queryset.filter(status=status)
    if region:
        queryset = queryset.filter(organisation__region__code=region)
    if text:
        queryset = queryset.filter(organisation__name__icontains=text)
    return queryset.order_by("created_at", "pk")


def moderation_reports(
    *, status: str = ReportStatus.OPEN, region: str = "", text: str = ""
) -> QuerySet[OrganisationReport]:
    queryset = OrganisationReport.objects.select_related(
        "organisation", "organisation__region", "handled_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    if region:
        queryset = queryset.filter(organisation__region__code=region)
    if text:
        queryset = queryset.filter(organisation__name__icontains=text)
    return queryset.order_by("created_at", "pk")


def is_unclaimed_import(*, organisation: Organisation) -> bool:
    """An organisation imported from a registry that nobody has joined yet."""
    return organisation.source != Source.REGISTERED and not organisation.memberships.exists()
