"""Sign-up with a mandatory e-mail confirmation, and every way it can go wrong."""

import re
import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail

from frenchimpact.accounts.models import User
from frenchimpact.audit.models import AuditEntry

from .factories import PASSWORD, UserFactory
from .utils import field_errors, page_text

SIGNUP_URL = "/comptes/signup/"


def signup(client, email="nouvelle@exemple.fr", password1=PASSWORD, password2=None):
    return client.post(
        SIGNUP_URL,
        {"email": email, "password1": password1, "password2": password2 or password1},
    )


def confirmation_url(message) -> str:
    match = re.search(r"http://testserver(/comptes/confirm-email/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_signup_page_is_french_and_labelled(client):
    response = client.get(SIGNUP_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "Créer un compte" in html
    assert "Créer mon compte" in html
    for field in ("email", "password1", "password2"):
        assert f'<label class="fr-label" for="id_{field}">' in html
        assert f'name="{field}"' in html


@pytest.mark.django_db
def test_signup_creates_an_unconfirmed_account_and_sends_a_french_email(client):
    response = signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/comptes/confirm-email/"
    user = User.objects.get(email="nouvelle@exemple.fr")
    address = EmailAddress.objects.get(user=user)
    assert address.primary and not address.verified
    assert settings.EMAIL_BACKEND == "frenchimpact.jobs.mail.TaskEmailBackend"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle@exemple.fr"]
    assert (
        message.subject
        == "[French IMPACT] Confirmez votre adresse e-mail pour activer votre compte"
    )
    assert "Bienvenue sur French IMPACT" in message.body
    assert "Ce lien est valable 3 jours." in message.body
    assert AuditEntry.objects.filter(actor=user, action="user.sign_up").count() == 1
    page = client.get(response["Location"])
    assert "Confirmez votre adresse e-mail" in page.content.decode()


@pytest.mark.django_db
def test_unconfirmed_account_cannot_log_in_and_gets_a_new_link(client):
    signup(client)
    client.logout()
    mail.outbox.clear()

    response = client.post(
        "/comptes/login/", {"login": "nouvelle@exemple.fr", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/comptes/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nouvelle@exemple.fr"]


@pytest.mark.django_db
def test_confirmation_link_asks_then_confirms_and_logs_in(client):
    signup(client)
    url = confirmation_url(mail.outbox[0])

    page = client.get(url)
    assert page.status_code == 200
    assert "Confirmer mon adresse e-mail" in page.content.decode()
    assert not EmailAddress.objects.get(email="nouvelle@exemple.fr").verified  # GET changes nothing

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == "/comptes/profil/"
    assert EmailAddress.objects.get(email="nouvelle@exemple.fr").verified
    assert client.get("/comptes/profil/").status_code == 200


@pytest.mark.django_db
def test_tampered_confirmation_link_says_so_and_offers_a_new_link(client):
    signup(client)
    url = confirmation_url(mail.outbox[0])
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]

    for response in (client.get(tampered), client.post(tampered)):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Lien de confirmation expiré ou invalide" in html
        assert 'href="/comptes/login/"' in html
        assert "Se connecter pour recevoir un nouveau lien" in html
    assert not EmailAddress.objects.get(email="nouvelle@exemple.fr").verified


@pytest.mark.django_db
def test_expired_confirmation_link_says_so_and_confirms_nothing(client):
    signup(client)
    url = confirmation_url(mail.outbox[0])
    four_days_later = time.time() + 4 * 24 * 3600

    with mock.patch("django.core.signing.time.time", return_value=four_days_later):
        response = client.post(url)

    assert response.status_code == 200
    assert "Ce lien de confirmation a expiré" in response.content.decode()
    assert not EmailAddress.objects.get(email="nouvelle@exemple.fr").verified
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signup_with_a_taken_address_explains_and_links_to_login_and_reset(client):
    UserFactory.create(email="deja@exemple.fr")

    response = signup(client, email="Deja@Exemple.fr")

    html = page_text(response)
    assert response.status_code == 200
    assert field_errors(response) == [
        "Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou, si vous avez "
        "oublié votre mot de passe, réinitialisez-le."
    ]
    assert 'id="compte-existant"' in html
    assert 'href="/comptes/login/"' in html
    assert 'href="/comptes/password/reset/"' in html
    assert User.objects.count() == 1
    assert EmailAddress.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Court-1!", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("password1234", "Ce mot de passe est trop courant."),
        ("738201946652", "Ce mot de passe est entièrement numérique."),
        ("nouvelleexemple", "Le mot de passe est trop semblable au champ « adresse e-mail »."),
    ],
)
def test_weak_passwords_are_refused_in_french(client, password, message):
    response = signup(client, password1=password)

    html = page_text(response)
    assert response.status_code == 200
    assert message in field_errors(response)
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_different_passwords_are_refused(client):
    response = signup(client, password2="Autre-mot-de-passe-2018")

    assert field_errors(response) == ["Vous devez saisir deux fois le même mot de passe."]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["pas-une-adresse", "camille@", "camille@exemple..fr"])
def test_malformed_address_is_refused_in_french(client, address):
    response = signup(client, email=address)

    assert response.status_code == 200
    assert field_errors(response) == ["Saisissez une adresse e-mail valide."]
    assert not User.objects.exists()
    assert mail.outbox == []
