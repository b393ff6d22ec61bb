"""Account events handled by allauth, written to the audit trail.

allauth performs these writes itself (sign-up, confirmation, e-mail and password changes); its
signals fire inside the request, and the entry records who did it. The entries hold no
address nor password in their changes; like every entry about a user, their object label is
the user's name or address at that time (see AuditEntry.object_repr).
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals
from django.dispatch import receiver

from frenchimpact.audit.services import audit_record


@receiver(signals.user_signed_up, dispatch_uid="accounts_audit_signed_up")
def audit_signed_up(*, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.sign_up", obj=user)


@receiver(signals.email_confirmed, dispatch_uid="accounts_audit_email_confirmed")
def audit_email_confirmed(*, email_address: Any, **kwargs: Any) -> None:
    audit_record(actor=email_address.user, action="user.confirm_email", obj=email_address.user)


@receiver(signals.email_changed, dispatch_uid="accounts_audit_email_changed")
def audit_email_changed(*, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.change_email", obj=user)


@receiver(signals.password_changed, dispatch_uid="accounts_audit_password_changed")
def audit_password_changed(*, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.change_password", obj=user)


@receiver(signals.password_reset, dispatch_uid="accounts_audit_password_reset")
def audit_password_reset(*, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.reset_password", obj=user)


def give_administrators_every_permission(*, using: str = "default", **kwargs: Any) -> None:
    """After each migrate, the administrator group holds every permission, including those of
    models added since: administrators manage users, reference data and configuration in the
    Django admin (the role also sets is_staff, see services.user_grant_role).

    Deploy-time configuration, like a migration: no audit entry.
    """
    from django.contrib.auth.models import Group, Permission

    from .roles import Role

    group = Group.objects.using(using).filter(name=Role.ADMINISTRATOR.value).first()
    if group is not None:
        group.permissions.set(Permission.objects.using(using).all())
