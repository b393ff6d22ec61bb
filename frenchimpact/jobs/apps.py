from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "frenchimpact.jobs"
    label = "jobs"
    verbose_name = _("Tâches de fond")

    def ready(self) -> None:
        # Importing the tasks modules registers the periodic jobs.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
