"""Public directory pages: faceted search of projects and organisations, details, map."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from frenchimpact.organisations.enums import Source
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Sdg
from frenchimpact.projects.models import Project
from frenchimpact.search import engine
from frenchimpact.search.documents import ORGANISATION, PROJECT
from frenchimpact.support.selectors import support_profile_for_display

from . import selectors

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
SOURCE_NOTICES = {
    Source.SIRENE: gettext_lazy("Fiche importée du répertoire SIRENE — non revendiquée"),
    Source.RNA: gettext_lazy(
        "Fiche importée du Répertoire national des associations — non revendiquée"
    ),
}


# --- Search pages ---------------------------------------------------------------------------


def parse_search(query: QueryDict, kind: str) -> dict[str, Any]:
    """The search state from the query string; unknown values are ignored (HTML forms)."""
    facets = selectors.facets_of(kind)
    filters: dict[str, list[str]] = {}
    for name, facet in facets.items():
        accepted = set(facet.values)
        values = [
            value for raw in query.getlist(name) for value in raw.split(",") if value in accepted
        ]
        if values:
            filters[name] = list(dict.fromkeys(values))
    q = query.get("q", "").strip()[:MAX_QUERY_LENGTH]
    sort = query.get("tri", "")
    if sort not in engine.SORTS or (sort == engine.SORT_RELEVANCE and not engine.query_words(q)):
        sort = engine.SORT_RELEVANCE if engine.query_words(q) else engine.SORT_RECENT
    page_raw = query.get("page", "1")
    page = int(page_raw) if page_raw.isdigit() and int(page_raw) >= 1 else 1
    return {"q": q, "filters": filters, "sort": sort, "page": min(page, settings.API_MAX_PAGE)}


def _state_params(state: dict[str, Any], **changes: Any) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    q = changes.get("q", state["q"])
    if q:
        params.append(("q", q))
    filters = changes.get("filters", state["filters"])
    for name, values in filters.items():
        params += [(name, value) for value in values]
    sort = changes.get("sort", state["sort"])
    default_sort = engine.SORT_RELEVANCE if engine.query_words(q) else engine.SORT_RECENT
    if sort != default_sort:
        params.append(("tri", sort))
    page = changes.get("page", state["page"])
    if page > 1:
        params.append(("page", str(page)))
    return params


def _url(path: str, state: dict[str, Any], **changes: Any) -> str:
    params = _state_params(state, **changes)
    return f"{path}?{urlencode(params)}" if params else path


def _facet_blocks(kind: str, state: dict[str, Any], counts: dict[str, dict[str, int]]) -> list:
    blocks = []
    for name, facet in selectors.facets_of(kind).items():
        selected = set(state["filters"].get(name, []))
        options = [
            {
                "value": value,
                "label": label,
                "count": counts.get(name, {}).get(value, 0),
                "checked": value in selected,
                "id": f"filtre-{name}-{value}",
            }
            for value, label in facet.choices
            if counts.get(name, {}).get(value) or value in selected
        ]
        if options:
            blocks.append({"name": name, "label": facet.label, "options": options})
    return blocks


def _active_filters(path: str, kind: str, state: dict[str, Any]) -> list[dict[str, Any]]:
    active = []
    for name, facet in selectors.facets_of(kind).items():
        labels = dict(facet.choices)
        for value in state["filters"].get(name, []):
            remaining = {
                key: [v for v in values if not (key == name and v == value)]
                for key, values in state["filters"].items()
            }
            active.append(
                {
                    "label": f"{facet.label} : {labels[value]}",
                    "url": _url(path, state, filters=remaining, page=1),
                }
            )
    return active


def _pages(path: str, state: dict[str, Any], total: int) -> dict[str, Any] | None:
    last = min(max(1, -(-total // PAGE_SIZE)), settings.API_MAX_PAGE)
    if last == 1:
        return None
    current = state["page"]
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    return {
        "current": current,
        "last": last,
        "first_url": _url(path, state, page=1),
        "last_url": _url(path, state, page=last),
        "previous_url": _url(path, state, page=current - 1) if current > 1 else None,
        "next_url": _url(path, state, page=current + 1) if current < last else None,
        "links": [
            {"number": n, "url": _url(path, state, page=n), "gap_before": i and n - prev > 1}
            for i, (n, prev) in enumerate(zip(numbers, [0, *numbers], strict=False))
        ],
    }


def count_label(kind: str, count: int) -> str:
    """« aucun projet », « 1 projet », « 1 234 projets » (French: no plural for zero)."""
    if count == 0:
        return _("aucun projet") if kind == PROJECT else _("aucune structure")
    if kind == PROJECT:
        text = ngettext("%(count)s projet", "%(count)s projets", count)
    else:
        text = ngettext("%(count)s structure", "%(count)s structures", count)
    return text % {"count": f"{count:,}".replace(",", "\u202f")}


def _search_page(request: HttpRequest, kind: str) -> HttpResponse:
    path = request.path
    state = parse_search(request.GET, kind)
    result = selectors.search(
        kind,
        q=state["q"],
        filters=state["filters"],
        sort=state["sort"],
        offset=(state["page"] - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    sort_options = [
        {"value": value, "label": label, "selected": value == state["sort"]}
        for value, label in selectors.SORT_LABELS.items()
        if value != engine.SORT_RELEVANCE or engine.query_words(state["q"])
    ]
    context = {
        "kind": kind,
        "state": state,
        "results": result.objects,
        "total": result.total,
        "total_label": capfirst(count_label(kind, result.total)),
        "facet_blocks": _facet_blocks(kind, state, result.facets),
        "active_filters": _active_filters(path, kind, state),
        "clear_url": path,
        "sort_options": sort_options,
        "pagination": _pages(path, state, result.total),
        "first_page_url": _url(path, state, page=1),
        "projects_url": _url(reverse("directory:index"), state, filters={}, page=1),
        "organisations_url": _url(
            reverse("directory:organisation_list"), state, filters={}, page=1
        ),
    }
    return render(request, "directory/search.html", context)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Search of the published projects (the directory's first tab)."""
    return _search_page(request, PROJECT)


