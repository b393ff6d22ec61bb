"""Choices of the projects domain; codes are the public contract (French snake_case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Challenge(models.TextChoices):
    """Societal challenges ("défis"), from the 2018 announcement and the accelerator's calls."""

    ECOLOGICAL_TRANSITION = "transition_ecologique", _("Transition écologique et solidaire")
    INCLUSIVE_ECONOMY = "economie_inclusive", _("Économie inclusive et emploi")
    EDUCATIONAL_SUCCESS = "reussite_educative", _("Réussite éducative et jeunesse")
    TERRITORIAL_EQUITY = "equite_territoriale", _("Équité territoriale et ruralité")
    INTERGENERATIONAL = "lien_intergenerationnel", _("Lien intergénérationnel et grand âge")
    HEALTH = "sante", _("Santé et bien-être")
    HOUSING = "logement", _("Logement et hébergement")
    FOOD = "alimentation", _("Alimentation durable")
    DISABILITY = "handicap", _("Handicap et accessibilité")
    EQUALITY = "egalite", _("Égalité femmes-hommes et lutte contre les discriminations")
    MOBILITY = "mobilite", _("Mobilité")
    DIGITAL_INCLUSION = "inclusion_numerique", _("Inclusion numérique")
    CULTURE = "culture", _("Culture et sport pour tous")
    RIGHTS_ACCESS = "acces_aux_droits", _("Accès aux droits et lutte contre la pauvreté")


class Sdg(models.IntegerChoices):
    """The 17 UN Sustainable Development Goals, French titles (Agenda 2030)."""

    ODD1 = 1, _("Pas de pauvreté")
    ODD2 = 2, _("Faim « zéro »")
    ODD3 = 3, _("Bonne santé et bien-être")
    ODD4 = 4, _("Éducation de qualité")
    ODD5 = 5, _("Égalité entre les sexes")
    ODD6 = 6, _("Eau propre et assainissement")
    ODD7 = 7, _("Énergie propre et d’un coût abordable")
    ODD8 = 8, _("Travail décent et croissance économique")
    ODD9 = 9, _("Industrie, innovation et infrastructure")
    ODD10 = 10, _("Inégalités réduites")
    ODD11 = 11, _("Villes et communautés durables")
    ODD12 = 12, _("Consommation et production responsables")
    ODD13 = 13, _("Mesures relatives à la lutte contre les changements climatiques")
    ODD14 = 14, _("Vie aquatique")
    ODD15 = 15, _("Vie terrestre")
    ODD16 = 16, _("Paix, justice et institutions efficaces")
    ODD17 = 17, _("Partenariats pour la réalisation des objectifs")


class Stage(models.TextChoices):
    EMERGENCE = "emergence", _("Émergence")
    SEED = "amorcage", _("Amorçage")
    DEVELOPMENT = "developpement", _("Développement")
    SCALE_UP = "changement_echelle", _("Changement d’échelle")
    REPLICATION = "essaimage", _("Essaimage")


class BudgetBand(models.TextChoices):
    UNDER_50K = "moins_50k", _("Moins de 50 000 €")
    FROM_50K = "50k_200k", _("De 50 000 à 200 000 €")
    FROM_200K = "200k_500k", _("De 200 000 à 500 000 €")
    FROM_500K = "500k_1m", _("De 500 000 € à 1 M€")
    FROM_1M = "1m_5m", _("De 1 à 5 M€")
    OVER_5M = "plus_5m", _("Plus de 5 M€")


class Need(models.TextChoices):
    FUNDING = "financement", _("Financement")
    SUPPORT = "accompagnement", _("Accompagnement")
    NETWORKING = "mise_en_reseau", _("Mise en réseau")
    LEGAL = "expertise_juridique", _("Expertise juridique ou réglementaire")
    VISIBILITY = "visibilite", _("Visibilité")
    RECRUITMENT = "recrutement", _("Recrutement")
    VOLUNTEERS = "benevoles", _("Bénévoles")
    PREMISES = "locaux", _("Locaux")
    IMPACT = "mesure_impact", _("Mesure d’impact")
