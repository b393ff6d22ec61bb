"""Choices of the label domain (codes are the public contract, French snake_case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LabelKind(models.TextChoices):
    SUPPORT_STRUCTURE = "accompagnateur", _("Structure d’accompagnement")
    TERRITORY = "territoire", _("Territoire")


class TerritoryLevel(models.TextChoices):
    REGION = "region", _("Région")
    DEPARTMENT = "departement", _("Département")
    EPCI = "epci", _("EPCI")
    COMMUNE = "commune", _("Commune")


class ApplicationStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    SUBMITTED = "soumise", _("Soumise")
    UNDER_REVIEW = "en_instruction", _("En instruction")
    CHANGES_REQUESTED = "modifications_demandees", _("Modifications demandées")
    COMMITTEE = "en_comite", _("En comité")
    GRANTED = "accordee", _("Accordée")
    REFUSED = "refusee", _("Refusée")
    WITHDRAWN = "retiree", _("Retirée")


class LabelStatus(models.TextChoices):
    ACTIVE = "actif", _("Actif")
    RENEWAL_OPEN = "renouvellement_ouvert", _("Renouvellement ouvert")
    RENEWED = "renouvele", _("Renouvelé")
    EXPIRED = "expire", _("Expiré")
    SUSPENDED = "suspendu", _("Suspendu")
    REVOKED = "revoque", _("Révoqué")
