"""Granting roles (service and command) and the checks of frenchimpact.permissions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from frenchimpact.accounts.roles import Role
from frenchimpact.accounts.services import user_grant_role, user_revoke_role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.permissions import (
    RoleRequiredMixin,
    can_view_audit_history,
    is_administrator,
    is_programme_staff,
    role_required,
)

from .factories import UserFactory, superuser, user_with_role


@pytest.mark.django_db
def test_every_role_has_its_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.django_db
def test_grant_role_adds_the_group_and_audits(user):
    admin = user_with_role(Role.ADMINISTRATOR)

    assert (
        user_grant_role(user=user, role=Role.HACKER, actor=admin, reason="Nommé par la DGCS")
        is True
    )

    assert list(user.groups.values_list("name", flat=True)) == ["hacker"]
    entry = AuditEntry.objects.get(action="user.grant_role", object_id=str(user.pk))
    assert entry.actor == admin
    assert entry.reason == "Nommé par la DGCS"
    assert entry.changes == {"roles": {"avant": [], "apres": ["hacker"]}}
    assert user_grant_role(user=user, role=Role.HACKER, actor=admin) is False
    assert AuditEntry.objects.filter(action="user.grant_role", object_id=str(user.pk)).count() == 1


@pytest.mark.django_db
def test_only_administrators_grant_roles(user):
    staff = user_with_role(Role.PROGRAMME_STAFF)

    with pytest.raises(PermissionDenied):
        user_grant_role(user=user, role=Role.ADMINISTRATOR, actor=staff)

    assert not user.groups.exists()
    assert not AuditEntry.objects.filter(object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_administrator_role_opens_and_closes_the_django_admin(user):
    user_grant_role(user=user, role=Role.ADMINISTRATOR, actor=None)
    user.refresh_from_db()
    assert user.is_staff

    assert user_revoke_role(user=user, role=Role.ADMINISTRATOR, actor=None) is True
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()
    assert AuditEntry.objects.filter(action="user.revoke_role").count() == 1


@pytest.mark.django_db
def test_grant_role_command(user, capsys):
    call_command("grant_role", "CAMILLE@exemple.fr", "equipe_programme", "--reason", "Arrivée")

    assert list(user.groups.values_list("name", flat=True)) == ["equipe_programme"]
    assert "granted" in capsys.readouterr().out
    assert AuditEntry.objects.get(action="user.grant_role").actor is None

    with pytest.raises(CommandError):
        call_command("grant_role", "inconnue@exemple.fr", "hacker")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_checks_for_each_role(role):
    user = user_with_role(role)
    staff_or_admin = role in (Role.PROGRAMME_STAFF, Role.ADMINISTRATOR)
    assert is_programme_staff(user) is staff_or_admin
    assert is_administrator(user) is (role == Role.ADMINISTRATOR)
    assert can_view_audit_history(user) is staff_or_admin


@pytest.mark.django_db
def test_checks_for_anonymous_inactive_and_superuser():
    assert not can_view_audit_history(AnonymousUser())
    assert not can_view_audit_history(user_with_role(Role.PROGRAMME_STAFF, is_active=False))
    root = superuser()
    assert is_administrator(root) and is_programme_staff(root) and can_view_audit_history(root)
    assert not is_administrator(UserFactory.create())


@role_required(Role.HACKER, Role.REVIEWER)
def protected_view(request):
    return HttpResponse("ok")


class ProtectedView(RoleRequiredMixin, View):
    required_roles = (Role.HACKER,)

    def get(self, request):
        return HttpResponse("ok")


@pytest.mark.django_db
@pytest.mark.parametrize("view", [protected_view, ProtectedView.as_view()])
def test_role_required_sends_anonymous_to_login_and_others_to_403(view):
    factory = RequestFactory()

    request = factory.get("/gestion/obstacles/?page=2")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == "/comptes/login/?next=/gestion/obstacles/%3Fpage%3D2"

    request.user = UserFactory.create()
    with pytest.raises(PermissionDenied):
        view(request)

    request.user = user_with_role(Role.HACKER)
    assert view(request).content == b"ok"


def test_role_required_needs_a_role():
    with pytest.raises(ValueError):
        role_required()


@pytest.mark.django_db
def test_administrators_hold_every_permission_after_migrate():
    from django.contrib.auth.models import Permission

    admin = user_with_role(Role.ADMINISTRATOR)
    group = Group.objects.get(name=Role.ADMINISTRATOR.value)
    assert group.permissions.count() == Permission.objects.count() > 0
    assert admin.has_perm("audit.view_auditentry")
    assert admin.has_perm("account.change_emailaddress")
    assert not user_with_role(Role.PROGRAMME_STAFF).has_perm("auth.change_group")


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client, user):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/comptes/login/?next=/admin/"

    client.force_login(user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403

    client.force_login(user_with_role(Role.ADMINISTRATOR))
    response = client.get("/admin/login/?next=https://ailleurs.example/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
