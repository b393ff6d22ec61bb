"""Both pagination styles: cursor for full listings, page numbers (capped depth) for searches."""

import base64

import pytest
from django.test import override_settings
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory

from frenchimpact.api.pagination import SearchPagination
from frenchimpact.territories.models import Department

pytestmark = pytest.mark.django_db


def test_cursor_pagination_walks_the_whole_listing_in_a_stable_order(client, territories):
    codes, url, pages = [], "/api/v1/departements/?taille_page=30", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert "count" not in body
        codes += [d["code"] for d in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 4
    assert len(codes) == len(set(codes)) == 101
    assert codes == sorted(codes)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1001", "1.5"])
def test_invalid_page_size_is_a_400(client, territories, value):
    response = client.get("/api/v1/regions/", {"taille_page": value})
    assert response.status_code == 400
    assert response.json()["parametre"] == "taille_page"


def test_invalid_cursor_is_a_404_naming_the_parameter(client, territories):
    response = client.get("/api/v1/regions/", {"curseur": "pas-un-curseur"})
    assert response.status_code == 404
    assert response.json()["parametre"] == "curseur"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/synchronisation/organisations/",
        "/api/v1/synchronisation/projets/",
        "/api/v1/appels/",
    ],
)
@pytest.mark.parametrize("position", ["abc", "2026-13-45", "1e400"])
def test_forged_cursor_position_is_a_404_not_a_500(client, territories, url, position):
    # DRF validates the cursor's offset, not its position: one the ordering field cannot hold
    # must not reach the database as a filter value.
    forged = base64.b64encode(f"p={position}".encode()).decode()
    response = client.get(url, {"curseur": forged})
    assert response.status_code == 404, response.content
    assert response.json()["parametre"] == "curseur"


class _DepartementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code"]


class _Search(generics.ListAPIView):
    queryset = Department.objects.order_by("nom")
    serializer_class = _DepartementSerializer
    pagination_class = SearchPagination


def _search(**params):
    return _Search.as_view()(APIRequestFactory().get("/api/v1/recherche/", params))


def test_search_pagination_gives_count_and_pages(territories):
    response = _search(taille_page="10", page="2")
    assert response.status_code == 200
    assert response.data["count"] == 101
    assert len(response.data["results"]) == 10
    assert "page=3" in response.data["next"]


def test_search_page_size_is_at_most_100(territories):
    assert len(_search(taille_page="100").data["results"]) == 100
    response = _search(taille_page="101")
    assert response.status_code == 400
    assert response.data["parametre"] == "taille_page"


@override_settings(API_MAX_PAGE=3)
def test_search_pages_beyond_the_maximum_depth_are_a_400(territories):
    assert _search(taille_page="1", page="3").status_code == 200
    response = _search(taille_page="1", page="4")
    assert response.status_code == 400
    assert response.data["parametre"] == "page"
    assert "entre 1 et 3" in response.data["detail"]


@pytest.mark.parametrize("page", ["0", "abc", "last"])
def test_search_invalid_page_number_is_a_400(territories, page):
    assert _search(page=page).status_code == 400


def test_search_page_past_the_last_is_a_404(territories):
    response = _search(taille_page="100", page="3")
    assert response.status_code == 404
    assert response.data == {
        "erreur": "Ressource introuvable",
        "parametre": "page",
        "detail": "La page 3 n’existe pas.",
    }
