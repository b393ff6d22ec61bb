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

from ..organisations.factories import OrganisationFactory, PublishedOrganisationFactory
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


def test_geojson_holds_the_located_organisations_only(db):
    located = PublishedOrganisationFactory.create(
        name="Repair café", latitude=48.1173, longitude=-1.6778, contact_email="a@b.fr"
    )
    PublishedOrganisationFactory.create(name="Sans position")
    OrganisationFactory.create(name="Cachée", latitude=45.76, longitude=4.83)  # not published
    publication = publish_dataset(DATASETS["organisations"])
    assert set(publication.files) == {"csv", "json", "geojson", "schema", "datapackage"}

    collection = json.loads(stored_text(publication, "geojson"))
    assert set(collection) == {"type", "features"}  # RFC 7946: no "crs"
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    # Longitude first (RFC 7946), then latitude.
    assert feature["geometry"] == {"type": "Point", "coordinates": [-1.6778, 48.1173]}
    properties = feature["properties"]
    assert list(properties) == DATASETS["organisations"].field_names
    assert properties["id"] == located.pk and properties["nom"] == "Repair café"
    assert (properties["latitude"], properties["longitude"]) == (48.1173, -1.6778)
    text = stored_text(publication, "geojson")
    assert "@" not in text and "Cachée" not in text and "Sans position" not in text
    # The other formats list every published organisation, located or not.
    rows = {row["nom"]: row for row in _csv_rows(publication)}
    assert rows["Repair café"]["latitude"] == "48.1173"
    assert rows["Sans position"]["latitude"] == ""
    assert publication.row_count == len(json.loads(stored_text(publication, "json"))) == 2


def test_only_organisations_are_located(world):
    # Projects happen in their territories of action, not at their holder's head office;
    # territories have no boundaries on the platform.
    assert [slug for slug, d in DATASETS.items() if d.position] == ["organisations"]
    publication = publish_dataset(DATASETS["projets"])
    assert "geojson" not in publication.files


def test_the_generated_encoder_writes_what_csv_and_json_would():
    from frenchimpact.core.spreadsheets import spreadsheet_safe
    from frenchimpact.opendata.datasets import Dataset, Field
    from frenchimpact.opendata.publish import row_encoder

    dataset = Dataset(
        "essai",
        "t",
        "d",
        (
            Field("id", "integer", "i"),
            Field("texte", "string", "t"),
            Field("nombre", "number", "n"),
            Field("vrai", "boolean", "b"),
            Field("jour", "date", "d"),
            Field("moment", "datetime", "m"),
            Field("liste", "array", "l"),
        ),
        lambda chunk: iter(()),
    )
    encode = row_encoder(dataset)
    moment = dt.datetime(2026, 3, 1, 10, 30, 5, 123, tzinfo=dt.UTC)
    texts = ["a,b", 'dit "oui"', "deux\nlignes", "cr\r", "=1+1", '-"x",', "", "é’\u2028", None]
    texts += ["35238", "Éèà2A", "a\\b", "x\u0007"]  # letters and digits, JSON escapes
    for text in texts:
        for values in (
            (7, text, 48.1, True, dt.date(2026, 1, 2), moment, ["a", 'b"c']),
            (None, text, None, None, None, None, None),
            (0, text, -0.5, False, "2026-01-02", "2026-03-01T10:30:05Z", ()),
        ):
            line, record = encode(values)
            expected = io.StringIO()
            csv.writer(expected, lineterminator="\r\n").writerow(
                [
                    values[0],
                    spreadsheet_safe(text),
                    values[2],
                    {True: "true", False: "false", None: None}[values[3]],
                    str(values[4]) if values[4] else None,
                    "2026-03-01T10:30:05Z" if values[5] else None,
                    json.dumps(list(values[6] or []), ensure_ascii=False),
                ]
            )
            assert line == expected.getvalue()
            assert json.loads(record) == {
                "id": values[0],
                "texte": text,
                "nombre": values[2],
                "vrai": values[3],
                "jour": "2026-01-02" if values[4] else None,
                "moment": "2026-03-01T10:30:05Z" if values[5] else None,
                "liste": list(values[6] or []),
            }
