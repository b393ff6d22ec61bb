"""Keep the index in sync with every ORM change of organisations and projects.

Receivers only schedule work (``transaction.on_commit``): a rolled-back change indexes
nothing, and the index reads the committed state.

Services that move records through conditional ``queryset.update()`` calls (no ``post_save``)
schedule the re-index themselves (organisations.services.search_reindex).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project

from .documents import ORGANISATION, PROJECT, schedule_sync


def organisation_changed(sender: Any, instance: Organisation, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: fixtures are indexed by rebuild_search_index
        return
    schedule_sync(ORGANISATION, [instance.pk])


def project_changed(sender: Any, instance: Project, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    schedule_sync(PROJECT, [instance.pk])


def project_territories_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        schedule_sync(PROJECT, [instance.pk])
    elif action == "post_clear":
        # A region or department lost all its projects: we no longer know which.
        schedule_sync(PROJECT, Project.objects.values_list("pk", flat=True))
    elif pk_set:
        schedule_sync(PROJECT, pk_set)


def connect() -> None:
    post_save.connect(organisation_changed, sender=Organisation, dispatch_uid="search_org_save")
    post_delete.connect(organisation_changed, sender=Organisation, dispatch_uid="search_org_delete")
    post_save.connect(project_changed, sender=Project, dispatch_uid="search_project_save")
    post_delete.connect(project_changed, sender=Project, dispatch_uid="search_project_delete")
    for through in (Project.regions.through, Project.departments.through):
        m2m_changed.connect(
            project_territories_changed,
            sender=through,
            dispatch_uid=f"search_project_territories_{through._meta.model_name}",
        )
