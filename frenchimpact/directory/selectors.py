"""Reads of the public directory: faceted searches, detail records, map counts.

Shared by the HTML pages and the API, so both offer exactly the same search. Everything
goes through the search engine (``frenchimpact.search.engine``) for the matching, counting
and ranking, then fetches one page of published records in a single query.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from frenchimpact.labels.register_selectors import with_label_badge
from frenchimpact.organisations.enums import EssFamily, OrganisationKind
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import Challenge, Sdg, Stage
from frenchimpact.projects.models import Project
from frenchimpact.search import engine
from frenchimpact.search.documents import (
    NATIONAL,
    NO,
    ORGANISATION,
    ORGANISATION_FACETS,
    PROJECT_FACETS,
    YES,
)
from frenchimpact.territories import reference
from frenchimpact.territories.models import Department

MAP_DATA = Path(__file__).resolve().parent / "data" / "regions_map.json"

SORT_LABELS = {
    engine.SORT_RELEVANCE: _("Pertinence"),
    engine.SORT_RECENT: _("Les plus récentes"),
    engine.SORT_NAME: _("Ordre alphabétique"),
}


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    label: Any
    choices: tuple[tuple[str, Any], ...]  # (value, label), in display order

    @property
    def values(self) -> list[str]:
        return [value for value, _label in self.choices]


def _regions(national: bool) -> tuple[tuple[str, Any], ...]:
    choices: list[tuple[str, Any]] = [(r.code, r.nom) for r in reference.REGIONS]
    if national:
        choices.append((NATIONAL, _("Action nationale")))
    return tuple(choices)


def _departments(national: bool) -> tuple[tuple[str, Any], ...]:
    choices: list[tuple[str, Any]] = [
        (d.code, f"{d.nom} ({d.code})") for d in reference.DEPARTMENTS
    ]
    if national:
        choices.append((NATIONAL, _("Action nationale")))
    return tuple(choices)


_MEMBERSHIP = ((YES, _("Oui")), (NO, _("Non")))


@cache
def facets_of(kind: str) -> dict[str, Facet]:
    if kind == ORGANISATION:
        facets = [
            Facet("region", _("Région"), _regions(national=False)),
            Facet("departement", _("Département"), _departments(national=False)),
            Facet("famille_ess", _("Famille de l’ESS"), tuple(EssFamily.choices)),
            Facet("type", _("Type d’acteur"), tuple(OrganisationKind.choices)),
            Facet("membre_communaute", _("Membre de la communauté"), _MEMBERSHIP),
        ]
        assert tuple(f.name for f in facets) == ORGANISATION_FACETS
    else:
        facets = [
            Facet("region", _("Région d’action"), _regions(national=True)),
            Facet("departement", _("Département d’action"), _departments(national=True)),
            Facet("defi", _("Défi"), tuple(Challenge.choices)),
            Facet("odd", _("Objectif de développement durable"), _sdgs()),
            Facet("stade", _("Stade"), tuple(Stage.choices)),
            Facet("famille_ess", _("Famille de l’ESS de la structure"), tuple(EssFamily.choices)),
            Facet("membre_communaute", _("Structure membre de la communauté"), _MEMBERSHIP),
        ]
        assert tuple(f.name for f in facets) == PROJECT_FACETS
    return {facet.name: facet for facet in facets}


def _sdgs() -> tuple[tuple[str, Any], ...]:
    return tuple((str(value), f"{value}. {label}") for value, label in Sdg.choices)


@dataclass(frozen=True)
class SearchPage:
    ids: list[int]
    objects: list[Any]  # empty when not fetched
    total: int
    facets: dict[str, dict[str, int]]
    scope_total: int
    last_modified: dt.datetime | None


def organisations_for_display() -> QuerySet[Organisation]:
    """Published organisations, with ``is_labelled`` (a French IMPACT label valid today)."""
    return with_label_badge(Organisation.objects.published().select_related("department", "region"))


def projects_for_display(*, with_territories: bool = False) -> QuerySet[Project]:
    queryset = Project.objects.published().select_related("organisation")
    if with_territories:
        queryset = queryset.prefetch_related(
            "regions",
            Prefetch("departments", queryset=Department.objects.order_by("code")),
        )
    return queryset


def search(
    kind: str,
    *,
    q: str = "",
    filters: Mapping[str, Sequence[str]] | None = None,
    sort: str | None = None,
    offset: int = 0,
    limit: int = 20,
    queryset: QuerySet | None = None,
    fetch: bool = True,
) -> SearchPage:
    """One page of published organisations or projects, with total and facet counts.

    Queries: the engine's three, plus one for the page's records (and the queryset's
    prefetches). ``fetch=False`` skips the records (a conditional request answered 304).
    """
    if sort not in engine.SORTS:
        sort = engine.SORT_RELEVANCE if engine.query_words(q) else engine.SORT_RECENT
    result = engine.query(
        kind,
        q,
        filters or {},
        facets=tuple(facets_of(kind)),
        sort=sort,
        offset=offset,
        limit=limit,
    )
    if queryset is None:
        queryset = organisations_for_display() if kind == ORGANISATION else projects_for_display()
    return SearchPage(
        ids=result.ids,
        objects=fetch_in_order(queryset, result.ids) if fetch else [],
        total=result.total,
        facets=result.facets,
        scope_total=result.scope_total,
        last_modified=result.last_modified,
    )


def fetch_in_order(queryset: QuerySet, ids: list[int]) -> list[Any]:
    """The records of these ids, in this order (one query, plus the queryset's prefetches).

    The queryset must be restricted to published records: the index may lag a commit
    behind, and an unpublished record must never show.
    """
    if not ids:
        return []
    by_id = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def region_counts(kind: str) -> dict[str, int]:
    """Published records per region code (one statement, through the index)."""
    return engine.query(kind, "", facets=("region",), limit=0).facets["region"]


@cache
def map_data() -> dict[str, Any]:
    """The committed SVG map of the regions (built by scripts/build_map.py)."""
    return json.loads(MAP_DATA.read_text(encoding="utf-8"))


def organisation_projects(organisation: Organisation) -> QuerySet[Project]:
    """The organisation's published projects, latest first (one query)."""
    return (
        Project.objects.published()
        .filter(organisation=organisation)
        .order_by("-published_at", "pk")
    )
