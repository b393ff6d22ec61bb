"""Load every reference data set (idempotent): each app contributes its own loader command."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Commands run in this order; each is idempotent on its own.
REFERENCE_LOADERS = ["load_territories"]


class Command(BaseCommand):
    help = "Charge les données de référence (territoires…) ; peut être relancée sans doublon."

    def handle(self, *args: Any, **options: Any) -> None:
        for name in REFERENCE_LOADERS:
            call_command(name, verbosity=options["verbosity"])
