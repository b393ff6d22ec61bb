"""Import a partner network's project spreadsheet (CSV) through a JSON column mapping.

See docs/imports.md for the mapping format; imported projects wait for moderation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from frenchimpact.registries.framework import (
    ImportFileError,
    rejects_csv,
    report_lines,
    run_import,
)
from frenchimpact.registries.models import ImportRun
from frenchimpact.registries.partner_projects import (
    TAGS_HEADING,
    MappingError,
    PartnerProjectsImporter,
    load_mapping,
)


class Command(BaseCommand):
    help = (
        "Importe les projets d’un tableau (CSV) envoyé par un réseau partenaire, selon un fichier "
        "de correspondance JSON (voir docs/imports.md). Séparateur et encodage détectés ; "
        "les projets importés attendent la modération ; relancer le même fichier ne crée aucun "
        "doublon (clé : structure + titre)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="fichier CSV (.csv, .gz ou .zip)")
        parser.add_argument(
            "--mapping", type=Path, required=True, help="fichier de correspondance JSON"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="simulation : rapport complet, rien n’est enregistré",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="lignes par transaction (défaut : 1000)"
        )
        parser.add_argument("--encoding", default=None, help="encodage (défaut : détecté)")
        parser.add_argument("--delimiter", default=None, help="séparateur (défaut : détecté)")
        parser.add_argument(
            "--rejets",
            type=Path,
            default=None,
            help="écrire les lignes rejetées (ligne, motif, contenu) dans ce fichier CSV",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size doit être un entier positif."))
        try:
            mapping = load_mapping(options["mapping"])
        except MappingError as error:
            raise CommandError(
                _("Correspondance invalide (%(path)s), rien n’a été importé :\n%(errors)s")
                % {
                    "path": options["mapping"],
                    "errors": "\n".join(f"  - {message}" for message in error.errors),
                }
            ) from error
        importer = PartnerProjectsImporter(mapping)
        dry_run: bool = options["dry_run"]
        try:
            run = run_import(
                importer,
                options["path"],
                batch_size=options["batch_size"],
                dry_run=dry_run,
                encoding=options["encoding"],
                delimiter=options["delimiter"],
                progress=self._progress,
            )
        except ImportFileError as error:
            raise CommandError(
                _("%(path)s : %(error)s") % {"path": options["path"], "error": error}
            ) from error
        self._report(run, importer, dry_run=dry_run, rejects_path=options["rejets"])
        if run.rows_read == 0:
            raise CommandError(_("Le fichier ne contient aucune ligne de données."))
        if run.created + run.updated + run.unchanged == 0 and run.skipped_total == 0:
            raise CommandError(
                _("Aucun projet n’a pu être importé : toutes les lignes ont été rejetées.")
            )

    def _progress(self, run: ImportRun) -> None:
        self.stderr.write(
            _("… %(read)d ligne(s) lue(s), %(created)d projet(s) créé(s)")
            % {"read": run.rows_read, "created": run.created}
        )

    def _report(
        self,
        run: ImportRun,
        importer: PartnerProjectsImporter,
        *,
        dry_run: bool,
        rejects_path: Path | None,
    ) -> None:
        if dry_run:
            self.stdout.write(_("Simulation : rien n’a été enregistré."))
        for text in report_lines(run):
            self.stdout.write(text)
        if run.message:
            self.stdout.write(run.message)
        if "mots_cles" in importer.mapping.columns:
            self.stdout.write(
                _(
                    "Les projets n’ont pas de champ pour les mots-clés : ils sont ajoutés à la fin "
                    "de la description (« %(heading)s »)."
                )
                % {"heading": TAGS_HEADING}
            )
        if run.created and not dry_run:
            self.stdout.write(
                _("%(count)d projet(s) en attente de modération.") % {"count": run.created}
            )
        if not run.rejected:
            return
        if importer.preview:
            self.stdout.write(_("Premières lignes rejetées :"))
            for line, reason in importer.preview:
                self.stdout.write(
                    _("  ligne %(line)d : %(reason)s") % {"line": line, "reason": reason}
                )
        if dry_run:
            return
        if rejects_path is not None:
            with rejects_path.open("w", encoding="utf-8", newline="") as handle:
                for chunk in rejects_csv(run):
                    handle.write(chunk)
            self.stdout.write(_("Lignes rejetées écrites dans %(path)s.") % {"path": rejects_path})
        else:
            self.stdout.write(
                _(
                    "Toutes les lignes rejetées : page « Imports » de l’espace de gestion "
                    "(import n° %(pk)d), ou relancez avec --rejets FICHIER.csv."
                )
                % {"pk": run.pk}
            )
