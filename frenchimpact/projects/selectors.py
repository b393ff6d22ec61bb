"""Reads of the projects domain."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Membership

from .models import Project


def projects_of_user(*, user: Any) -> QuerySet[Project]:
    """Projects of every organisation the user is a member of (dashboard)."""
    organisation_ids = Membership.objects.filter(user=user).values("organisation_id")
    return (
        Project.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        .order_by("organisation__name", "title", "pk")
    )


def moderation_projects(
    *, status: str = ModerationStatus.PENDING, region: str = "", text: str = ""
) -> QuerySet[Project]:
    queryset = Project.objects.select_related("organisation")
    if status:
        queryset = queryset.filter(status=status)
    if region:
        # Acting in the region, or carried by an organisation based there.
        matching = Project.objects.filter(
            Q(regions__code=region) | Q(organisation__region__code=region)
        ).values("pk")
        queryset = queryset.filter(pk__in=matching)
    if text:
        queryset = queryset.filter(Q(title__icontains=text) | Q(organisation__name__icontains=text))
    return queryset.order_by("created_at", "pk")


def moderation_project_changes(*, region: str = "", text: str = "") -> QuerySet[Project]:
    queryset = Project.objects.filter(pending_changes_at__isnull=False).select_related(
        "organisation", "pending_changes_by"
    )
    if region:
        matching = Project.objects.filter(
            Q(regions__code=region) | Q(organisation__region__code=region)
        ).values("pk")
        queryset = queryset.filter(pk__in=matching)
    if text:
        queryset = queryset.filter(title__icontains=text)
    return queryset.order_by("pending_changes_at", "pk")
