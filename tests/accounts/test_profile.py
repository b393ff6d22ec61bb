"""The profile page, editing name and preferences, and changing the e-mail address."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from frenchimpact.accounts.roles import Role
from frenchimpact.audit.models import AuditEntry

from .factories import user_with_role
from .utils import field_errors, page_text, path_in


@pytest.mark.django_db
def test_profile_requires_login(client):
    response = client.get("/comptes/profil/")
    assert response.status_code == 302
    assert response["Location"] == "/comptes/login/?next=/comptes/profil/"


@pytest.mark.django_db
def test_profile_shows_identity_roles_and_links(client):
    user = user_with_role(
        Role.REVIEWER, email="jury@exemple.fr", first_name="Lou", last_name="Bernard"
    )
    client.force_login(user)

    html = page_text(client.get("/comptes/profil/"))

    assert html.count("<h1") == 1
    assert "Lou Bernard" in html
    assert "jury@exemple.fr" in html
    assert "Évaluateur ou membre de jury" in html
    assert "Porteur de projet" not in html
    for url in (
        "/comptes/profil/modifier/",
        "/comptes/email/",
        "/comptes/password/change/",
        "/comptes/profil/mes-donnees/",
        "/comptes/profil/supprimer/",
    ):
        assert f'href="{url}"' in html


@pytest.mark.django_db
def test_profile_without_role_says_so(logged_client):
    assert "Aucun rôle particulier" in page_text(logged_client.get("/comptes/profil/"))


@pytest.mark.django_db
def test_edit_name_and_preferences_goes_through_the_service(logged_client, user):
    response = logged_client.post(
        "/comptes/profil/modifier/",
        {"first_name": " Camille ", "last_name": "Durand", "notify_calls": "on"},
        follow=True,
    )

    assert response.redirect_chain == [("/comptes/profil/", 302)]
    assert "Vos informations ont été enregistrées." in page_text(response)
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Camille", "Durand")
    assert user.notify_calls is True
    assert user.notify_activity is False  # an unticked box is a "no"
    entry = AuditEntry.objects.get(action="user.update_profile")
    assert entry.actor == user
    assert entry.changes["last_name"] == {"avant": "Martin", "apres": "Durand"}
    assert set(entry.changes) == {"last_name", "notify_calls", "notify_activity"}


@pytest.mark.django_db
def test_edit_profile_refuses_a_too_long_name_and_writes_nothing(logged_client, user):
    response = logged_client.post(
        "/comptes/profil/modifier/", {"first_name": "C" * 151, "last_name": "Durand"}
    )

    assert response.status_code == 200
    assert field_errors(response) == [
        "Assurez-vous que cette valeur comporte au plus 150 caractères (actuellement 151)."
    ]
    user.refresh_from_db()
    assert user.last_name == "Martin"
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_saving_an_unchanged_profile_writes_no_audit_entry(logged_client, user):
    logged_client.post(
        "/comptes/profil/modifier/",
        {"first_name": "Camille", "last_name": "Martin", "notify_activity": "on"},
    )
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_change_of_email_waits_for_the_confirmation_of_the_new_address(logged_client, user):
    page = logged_client.get("/comptes/email/")
    assert ">Changer mon adresse e-mail</button>" in page_text(page)

    response = logged_client.post(
        "/comptes/email/", {"action_add": "", "email": "nouvelle-adresse@exemple.fr"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "camille@exemple.fr"  # not before the confirmation
    new = EmailAddress.objects.get(email="nouvelle-adresse@exemple.fr")
    assert (new.user, new.verified, new.primary) == (user, False, False)
    assert mail.outbox[-1].to == ["nouvelle-adresse@exemple.fr"]
    assert mail.outbox[-1].subject == "[French IMPACT] Confirmez votre adresse e-mail"
    pending = page_text(logged_client.get("/comptes/email/"))
    assert "Changement en attente de confirmation" in pending

    url = path_in(mail.outbox[-1].body, r"http://testserver(/comptes/confirm-email/\S+/)")
    logged_client.post(url)

    user.refresh_from_db()
    assert user.email == "nouvelle-adresse@exemple.fr"
    assert list(
        EmailAddress.objects.filter(user=user).values_list("email", "primary", "verified")
    ) == [("nouvelle-adresse@exemple.fr", True, True)]
    assert AuditEntry.objects.filter(actor=user, action="user.change_email").count() == 1
    notice = [m for m in mail.outbox if m.subject == "[French IMPACT] Adresse e-mail modifiée"]
    assert notice and notice[0].to == ["camille@exemple.fr"]


@pytest.mark.django_db
def test_change_of_email_to_a_taken_address_is_refused(logged_client, user):
    user_with_role(Role.HACKER, email="prise@exemple.fr")

    response = logged_client.post(
        "/comptes/email/", {"action_add": "", "email": "prise@exemple.fr"}
    )

    assert response.status_code == 200
    assert field_errors(response)[0].startswith("Un compte existe déjà avec cette adresse e-mail.")
    assert EmailAddress.objects.filter(user=user).count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_change_of_email_to_a_malformed_address_is_refused(logged_client, user):
    response = logged_client.post("/comptes/email/", {"action_add": "", "email": "pas-une-adresse"})

    assert response.status_code == 200
    assert field_errors(response) == ["Saisissez une adresse e-mail valide."]
    assert EmailAddress.objects.filter(user=user).count() == 1
