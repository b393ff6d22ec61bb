"""Load the reference territories (regions, departments, prefectures); idempotent."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from frenchimpact.territories.services import territories_load_reference


class Command(BaseCommand):
    help = (
        "Charge les 18 régions, les 101 départements et leurs préfectures (COG de l’INSEE) ; "
        "peut être relancée : met à jour les noms sans créer de doublon."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = territories_load_reference()
        for label, (created, updated) in result.items():
            self.stdout.write(
                _("%(label)s : %(created)d créé(s), %(updated)d mis à jour")
                % {"label": label, "created": created, "updated": updated}
            )
