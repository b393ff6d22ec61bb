from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "frenchimpact.registries"
    verbose_name = _("Imports des répertoires publics")
    default_auto_field = "django.db.models.BigAutoField"
