"""Choices of the organisations domain (codes are the public contract: French snake_case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    PROJECT_HOLDER = "porteur_projet", _("Porteur de projet")
    SUPPORT_STRUCTURE = "accompagnateur", _("Structure d’accompagnement")
    FUNDER = "financeur", _("Financeur")
    LOCAL_GOVERNMENT = "collectivite", _("Collectivité territoriale")
    ADMINISTRATION = "administration", _("Administration")
    COMMITTED_COMPANY = "entreprise_engagee", _("Entreprise engagée")


class EssFamily(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    FOUNDATION = "fondation", _("Fondation")
    MUTUAL = "mutuelle", _("Mutuelle")
    COOPERATIVE = "cooperative", _("Coopérative")
    ESS_COMPANY = "entreprise_ess", _("Entreprise de l’ESS (forme commerciale)")
    NOT_ESS = "hors_ess", _("Hors ESS")
    UNKNOWN = "inconnue", _("Non déterminée")


class Source(models.TextChoices):
    REGISTERED = "inscription", _("Inscrite sur la plateforme")
    SIRENE = "sirene", _("Importée du répertoire SIRENE")
    RNA = "rna", _("Importée du répertoire national des associations")


class ModerationStatus(models.TextChoices):
    PENDING = "en_attente", _("En attente de modération")
    PUBLISHED = "publie", _("Publié")
    REJECTED = "refuse", _("Refusé")
    UNPUBLISHED = "depublie", _("Dépublié")


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur de la structure")
    EDITOR = "editeur", _("Éditeur")


class JoinRequestStatus(models.TextChoices):
    PENDING = "en_attente", _("En attente")
    ACCEPTED = "acceptee", _("Acceptée")
    REFUSED = "refusee", _("Refusée")
    CANCELLED = "annulee", _("Annulée")


class ReportKind(models.TextChoices):
    ERROR = "erreur", _("Signaler une erreur")
    NOT_MINE = "pas_ma_structure", _("Ce n’est pas ma structure")


class ReportStatus(models.TextChoices):
    OPEN = "ouvert", _("À traiter")
    HANDLED = "traite", _("Traité")


class SizeBand(models.TextChoices):
    """INSEE "tranche d'effectifs" codes (SIRENE trancheEffectifsUniteLegale)."""

    NN = "NN", _("Non renseigné")
    ZERO = "00", _("0 salarié")
    T01 = "01", _("1 ou 2 salariés")
    T02 = "02", _("3 à 5 salariés")
    T03 = "03", _("6 à 9 salariés")
    T11 = "11", _("10 à 19 salariés")
    T12 = "12", _("20 à 49 salariés")
    T21 = "21", _("50 à 99 salariés")
    T22 = "22", _("100 à 199 salariés")
    T31 = "31", _("200 à 249 salariés")
    T32 = "32", _("250 à 499 salariés")
    T41 = "41", _("500 à 999 salariés")
    T42 = "42", _("1 000 à 1 999 salariés")
    T51 = "51", _("2 000 à 4 999 salariés")
    T52 = "52", _("5 000 à 9 999 salariés")
    T53 = "53", _("10 000 salariés et plus")
