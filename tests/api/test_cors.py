import pytest

pytestmark = pytest.mark.django_db


def test_public_get_allows_any_origin_and_exposes_validators(client, territories):
    response = client.get("/api/v1/regions/", headers={"origin": "https://reutilisateur.example"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = response["Access-Control-Expose-Headers"]
    assert "ETag" in exposed
    assert "Retry-After" in exposed


def test_preflight_is_answered_for_get(client):
    response = client.options(
        "/api/v1/departements/",
        headers={
            "origin": "https://reutilisateur.example",
            "access-control-request-method": "GET",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "POST" not in response["Access-Control-Allow-Methods"]


def test_errors_carry_cors_headers_too(client):
    response = client.get("/api/v1/inconnu/", headers={"origin": "https://reutilisateur.example"})
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


def test_pages_outside_the_api_get_no_cors_header(client):
    response = client.get("/territoires/", headers={"origin": "https://reutilisateur.example"})
    assert "Access-Control-Allow-Origin" not in response
