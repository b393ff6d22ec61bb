"""/donnees/: the index, each dataset's page, stable and dated files (public, no sign-in)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from frenchimpact.opendata import publish
from frenchimpact.opendata.datasets import DATASETS

from ..organisations.factories import PublishedOrganisationFactory

pytestmark = pytest.mark.django_db
ORGANISATIONS = DATASETS["organisations"]


def test_index_lists_every_dataset_with_licence_and_downloads(client):
    PublishedOrganisationFactory.create()
    publish.publish_dataset(ORGANISATIONS)
    response = client.get("/donnees/")
    assert response.status_code == 200
    page = response.content.decode()
    for dataset in DATASETS.values():
        assert str(dataset.title).replace("’", "&#x27;") in page or str(dataset.title) in page
        assert f"/donnees/{dataset.slug}/schema.json" in page
    assert "Licence Ouverte / Etalab 2.0" in page
    assert "/donnees/organisations/latest.csv" in page
    assert "/donnees/organisations/latest.geojson" in page
    assert "Télécharger en GEOJSON" in page
    assert "Pas encore publié." in page  # the others


def test_files_answer_404_in_french_before_the_first_publication(client):
    response = client.get("/donnees/organisations/latest.csv")
    assert response.status_code == 404
    assert "Ce jeu de données n’a pas encore été publié." in response.content.decode()
    assert client.get("/donnees/organisations/datapackage.json").status_code == 404
    assert client.get("/donnees/inconnu/").status_code == 404
    assert client.get("/donnees/inconnu/latest.csv").status_code == 404


def test_latest_files_are_streamed_with_type_and_name(client):
    organisation = PublishedOrganisationFactory.create(name="Les Jardins Partagés")
    publication = publish.publish_dataset(ORGANISATIONS)
    day = publication.published_on.isoformat()
    response = client.get("/donnees/organisations/latest.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="french-impact-organisations-{day}.csv"'
    )
    body = b"".join(response.streaming_content).decode()
    assert "Les Jardins Partagés" in body
    assert response["Content-Length"] == str(len(body.encode()))

    response = client.get("/donnees/organisations/latest.json")
    assert response["Content-Type"] == "application/json"
    (item,) = json.loads(b"".join(response.streaming_content))
    assert item["id"] == organisation.pk

    response = client.get("/donnees/organisations/latest.geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(b"".join(response.streaming_content))
    assert collection == {"type": "FeatureCollection", "features": []}  # nobody located
    # Datasets without positions have no GeoJSON.
    assert client.get("/donnees/projets/latest.geojson").status_code == 404


def test_schema_and_datapackage(client, settings):
    PublishedOrganisationFactory.create()
    publication = publish.publish_dataset(ORGANISATIONS)
    schema = client.get("/donnees/organisations/schema.json").json()
    assert [field["name"] for field in schema["fields"]] == ORGANISATIONS.field_names
    assert "contact_email" not in json.dumps(schema)
    package = client.get("/donnees/organisations/datapackage.json").json()
    assert package["licenses"][0]["title"] == "Licence Ouverte / Etalab 2.0"
    (csv_resource,) = [r for r in package["resources"] if r["format"] == "csv"]
    assert csv_resource["path"] == settings.PUBLIC_BASE_URL + "/donnees/organisations/latest.csv"
    assert csv_resource["schema"] == settings.PUBLIC_BASE_URL + "/donnees/organisations/schema.json"
    assert csv_resource["hash"] == "sha256:" + publication.files["csv"]["sha256"]
    (geojson,) = [r for r in package["resources"] if r["format"] == "geojson"]
    assert geojson["path"] == settings.PUBLIC_BASE_URL + "/donnees/organisations/latest.geojson"
    assert geojson["mediatype"] == "application/geo+json"
    assert geojson["hash"] == "sha256:" + publication.files["geojson"]["sha256"]


def test_dated_snapshots(client):
    PublishedOrganisationFactory.create(name="Ancienne")
    old = publish.publish_dataset(ORGANISATIONS, now=timezone.now() - dt.timedelta(days=3))
    PublishedOrganisationFactory.create(name="Nouvelle")
    publish.publish_dataset(ORGANISATIONS)
    response = client.get(f"/donnees/organisations/{old.published_on.isoformat()}.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "Ancienne" in body and "Nouvelle" not in body
    missing = client.get("/donnees/organisations/2001-01-01.csv")
    assert missing.status_code == 404
    assert (
        "Aucune version de ce jeu n’est conservée pour le 01/01/2001." in missing.content.decode()
    )
    assert client.get("/donnees/organisations/2001-02-30.csv").status_code == 404

    page = client.get("/donnees/organisations/").content.decode()
    assert f"/donnees/organisations/{old.published_on.isoformat()}.csv" in page
    assert "contact_email" not in page


def test_index_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    PublishedOrganisationFactory.create()
    for dataset in DATASETS.values():
        publish.publish_dataset(dataset)
    with django_assert_max_num_queries(3):
        assert client.get("/donnees/").status_code == 200