@require_safe
def organisation_list(request: HttpRequest) -> HttpResponse:
    """Search of the published organisations."""
    return _search_page(request, ORGANISATION)


# --- Detail pages ---------------------------------------------------------------------------


def safe_links(links: Any) -> list[dict[str, str]]:
    """A project's links as {url, titre}, http(s) only (never javascript: or data:)."""
    cleaned = []
    for link in links if isinstance(links, list) else []:
        if isinstance(link, str):
            url, title = link, ""
        elif isinstance(link, dict):
            url = str(link.get("url", ""))
            title = str(link.get("titre") or link.get("label") or link.get("title") or "")
        else:
            continue
        if urlsplit(url).scheme in ("http", "https"):
            cleaned.append({"url": url, "titre": title or url})
    return cleaned


def organisation_json_ld(organisation: Organisation, url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": organisation.name,
        "url": url,
    }
    if organisation.acronym:
        data["alternateName"] = organisation.acronym
    if organisation.description:
        data["description"] = organisation.description
    if organisation.website:
        data["sameAs"] = organisation.website
    if organisation.creation_date:
        data["foundingDate"] = organisation.creation_date.isoformat()
    if organisation.siren:
        data["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "SIREN",
            "value": organisation.siren,
        }
    if organisation.commune_name or organisation.postal_code:
        data["address"] = {
            "@type": "PostalAddress",
            "addressLocality": organisation.commune_name,
            "postalCode": organisation.postal_code,
            "addressRegion": organisation.region.nom if organisation.region else "",
            "addressCountry": "FR",
        }
    return data


def project_json_ld(project: Project, url: str, organisation_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Project",
        "name": project.title,
        "description": project.summary,
        "url": url,
        "parentOrganization": {
            "@type": "Organization",
            "name": project.organisation.name,
            "url": organisation_url,
        },
    }
    if project.start_year:
        data["foundingDate"] = str(project.start_year)
    areas = [region.nom for region in project.regions.all()] + [
        department.nom for department in project.departments.all()
    ]
    if project.is_national:
        areas.append("France")
    if areas:
        data["areaServed"] = areas
    return data


