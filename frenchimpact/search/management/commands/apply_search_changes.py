"""Bring this node's embedded search index up to the database's change log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from frenchimpact.search import engine


class Command(BaseCommand):
    help = (
        "Applique à l’index de recherche de ce serveur toutes les modifications en attente "
        "(après un import massif, ou au démarrage d’un serveur)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not engine.uses_change_log():
            self.stdout.write("Moteur « database » : rien à appliquer.")
            return
        from frenchimpact.search import embedded

        position = embedded.catch_up()
        self.stdout.write(f"Index à jour (modification n° {position}).")
