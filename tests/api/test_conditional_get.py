"""ETag and Last-Modified from max(updated_at) and count; 304 without serializing."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.http import http_date

from frenchimpact.territories.models import Commune, Department, Region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/regions/", "/api/v1/departements/53/"])
def test_get_responses_carry_etag_and_last_modified(client, territories, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"].endswith("GMT")


def test_if_none_match_answers_304_in_one_query(client, territories, django_assert_num_queries):
    etag = client.get("/api/v1/departements/").headers["ETag"]

    with django_assert_num_queries(1):  # the aggregate only: no page, no serialization
        response = client.get("/api/v1/departements/", headers={"if-none-match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_modified_since_answers_304_then_200_after_a_change(client, territories):
    last_modified = client.get("/api/v1/regions/")["Last-Modified"]
    assert (
        client.get("/api/v1/regions/", headers={"if-modified-since": last_modified}).status_code
        == 304
    )

    later = timezone.now() + dt.timedelta(minutes=5)
    Region.objects.filter(code="53").update(nom="Bretagne", updated_at=later)
    response = client.get("/api/v1/regions/", headers={"if-modified-since": last_modified})
    assert response.status_code == 200
    assert response["Last-Modified"] == http_date(int(later.timestamp()))


def test_etag_changes_when_the_data_or_the_filter_changes(client, territories):
    etag = client.get("/api/v1/departements/")["ETag"]
    assert client.get("/api/v1/departements/", {"region": "53"})["ETag"] != etag
    assert client.get("/api/v1/departements/")["ETag"] == etag

    Department.objects.filter(code="53").update(updated_at=timezone.now() + dt.timedelta(seconds=1))
    response = client.get("/api/v1/departements/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_etag_changes_when_a_row_is_deleted(client, territories):
    etag = client.get("/api/v1/regions/")["ETag"]
    Commune.objects.filter(department__region__code="94").delete()
    Department.objects.filter(region__code="94").delete()
    Region.objects.filter(code="94").delete()
    assert client.get("/api/v1/regions/", headers={"if-none-match": etag}).status_code == 200


def test_detail_304_and_other_object_not_matching(client, territories):
    etag = client.get("/api/v1/regions/53/")["ETag"]
    assert client.get("/api/v1/regions/53/", headers={"if-none-match": etag}).status_code == 304
    assert client.get("/api/v1/regions/52/", headers={"if-none-match": etag}).status_code == 200


def test_head_is_answered_with_the_same_validators(client, territories):
    get = client.get("/api/v1/regions/")
    head = client.head("/api/v1/regions/")
    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head.content == b""


def test_parameters_are_validated_before_answering_304(client, territories):
    response = client.get(
        "/api/v1/regions/", {"taille_page": "abc"}, headers={"if-none-match": "*"}
    )
    assert response.status_code == 400
    assert response.json()["parametre"] == "taille_page"
