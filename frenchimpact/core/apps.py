from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "frenchimpact.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_refresh_statistics, dispatch_uid="core.refresh_statistics")


def _refresh_statistics(**kwargs: object) -> None:
    # post_migrate is sent once per app that has models (this one has none): act on the last
    # of them, once every table exists.
    from django.apps import apps
    from django.db import connections

    from .dbstats import refresh_statistics

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if not with_models or kwargs.get("app_config") is not with_models[-1]:
        return
    using = str(kwargs.get("using", "default"))
    if using == "default" and connections[using].vendor == "sqlite":
        refresh_statistics()
