"""Demo accounts: a few users of each role, deterministic, with one known password."""

from __future__ import annotations

import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from .models import User
from .roles import Role
from .services import user_grant_role

DEMO_PASSWORD = "FrenchImpact-demo-2026"  # noqa: S105  (demo data only; refused in production)
DEMO_DOMAIN = "demo.frenchimpact.example"

FIRST_NAMES = [
    "Camille",
    "Nadia",
    "Thomas",
    "Léa",
    "Mehdi",
    "Sophie",
    "Julien",
    "Fatou",
    "Hugo",
    "Chloé",
    "Yanis",
    "Manon",
    "Antoine",
    "Inès",
    "Lucas",
    "Aurélie",
    "Karim",
    "Élodie",
    "Pierre",
    "Awa",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Moreau",
    "Laurent",
    "Benali",
    "Lefèvre",
    "Garcia",
    "Roux",
    "Diallo",
    "Fournier",
    "Girard",
    "Bonnet",
    "Nguyen",
    "Mercier",
    "Faure",
    "Morel",
    "Traoré",
]

# How many demo users each role gets.
PER_ROLE = {
    Role.PROJECT_HOLDER: 3,
    Role.SUPPORT_STAFF: 2,
    Role.TERRITORY_STAFF: 2,
    Role.REVIEWER: 3,
    Role.HACKER: 2,
    Role.PROGRAMME_STAFF: 2,
    Role.COPILOT_SIGNATORY: 2,
    Role.ADMINISTRATOR: 1,
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    created: bool


def demo_email(role: Role, index: int) -> str:
    return f"{role.value.replace('_', '-')}-{index}@{DEMO_DOMAIN}"


@transaction.atomic
def seed_demo_accounts(*, rng: random.Random) -> list[DemoAccount]:
    """Create (or bring back to their demo state) the demo users of every role."""
    accounts = []
    for role, count in PER_ROLE.items():
        for index in range(1, count + 1):
            email = demo_email(role, index)
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": rng.choice(LAST_NAMES),
                },
            )
            if not created:
                rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)  # keep the sequence stable
            # Only the administrator role opens the Django admin (see docs/permissions.md).
            user.is_staff = role is Role.ADMINISTRATOR
            user.is_superuser = False
            user.set_password(DEMO_PASSWORD)
            user.save()
            user_grant_role(user=user, role=role, actor=None, reason="Données de démonstration")
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            accounts.append(DemoAccount(email=email, role=role, created=created))
    return accounts
