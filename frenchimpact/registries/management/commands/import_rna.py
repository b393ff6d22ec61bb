"""``python manage.py import_rna FICHIER`` — the RNA "waldec" file (see registries/rna.py)."""

from __future__ import annotations

from frenchimpact.registries.commands import RegistryImportCommand
from frenchimpact.registries.framework import (
    Importer,
)
from frenchimpact.registries.rna import RnaImporter


class Command(RegistryImportCommand):
    help = (
        "Importe le fichier « waldec » du répertoire national des associations (RNA) : "
        "séparateur « ; », UTF-8 ou Latin-1 détecté. Idempotent ; une reprise après "
        "interruption repart du dernier lot enregistré. Les données personnelles du fichier "
        "(civilité du dirigeant, téléphones, e-mails) ne sont jamais enregistrées."
    )
    allow_dry_run = True

    def importer(self) -> Importer:
        return RnaImporter()
