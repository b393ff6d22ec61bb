"""Error pages are French and use the design system (DEBUG is off in tests)."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_404_is_a_french_dsfr_page(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Page introuvable</h1>" in body
    assert "fr-header" in body and "Not Found" not in body


@pytest.mark.django_db
def test_403_is_a_french_dsfr_page(client):
    client.force_login(UserFactory.create())
    response = client.get("/gestion/historique/1/1/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>Accès refusé</h1>" in body
    assert "fr-header" in body and "Forbidden" not in body


@pytest.mark.django_db
def test_csrf_failure_explains_what_to_do():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/contact/", {"nom": "x"})
    assert response.status_code == 403
    assert "Formulaire expiré" in response.content.decode()


def test_500_renders_without_database_nor_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Erreur inattendue</h1>" in body
    assert "/static/dsfr/" in body
