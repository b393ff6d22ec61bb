from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryLevel(models.TextChoices):
    """A code never travels without its level: region 53 is Bretagne, department 53 Mayenne."""

    REGION = "region", _("Région")
    DEPARTEMENT = "departement", _("Département")
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("EPCI")


class EpciNature(models.TextChoices):
    """NATURE_EPCI values of INSEE's "Intercommunalité – Métropole" file."""

    METROPOLE = "ME", _("Métropole")
    COMMUNAUTE_URBAINE = "CU", _("Communauté urbaine")
    COMMUNAUTE_AGGLOMERATION = "CA", _("Communauté d’agglomération")
    COMMUNAUTE_COMMUNES = "CC", _("Communauté de communes")
    METROPOLE_LYON = "MET69", _("Métropole de Lyon")
