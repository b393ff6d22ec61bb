"""Each dataset: only published records, only public fields, valid against its schema.json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.urls import reverse

from frenchimpact.opendata.datasets import DATASETS
from frenchimpact.opendata.publish import publish_dataset, schema_descriptor

from .conftest import errors, stored_text, validate

pytestmark = pytest.mark.django_db


def _csv_rows(publication):
    return list(csv.DictReader(io.StringIO(stored_text(publication, "csv"))))


@pytest.mark.parametrize("slug", list(DATASETS))
def test_every_dataset_validates_against_its_schema(world, tmp_path, slug):
    dataset = DATASETS[slug]
    publication = publish_dataset(dataset)
    assert publication.row_count > 0
    for fmt in ("csv", "json"):
        report = validate(tmp_path, publication, fmt)
        assert report.valid, errors(report)
    header = stored_text(publication, "csv").split("\r\n", 1)[0]
    assert header.split(",") == dataset.field_names
    assert json.loads(stored_text(publication, "schema")) == schema_descriptor(dataset)
    assert len(json.loads(stored_text(publication, "json"))) == publication.row_count


def test_a_file_that_breaks_its_schema_is_reported(world, tmp_path):
    # The validation is real: a missing required name and a bad SIREN are errors.
    publication = publish_dataset(DATASETS["organisations"])
    text = stored_text(publication, "csv").replace("Les Jardins Partagés", "")
    path = tmp_path / "organisations.csv"
    path.write_text(text.replace(world["published"].siren, "12AB"), encoding="utf-8")
    import frictionless

    report = frictionless.Resource(
        path=path.name,
        basepath=str(tmp_path),
        schema=frictionless.Schema.from_descriptor(schema_descriptor(DATASETS["organisations"])),
    ).validate()
    assert not report.valid
    assert {error[2] for error in errors(report)} == {"constraint-error"}


def test_organisations_are_published_ones_without_private_contact(world):
    publication = publish_dataset(DATASETS["organisations"])
    rows = _csv_rows(publication)
    names = {row["nom"] for row in rows}
    assert "Structure en attente" not in names
    (row,) = [row for row in rows if row["id"] == str(world["published"].pk)]
    assert row["sigle"] == "LJP"
    assert row["siren"] == world["published"].siren
    assert row["departement"] == "75" and row["region"] == "11"
    assert row["membre_communaute"] == "true"
    assert row["url"] == settings.PUBLIC_BASE_URL + reverse(
        "directory:organisation", args=[world["published"].pk]
    )
    for fmt in ("csv", "json"):
        text = stored_text(publication, fmt)
        assert "secret@jardins.fr" not in text
        assert "@" not in text  # no e-mail address at all
        assert "rue de la Solidarité" not in text  # no street address


def test_projects_offers_and_laureates_are_the_public_ones(world):
    projects = _csv_rows(publish_dataset(DATASETS["projets"]))
    titles = {row["titre"] for row in projects}
    assert "Potagers solidaires" in titles and "Projet en modération" not in titles
    (potagers,) = [row for row in projects if row["titre"] == "Potagers solidaires"]
    assert json.loads(potagers["departements"]) == ["35"]
    assert json.loads(potagers["odd"]) == [1, 8]

    offers = _csv_rows(publish_dataset(DATASETS["offres"]))
    names = {row["nom"] for row in offers}
    assert "Incubateur ouvert" in names and "Offre archivée" not in names
    (incubator,) = [row for row in offers if row["nom"] == "Incubateur ouvert"]
    assert json.loads(incubator["zone_regions"]) == ["53"]
    assert "candidature_email" not in incubator
    assert "perso@exemple.fr" not in stored_text(publish_dataset(DATASETS["offres"]), "json")

    laureates = _csv_rows(publish_dataset(DATASETS["laureats"]))
    assert [row["structure_id"] for row in laureates] == [str(world["laureate"].organisation_id)]
    assert laureates[0]["appel_id"] == str(world["call"].pk)
    assert json.loads(laureates[0]["projets"])  # the laureate's project titles


def test_labels_give_the_status_of_the_day(world):
    rows = _csv_rows(publish_dataset(DATASETS["labels"]))
    statuses = {row["numero"]: row["statut"] for row in rows}
    assert statuses[world["label"].number] == "valide"
    assert statuses[world["revoked"].number] == "revoque"
    (row,) = [row for row in rows if row["numero"] == world["label"].number]
    assert row["url_verification"].startswith("http")
    # Validity is [from, until): the register and the file give the last day, inclusive.
    assert row["valide_jusqu_au"] == str(world["label"].valid_until - dt.timedelta(days=1))


def test_territories_list_regions_then_departments(world):
    rows = _csv_rows(publish_dataset(DATASETS["territoires"]))
    assert {
        "niveau": "departement",
        "code": "35",
        "nom": "Ille-et-Vilaine",
        "code_region": "53",
    } in rows
    assert {"niveau": "region", "code": "53", "nom": "Bretagne", "code_region": ""} in rows


def test_csv_neutralises_formulas_but_json_keeps_the_text(db):
    from ..organisations.factories import PublishedOrganisationFactory

    for text in ('=HYPERLINK("http://x")', "+33 1", "-2", "@SUM(A1)", "\tTab", "\rCR"):
        PublishedOrganisationFactory.create(name=text, description=text)
    publication = publish_dataset(DATASETS["organisations"])
    names = sorted(row["nom"] for row in _csv_rows(publication))
    assert names == sorted(
        ['\'=HYPERLINK("http://x")', "'+33 1", "'-2", "'@SUM(A1)", "'\tTab", "'\rCR"]
    )
    assert all(row["presentation"].startswith("'") for row in _csv_rows(publication))
    json_names = sorted(item["nom"] for item in json.loads(stored_text(publication, "json")))
    assert json_names == sorted(
        ['=HYPERLINK("http://x")', "+33 1", "-2", "@SUM(A1)", "\tTab", "\rCR"]
    )


def test_no_geojson_without_coordinates(world):
    # No model of the platform carries coordinates yet: no GeoJSON file is published.
    for dataset in DATASETS.values():
        assert dataset.point is None
    publication = publish_dataset(DATASETS["organisations"])
    assert set(publication.files) == {"csv", "json", "schema", "datapackage"}
