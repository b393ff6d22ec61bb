from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.mark.django_db
def test_sitemap_xml_is_an_index_of_the_sections(client):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    locations = [loc.text or "" for loc in root.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert locations == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-structures.xml",
        "http://testserver/sitemap-projets.xml",
    ]


@pytest.mark.django_db
def test_sitemap_lists_the_public_static_pages(client):
    response = client.get("/sitemap-pages.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    locations = [loc.text or "" for loc in root.findall("s:url/s:loc", SITEMAP_NS)]
    assert locations == [
        f"http://testserver{reverse(name)}"
        for name in (
            "pages:home",
            "pages:legal",
            "pages:privacy",
            "pages:accessibility",
            "pages:cookies",
            "pages:contact",
            "pages:sitemap",
        )
    ]
    assert not any("/comptes/" in loc or "/admin/" in loc for loc in locations)


def test_robots_txt_allows_public_pages_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    for path in ("/admin/", "/comptes/", "/gestion/"):
        assert f"Disallow: {path}" in lines
    assert lines[-1].startswith("Sitemap: http")
    assert lines[-1].endswith("/sitemap.xml")


def test_robots_txt_sitemap_uses_the_host_that_was_asked(client):
    response = client.get("/robots.txt", HTTP_HOST="frenchimpact.example", secure=True)

    assert "Sitemap: https://frenchimpact.example/sitemap.xml" in response.content.decode()


def test_robots_txt_refuses_post(client):
    assert client.post("/robots.txt").status_code == 405


@pytest.mark.django_db
def test_sitemap_lists_published_directory_records_only(client):
    from tests.organisations.factories import (
        OrganisationFactory,
        ProjectFactory,
        PublishedOrganisationFactory,
        PublishedProjectFactory,
    )

    published = PublishedOrganisationFactory.create()
    pending = OrganisationFactory.create()
    project = PublishedProjectFactory.create(organisation=published)
    hidden_project = ProjectFactory.create(organisation=published)

    organisations = client.get("/sitemap-structures.xml").content.decode()
    projects = client.get("/sitemap-projets.xml").content.decode()

    assert f"/annuaire/structures/{published.pk}/" in organisations
    assert f"/annuaire/structures/{pending.pk}/" not in organisations
    assert f"/annuaire/projets/{project.pk}/" in projects
    assert f"/annuaire/projets/{hidden_project.pk}/" not in projects
