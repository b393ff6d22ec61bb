"""Writes on accounts. Views, admin actions and commands call these, never the ORM directly."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress, EmailConfirmation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from frenchimpact.audit.services import audit_erase_personal_data, audit_record, snapshot

from .models import User
from .roles import Role

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "notify_activity",
    "notify_calls",
    "notify_platform_news",
)


def user_update_profile(
    *,
    user: User,
    actor: Any,
    first_name: str,
    last_name: str,
    notify_activity: bool,
    notify_calls: bool,
    notify_platform_news: bool,
) -> User:
    """Change the user's name and notification preferences; audited when something changed."""
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "notify_activity": notify_activity,
        "notify_calls": notify_calls,
        "notify_platform_news": notify_platform_news,
    }
    with transaction.atomic():
        before = snapshot(user, PROFILE_FIELDS)
        changed = [name for name, value in values.items() if getattr(user, name) != value]
        if not changed:
            return user
        for name in changed:
            setattr(user, name, values[name])
        user.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="user.update_profile",
            obj=user,
            before=before,
            after=snapshot(user, PROFILE_FIELDS),
        )
    return user


def _check_may_manage_roles(actor: Any) -> None:
    # None is the system (a management command run by an operator, a data migration…).
    if actor is None:
        return
    from frenchimpact.permissions import is_administrator

    if not is_administrator(actor):
        raise PermissionDenied("Only administrators grant or revoke roles.")


def _role_state(user: User) -> dict[str, Any]:
    return {"roles": sorted(user.groups.values_list("name", flat=True)), "is_staff": user.is_staff}


def _user_change_role(*, user: User, role: Role, actor: Any, reason: str, grant: bool) -> bool:
    _check_may_manage_roles(actor)
    with transaction.atomic():
        group = Group.objects.get(name=role.value)
        if user.groups.filter(pk=group.pk).exists() == grant:
            return False
        before = _role_state(user)
        if grant:
            user.groups.add(group)
        else:
            user.groups.remove(group)
        if role == Role.ADMINISTRATOR:
            # The administrator role opens the Django admin; a superuser keeps it regardless.
            is_staff = grant or user.is_superuser
            if user.is_staff != is_staff:
                user.is_staff = is_staff
                user.save(update_fields=["is_staff"])
        audit_record(
            actor=actor,
            action="user.grant_role" if grant else "user.revoke_role",
            obj=user,
            before=before,
            after=_role_state(user),
            reason=reason,
        )
    user.__dict__.pop("_role_names_cache", None)
    return True


def user_grant_role(*, user: User, role: Role, actor: Any, reason: str = "") -> bool:
    """Put the user in the role's group. Returns False when the user already had it.

    The administrator role also opens the Django admin (is_staff). Only administrators (or the
    system, actor=None) may grant a role.
    """
    return _user_change_role(user=user, role=role, actor=actor, reason=reason, grant=True)


def user_revoke_role(*, user: User, role: Role, actor: Any, reason: str = "") -> bool:
    """Take the user out of the role's group. Returns False when the user did not have it."""
    return _user_change_role(user=user, role=role, actor=actor, reason=reason, grant=False)


def user_delete(*, user: User, actor: Any) -> None:
    """Erase the account: the user row, its e-mail addresses and pending confirmations.

    Audit entries written by the user stay (the trail is append-only) with a null actor. The
    entry recording the deletion names a pseudonymised stand-in, so that the trail does not keep
    the erased person's name or address.
    """
    if actor is not None and actor != user:
        _check_may_manage_roles(actor)
    user_pk = user.pk
    with transaction.atomic():
        audit_erase_personal_data(obj=user)
        stand_in = User(pk=user_pk, email=f"compte-supprime-{user_pk}")
        audit_record(
            actor=None if actor == user else actor,
            action="user.delete",
            obj=stand_in,
            reason="Suppression par la personne elle-même" if actor == user else "",
        )
        EmailConfirmation.objects.filter(email_address__user_id=user_pk).delete()
        EmailAddress.objects.filter(user_id=user_pk).delete()
        User.objects.filter(pk=user_pk).delete()
