"""Public pages of the label register: the list, the verification page, the certificate,
and the overview of a territory (also shown on the territories' pages)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from frenchimpact.directory import selectors as directory_selectors
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.search.documents import PROJECT
from frenchimpact.support.enums import Typology
from frenchimpact.support.models import Offer
from frenchimpact.territories.models import Department, Region

from .enums import LabelKind, TerritoryLevel
from .models import Label
from .register_selectors import (
    EffectiveStatus,
    apply_register_filters,
    effective_status,
    labels_for_register,
    last_valid_day,
    paris_today,
    qr_svg,
    register_filters,
    status_counts,
    valid_on,
    verification_url,
)

PAGE_SIZE = 20
TERRITORY_LIST_SIZE = 10


@dataclass(frozen=True)
class TerritoryOverview:
    support_labels: list[Label]
    support_count: int
    territory_labels: list[Label]
    offers: list[Offer]
    offers_count: int
    projects: list[Any]
    projects_count: int
    projects_url: str


def territory_overview(
    *, region: Region | None = None, department: Department | None = None
) -> TerritoryOverview:
    """What the platform knows of a region or a department, in a fixed number of queries:
    the support structures labelled and located there, the territory labels granted for it,
    the offers covering it, and the directory's projects acting there (through the search)."""
    assert (region is None) != (department is None)
    today = paris_today()
    labels = labels_for_register(today).filter(
        valid_on(today), holder__status=ModerationStatus.PUBLISHED
    )
    support = labels.filter(kind=LabelKind.SUPPORT_STRUCTURE).order_by("holder__name", "pk")
    offers = Offer.objects.public().select_related("provider")
    if region is not None:
        support = support.filter(holder__region=region)
        territory = labels.filter(
            kind=LabelKind.TERRITORY,
            territory_level=TerritoryLevel.REGION,
            territory_code=region.code,
        )
        covered = Q(zone_france=True) | Q(
            pk__in=Offer.covered_departments.through.objects.filter(
                department__region=region
            ).values("offer_id")
        )
        search_filter, code = "region", region.code
    else:
        assert department is not None
        support = support.filter(holder__department=department)
        territory = labels.filter(
            kind=LabelKind.TERRITORY,
            territory_level=TerritoryLevel.DEPARTMENT,
            territory_code=department.code,
        )
        covered = Q(zone_france=True) | Q(
            pk__in=Offer.covered_departments.through.objects.filter(department=department).values(
                "offer_id"
            )
        )
        search_filter, code = "departement", department.code
    offers = offers.filter(covered).order_by("name", "pk")
    projects = directory_selectors.search(
        PROJECT, filters={search_filter: [code]}, limit=TERRITORY_LIST_SIZE
    )
    return TerritoryOverview(
        support_labels=list(support[:TERRITORY_LIST_SIZE]),
        support_count=support.count(),
        territory_labels=list(territory.order_by("-valid_from", "pk")),
        offers=list(offers[:TERRITORY_LIST_SIZE]),
        offers_count=offers.count(),
        projects=projects.objects,
        projects_count=projects.total,
        projects_url=reverse("directory:index") + "?" + urlencode({search_filter: code}),
    )


def label_territory(label: Label) -> Region | Department | None:
    """The region or department whose lists a territory label's page shows: its own for a
    region or department label; for a commune, its department; for an EPCI, the department of
    its communes (or the label's region when the EPCI's communes are not imported)."""
    if label.kind != LabelKind.TERRITORY or not label.territory_code:
        return None
    code = label.territory_code
    departments = Department.objects.select_related("region")
    if label.territory_level == TerritoryLevel.REGION:
        return Region.objects.filter(code=code).first()
    if label.territory_level == TerritoryLevel.DEPARTMENT:
        return departments.filter(code=code).first()
    if label.territory_level == TerritoryLevel.COMMUNE:
        found = departments.filter(communes__code=code).first()
        # A commune's INSEE code starts with its department's (3 digits overseas).
        return (
            found
            or departments.filter(code=code[:3] if code.startswith("97") else code[:2]).first()
        )
    if label.territory_level == TerritoryLevel.EPCI:
        found = departments.filter(communes__epci__code=code).first()
        return found or label.region
    return None