@require_safe
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(selectors.organisations_for_display(), pk=pk)
    url = request.build_absolute_uri(reverse("directory:organisation", args=[pk]))
    source_notice = None
    if organisation.source in SOURCE_NOTICES and not organisation.is_claimed:
        source_notice = SOURCE_NOTICES[Source(organisation.source)]
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "organisation": organisation,
            "projects": list(selectors.organisation_projects(organisation)[:100]),
            "source_notice": source_notice,
            "json_ld": organisation_json_ld(organisation, url),
            "support_profile": support_profile_for_display(organisation=organisation),
        },
    )


@require_safe
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(selectors.projects_for_display(with_territories=True), pk=pk)
    organisation_url = reverse("directory:organisation", args=[project.organisation_id])
    labels: dict[str, dict[Any, Any]] = {
        "challenges": dict(Challenge.choices),
        "needs": dict(Need.choices),
        "sdgs": dict(Sdg.choices),
    }
    return render(
        request,
        "directory/project_detail.html",
        {
            "project": project,
            "organisation": project.organisation,
            "organisation_url": organisation_url,
            "challenges": [
                labels["challenges"][c] for c in project.challenges if c in labels["challenges"]
            ],
            "needs": [labels["needs"][n] for n in project.needs if n in labels["needs"]],
            "sdgs": [(n, labels["sdgs"][n]) for n in project.sdgs if n in labels["sdgs"]],
            "budget": dict(BudgetBand.choices).get(project.budget_band, ""),
            "links": safe_links(project.links),
            "json_ld": project_json_ld(
                project,
                request.build_absolute_uri(reverse("directory:project", args=[pk])),
                request.build_absolute_uri(organisation_url),
            ),
        },
    )


# --- Map ------------------------------------------------------------------------------------

# DSFR "bleu France" scale, light to dark (contrast of the darkest with white text ≥ 4.5).
MAP_COLOURS = ("#f5f5fe", "#cacafb", "#a1a1f8", "#6a6af4", "#313178", "#000091")


def _bins(maximum: int) -> list[tuple[int, int]]:
    """Up to five ranges of counts (plus zero), with rounded bounds."""
    if maximum <= 0:
        return []
    step = max(1, -(-maximum // 5))
    return [
        (1 + i * step, min(maximum, (i + 1) * step)) for i in range(5) if 1 + i * step <= maximum
    ]


@require_safe
def region_map(request: HttpRequest) -> HttpResponse:
    """Published projects (or organisations) per region: a choropleth and its table."""
    kind = ORGANISATION if request.GET.get("objet") == "structures" else PROJECT
    counts = selectors.region_counts(kind)
    data = selectors.map_data()
    bins = _bins(max(counts.values(), default=0))
    list_url = reverse("directory:organisation_list" if kind == ORGANISATION else "directory:index")

    def colour(count: int) -> str:
        for index, (low, high) in enumerate(bins, start=1):
            if low <= count <= high:
                return MAP_COLOURS[index]
        return MAP_COLOURS[0]

    regions = []
    for code, shape in data["regions"].items():
        count = counts.get(code, 0)
        regions.append(
            {
                "code": code,
                "nom": shape["nom"],
                "d": shape["d"],
                "count": count,
                "colour": colour(count),
                "url": f"{list_url}?{urlencode({'region': code})}",
                "label": f"{shape['nom']} : {count_label(kind, count)}",
            }
        )
    regions.sort(key=lambda region: region["nom"])
    legend = [{"colour": MAP_COLOURS[0], "label": _("Aucun")}] + [
        {"colour": MAP_COLOURS[i], "label": f"{low} – {high}" if low != high else str(low)}
        for i, (low, high) in enumerate(bins, start=1)
    ]
    return render(
        request,
        "directory/map.html",
        {
            "kind": kind,
            "regions": regions,
            "insets": data["encarts"],
            "viewbox": data["viewbox"],
            "attribution": data["attribution"],
            "legend": legend,
            "national_count": counts.get("nationale", 0),
            "list_url": list_url,
        },
    )
