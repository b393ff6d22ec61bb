"""Load the demo data set (idempotent, deterministic with --seed). Each app adds its part."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frenchimpact.accounts.demo import DEMO_PASSWORD, seed_demo_accounts


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (sans doublon ; --seed rend le tirage reproductible)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2018, help="Graine du tirage (défaut : 2018)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError(
                "seed_demo refuse de s’exécuter en production : il crée des comptes au mot de passe connu."
            )
        rng = random.Random(options["seed"])  # noqa: S311  (demo data, not security)
        accounts = seed_demo_accounts(rng=rng)
        created = sum(account.created for account in accounts)
        self.stdout.write(
            f"Comptes de démonstration : {len(accounts)} ({created} créés, {len(accounts) - created} déjà présents)."
        )
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
        for account in accounts:
            self.stdout.write(f"  {account.role.label:<45} {account.email}")
        staff = next(a for a in accounts if a.role.value == "equipe_programme")
        self.stdout.write(
            self.style.SUCCESS(
                f"Compte de l’équipe du programme pour se connecter : {staff.email} / {DEMO_PASSWORD}"
            )
        )
