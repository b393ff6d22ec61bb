import pytest

from frenchimpact.territories.models import Department

pytestmark = pytest.mark.django_db


def test_regions_list_is_the_18_regions_by_code(client, territories, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/regions/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["next"] is None
    assert body["previous"] is None
    assert len(body["results"]) == 18
    assert body["results"][0] == {"code": "01", "nom": "Guadeloupe"}
    assert [r["code"] for r in body["results"]] == sorted(r["code"] for r in body["results"])
    assert {"code": "93", "nom": "Provence-Alpes-Côte d'Azur"} in body["results"]


def test_departements_list_gives_all_101_in_one_page(
    client, territories, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/departements/")

    body = response.json()
    assert response.status_code == 200
    assert len(body["results"]) == 101
    assert body["next"] is None
    assert body["results"][0] == {"code": "01", "nom": "Ain", "region": "84"}
    assert {"code": "53", "nom": "Mayenne", "region": "52"} in body["results"]
    assert [d["code"] for d in body["results"]][-5:] == ["971", "972", "973", "974", "976"]


def test_departements_filtered_by_region(client, territories, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/departements/", {"region": "53"})
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["results"]] == ["22", "29", "35", "56"]
    assert all(d["region"] == "53" for d in response.json()["results"])

    corse = client.get("/api/v1/departements/?region=94").json()["results"]
    assert [d["code"] for d in corse] == ["2A", "2B"]


@pytest.mark.parametrize("value", ["99", "5", "Bretagne", "2A", "", "53,52"])
def test_departements_invalid_region_filter_is_a_400(client, territories, value):
    response = client.get("/api/v1/departements/", {"region": value})
    assert response.status_code == 400
    body = response.json()
    assert body["erreur"] == "Requête invalide"
    assert body["parametre"] == "region"
    assert body["detail"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/regions/53/", {"code": "53", "nom": "Bretagne"}),
        ("/api/v1/regions/75/", {"code": "75", "nom": "Nouvelle-Aquitaine"}),
        ("/api/v1/departements/53/", {"code": "53", "nom": "Mayenne", "region": "52"}),
        ("/api/v1/departements/75/", {"code": "75", "nom": "Paris", "region": "11"}),
        ("/api/v1/departements/2A/", {"code": "2A", "nom": "Corse-du-Sud", "region": "94"}),
        ("/api/v1/departements/976/", {"code": "976", "nom": "Mayotte", "region": "06"}),
    ],
)
def test_detail_routes_take_the_level_from_the_path(
    client, territories, path, expected, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = client.get(path)
    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/regions/99/",
        "/api/v1/regions/2A/",
        "/api/v1/regions/971/",
        "/api/v1/departements/20/",
        "/api/v1/departements/975/",
        "/api/v1/departements/2a/",
    ],
)
def test_unknown_codes_are_json_404(client, territories, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["erreur"] == "Ressource introuvable"
    assert body["parametre"] is None
    assert body["detail"].startswith("Aucun")  # French, never "No Region matches…"


def test_format_switch_is_not_offered(client, territories):
    response = client.get("/api/v1/regions/", {"format": "xml"})
    assert response.status_code == 400
    assert response.json()["parametre"] == "format"


def test_a_department_moved_to_another_region_shows_its_new_region(client, territories):
    Department.objects.filter(code="53").update(region=Department.objects.get(code="29").region)
    assert client.get("/api/v1/departements/53/").json()["region"] == "53"


@pytest.mark.parametrize(
    ("query", "parametre"),
    [("region=53&region=52", "region"), ("taille_page=10&taille_page=20", "taille_page")],
)
def test_repeated_parameters_are_a_400(client, territories, query, parametre):
    response = client.get(f"/api/v1/departements/?{query}")
    assert response.status_code == 400
    assert response.json()["parametre"] == parametre
