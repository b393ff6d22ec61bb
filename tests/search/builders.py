"""Minimal builders of published organisations and projects (until tests/organisations has
factories). The territories fixture must be loaded for region/department codes."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import Stage
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department, Region

_numbers = itertools.count(1)


def organisation(
    *, region: str | None = None, departement: str | None = None, **fields: Any
) -> Organisation:
    number = next(_numbers)
    fields.setdefault("name", f"Structure {number}")
    fields.setdefault("status", ModerationStatus.PUBLISHED)
    if fields["status"] == ModerationStatus.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    if departement:
        department = Department.objects.select_related("region").get(code=departement)
        fields["department"] = department
        fields.setdefault("region", department.region)
    if region:
        fields["region"] = Region.objects.get(code=region)
    return Organisation.objects.create(**fields)


def project(
    *,
    organisation_: Organisation | None = None,
    regions: list[str] = (),  # type: ignore[assignment]
    departements: list[str] = (),  # type: ignore[assignment]
    **fields: Any,
) -> Project:
    number = next(_numbers)
    fields.setdefault("title", f"Projet {number}")
    fields.setdefault("summary", f"Résumé du projet {number}")
    fields.setdefault("stage", Stage.EMERGENCE)
    fields.setdefault("status", ModerationStatus.PUBLISHED)
    if fields["status"] == ModerationStatus.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    created = Project.objects.create(organisation=organisation_ or organisation(), **fields)
    if regions:
        created.regions.set(Region.objects.filter(code__in=regions))
    if departements:
        created.departments.set(Department.objects.filter(code__in=departements))
    return created
