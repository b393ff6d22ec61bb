"""python manage.py publish_datasets [--jeu SLUG ...]: generate the open-data files now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from frenchimpact.opendata import publish
from frenchimpact.opendata.datasets import DATASETS, Dataset
from frenchimpact.opendata.models import Publication


class Command(BaseCommand):
    help = "Publie les jeux de données ouverts (CSV, JSON, schéma, data package)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jeu",
            dest="datasets",
            action="append",
            default=[],
            metavar="JEU",
            help="Jeu à publier (répétable) : " + ", ".join(DATASETS) + ". Tous par défaut.",
        )
        parser.add_argument(
            "--lot",
            dest="chunk_size",
            type=int,
            default=publish.DEFAULT_CHUNK_SIZE,
            help="Nombre de lignes lues par lot dans la base.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = [slug for slug in options["datasets"] if slug not in DATASETS]
        if unknown:
            raise CommandError(
                _("Jeu de données inconnu : %(unknown)s. Jeux disponibles : %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(DATASETS)}
            )
        if options["chunk_size"] < 1:
            raise CommandError(_("La taille de lot doit être un entier positif."))
        started = time.monotonic()

        def progress(dataset: Dataset, publication: Publication) -> None:
            self.stdout.write(
                _("%(dataset)s : %(rows)s lignes publiées (%(formats)s).")
                % {
                    "dataset": dataset.slug,
                    "rows": publication.row_count,
                    "formats": ", ".join(publish.formats_of(dataset)),
                }
            )

        counts = publish.publish_all(
            options["datasets"] or None, chunk_size=options["chunk_size"], progress=progress
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("%(count)s jeux publiés en %(seconds).1f s.")
                % {"count": len(counts), "seconds": time.monotonic() - started}
            )
        )
