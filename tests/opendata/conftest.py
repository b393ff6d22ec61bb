"""Open-data tests: a small world with one published and one hidden record of each kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import frictionless
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from frenchimpact.calls.enums import ApplicationStatus
from frenchimpact.calls.models import CallApplication
from frenchimpact.labels.enums import LabelStatus
from frenchimpact.opendata.models import Publication
from frenchimpact.support.enums import OfferStatus

from ..calls.factories import make_application, make_call
from ..labels.factories import LabelFactory
from ..organisations.factories import (
    OrganisationFactory,
    ProjectFactory,
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    department,
    region,
)
from ..support.factories import OfferFactory, set_offer_zone


@pytest.fixture
def world(db):
    region("53", "Bretagne")
    department("35", "Ille-et-Vilaine", "53")
    published = PublishedOrganisationFactory.create(
        name="Les Jardins Partagés", contact_email="secret@jardins.fr", acronym="LJP"
    )
    hidden = OrganisationFactory.create(name="Structure en attente", contact_email="x@y.fr")
    project = PublishedProjectFactory.create(organisation=published, title="Potagers solidaires")
    project.departments.set([department("35", "Ille-et-Vilaine", "53")])
    ProjectFactory.create(organisation=published, title="Projet en modération")
    offer = OfferFactory.create(name="Incubateur ouvert", apply_email="perso@exemple.fr")
    set_offer_zone(offer, regions=["53"])
    OfferFactory.create(name="Offre archivée", status=OfferStatus.ARCHIVED)
    label = LabelFactory.create()
    revoked = LabelFactory.create(status=LabelStatus.REVOKED)
    call = make_call()
    laureate = make_application(call)
    CallApplication.objects.filter(pk=laureate.pk).update(
        status=ApplicationStatus.LAUREATE, decided_at=timezone.now()
    )
    embargoed = make_application(call)
    CallApplication.objects.filter(pk=embargoed.pk).update(
        status=ApplicationStatus.LAUREATE, decided_at=timezone.now(), decision_embargoed=True
    )
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at", "updated_at"])
    draft_call = make_call(slug="resultats-non-publies")
    unpublished = make_application(draft_call)
    CallApplication.objects.filter(pk=unpublished.pk).update(status=ApplicationStatus.LAUREATE)
    return {
        "published": published,
        "hidden": hidden,
        "project": project,
        "offer": offer,
        "label": label,
        "revoked": revoked,
        "call": call,
        "laureate": laureate,
        "embargoed": embargoed,
        "unpublished": unpublished,
    }


def stored_text(publication: Publication, fmt: str) -> str:
    with default_storage.open(publication.files[fmt]["name"], "rb") as handle:
        return handle.read().decode("utf-8")


def validate(tmp_path: Path, publication: Publication, fmt: str) -> Any:
    """The frictionless report of a stored file against the dataset's stored schema.json."""
    path = tmp_path / f"{publication.dataset}.{fmt}"
    path.write_text(stored_text(publication, fmt), encoding="utf-8")
    schema = json.loads(stored_text(publication, "schema"))
    resource = frictionless.Resource(
        path=path.name, basepath=str(tmp_path), schema=frictionless.Schema.from_descriptor(schema)
    )
    return resource.validate()


def errors(report: Any) -> list[Any]:
    return report.flatten(["rowNumber", "fieldName", "type", "note"])
