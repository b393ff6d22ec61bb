"""The platform's roles. Each role is a Django group; object-level checks live in
frenchimpact.permissions. The role × action matrix is docs/permissions.md."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # "visitor" is anyone, signed in or not: it has no group.
    PROJECT_HOLDER = "porteur_projet", _("Porteur de projet")
    SUPPORT_STAFF = "accompagnateur", _("Équipe d’une structure d’accompagnement")
    TERRITORY_STAFF = "collectivite", _("Équipe d’un territoire")
    REVIEWER = "evaluateur", _("Évaluateur ou membre de jury")
    HACKER = "hacker", _("Hacker French IMPACT")
    PROGRAMME_STAFF = "equipe_programme", _("Équipe du programme")
    COPILOT_SIGNATORY = "signataire_copilote", _("Signataire d’un co-pilote")
    ADMINISTRATOR = "administrateur", _("Administrateur")


def user_has_role(user: object, role: Role) -> bool:
    """True when the user belongs to the role's group (administrators have every role)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    names = getattr(user, "_role_names_cache", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        user._role_names_cache = names  # type: ignore[attr-defined]
    return role.value in names or Role.ADMINISTRATOR.value in names
