"""Account journeys in a real browser, each page scanned with axe.

E-mails are read from django.core.mail.outbox: the live server runs in this process and the
test settings deliver e-mails (and run tasks) at once.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Innovation-sociale-2018"
NEW_PASSWORD = "Changement-d-echelle-2019"
# allauth's forms say "Courriel"; ours say "Adresse e-mail": either is fine for the journeys.
EMAIL_LABEL = re.compile(r"^(courriel|adresse e-mail|adresse électronique)", re.IGNORECASE)
PASSWORD_LABEL = re.compile(r"^(nouveau )?mot de passe(?!.*confirmation)", re.IGNORECASE)
CONFIRMATION_LABEL = re.compile(r"confirmation", re.IGNORECASE)


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def link_in_last_email(pattern: str) -> str:
    assert mail.outbox, "no e-mail was sent"
    body = str(mail.outbox[-1].body)
    match = re.search(pattern, body)
    assert match, f"no link matching {pattern} in:\n{body}"
    return match.group(0)


def make_user(email: str = "camille@asso.example", password: str = PASSWORD):
    user = get_user_model().objects.create_user(email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()


def test_sign_up_and_confirm_email(page: Page, assert_accessible):
    page.goto("/comptes/signup/")
    expect(h1(page)).to_have_text("Créer un compte")
    assert_accessible(page)

    # An empty form first: the error state must be accessible too.
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".fr-error-text").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label(EMAIL_LABEL).fill("camille@asso.example")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label(CONFIRMATION_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    expect(h1(page)).to_have_text("Confirmez votre adresse e-mail")
    assert_accessible(page)
    assert [m.to for m in mail.outbox] == [["camille@asso.example"]]

    page.goto(link_in_last_email(r"https?://\S+/comptes/confirm-email/\S+/"))
    expect(h1(page)).to_have_text("Confirmer votre adresse e-mail")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer mon adresse e-mail").click()

    # Confirming logs the person in and leads to the profile.
    expect(page).to_have_url(re.compile(r"/comptes/profil/$"))
    expect(h1(page)).to_have_text("Mon compte")
    expect(page.get_by_role("main")).to_contain_text("camille@asso.example")
    assert_accessible(page)
    assert EmailAddress.objects.get(email="camille@asso.example").verified


def test_log_in_and_log_out(page: Page, assert_accessible):
    make_user()

    page.goto("/comptes/login/")
    expect(h1(page)).to_have_text("Se connecter")
    assert_accessible(page)

    log_in(page, "camille@asso.example", "wrong-password-123")
    expect(page.locator(".fr-alert--error, .fr-error-text").first).to_be_visible()
    assert_accessible(page)

    log_in(page, "camille@asso.example", PASSWORD)
    expect(page).to_have_url(re.compile(r"/comptes/profil/$"))
    expect(page.get_by_role("banner").get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto("/comptes/logout/")
    expect(h1(page)).to_have_text("Se déconnecter")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("button", name="Se déconnecter").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()
    page.goto("/comptes/profil/")
    expect(page).to_have_url(re.compile(r"/comptes/login/\?next=/comptes/profil/$"))


def test_reset_forgotten_password(page: Page, assert_accessible):
    make_user()

    page.goto("/comptes/password/reset/")
    expect(h1(page)).to_have_text("Mot de passe oublié")
    assert_accessible(page)
    page.get_by_label(EMAIL_LABEL).fill("camille@asso.example")
    page.get_by_role("button", name="Réinitialiser mon mot de passe").click()

    expect(h1(page)).to_have_text("E-mail envoyé")
    assert_accessible(page)
    assert [m.to for m in mail.outbox] == [["camille@asso.example"]]

    page.goto(link_in_last_email(r"https?://\S+/comptes/password/reset/key/\S+/"))
    expect(h1(page)).to_have_text("Choisir un nouveau mot de passe")
    assert_accessible(page)
    page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(CONFIRMATION_LABEL).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer mon nouveau mot de passe").click()

    expect(h1(page)).to_have_text("Mot de passe modifié")
    assert_accessible(page)

    log_in(page, "camille@asso.example", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/comptes/profil/$"))
    expect(h1(page)).to_have_text("Mon compte")


def test_delete_account(page: Page, assert_accessible):
    make_user()
    log_in(page, "camille@asso.example", PASSWORD)
    expect(page).to_have_url(re.compile(r"/comptes/profil/$"))
    assert_accessible(page)

    page.get_by_role("link", name="Supprimer mon compte").click()
    expect(h1(page)).to_have_text("Supprimer mon compte")
    assert_accessible(page)

    # A wrong password keeps the account, with a message tied to the field.
    page.get_by_label(PASSWORD_LABEL).fill("not-my-password")
    page.get_by_role("button", name="Supprimer mon compte").click()
    expect(page.get_by_role("main")).to_contain_text("Mot de passe incorrect")
    assert_accessible(page)
    assert get_user_model().objects.filter(email="camille@asso.example").exists()

    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Supprimer mon compte").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre compte")
    assert_accessible(page)
    assert not get_user_model().objects.filter(email="camille@asso.example").exists()
