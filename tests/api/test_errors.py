"""One error body for every API error."""

import pytest
from rest_framework import permissions
from rest_framework.authentication import BasicAuthentication
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"erreur", "parametre", "detail"}


@pytest.mark.parametrize("path", ["/api/v1/inconnu/", "/api/v1/regions/53/communes/", "/api/v1/"])
def test_unknown_paths_under_the_api_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "erreur": "Ressource introuvable",
        "parametre": None,
        "detail": f"Aucun point d’accès de l’API ne correspond à {path}.",
    }


def test_unknown_paths_answer_json_404_to_any_method(client):
    response = client.post("/api/v1/inconnu/", {"a": 1}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["erreur"] == "Ressource introuvable"


def test_a_path_without_trailing_slash_ends_in_the_json_404(client):
    response = client.get("/api/v1/inconnu", follow=True)
    assert response.status_code == 404
    assert response.json()["erreur"] == "Ressource introuvable"


def test_unknown_paths_outside_the_api_keep_the_html_page(client):
    response = client.get("/pas-une-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsupported_methods_are_405_with_the_error_body(client, territories, method):
    response = getattr(client, method)("/api/v1/regions/", content_type="application/json")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["erreur"] == "Méthode non autorisée"
    assert method.upper() in body["detail"]


class _Private(APIView):
    authentication_classes = [BasicAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response({})


class _Forbidden(APIView):
    permission_classes = [permissions.IsAdminUser]

    def get(self, request):
        return Response({})


def test_401_has_the_error_body():
    response = _Private.as_view()(APIRequestFactory().get("/api/v1/prive/"))
    assert response.status_code == 401
    assert response.data["erreur"] == "Authentification requise"
    assert set(response.data) == ERROR_KEYS


def test_403_has_the_error_body():
    response = _Forbidden.as_view()(APIRequestFactory().get("/api/v1/interdit/"))
    assert response.status_code == 403
    assert response.data["erreur"] == "Accès refusé"
    assert response.data["parametre"] is None


@pytest.mark.parametrize(
    "module", ["frenchimpact.api.pagination", "frenchimpact.api.errors", "frenchimpact.api.views"]
)
def test_api_modules_import_first_in_a_fresh_process(module):
    # A worker process may import these before anything else of DRF: the settings that DRF
    # resolves on its first import must not lead back into a half-imported module.
    import subprocess
    import sys

    from django.conf import settings

    code = f"import django; django.setup(); import {module}"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
