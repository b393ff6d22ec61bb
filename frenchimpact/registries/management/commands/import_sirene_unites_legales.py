"""``python manage.py import_sirene_unites_legales FICHIER`` — the ESS structures of INSEE's
SIRENE stock of legal units (StockUniteLegale, 33 or 35 columns; see registries/sirene.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from frenchimpact.registries.commands import RegistryImportCommand
from frenchimpact.registries.framework import Importer
from frenchimpact.registries.models import ImportKind, ImportRun
from frenchimpact.registries.sirene import SireneUnitsImporter


class Command(RegistryImportCommand):
    help = (
        "Importe les structures de l’ESS du stock SIRENE des unités légales "
        "(StockUniteLegale, 33 ou 35 colonnes ; .csv, .zip ou .gz) : indicateur ESS « O », "
        "ou vide avec une forme juridique de l’ESS. Les unités non diffusibles ou purgées "
        "sont ignorées et dépubliées ; les unités cessées sont marquées cessées. Idempotent ; "
        "une reprise après interruption repart du dernier lot enregistré ; ce qu’ont saisi "
        "les membres est conservé."
    )
    allow_dry_run = True

    def importer(self) -> Importer:
        return SireneUnitsImporter()

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            super().handle(*args, **options)
        finally:
            if not options.get("rejets") and not options.get("dry_run"):
                self._tell_rejects()

    def _tell_rejects(self) -> None:
        run = ImportRun.objects.filter(kind=ImportKind.SIRENE_UNITS).order_by("-pk").first()
        if run is None or not run.rejected:
            return
        try:
            where = settings.SITE_URL.rstrip("/") + reverse("imports:rejects", args=[run.pk])
        except NoReverseMatch:
            where = _("la page de l’import n°%(pk)d (gestion des imports)") % {"pk": run.pk}
        self.stdout.write(
            _(
                "%(count)d ligne(s) rejetée(s) : téléchargez-les sur %(where)s ou relancez avec "
                "--rejets FICHIER."
            )
            % {"count": run.rejected, "where": where}
        )
