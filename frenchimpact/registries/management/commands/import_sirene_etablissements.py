"""``python manage.py import_sirene_etablissements FICHIER`` — head-office addresses from the
SIRENE StockEtablissement (plain or geocoded layout; see registries/establishments.py)."""

from __future__ import annotations

from frenchimpact.registries.commands import RegistryImportCommand
from frenchimpact.registries.establishments import EstablishmentsImporter
from frenchimpact.registries.framework import Importer


class Command(RegistryImportCommand):
    help = (
        "Importe le fichier SIRENE des établissements (StockEtablissement, simple ou "
        "géocodé) : adresse, commune, département et région du siège ouvert des organisations "
        "déjà connues par leur SIREN. Idempotent ; ce qu’ont saisi les membres est conservé."
    )

    def importer(self) -> Importer:
        return EstablishmentsImporter()
