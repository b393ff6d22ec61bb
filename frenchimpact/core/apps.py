from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "frenchimpact.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_refresh_statistics, sender=self)


def _refresh_statistics(**kwargs: object) -> None:
    # Once per migrate (sender: this app), after every app's tables exist.
    from django.db import connections

    from .dbstats import refresh_statistics

    using = kwargs.get("using", "default")
    if connections[str(using)].vendor == "sqlite" and using == "default":
        refresh_statistics()
