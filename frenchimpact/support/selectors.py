"""Reads of the support domain: public offers (search, detail), inboxes, member pages.

Each returns a QuerySet with what its page needs (select_related/prefetch_related and the
``labelled`` annotation), so that a page runs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from frenchimpact.labels.models import Label
from frenchimpact.labels.register_selectors import paris_today, valid_on
from frenchimpact.organisations.models import Membership, Organisation
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department

from .enums import RequestStatus
from .models import Offer, OfferRequest, SupportProfile


def labelled_subquery(
    organisation_ref: str = "provider", *, today: dt.date | None = None
) -> Exists:
    """True when the organisation holds a label valid today: the register's own rule
    (labels.register_selectors.valid_on), so the badge, the filter and the register agree."""
    today = today or paris_today()
    return Exists(Label.objects.filter(valid_on(today), holder_id=OuterRef(organisation_ref)))


def offers_for_display() -> QuerySet[Offer]:
    """Public offers with their provider, zone and whether the provider is labelled."""
    return (
        Offer.objects.public()
        .select_related("provider")
        .prefetch_related(
            Prefetch("zone_regions", queryset=_ordered_regions()),
            Prefetch("zone_departments", queryset=Department.objects.order_by("code")),
        )
        .annotate(labelled=labelled_subquery())
        .order_by("name", "pk")
    )


def _ordered_regions() -> QuerySet[Any]:
    from frenchimpact.territories.models import Region

    return Region.objects.order_by("code")


def _json_list_has(name: str, values: Sequence[str]) -> Q:
    """Rows whose JSON list ``name`` holds one of ``values``: a text match on the quoted code,
    which works on SQLite (no JSON ``contains`` there) and PostgreSQL alike; codes are
    snake_case words, none the quoted substring of another."""
    query = Q()
    for value in values:
        query |= Q(**{f"{name}__icontains": f'"{value}"'})
    return query


def offers_filter(
    queryset: QuerySet[Offer],
    *,
    types: Sequence[str] = (),
    department: str = "",
    region: str = "",
    stages: Sequence[str] = (),
    challenges: Sequence[str] = (),
    labelled: bool | None = None,
    q: str = "",
) -> QuerySet[Offer]:
    """Offers matching every given filter. A department (or region) matches offers open in
    all of France and those whose derived covered departments include it (or one of the
    region's)."""
    through = Offer.covered_departments.through
    if types:
        queryset = queryset.filter(offer_type__in=types)
    if department:
        queryset = queryset.filter(
            Q(zone_france=True)
            | Q(pk__in=through.objects.filter(department__code=department).values("offer_id"))
        )
    if region:
        queryset = queryset.filter(
            Q(zone_france=True)
            | Q(pk__in=through.objects.filter(department__region__code=region).values("offer_id"))
        )
    if stages:
        queryset = queryset.filter(_json_list_has("stages", stages))
    if challenges:
        queryset = queryset.filter(_json_list_has("challenges", challenges))
    if labelled is not None:
        subquery = labelled_subquery()
        queryset = queryset.filter(subquery if labelled else ~subquery)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return queryset


def offers_of_provider(*, organisation: Organisation) -> QuerySet[Offer]:
    """Every offer of an organisation (member page), archived last."""
    return (
        Offer.objects.filter(provider=organisation)
        .select_related("provider")
        .order_by("status", "name", "pk")
    )


def support_profile_for_display(*, organisation: Organisation) -> SupportProfile | None:
    """The public profile with its territories and published supported projects."""
    return (
        SupportProfile.objects.filter(organisation=organisation)
        .prefetch_related(
            Prefetch("regions", queryset=_ordered_regions()),
            Prefetch("departments", queryset=Department.objects.order_by("code")),
            Prefetch(
                "supported_projects",
                queryset=Project.objects.published().order_by("title", "pk"),
            ),
        )
        .first()
    )


def inbox(*, organisation: Organisation, status: str = "") -> QuerySet[OfferRequest]:
    """Requests received by the organisation's offers, newest first."""
    queryset = OfferRequest.objects.filter(offer__provider=organisation).select_related(
        "offer", "requester", "organisation", "project"
    )
    if status in RequestStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def requester_choices(*, user: Any) -> tuple[QuerySet[Organisation], QuerySet[Project]]:
    """The organisations and projects a person may send a request on behalf of."""
    organisation_ids = Membership.objects.filter(user=user).values("organisation_id")
    return (
        Organisation.objects.filter(pk__in=organisation_ids).order_by("name", "pk"),
        Project.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation")
        .order_by("title", "pk"),
    )
