"""Load the demo data set (idempotent, deterministic with --seed). Each app adds its part."""

from __future__ import annotations

import random
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frenchimpact.accounts.demo import DEMO_PASSWORD, seed_demo_accounts
from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.calls.demo import seed_demo_calls
from frenchimpact.core.dbstats import refresh_statistics
from frenchimpact.labels.demo import seed_demo_labels
from frenchimpact.organisations.demo import (
    MAX_ORGANISATIONS,
    seed_demo_memberships,
    seed_demo_organisations,
)
from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.projects.demo import seed_demo_projects
from frenchimpact.support.demo import seed_demo_support
from frenchimpact.territories.models import Department
from frenchimpact.territories.services import territories_load_reference

DEFAULT_ORGANISATIONS = 3000
DEFAULT_PROJECTS = 2000
SEARCH_INDEX_COMMAND = "rebuild_search_index"
# The organisation kind each demo role is made a member of.
KIND_OF_ROLE = {
    Role.PROJECT_HOLDER: OrganisationKind.PROJECT_HOLDER.value,
    Role.SUPPORT_STAFF: OrganisationKind.SUPPORT_STRUCTURE.value,
    Role.TERRITORY_STAFF: OrganisationKind.LOCAL_GOVERNMENT.value,
}


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (sans doublon ; --seed rend le tirage reproductible)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2018, help="Graine du tirage (défaut : 2018)."
        )
        parser.add_argument(
            "--organisations",
            type=int,
            default=DEFAULT_ORGANISATIONS,
            help=f"Nombre de structures de démonstration (défaut : {DEFAULT_ORGANISATIONS}).",
        )
        parser.add_argument(
            "--projects",
            type=int,
            default=DEFAULT_PROJECTS,
            help=f"Nombre de projets de démonstration (défaut : {DEFAULT_PROJECTS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DJANGO_ENV == "production":
            raise CommandError(
                "seed_demo refuse de s’exécuter en production : il crée des comptes au mot de passe connu."
            )
        seed, organisations, projects = (
            options["seed"],
            options["organisations"],
            options["projects"],
        )
        if not 0 <= organisations <= MAX_ORGANISATIONS:
            raise CommandError(f"--organisations doit être compris entre 0 et {MAX_ORGANISATIONS}.")
        if projects < 0:
            raise CommandError("--projects doit être positif ou nul.")

        rng = random.Random(seed)  # noqa: S311  (demo data, not security)
        accounts = seed_demo_accounts(rng=rng)
        created = sum(account.created for account in accounts)
        self.stdout.write(
            f"Comptes de démonstration : {len(accounts)} ({created} créés, {len(accounts) - created} déjà présents)."
        )
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
        for account in accounts:
            self.stdout.write(f"  {account.role.label:<45} {account.email}")

        if organisations or projects:
            self._seed_directory(
                accounts, seed=seed, organisations=organisations, projects=projects
            )

        staff = next(a for a in accounts if a.role.value == "equipe_programme")
        self.stdout.write(
            self.style.SUCCESS(
                f"Compte de l’équipe du programme pour se connecter : {staff.email} / {DEMO_PASSWORD}"
            )
        )

    def _seed_directory(
        self, accounts: Any, *, seed: int, organisations: int, projects: int
    ) -> None:
        if not Department.objects.exists():
            # `make demo` loads them first; a bare `seed_demo` on an empty database does it here.
            territories_load_reference()
            self.stdout.write("Territoires de référence chargés (ils manquaient).")

        started = time.perf_counter()
        orgs = seed_demo_organisations(seed=seed, count=organisations)
        self.stdout.write(
            f"Structures de démonstration : {orgs.requested} ({orgs.created} créées, "
            f"{orgs.existing} déjà présentes) en {time.perf_counter() - started:.1f} s."
        )
        emails = {a.email: a.role for a in accounts if a.role in KIND_OF_ROLE}
        users_by_kind: dict[str, list[User]] = {}
        for user in User.objects.filter(email__in=emails).order_by("email"):
            users_by_kind.setdefault(KIND_OF_ROLE[emails[user.email]], []).append(user)
        members = seed_demo_memberships(result=orgs, users_by_kind=users_by_kind)
        if members:
            self.stdout.write(
                f"  {members} compte(s) de démonstration rattaché(s) à une structure."
            )

        started = time.perf_counter()
        result = seed_demo_projects(seed=seed, count=projects, organisations=orgs)
        self.stdout.write(
            f"Projets de démonstration : {result.requested} ({result.created} créés, "
            f"{result.existing} déjà présents) en {time.perf_counter() - started:.1f} s."
        )

        support = seed_demo_support(seed=seed)
        labels = seed_demo_labels()
        self.stdout.write(
            f"Structures d’accompagnement de démonstration : {len(support.profiles)} "
            f"({support.profiles_created} créées, {support.offers_created} offres créées) ; "
            f"{labels.labels_created} label(s) et {labels.applications_created} "
            "candidature(s) créés."
        )

        started = time.perf_counter()
        calls = seed_demo_calls(seed=seed, organisations=organisations)
        if calls.skipped:
            self.stdout.write(f"Appels à projets de démonstration non créés : {calls.skipped}.")
        else:
            self.stdout.write(
                f"Appels à projets de démonstration : {calls.calls_created} créé(s), "
                f"{calls.applications_created} candidature(s) créée(s) "
                f"en {time.perf_counter() - started:.1f} s."
            )
        if calls.personas:
            self.stdout.write("Comptes pour suivre l’appel aux Pionniers French IMPACT :")
            for who, email in calls.personas:
                self.stdout.write(f"  {who:<45} {email}")

        refresh_statistics()  # tables grown from empty by bulk inserts
        # bulk_create sends no post_save: the search index is rebuilt once, here.
        if orgs.created or result.created or members or calls.organisations_created:
            if SEARCH_INDEX_COMMAND in get_commands():
                started = time.perf_counter()
                call_command(SEARCH_INDEX_COMMAND, stdout=self.stdout)
                self.stdout.write(
                    f"Index de recherche reconstruit en {time.perf_counter() - started:.1f} s."
                )
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"La commande {SEARCH_INDEX_COMMAND} n’existe pas encore : "
                        "les structures et projets de démonstration ne sont pas indexés."
                    )
                )
