"""RGPD: download of one's data, and deletion of one's account."""

import json

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from django.contrib.auth.models import Group
from django.core import mail

from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.accounts.services import user_delete, user_grant_role, user_update_profile
from frenchimpact.audit.models import AuditEntry

from .factories import PASSWORD, UserFactory, user_with_role
from .utils import field_errors, page_text


@pytest.mark.django_db
def test_export_requires_login(client):
    response = client.get("/comptes/profil/mes-donnees/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


@pytest.mark.django_db
def test_export_holds_my_data_and_nothing_about_other_people(client):
    admin = user_with_role(Role.ADMINISTRATOR, email="admin@exemple.fr", notify_calls=True)
    other = UserFactory.create(
        email="autre.personne@exemple.fr", first_name="Sacha", last_name="Autre"
    )
    user_grant_role(user=other, role=Role.HACKER, actor=admin, reason="Arrivée de Sacha")
    user_update_profile(
        user=admin,
        actor=admin,
        first_name="Ana",
        last_name="Admin",
        notify_activity=True,
        notify_calls=True,
        notify_platform_news=False,
    )
    user_update_profile(
        user=other,
        actor=other,
        first_name="Sacha",
        last_name="Secret",
        notify_activity=True,
        notify_calls=False,
        notify_platform_news=False,
    )
    client.force_login(admin)

    response = client.get("/comptes/profil/mes-donnees/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="mes-donnees-french-impact.json"'
    )
    data = json.loads(response.content)
    assert data["utilisateur"]["email"] == "admin@exemple.fr"
    assert data["utilisateur"]["nom"] == "Admin"
    assert data["preferences"] == {
        "notify_activity": True,
        "notify_calls": True,
        "notify_platform_news": False,
    }
    assert data["adresses_email"] == [
        {"email": "admin@exemple.fr", "verifiee": True, "principale": True}
    ]
    assert data["groupes"] == ["administrateur"]
    actions = [entry["action"] for entry in data["journal_audit"]]
    assert actions == [
        "user.grant_role",
        "user.update_profile",
    ]  # the grant *to* admin was by the system
    text = response.content.decode()
    for foreign in ("autre.personne@exemple.fr", "Sacha", "Secret", "Arrivée de Sacha"):
        assert foreign not in text
    # what the system recorded about the admin's account is theirs too
    about_me = data["journal_audit_me_concernant"]
    assert [(e["action"], e["auteur"]) for e in about_me] == [("user.grant_role", "système")]
    assert about_me[0]["modifications"]["roles"]["apres"] == ["administrateur"]


@pytest.mark.django_db
def test_export_shows_what_others_recorded_about_me_without_naming_them(client):
    admin = user_with_role(Role.ADMINISTRATOR, email="chef@exemple.fr", first_name="Dominique")
    me = UserFactory.create(email="moi@exemple.fr")
    user_grant_role(user=me, role=Role.REVIEWER, actor=admin, reason="Jury 2018")
    client.force_login(me)

    data = json.loads(client.get("/comptes/profil/mes-donnees/").content)

    assert [
        (e["action"], e["auteur"], e["motif"]) for e in data["journal_audit_me_concernant"]
    ] == [("user.grant_role", "un autre compte", "Jury 2018")]
    text = json.dumps(data, ensure_ascii=False)
    assert "chef@exemple.fr" not in text and "Dominique" not in text


@pytest.mark.django_db
def test_delete_page_asks_for_the_password(logged_client):
    html = page_text(logged_client.get("/comptes/profil/supprimer/"))
    assert '<label class="fr-label" for="id_password">' in html
    assert ">Supprimer mon compte</button>" in html


@pytest.mark.django_db
def test_delete_with_a_wrong_password_deletes_nothing(logged_client, user):
    response = logged_client.post("/comptes/profil/supprimer/", {"password": "Pas-le-bon"})

    assert response.status_code == 200
    assert field_errors(response) == ["Mot de passe incorrect : votre compte n’a pas été supprimé."]
    assert User.objects.filter(pk=user.pk).exists()
    assert EmailAddress.objects.filter(user=user).exists()
    assert "_auth_user_id" in logged_client.session
    assert not AuditEntry.objects.filter(action="user.delete").exists()


@pytest.mark.django_db
def test_delete_erases_the_account_keeps_the_trail_without_actor_and_logs_out(logged_client, user):
    user.groups.add(Group.objects.get(name=Role.PROJECT_HOLDER.value))
    user_update_profile(
        user=user,
        actor=user,
        first_name="Camille",
        last_name="Durand",
        notify_activity=True,
        notify_calls=True,
        notify_platform_news=True,
    )
    EmailAddress.objects.create(
        user=user, email="deuxieme@exemple.fr", verified=False, primary=False
    )
    EmailConfirmation.create(EmailAddress.objects.get(email="deuxieme@exemple.fr")).save()
    user_pk = user.pk

    response = logged_client.post("/comptes/profil/supprimer/", {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Votre compte et vos données personnelles ont été supprimés." in page_text(response)
    assert not User.objects.filter(pk=user_pk).exists()
    assert not EmailAddress.objects.exists()
    assert not EmailConfirmation.objects.exists()
    assert "_auth_user_id" not in logged_client.session
    profile_entry = AuditEntry.objects.get(action="user.update_profile", actor=None)
    # RGPD erasure: the trail keeps what happened and when, not the values naming the person.
    assert profile_entry.changes == {}
    assert "Durand" not in profile_entry.object_repr
    deletion = AuditEntry.objects.get(action="user.delete")
    assert deletion.actor is None
    assert deletion.object_id == str(user_pk)
    assert "camille" not in deletion.object_repr.lower()
    assert logged_client.get("/comptes/profil/").status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_user_delete_rolls_back_as_a_whole(user, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("frenchimpact.accounts.models.User.objects.filter", boom, raising=False)
    with pytest.raises(RuntimeError):
        user_delete(user=user, actor=user)

    monkeypatch.undo()
    assert User.objects.filter(pk=user.pk).exists()
    assert EmailAddress.objects.filter(user=user).exists()
    assert not AuditEntry.objects.filter(action="user.delete").exists()


@pytest.mark.django_db
def test_only_the_person_or_an_administrator_may_delete_an_account(user):
    from django.core.exceptions import PermissionDenied

    stranger = user_with_role(Role.PROGRAMME_STAFF)
    with pytest.raises(PermissionDenied):
        user_delete(user=user, actor=stranger)
    assert User.objects.filter(pk=user.pk).exists()

    admin = user_with_role(Role.ADMINISTRATOR)
    user_delete(user=user, actor=admin)
    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditEntry.objects.get(action="user.delete").actor == admin
