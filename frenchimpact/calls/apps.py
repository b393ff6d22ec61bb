from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "frenchimpact.calls"
    verbose_name = _("Appels à projets")
    default_auto_field = "django.db.models.BigAutoField"
