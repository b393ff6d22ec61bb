"""Reads on accounts."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry

from .models import User
from .roles import Role


def user_roles(*, user: User) -> list[Role]:
    """The roles the user holds through groups, in the Role enum's order."""
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.value in names]


def user_personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the user, for the RGPD access right (article 15).

    Nothing about other people: for an entry the user wrote about another account only the action
    and date are kept, and entries others wrote about the user do not say who wrote them.
    """
    user_type = ContentType.objects.get_for_model(User)
    entries = []
    for entry in (
        AuditEntry.objects.filter(actor=user)
        .select_related("content_type")
        .order_by("created_at", "pk")
    ):
        about_someone_else = entry.content_type_id == user_type.pk and entry.object_id != str(
            user.pk
        )
        entries.append(
            {
                "date": entry.created_at.isoformat(),
                "action": entry.action,
                "type_objet": f"{entry.content_type.app_label}.{entry.content_type.model}",
                "objet": "" if about_someone_else else entry.object_repr,
                "etat_avant": entry.from_state,
                "etat_apres": entry.to_state,
                "modifications": {} if about_someone_else else entry.changes,
                "motif": "" if about_someone_else else entry.reason,
            }
        )
    # What others (administrators, the system) recorded about this account: the person's data
    # too, but without the identity of whoever acted.
    about_me = [
        {
            "date": entry.created_at.isoformat(),
            "action": entry.action,
            "auteur": "système" if entry.actor_id is None else "un autre compte",
            "etat_avant": entry.from_state,
            "etat_apres": entry.to_state,
            "modifications": entry.changes,
            "motif": entry.reason,
        }
        for entry in AuditEntry.objects.for_object(user)
        .exclude(actor=user)
        .order_by("created_at", "pk")
    ]
    return {
        "date_export": timezone.now().isoformat(),
        "utilisateur": {
            "id": user.pk,
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "date_inscription": user.date_joined.isoformat(),
            "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
            "actif": user.is_active,
        },
        "preferences": {
            "notify_activity": user.notify_activity,
            "notify_calls": user.notify_calls,
            "notify_platform_news": user.notify_platform_news,
        },
        "adresses_email": [
            {"email": address.email, "verifiee": address.verified, "principale": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "groupes": sorted(user.groups.values_list("name", flat=True)),
        "journal_audit": entries,
        "journal_audit_me_concernant": about_me,
    }
