"""GET /api/v1/appels/, /api/v1/appels/<id>/ and /api/v1/appels/<id>/laureats/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from frenchimpact.calls.enums import ApplicationStatus, CallStatus
from frenchimpact.calls.models import CallApplication
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.projects.models import Project

from ..organisations.factories import PublishedOrganisationFactory, PublishedProjectFactory
from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
URL = "/api/v1/appels/"
DAY = dt.timedelta(days=1)


def _decide(call, status, **extra):
    application = make_application(call)
    CallApplication.objects.filter(pk=application.pk).update(
        status=status, decided_at=timezone.now(), **extra
    )
    return application


def _publish_results(call):
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at", "updated_at"])


def test_list_shows_published_calls_only_with_french_fields(client, call):
    make_call(slug="brouillon", title="En préparation", status=CallStatus.DRAFT)
    data = client.get(URL).json()
    assert data["next"] is None
    (item,) = data["results"]
    assert item == {
        "id": call.pk,
        "slug": "pionniers",
        "titre": "Appel aux Pionniers French IMPACT",
        "resume": call.summary,
        "ouverture": timezone.localtime(call.opens_at).isoformat(),
        "cloture": timezone.localtime(call.closes_at).isoformat(),
        "statut": "ouvert",
        "laureats_vises": {"min": 10, "max": 15},
        "nombre_laureats": None,
        "url": "http://testserver/appels/pionniers/",
    }
    assert item["cloture"][-6:] in ("+01:00", "+02:00")  # Paris, with its offset


def test_status_follows_the_clock_and_the_results(client):
    now = timezone.now()
    make_call(slug="a-venir", opens_at=now + DAY, closes_at=now + 30 * DAY)
    make_call(slug="ouvert")
    make_call(slug="clos", opens_at=now - 30 * DAY, closes_at=now - DAY)
    published = make_call(slug="publie", opens_at=now - 60 * DAY, closes_at=now - 30 * DAY)
    _publish_results(published)
    statuses = {item["slug"]: item["statut"] for item in client.get(URL).json()["results"]}
    assert statuses == {
        "a-venir": "a_venir",
        "ouvert": "ouvert",
        "clos": "clos",
        "publie": "resultats_publies",
    }


def test_list_is_ordered_latest_first_and_paginated(client):
    now = timezone.now()
    for n in range(3):
        make_call(slug=f"appel-{n}", opens_at=now - (10 - n) * DAY)
    first = client.get(URL, {"taille_page": 2}).json()
    assert [i["slug"] for i in first["results"]] == ["appel-2", "appel-1"]
    second = client.get(first["next"]).json()
    assert [i["slug"] for i in second["results"]] == ["appel-0"]


def test_detail_and_a_draft_call_is_a_404(client, call):
    response = client.get(f"{URL}{call.pk}/")
    assert response.status_code == 200
    assert response.json()["slug"] == "pionniers"
    draft = make_call(slug="brouillon", status=CallStatus.DRAFT)
    for url in (f"{URL}{draft.pk}/", f"{URL}{draft.pk}/laureats/", f"{URL}999999/laureats/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {
            "erreur": "Ressource introuvable",
            "parametre": None,
            "detail": "Aucune ressource ne correspond à cette adresse.",
        }


def test_laureates_are_empty_until_the_results_are_published(client, call):
    organisation = PublishedOrganisationFactory.create(name="Les Ateliers Étincelle")
    laureate = make_application(call, organisation=organisation)
    CallApplication.objects.filter(pk=laureate.pk).update(
        status=ApplicationStatus.LAUREATE, decided_at=timezone.now()
    )
    second = _decide(call, ApplicationStatus.LAUREATE)
    _decide(call, ApplicationStatus.WAITING_LIST, waiting_list_rank=1)
    _decide(call, ApplicationStatus.NOT_SELECTED)
    url = f"{URL}{call.pk}/laureats/"

    # Decided but under embargo: nothing leaks, neither the list nor the count.
    assert client.get(url).json() == {"next": None, "previous": None, "results": []}
    assert client.get(f"{URL}{call.pk}/").json()["nombre_laureats"] is None

    _publish_results(call)
    results = client.get(url).json()["results"]
    assert {r["id"] for r in results} == {organisation.pk, second.organisation.pk}
    item = next(r for r in results if r["id"] == organisation.pk)
    project = laureate.projects.get()
    assert item == {
        "id": organisation.pk,
        "nom": "Les Ateliers Étincelle",
        "siren": organisation.siren,
        "code_region": "11",
        "region": "Île-de-France",
        "projets": [
            {"titre": project.title, "url": f"http://testserver/annuaire/projets/{project.pk}/"}
        ],
        "url": f"http://testserver/annuaire/structures/{organisation.pk}/",
    }
    assert client.get(f"{URL}{call.pk}/").json()["nombre_laureats"] == 2


def test_unpublished_records_have_no_url(client, call):
    laureate = _decide(call, ApplicationStatus.LAUREATE)
    hidden = PublishedProjectFactory.create(organisation=laureate.organisation, title="Zèbre")
    Project.objects.filter(pk=hidden.pk).update(status=ModerationStatus.PENDING)
    laureate.projects.add(hidden)
    _publish_results(call)
    (item,) = client.get(f"{URL}{call.pk}/laureats/").json()["results"]
    assert item["projets"][-1] == {"titre": "Zèbre", "url": None}
    laureate.organisation.status = ModerationStatus.UNPUBLISHED
    laureate.organisation.save()
    (item,) = client.get(f"{URL}{call.pk}/laureats/").json()["results"]
    assert item["url"] is None
    assert all(project["url"] is None for project in item["projets"])


def test_conditional_get_follows_the_publication(client, call):
    _decide(call, ApplicationStatus.LAUREATE)
    for url in (URL, f"{URL}{call.pk}/", f"{URL}{call.pk}/laureats/"):
        first = client.get(url)
        etag = first["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, url
    etags = {url: client.get(url)["ETag"] for url in (URL, f"{URL}{call.pk}/laureats/")}
    _publish_results(call)
    for url, etag in etags.items():
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200, url


def test_the_status_change_at_closing_changes_the_etag(client, call):
    etag = client.get(URL)["ETag"]
    # The call closes (the clock moved, nothing was written but its dates).
    call.closes_at = timezone.now() - dt.timedelta(seconds=1)
    call.opens_at = call.closes_at - 30 * DAY
    call.save(update_fields=["closes_at", "opens_at"])  # updated_at unchanged
    response = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["results"][0]["statut"] == "clos"


def test_bad_parameters_answer_400_with_the_error_body(client, call):
    response = client.get(f"{URL}{call.pk}/laureats/", {"taille_page": "0"})
    assert response.status_code == 400
    body = response.json()
    assert body["parametre"] == "taille_page" and body["erreur"] == "Requête invalide"


def test_queries_do_not_grow_with_the_rows(client, django_assert_max_num_queries):
    calls = [make_call(slug=f"appel-{n}") for n in range(4)]
    for call in calls:
        for _ in range(3):
            _decide(call, ApplicationStatus.LAUREATE)
        _publish_results(call)
    client.get(URL)
    with django_assert_max_num_queries(5):
        assert len(client.get(URL).json()["results"]) == 4
    with django_assert_max_num_queries(10):
        assert len(client.get(f"{URL}{calls[0].pk}/laureats/").json()["results"]) == 3


def test_schema_documents_the_endpoints(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert {"/api/v1/appels/", "/api/v1/appels/{id}/", "/api/v1/appels/{id}/laureats/"} <= set(
        schema["paths"]
    )
    laureates = schema["paths"]["/api/v1/appels/{id}/laureats/"]["get"]
    ok = laureates["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaginatedLaureatList"}
    assert {"curseur", "taille_page", "id"} <= {p["name"] for p in laureates["parameters"]}
    statut = schema["components"]["schemas"]["Appel"]["properties"]["statut"]
    assert "resultats_publies" in str(statut) or "$ref" in str(statut)
