"""Reads of territories, each with the joins it needs (a fixed number of queries)."""

from __future__ import annotations

from django.db import models
from django.db.models import Prefetch

from . import reference
from .enums import TerritoryLevel
from .models import Commune, Department, Epci, Region

Territory = Region | Department | Commune | Epci

_MODELS: dict[str, type[Territory]] = {
    TerritoryLevel.REGION: Region,
    TerritoryLevel.DEPARTEMENT: Department,
    TerritoryLevel.COMMUNE: Commune,
    TerritoryLevel.EPCI: Epci,
}


def territory_get(*, level: TerritoryLevel, code: str) -> Territory:
    """The territory of this level with this code; raises the model's DoesNotExist.

    The level is mandatory: "75" is Nouvelle-Aquitaine as a region and Paris as a department.
    """
    model = _MODELS[TerritoryLevel(level)]
    return model.objects.get(code=code)


def region_for_former(value: str) -> Region:
    """Today's region for a pre-2016 (or current) region code or name, in one query.

    Raises reference.UnknownRegion when the value names no region.
    """
    return Region.objects.get(code=reference.current_region_code(value))


def regions_with_departments() -> models.QuerySet[Region]:
    """Regions ordered by code, their departments and each department's prefecture (3 queries)."""
    prefectures = Commune.objects.filter(is_prefecture=True).only("code", "nom", "department_id")
    departments = Department.objects.order_by("code").prefetch_related(
        Prefetch("communes", queryset=prefectures, to_attr="prefectures")
    )
    return Region.objects.order_by("code").prefetch_related(
        Prefetch("departments", queryset=departments)
    )


def departments_with_region() -> models.QuerySet[Department]:
    return Department.objects.select_related("region").order_by("code")
