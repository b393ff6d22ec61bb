"""Choices of the support domain (codes are the public contract, French snake_case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Typology(models.TextChoices):
    """The seven typologies of support structures named by the accelerator (DOMAIN.md)."""

    LOCAL_GOVERNMENT_PROGRAMME = (
        "programme_collectivite",
        _("Programme d’innovation sociale d’une collectivité"),
    )
    IMPACT_FINANCE = "financement_impact", _("Acteur du financement de l’impact social")
    SUPPORT_NETWORK = "reseau_accompagnement", _("Réseau d’accompagnement (DLA…)")
    INCUBATOR = "incubateur", _("Incubateur, ruche, accélérateur régional")
    EVALUATOR = "evaluateur", _("Évaluateur")
    ADMINISTRATION = "administration", _("Administration publique ou parapublique")
    COMPANY_PROGRAMME = "programme_entreprise", _("Programme d’innovation sociale d’entreprise")


class OfferType(models.TextChoices):
    INCUBATION = "incubation_acceleration", _("Programme d’incubation ou d’accélération")
    INDIVIDUAL_SUPPORT = "accompagnement_individuel", _("Accompagnement individuel")
    FUNDING = "financement", _("Financement")
    TRAINING = "formation", _("Formation")
    NETWORKING = "mise_en_reseau", _("Mise en réseau")
    LEGAL = "expertise_juridique", _("Expertise juridique ou réglementaire")
    IMPACT_EVALUATION = "evaluation_impact", _("Évaluation d’impact")
    HOSTING = "hebergement", _("Hébergement, espace de travail")
    DIGITAL = "transformation_numerique", _("Transformation numérique")
    OTHER = "autre", _("Autre")


class Public(models.TextChoices):
    """Whom an offer is for (data·inclusion's "publics", adapted to social innovators)."""

    ESS_ENTERPRISES = "entreprises_ess", _("Entreprises de l’ESS")
    ASSOCIATIONS = "associations", _("Associations")
    PROJECT_FOUNDERS = "porteurs_idee", _("Porteurs d’idée ou de projet en création")
    LOCAL_GOVERNMENTS = "collectivites", _("Collectivités")
    YOUNG_PEOPLE = "jeunes", _("Jeunes")
    WOMEN_FOUNDERS = "entrepreneures", _("Femmes entrepreneures")
    PRIORITY_AREAS = "quartiers_prioritaires", _("Habitants des quartiers prioritaires")
    ALL = "tous_publics", _("Tous publics")


class ApplyMode(models.TextChoices):
    LINK = "lien", _("Sur le site de la structure")
    EMAIL = "email", _("Par e-mail")
    PLATFORM = "plateforme", _("Par une demande sur la plateforme")


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspendue", _("Suspendue")
    ARCHIVED = "archivee", _("Archivée")


class RequestStatus(models.TextChoices):
    NEW = "nouvelle", _("Nouvelle")
    ANSWERED = "repondue", _("Répondue")
    HANDLED = "traitee", _("Traitée")
