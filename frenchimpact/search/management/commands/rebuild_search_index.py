"""Rebuild the whole search index from the published organisations and projects."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frenchimpact.search import documents


class Command(BaseCommand):
    help = "Vide l’index de recherche et le reconstruit à partir des fiches publiées."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=documents.BATCH_SIZE,
            help="Nombre de fiches lues et écrites par lot.",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        count = documents.rebuild(batch_size=batch_size)
        self.stdout.write(f"{count} documents indexés.")