# --- Views ----------------------------------------------------------------------------------


def _parse_filters(query: QueryDict) -> dict[str, str]:
    """The register's filters from the query string; unknown values are ignored (HTML forms)."""
    filters = {}
    for name, choices in register_filters().items():
        value = query.get(name, "")
        if value in {code for code, _label in choices}:
            filters[name] = value
    return filters


@require_safe
def register_list(request: HttpRequest) -> HttpResponse:
    """The public register: every label, its status today, filters and pagination
    (4 queries: count, status counts, page, and the session's)."""
    today = paris_today()
    filters = _parse_filters(request.GET)
    queryset = apply_register_filters(labels_for_register(today), filters).order_by(
        "-valid_from", "-pk"
    )
    counts = status_counts(
        apply_register_filters(
            labels_for_register(today),
            {name: value for name, value in filters.items() if name != "statut"},
        )
    )
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    labels = list(page.object_list)
    for label in labels:
        label.effective_status = effective_status(label, today)
        label.last_day = last_valid_day(label)
        label.effective_status_label = EffectiveStatus.labels[label.effective_status]
    base = dict(filters)
    filter_blocks = [
        {
            "name": name,
            "label": label,
            "options": [
                {"value": code, "label": text, "selected": filters.get(name) == code}
                for code, text in register_filters()[name]
            ],
        }
        for name, label in (
            ("type", _("Type de label")),
            ("typologie", _("Typologie")),
            ("region", _("Région")),
            ("statut", _("Statut aujourd’hui")),
        )
    ]

    def page_url(number: int) -> str:
        params = {**base, "page": str(number)} if number > 1 else base
        return f"{request.path}?{urlencode(params)}" if params else request.path

    return render(
        request,
        "labels/register/list.html",
        {
            "today": today,
            "labels": labels,
            "page": page,
            "total": paginator.count,
            "status_counts": [
                {
                    "code": code,
                    "label": EffectiveStatus.labels[code],
                    "count": counts[code],
                    "url": f"{request.path}?{urlencode({**base, 'statut': code})}",
                }
                for code in EffectiveStatus.values
            ],
            "filter_blocks": filter_blocks,
            "filters": filters,
            "previous_url": page_url(page.number - 1) if page.has_previous() else None,
            "next_url": page_url(page.number + 1) if page.has_next() else None,
        },
    )


def _label_context(label: Label, today: dt.date) -> dict[str, Any]:
    status = effective_status(label, today)
    return {
        "label": label,
        "today": today,
        "status": status,
        "status_label": EffectiveStatus.labels[status],
        "last_day": last_valid_day(label),
        "is_valid": status == EffectiveStatus.VALID,
        "holder_published": label.holder.status == ModerationStatus.PUBLISHED,
        "typology_label": dict(Typology.choices).get(label.typology, ""),
        "verification_url": verification_url(label),
    }


def _get_label(token: Any) -> Label:
    return get_object_or_404(
        Label.objects.select_related("holder", "region", "renewed_by", "renews"),
        verification_token=token,
    )


@require_safe
def verify(request: HttpRequest, token: Any) -> HttpResponse:
    """The stable verification page of a label: is it valid today? (computed at the visit)."""
    label = _get_label(token)
    context = _label_context(label, paris_today())
    territory = label_territory(label)
    if territory is not None:
        context["territory"] = territory
        context["overview"] = (
            territory_overview(region=territory)
            if isinstance(territory, Region)
            else territory_overview(department=territory)
        )
    return render(request, "labels/register/verify.html", context)


@require_safe
def certificate(request: HttpRequest, token: Any) -> HttpResponse:
    """The printable certificate, with a QR code of the verification page's absolute link."""
    label = _get_label(token)
    context = _label_context(label, paris_today())
    context["qr_svg"] = qr_svg(context["verification_url"])
    return render(request, "labels/register/certificate.html", context)
