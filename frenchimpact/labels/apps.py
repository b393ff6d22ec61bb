from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelsConfig(AppConfig):
    name = "frenchimpact.labels"
    label = "labels"
    verbose_name = _("Label French IMPACT")
