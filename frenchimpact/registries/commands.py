"""The base of the registry import commands (import_rna, import_sirene_unites_legales,
import_sirene_etablissements): the options they share, progress, the final report, the
rejected rows CSV, and a CommandError (exit code 1) when nothing could be imported."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from .framework import Importer, ImportFileError, rejects_csv, report_lines, run_import
from .models import ImportRun


class RegistryImportCommand(BaseCommand):
    """Runs an importer through the framework: progress, final report, rejected rows CSV,
    and a CommandError (exit code 1) when nothing could be imported."""

    allow_dry_run = False

    def importer(self) -> Importer:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=_("fichier CSV, .csv.gz ou .zip"))
        parser.add_argument(
            "--rejets",
            type=Path,
            metavar="FICHIER",
            help=_("écrit les lignes rejetées (ligne, motif, contenu) dans ce fichier CSV"),
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help=_("lignes par lot (défaut : 5000)")
        )
        parser.add_argument(
            "--encoding", default=None, help=_("encodage (défaut : détecté, UTF-8 ou Latin-1)")
        )
        if self.allow_dry_run:
            parser.add_argument(
                "--dry-run",
                action="store_true",
                help=_("simulation : rapport complet, rien n’est enregistré"),
            )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        dry_run = bool(options.get("dry_run"))
        interactive = sys.stdout.isatty()

        def progress(run: ImportRun) -> None:
            message = _("%(read)d ligne(s) lue(s)…") % {"read": run.rows_read}
            self.stdout.write(message, ending="\r" if interactive else "\n")

        try:
            run = run_import(
                self.importer(),
                path,
                batch_size=max(1, options["batch_size"]),
                dry_run=dry_run,
                encoding=options["encoding"],
                progress=progress if options["verbosity"] >= 1 else None,
            )
        except ImportFileError as error:
            raise CommandError(f"{path} : {error}") from error
        if dry_run:
            self.stdout.write(_("Simulation : rien n’a été enregistré."))
        for line in report_lines(run):
            self.stdout.write(line)
        if options["rejets"] and not dry_run:
            with options["rejets"].open("w", encoding="utf-8", newline="") as handle:
                for chunk in rejects_csv(run):
                    handle.write(chunk)
            self.stdout.write(
                _("Lignes rejetées écrites dans %(path)s.") % {"path": options["rejets"]}
            )
        handled = run.created + run.updated + run.unchanged + run.skipped_total
        if handled == 0:
            raise CommandError(
                _("Rien n’a pu être importé de %(path)s (%(read)d ligne(s) lue(s)).")
                % {"path": path, "read": run.rows_read}
            )
