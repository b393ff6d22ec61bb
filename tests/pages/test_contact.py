"""The contact form: e-mails the team with reply-to the visitor, stores nothing, resists abuse."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from frenchimpact.pages import services

URL = "/contact/"
GOOD = {
    "name": "Camille Martin",
    "email": "camille@asso.example",
    "subject": "Labellisation de notre incubateur",
    "message": "Bonjour,\nComment candidater au label French IMPACT ?\nMerci.",
    "website": "",
}


@pytest.fixture(autouse=True)
def _contact_email(settings):
    settings.PLATFORM_CONTACT_EMAIL = "equipe@frenchimpact.example"


def post(client, **changes):
    return client.post(URL, {**GOOD, **changes})


def test_contact_url_is_french():
    assert reverse("pages:contact") == URL


@pytest.mark.django_db
def test_form_shows_labelled_fields_and_csrf_token(client):
    html = client.get(URL).content.decode()

    assert 'name="csrfmiddlewaretoken"' in html
    for label in ("Nom", "Adresse électronique", "Objet", "Message"):
        assert f">{label}" in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="name"' in html
    assert '<div class="fi-honeypot">' in html


@pytest.mark.django_db
def test_good_message_sends_one_email_to_the_team_with_reply_to_the_sender(client):
    response = post(client)

    assert response.status_code == 302
    assert response["Location"] == URL
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["equipe@frenchimpact.example"]
    assert email.reply_to == ["camille@asso.example"]
    assert email.subject == "[French IMPACT] Contact : Labellisation de notre incubateur"
    assert "Camille Martin" in email.body
    assert "camille@asso.example" in email.body
    assert "Comment candidater au label French IMPACT ?" in email.body
    # The body is plain text: what the visitor typed is not HTML-escaped.
    assert "&#x27;" not in email.body and "&amp;" not in email.body

    page = client.get(response["Location"]).content.decode()
    assert "Votre message a bien été envoyé." in page


@pytest.mark.django_db
def test_message_is_not_escaped_in_the_email(client):
    post(client, message="Tom & Jerry <3 l'ESS")
    assert "Tom & Jerry <3 l'ESS" in mail.outbox[0].body


@pytest.mark.django_db
def test_nothing_is_stored(client):
    from django.apps import apps
    from django.db.models import Model

    def counts() -> dict[type[Model], int]:
        # The task queue is excluded: tests run tasks at once, production keeps them 30 days.
        return {
            model: model._default_manager.count()
            for model in apps.get_models()
            if model._meta.app_label not in {"django_tasks_database", "django_tasks_db"}
            and model._meta.managed
            and not model._meta.proxy
        }

    before = counts()
    post(client)
    assert len(mail.outbox) == 1
    after = counts()
    changed = {
        model: (before[model], after[model]) for model in before if before[model] != after[model]
    }
    assert changed == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Indiquez votre nom."),
        ({"name": "x" * 151}, "name", "Votre nom ne doit pas dépasser 150 caractères."),
        ({"email": ""}, "email", "Indiquez votre adresse électronique."),
        (
            {"email": "camille-at-asso"},
            "email",
            "Saisissez une adresse électronique valide, au format nom@domaine.fr.",
        ),
        ({"subject": ""}, "subject", "Indiquez l’objet de votre message."),
        (
            {"subject": "Bonjour\nBcc: victime@example.org"},
            "subject",
            "Ce champ doit tenir sur une seule ligne.",
        ),
        ({"subject": "x" * 201}, "subject", "L’objet ne doit pas dépasser 200 caractères."),
        ({"message": "   "}, "message", "Écrivez votre message."),
        (
            {"message": "x" * 5001},
            "message",
            "Votre message ne doit pas dépasser 5000 caractères.",
        ),
    ],
)
def test_bad_input_gives_french_message_and_sends_nothing(client, changes, field, message):
    response = post(client, **changes)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert f'<p class="fr-error-text">{message}</p>' in html
    assert f'aria-describedby="id_{field}-desc-error"' in html
    assert 'aria-invalid="true"' in html
    assert "<title>Erreur : Contact — French IMPACT</title>" in html
    assert mail.outbox == []
    # The visitor's other answers are kept.
    if field != "name":
        assert 'value="Camille Martin"' in html


@pytest.mark.django_db
def test_filled_honeypot_is_refused_with_a_visible_message(client):
    response = post(client, website="https://spam.example")

    assert response.status_code == 400
    assert "un champ destiné à détecter les envois automatiques a été rempli" in (
        response.content.decode()
    )
    assert mail.outbox == []


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, GOOD)

    assert response.status_code == 403
    assert mail.outbox == []


@pytest.mark.django_db
def test_rate_limit_blocks_after_quota_per_ip_and_sends_nothing_more(client, monkeypatch):
    monkeypatch.setattr(services, "CONTACT_RATE_LIMIT", 2)

    assert post(client).status_code == 302
    assert post(client).status_code == 302
    response = post(client)

    assert response.status_code == 429
    assert "trop de messages ont été envoyés depuis votre connexion" in response.content.decode()
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_rate_limit_is_per_ip(client, monkeypatch):
    monkeypatch.setattr(services, "CONTACT_RATE_LIMIT", 1)

    assert client.post(URL, GOOD, REMOTE_ADDR="198.51.100.1").status_code == 302
    assert client.post(URL, GOOD, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.post(URL, GOOD, REMOTE_ADDR="198.51.100.2").status_code == 302
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_invalid_messages_do_not_spend_the_quota(client, monkeypatch):
    monkeypatch.setattr(services, "CONTACT_RATE_LIMIT", 1)

    assert post(client, email="nope").status_code == 400
    assert post(client).status_code == 302
    assert len(mail.outbox) == 1
