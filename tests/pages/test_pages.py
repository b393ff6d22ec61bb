"""The public information pages: each answers, in French, with its title, h1 and key content."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.urls import reverse

PAGES = {
    "pages:home": "Accueil",
    "pages:legal": "Mentions légales",
    "pages:privacy": "Données personnelles",
    "pages:accessibility": "Déclaration d’accessibilité",
    "pages:cookies": "Cookies et mesure d’audience",
    "pages:contact": "Contact",
    "pages:sitemap": "Plan du site",
}


class _PageParser(HTMLParser):
    """Collects what the tests look at: title, h1, and every script, stylesheet and link."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.h1: list[str] = []
        self.assets: list[str] = []
        self.links: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"title", "h1"}:
            self._in = tag
            if tag == "h1":
                self.h1.append("")
        elif tag == "script" and values.get("src"):
            self.assets.append(values["src"] or "")
        elif tag == "link" and values.get("href"):
            self.assets.append(values["href"] or "")
        elif tag in {"use", "img"} and (values.get("href") or values.get("src")):
            self.assets.append((values.get("href") or values.get("src") or "").split("#")[0])
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1[-1] += data


def parse(response) -> _PageParser:
    parser = _PageParser()
    parser.feed(response.content.decode())
    return parser


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "heading"), PAGES.items())
def test_page_answers_in_french_with_title_and_single_h1(client, url_name, heading):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    page = parse(response)
    assert page.title.strip() == f"{heading} — French IMPACT"
    if url_name == "pages:home":
        assert [h.strip() for h in page.h1] == [
            "French IMPACT, l’accélérateur national de l’innovation sociale"
        ]
    else:
        assert [h.strip() for h in page.h1] == [heading]
    assert '<html lang="fr"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PAGES)
def test_page_loads_its_assets_from_the_platform_only(client, url_name):
    """DSFR is served locally: no CDN, no third-party host for scripts, styles or images."""
    page = parse(client.get(reverse(url_name)))

    assert page.assets, "the page should reference the DSFR assets"
    external = [url for url in page.assets if not url.startswith("/static/")]
    assert external == []
    for url in {url for url in page.assets if url.endswith((".css", ".js", ".svg"))}:
        asset = client.get(url)
        assert asset.status_code == 200, url
        b"".join(asset.streaming_content if asset.streaming else [asset.content])
        asset.close()


@pytest.mark.django_db
def test_layout_has_dsfr_header_navigation_and_footer_links(client):
    response = client.get(reverse("pages:home"))
    page = parse(response)
    html = response.content.decode()

    assert 'class="fr-header"' in html
    assert '<p class="fr-header__service-title">French IMPACT</p>' in html
    assert 'id="navigation-principale"' in html
    assert 'class="fr-footer"' in html
    for url_name in PAGES:
        assert reverse(url_name) in page.links
    assert reverse("territories:index") in page.links
    assert reverse("api:docs") in page.links
    assert "Accessibilité : non conforme" in html


@pytest.mark.django_db
def test_home_presents_the_accelerator_and_its_five_levers(client):
    text = text_of(client.get(reverse("pages:home")))

    for lever in (
        "Identifier et valoriser",
        "Financer la croissance",
        "Expérimenter",
        "Mesurer l’impact social",
        "Mieux accompagner les entreprises",
    ):
        assert f"{lever}</h3>" in text
    assert "1 milliard d’euros de fonds publics et privés en 5 ans" in text
    assert "l’amorçage" in text
    assert "le changement d’échelle" in text
    assert "« Hackers French IMPACT »" in text
    assert "droit à l’expérimentation" in text
    assert "Une bannière et une marque ouverte" in text
    assert "Un label" in text
    for principle in ("Innovation ouverte", "Logiciel libre", "Données ouvertes"):
        assert principle in text


@pytest.mark.django_db
def test_home_tiles_link_to_the_parts_of_the_platform(client, django_user_model):
    page = parse(client.get(reverse("pages:home")))
    assert reverse("territories:index") in page.links
    assert reverse("api:docs") in page.links
    assert reverse("account_signup") in page.links

    user = django_user_model.objects.create_user(email="ada@example.org", password="x" * 12)
    client.force_login(user)
    page = parse(client.get(reverse("pages:home")))
    assert reverse("account_signup") not in page.links
    assert reverse("accounts:profile") in page.links


@pytest.mark.django_db
def test_legal_notice_shows_placeholders_until_configured(client):
    text = text_of(client.get(reverse("pages:legal")))

    assert text.count("Information à compléter par l’opérateur de la plateforme") == 3
    assert "licence MIT" in text
    assert "Licence Ouverte / Open Licence version 2.0" in text
    assert "contact@frenchimpact.example" in text


@pytest.mark.django_db
@override_settings(
    PLATFORM_PUBLISHER="Haut-commissariat à l’ESS, 246 boulevard Saint-Germain, 75007 Paris",
    PLATFORM_PUBLICATION_DIRECTOR="Camille Martin",
    PLATFORM_HOSTING_PROVIDER="Hébergeur SAS\n1 rue de l’Exemple, 59000 Lille",
)
def test_legal_notice_names_publisher_director_and_host_from_settings(client):
    text = text_of(client.get(reverse("pages:legal")))

    assert "Information à compléter" not in text
    assert "Haut-commissariat à l’ESS, 246 boulevard Saint-Germain, 75007 Paris" in text
    assert "Camille Martin" in text
    assert "Hébergeur SAS<br>1 rue de l’Exemple, 59000 Lille" in text


@pytest.mark.django_db
def test_privacy_page_covers_gdpr_essentials(client):
    text = text_of(client.get(reverse("pages:privacy")))

    for expected in (
        "Responsable du traitement",
        "votre adresse électronique, qui sert d’identifiant",
        "Finalités et base légale",
        "mission d’intérêt public",
        "Durées de conservation",
        "effacées quand vous supprimez votre compte",
        "droit d’accès, de rectification, d’effacement, de limitation et de portabilité",
        "télécharger vos données et supprimer votre compte",
        "CNIL",
    ):
        assert expected in text, expected
    assert f'href="{reverse("accounts:profile")}"' in text


@pytest.mark.django_db
def test_accessibility_statement_is_rgaa_shaped(client):
    text = text_of(client.get(reverse("pages:accessibility")))

    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in text
    assert (
        "est non conforme avec le référentiel général d’amélioration de l’accessibilité (RGAA), version 4.1"
        in text
    )
    assert "n’a pas encore fait l’objet d’un audit" in text
    assert "26 novembre 2026" in text
    assert "Défenseur des droits" in text
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in text
    assert f'href="{reverse("pages:contact")}"' in text


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_AGE=3 * 86400)
def test_cookies_page_lists_only_necessary_cookies_from_settings(client):
    text = text_of(client.get(reverse("pages:cookies")))

    assert "<code>sessionid</code>" in text
    assert "3 jours" in text
    assert "<code>csrftoken</code>" in text
    assert "364 jours" in text
    assert "aucun outil de mesure d’audience" in text
    assert "strictement nécessaires" in text


@pytest.mark.django_db
def test_site_map_page_links_every_public_page(client):
    page = parse(client.get(reverse("pages:sitemap")))

    for url_name in [*PAGES, "territories:index", "api:docs", "account_signup", "account_login"]:
        assert reverse(url_name) in page.links, url_name
