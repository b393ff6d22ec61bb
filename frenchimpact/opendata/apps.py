from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "frenchimpact.opendata"
    label = "opendata"
    verbose_name = _("Données ouvertes")

    def ready(self) -> None:
        # Registers the daily publication with frenchimpact.jobs' scheduler.
        from . import tasks  # noqa: F401
