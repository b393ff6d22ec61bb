"""``modifie_depuis`` on /api/v1/appels/ and /api/v1/appels/<id>/laureats/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from frenchimpact.calls.enums import ApplicationStatus
from frenchimpact.calls.models import Call, CallApplication
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project

from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
URL = "/api/v1/appels/"
DAY = dt.timedelta(days=1)


def _laureate(call, **extra):
    application = make_application(call)
    CallApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.LAUREATE, decided_at=timezone.now(), **extra
    )
    return application


def _age_everything():
    old = timezone.now() - 3 * DAY
    for model in (Call, CallApplication, Organisation, Project):
        model.objects.update(updated_at=old)


def test_calls_modified_edited_opened_or_closed_since(client):
    now = timezone.now()
    make_call(slug="ancien", opens_at=now - 60 * DAY, closes_at=now - 30 * DAY)
    opened = make_call(slug="ouvert-hier", opens_at=now - DAY / 2, closes_at=now + 30 * DAY)
    closed = make_call(slug="clos-hier", opens_at=now - 60 * DAY, closes_at=now - DAY / 2)
    edited = make_call(slug="modifie", opens_at=now - 60 * DAY, closes_at=now + 30 * DAY)
    make_call(slug="a-venir", opens_at=now + DAY, closes_at=now + 30 * DAY)
    _age_everything()
    Call.objects.filter(pk=edited.pk).update(title="Nouveau titre", updated_at=now)

    response = client.get(URL, {"modifie_depuis": (now - DAY).isoformat()})
    assert response.status_code == 200
    assert sorted(item["slug"] for item in response.json()["results"]) == sorted(
        [opened.slug, closed.slug, edited.slug]
    )
    assert response["Prochain-Modifie-Depuis"]


def test_laureates_modified_since_and_no_embargoed_change(client, call):
    first, renamed, touched = (_laureate(call) for _ in range(3))
    embargoed = _laureate(call, decision_embargoed=True)
    call.results_published_at = timezone.now() - 2 * DAY
    call.save(update_fields=["results_published_at", "updated_at"])
    _age_everything()
    start = timezone.now() - DAY
    Organisation.objects.filter(pk=renamed.organisation_id).update(
        name="Renommée", updated_at=timezone.now()
    )
    Project.objects.filter(pk__in=touched.projects.values("pk")).update(updated_at=timezone.now())
    # Under embargo: never shows, even modified.
    CallApplication.objects.filter(pk=embargoed.pk).update(updated_at=timezone.now())

    path = f"{URL}{call.pk}/laureats/"
    response = client.get(path, {"modifie_depuis": start.isoformat()})
    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted(item["id"] for item in results) == sorted(
        [renamed.organisation_id, touched.organisation_id]
    )
    assert first.organisation_id not in [item["id"] for item in results]
    everything = client.get(path).json()["results"]
    assert len(everything) == 3

    bad = client.get(path, {"modifie_depuis": "demain"})
    assert bad.status_code == 400
    assert bad.json()["parametre"] == "modifie_depuis"


def test_all_laureates_count_as_modified_when_the_results_are_published(client, call):
    laureates = [_laureate(call) for _ in range(2)]
    _age_everything()
    start = timezone.now() - DAY
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at", "updated_at"])
    response = client.get(f"{URL}{call.pk}/laureats/", {"modifie_depuis": start.isoformat()})
    assert sorted(item["id"] for item in response.json()["results"]) == sorted(
        a.organisation_id for a in laureates
    )
