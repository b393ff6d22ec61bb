"""The OpenAPI schema documents every parameter and response; Swagger UI works offline."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_lists_the_territory_endpoints(schema):
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/regions/",
        "/api/v1/regions/{code}/",
        "/api/v1/departements/",
        "/api/v1/departements/{code}/",
    } <= set(schema["paths"])


def test_error_body_component(schema):
    erreur = schema["components"]["schemas"]["Erreur"]
    assert set(erreur["properties"]) == {"erreur", "parametre", "detail"}
    assert set(erreur["required"]) == {"erreur", "parametre", "detail"}
    assert erreur["properties"]["parametre"]["nullable"] is True


def test_every_operation_documents_errors_304_and_headers(schema):
    error_ref = {"$ref": "#/components/schemas/Erreur"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        for code in ("404", "429"):
            assert responses[code]["content"]["application/json"]["schema"] == error_ref, (
                path,
                code,
            )
        assert "Retry-After" in responses["429"]["headers"]
        if method == "get":
            assert "content" not in responses["304"]
            assert {"ETag", "Last-Modified"} <= set(responses["304"]["headers"])
            assert {"ETag", "Last-Modified"} <= set(responses["200"]["headers"])
        if "{" not in path:
            assert responses["400"]["content"]["application/json"]["schema"] == error_ref


def test_every_parameter_is_described(schema):
    for path, _method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])


def test_parameters_state_their_limits(schema):
    listing = {p["name"]: p for p in schema["paths"]["/api/v1/departements/"]["get"]["parameters"]}
    assert {"curseur", "taille_page", "region", "If-None-Match", "If-Modified-Since"} <= set(
        listing
    )
    assert listing["taille_page"]["schema"]["maximum"] == 1000
    assert "53" in listing["region"]["schema"]["enum"]
    detail = {
        p["name"]: p for p in schema["paths"]["/api/v1/departements/{code}/"]["get"]["parameters"]
    }
    assert re.match(detail["code"]["schema"]["pattern"], "2A")
    assert not re.match(detail["code"]["schema"]["pattern"], "20")


def test_swagger_ui_needs_no_internet(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # Every src/href is local: no CDN (the sidecar serves the assets).
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls
    assert all(not re.match(r"^(?:https?:)?//", url) for url in urls), urls
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html)
    assert "/api/v1/schema/" in html
    # Swagger UI would otherwise send the schema to validator.swagger.io.
    assert '"validatorUrl": null' in html


def test_swagger_ui_assets_are_served_locally(client):
    html = client.get("/api/v1/docs/").content.decode()
    match = re.search(r"""src=["']([^"']*swagger-ui-bundle\.js)["']""", html)
    assert match
    script = match.group(1)
    response = client.get(script)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"SwaggerUIBundle" in content
