"""Reads of the label domain: lists with the joins they need (fixed number of queries)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .enums import ApplicationStatus
from .models import ApplicationAttachment, ApplicationRevision, Label, LabelApplication


def applications_of_user(*, user: Any) -> QuerySet[LabelApplication]:
    """Applications of the organisations the user is a member of, newest first."""
    return (
        LabelApplication.objects.filter(organisation__memberships__user=user)
        .select_related("organisation", "renewal_of")
        .annotate(revision_count=Count("revisions", distinct=True))
        .order_by("-updated_at", "-pk")
    )


def application_for_page(*, pk: int) -> LabelApplication | None:
    """One application with its organisation (and members), revisions and their files."""
    return (
        LabelApplication.objects.select_related(
            "organisation", "renewal_of", "decided_by", "created_by"
        )
        .prefetch_related(
            "organisation__memberships",
            Prefetch(
                "revisions",
                queryset=ApplicationRevision.objects.order_by("number").prefetch_related(
                    Prefetch("attachments", queryset=ApplicationAttachment.objects.order_by("pk"))
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def staff_queue(*, status: str = "", kind: str = "", text: str = "") -> QuerySet[LabelApplication]:
    """The staff queue: applications by state and kind, searched by organisation name."""
    queryset = LabelApplication.objects.select_related("organisation", "renewal_of").annotate(
        revision_count=Count("revisions", distinct=True)
    )
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if text:
        queryset = queryset.filter(
            Q(organisation__name__icontains=text) | Q(organisation__acronym__icontains=text)
        )
    return queryset.order_by("-updated_at", "-pk")


def staff_status_counts(*, kind: str = "") -> dict[str, int]:
    """{status: count} for every application status (zeros included), one query."""
    queryset = LabelApplication.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    counts = dict(queryset.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in ApplicationStatus.values}


def labels_of_organisation(*, organisation: Any) -> QuerySet[Label]:
    return Label.objects.filter(holder=organisation).order_by("-valid_from")
