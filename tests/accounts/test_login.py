"""Login (throttled), logout by POST only, and password reset by e-mail."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from frenchimpact.accounts.models import User
from frenchimpact.audit.models import AuditEntry

from .factories import PASSWORD, UserFactory
from .utils import field_errors, page_text, path_in

LOGIN_URL = "/comptes/login/"
NEW_PASSWORD = "Essaimage-territorial-2019"


def login(client, email="camille@exemple.fr", password=PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


@pytest.mark.django_db
def test_login_page_has_labelled_fields_and_french_button(client):
    html = page_text(client.get(LOGIN_URL))
    assert '<label class="fr-label" for="id_login">' in html
    assert '<label class="fr-label" for="id_password">' in html
    assert ">Se connecter</button>" in html
    assert 'href="/comptes/password/reset/"' in html


@pytest.mark.django_db
def test_login_with_the_right_password_opens_the_profile(client, user):
    response = login(client, email="Camille@Exemple.fr")

    assert response.status_code == 302
    assert response["Location"] == "/comptes/profil/"
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused_in_french(client, user):
    response = login(client, password="Pas-le-bon-mot-de-passe")

    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe est incorrect." in page_text(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,3/5m/key"})
def test_failed_logins_are_throttled_even_with_the_right_password(client, user):
    cache.clear()
    for _attempt in range(3):
        response = login(client, password="Pas-le-bon-mot-de-passe")
        assert "L’adresse e-mail ou le mot de passe est incorrect." in page_text(response)

    response = login(client)  # the right password, but too late

    assert response.status_code == 200
    assert (
        "Trop de tentatives de connexion ont échoué. Réessayez dans quelques minutes "
        "ou réinitialisez votre mot de passe." in page_text(response)
    )
    assert "_auth_user_id" not in client.session
    cache.clear()


@pytest.mark.django_db
def test_logout_needs_a_post(logged_client):
    page = logged_client.get("/comptes/logout/")
    assert page.status_code == 200
    assert ">Se déconnecter</button>" in page_text(page)
    assert "_auth_user_id" in logged_client.session  # a GET (a link, a prefetch) logs no one out

    response = logged_client.post("/comptes/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in logged_client.session


@pytest.mark.django_db
def test_password_reset_by_email_end_to_end(client, user):
    page = client.get("/comptes/password/reset/")
    assert ">Réinitialiser mon mot de passe</button>" in page_text(page)

    response = client.post("/comptes/password/reset/", {"email": "camille@exemple.fr"})

    assert response.status_code == 302
    assert response["Location"] == "/comptes/password/reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@exemple.fr"]
    assert message.subject == "[French IMPACT] Choisissez un nouveau mot de passe"
    key_url = path_in(message.body, r"http://testserver(/comptes/password/reset/key/\S+/)")

    form_page = client.get(key_url, follow=True)  # allauth moves the key into the session
    assert ">Enregistrer mon nouveau mot de passe</button>" in page_text(form_page)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == "/comptes/password/reset/key/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(actor=user, action="user.reset_password").count() == 1
    assert mail.outbox[-1].subject == "[French IMPACT] Mot de passe réinitialisé"


@pytest.mark.django_db
def test_password_reset_refuses_a_weak_new_password(client, user):
    client.post("/comptes/password/reset/", {"email": "camille@exemple.fr"})
    key_url = path_in(mail.outbox[0].body, r"http://testserver(/comptes/password/reset/key/\S+/)")
    set_url = client.get(key_url, follow=True).redirect_chain[-1][0]

    response = client.post(set_url, {"password1": "123456789012", "password2": "123456789012"})

    assert response.status_code == 200
    assert "Ce mot de passe est entièrement numérique." in field_errors(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_reset_with_a_bad_key_offers_a_new_link(client, user):
    response = client.get(f"/comptes/password/reset/key/{user.pk:x}-pas-une-cle/")

    html = page_text(response)
    assert response.status_code == 200
    assert "Lien de réinitialisation invalide" in html
    assert 'href="/comptes/password/reset/"' in html


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_says_so(client):
    response = client.post("/comptes/password/reset/", {"email": "inconnue@exemple.fr"})

    assert response.status_code == 200
    assert field_errors(response) == ["Aucun compte n’est associé à cette adresse e-mail."]
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_change_checks_the_current_password(logged_client, user):
    response = logged_client.post(
        "/comptes/password/change/",
        {"oldpassword": "Pas-le-bon", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Saisissez votre mot de passe actuel." in field_errors(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.change_password").exists()


@pytest.mark.django_db
def test_password_change_changes_it_and_notifies(logged_client, user):
    response = logged_client.post(
        "/comptes/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(actor=user, action="user.change_password").count() == 1
    assert mail.outbox[-1].subject == "[French IMPACT] Mot de passe modifié"
    assert "Votre mot de passe a été modifié." in mail.outbox[-1].body
    assert "_auth_user_id" in logged_client.session  # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE is off


@pytest.mark.django_db
def test_inactive_account_cannot_log_in(client):
    UserFactory.create(email="inactif@exemple.fr", is_active=False)

    response = login(client, email="inactif@exemple.fr")

    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == "/comptes/inactive/"
    page = page_text(client.get(response["Location"]))
    assert "Ce compte a été désactivé" in page
    assert 'href="/contact/"' in page
    assert User.objects.get(email="inactif@exemple.fr").last_login is None
