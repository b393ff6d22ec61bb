"""The public pages in a real browser: they render with the DSFR and pass the axe scan."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = [
    ("/", "French IMPACT, l’accélérateur national de l’innovation sociale"),
    ("/mentions-legales/", "Mentions légales"),
    ("/donnees-personnelles/", "Données personnelles"),
    ("/accessibilite/", "Déclaration d’accessibilité"),
    ("/cookies/", "Cookies et mesure d’audience"),
    ("/contact/", "Contact"),
    ("/plan-du-site/", "Plan du site"),
]


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES)
def test_public_page_is_accessible(page: Page, assert_accessible, path, heading):
    response = page.goto(path)

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("banner")).to_contain_text("French IMPACT")
    expect(page.get_by_role("contentinfo")).to_contain_text("Mentions légales")
    assert_accessible(page)


def test_home_leads_to_the_platform_parts(page: Page, assert_accessible):
    page.goto("/")
    expect(
        page.get_by_role("heading", level=2, name="Les cinq leviers de l’accélérateur")
    ).to_be_visible()

    page.get_by_role("link", name="Territoires", exact=True).last.click()
    expect(page).to_have_url(re.compile(r"/territoires/$"))

    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Créer un compte").first.click()
    expect(page).to_have_url(re.compile(r"/comptes/signup/$"))


def test_skip_link_reaches_the_content(page: Page):
    page.goto("/mentions-legales/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Contenu")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))


def test_contact_form_errors_then_sends(page: Page, assert_accessible):
    page.goto("/contact/")
    page.get_by_role("button", name="Envoyer le message").click()

    expect(page).to_have_title(re.compile(r"^Erreur : Contact"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Votre message n’a pas été envoyé")
    expect(page.get_by_label("Nom", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert mail.outbox == []

    page.get_by_label("Nom", exact=True).fill("Camille Martin")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill("camille@asso.example")
    page.get_by_label("Objet").fill("Une question")
    page.get_by_label("Message", exact=True).fill("Bonjour, comment candidater au label ?")
    page.get_by_role("button", name="Envoyer le message").click()

    expect(page.get_by_role("status")).to_contain_text("Votre message a bien été envoyé.")
    assert_accessible(page)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].reply_to == ["camille@asso.example"]
