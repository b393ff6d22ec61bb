"""What the platform indexes: organisations and projects as search documents, kept in sync.

A record is in the index only while the public may see it (``published()``); re-indexing
re-reads the records (``load``, registered with the engine) and adds the published ones,
removing the others. Writes that bypass signals (``queryset.update()``, ``bulk_create``:
imports, conditional transitions, demo data) must call ``schedule_sync`` (or
``sync_organisations`` / ``sync_projects``) inside their transaction with the ids they touched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet

from frenchimpact.organisations.enums import EssFamily, OrganisationKind
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import Challenge, Sdg, Stage
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department

from . import engine

ORGANISATION = "organisation"
PROJECT = "projet"

# Facet names are the public contract (query parameters of the directory and the API).
NATIONAL = "nationale"  # region/departement value of projects acting nationwide
YES, NO = "oui", "non"
ORGANISATION_FACETS = ("region", "departement", "famille_ess", "type", "membre_communaute")
PROJECT_FACETS = (
    "region",
    "departement",
    "defi",
    "odd",
    "stade",
    "famille_ess",
    "membre_communaute",
)
BATCH_SIZE = engine.BATCH_SIZE


def _join(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def _membership(organisation: Organisation) -> str:
    return YES if organisation.charter_accepted_at is not None else NO


def organisation_document(organisation: Organisation) -> engine.Document:
    """Needs ``department`` and ``region`` selected."""
    department, region = organisation.department, organisation.region
    return engine.Document(
        kind=ORGANISATION,
        object_id=organisation.pk,
        title=_join(organisation.name, organisation.acronym),
        text=_join(
            organisation.description,
            organisation.legal_form_label,
            organisation.commune_name,
            department.nom if department else None,
            region.nom if region else None,
            organisation.siren,
            " ".join(organisation.kind_labels()),
        ),
        sort_key=organisation.name,
        published_at=organisation.published_at,
        facets={
            "region": [region.code] if region else [],
            "departement": [department.code] if department else [],
            "famille_ess": [organisation.ess_family or EssFamily.UNKNOWN],
            "type": [kind for kind in organisation.kinds if kind in OrganisationKind.values],
            "membre_communaute": [_membership(organisation)],
        },
    )


def project_document(project: Project) -> engine.Document:
    """Needs ``organisation`` (with its department and region) selected, and ``regions`` and
    ``departments`` (with their region) prefetched."""
    organisation = project.organisation
    departments = list(project.departments.all())
    regions = {region.code: region.nom for region in project.regions.all()}
    for department in departments:
        regions.setdefault(department.region.code, department.region.nom)
    region_values = list(regions)
    department_values = [department.code for department in departments]
    if project.is_national:
        region_values.append(NATIONAL)
        department_values.append(NATIONAL)
    elif not region_values:
        # No territory of operation: listed where the organisation is.
        if organisation.region:
            region_values.append(organisation.region.code)
        if organisation.department:
            department_values.append(organisation.department.code)
    return engine.Document(
        kind=PROJECT,
        object_id=project.pk,
        title=project.title,
        text=_join(
            project.summary,
            project.description,
            organisation.name,
            organisation.acronym,
            project.beneficiaries_unit,
            " ".join(regions.values()),
            " ".join(department.nom for department in departments),
        ),
        sort_key=project.title,
        published_at=project.published_at,
        facets={
            "region": region_values,
            "departement": department_values,
            "defi": [code for code in project.challenges if code in Challenge.values],
            "odd": [str(number) for number in project.sdgs if number in Sdg.values],
            "stade": [project.stage] if project.stage in Stage.values else [],
            "famille_ess": [organisation.ess_family or EssFamily.UNKNOWN],
            "membre_communaute": [_membership(organisation)],
        },
    )


def indexable_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.published().select_related("department", "region").order_by("pk")


def indexable_projects() -> QuerySet[Project]:
    return (
        Project.objects.published()
        .select_related("organisation__department", "organisation__region")
        .prefetch_related(
            "regions",
            Prefetch("departments", queryset=Department.objects.select_related("region")),
        )
        .order_by("pk")
    )


def _stream(
    queryset: QuerySet[Any], build: Callable[[Any], engine.Document], batch_size: int
) -> Iterator[engine.Document]:
    for record in queryset.iterator(chunk_size=batch_size):
        yield build(record)


def all_documents(*, batch_size: int = BATCH_SIZE) -> Iterator[engine.Document]:
    """Every document of the platform, streamed (iterator(): memory stays flat)."""
    yield from _stream(indexable_organisations(), organisation_document, batch_size)
    yield from _stream(indexable_projects(), project_document, batch_size)


def rebuild(*, batch_size: int = BATCH_SIZE) -> int:
    return engine.rebuild(all_documents(batch_size=batch_size), batch_size=batch_size)


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load_projects(ids: list[int]) -> Iterator[tuple[str, list[int], list[engine.Document]]]:
    """The documents of the indexable projects among ``ids`` (the others leave the index)."""
    yield PROJECT, ids, [project_document(p) for p in indexable_projects().filter(pk__in=ids)]


def load_organisations(
    ids: list[int], *, batch_size: int = BATCH_SIZE
) -> Iterator[tuple[str, list[int], list[engine.Document]]]:
    """The organisations among ``ids``, then all their projects (which show the
    organisation's name, family, membership and publication)."""
    yield (
        ORGANISATION,
        ids,
        [organisation_document(o) for o in indexable_organisations().filter(pk__in=ids)],
    )
    project_ids = (
        Project.objects.filter(organisation_id__in=ids).order_by("pk").values_list("pk", flat=True)
    )
    for chunk in _chunks(project_ids.iterator(chunk_size=batch_size), batch_size):
        yield from load_projects(chunk)


def load(kind: str, ids: list[int]) -> Iterator[tuple[str, list[int], list[engine.Document]]]:
    return load_organisations(ids) if kind == ORGANISATION else load_projects(ids)


def count() -> int:
    """How many documents a full build would index (two counts on indexed columns)."""
    return indexable_organisations().count() + indexable_projects().count()


engine.register_source(load=load, all_documents=all_documents, count=count)


def sync_projects(ids: Iterable[int], *, batch_size: int = BATCH_SIZE) -> None:
    """Re-index these projects: published ones in, the others (or deleted ones) out.

    With the embedded index: change-log rows in the current transaction (cheap: no record is
    read), applied by every node; with the database engine: re-read and written now."""
    for chunk in _chunks(dict.fromkeys(ids), batch_size):
        engine.changed(PROJECT, chunk)


def sync_organisations(ids: Iterable[int], *, batch_size: int = BATCH_SIZE) -> None:
    """Re-index these organisations and all their projects (as ``sync_projects``)."""
    for chunk in _chunks(dict.fromkeys(ids), batch_size):
        engine.changed(ORGANISATION, chunk)


# --- Scheduling (signals, services) ---------------------------------------------------------

_deferred = threading.local()


def _run_sync(kind: str, ids: list[int]) -> None:
    sync = sync_organisations if kind == ORGANISATION else sync_projects
    try:
        with transaction.atomic():
            sync(ids)
    except IntegrityError:
        # A concurrent re-index of the same record committed first (PostgreSQL, database
        # engine): once more.
        with transaction.atomic():
            sync(ids)


def _when_committed(kind: str, ids: list[int]) -> None:
    if not ids:
        return
    if engine.uses_change_log():
        # In the caller's transaction: a rollback removes the rows, a commit keeps them.
        _run_sync(kind, ids)
    else:
        transaction.on_commit(lambda: _run_sync(kind, ids))


def schedule_sync(kind: str, ids: Iterable[int]) -> None:
    """Re-index these records as part of the current transaction: nothing happens if it rolls
    back. Embedded index: change-log rows written now, in the transaction; database engine:
    re-indexed once the transaction commits (at once outside one)."""
    ids = list(ids)
    pending: dict[str, set[int]] | None = getattr(_deferred, "pending", None)
    if pending is not None:
        pending[kind].update(ids)
        return
    _when_committed(kind, ids)


@contextmanager
def deferred_sync() -> Iterator[None]:
    """Collect the re-indexing that saves would schedule, and schedule it in batches at the
    end (for scripts saving many records: demo data, imports through the ORM)."""
    if getattr(_deferred, "pending", None) is not None:  # nested: the outer one syncs
        yield
        return
    _deferred.pending = {ORGANISATION: set(), PROJECT: set()}
    try:
        yield
        pending = _deferred.pending
    finally:
        _deferred.pending = None
    _when_committed(ORGANISATION, sorted(pending[ORGANISATION]))
    _when_committed(PROJECT, sorted(pending[PROJECT]))
