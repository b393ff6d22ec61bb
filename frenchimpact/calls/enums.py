"""Choices of the calls-for-projects domain (codes are the public contract, French snake_case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallStatus(models.TextChoices):
    # Draft: staff configure it. Published: visible, form and grids frozen; applications are
    # accepted between opens_at and closes_at (enforced by the server). Archived: hidden.
    DRAFT = "brouillon", _("En préparation")
    PUBLISHED = "publie", _("Publié")
    ARCHIVED = "archive", _("Archivé")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "texte_court", _("Texte court")
    LONG_TEXT = "texte_long", _("Texte long")
    NUMBER = "nombre", _("Nombre")
    MONEY = "montant", _("Montant en euros")
    CHOICE = "choix", _("Choix unique")
    MULTIPLE_CHOICE = "choix_multiples", _("Choix multiples")
    DATE = "date", _("Date")
    FILE = "fichier", _("Fichier")


class GridKind(models.TextChoices):
    EVALUATION = "evaluation", _("Grille d’évaluation des dossiers")
    INTERVIEW = "audition", _("Grille d’audition")


class EligibilityRuleKind(models.TextChoices):
    # Threshold: years of existence at the call's closing date (SIRENE creation date, or the
    # RNA creation date of an association when it is earlier).
    MIN_EXISTENCE_YEARS = "anciennete_min", _("Ancienneté minimale (années)")
    # Threshold: euros; the budget is the answer to ``question_key`` (a money question) and
    # the accounts the file answering ``evidence_question_key``.
    MIN_ANNUAL_BUDGET = "budget_min", _("Budget annuel minimal du dernier exercice clos (€)")


class ApplicationStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    SUBMITTED = "deposee", _("Déposée")
    ADMISSIBLE = "recevable", _("Recevable")
    INADMISSIBLE = "irrecevable", _("Irrecevable")
    AWAITING_COMPLETION = "a_completer", _("À compléter")
    IN_REVIEW = "en_evaluation", _("En évaluation")
    SHORTLISTED = "preselectionnee", _("Présélectionnée")
    AUDITION_SCHEDULED = "audition_programmee", _("Audition programmée")
    AUDITIONED = "auditionnee", _("Auditionnée")
    DELIBERATED = "deliberee", _("En délibération")
    LAUREATE = "laureate", _("Lauréate")
    WAITING_LIST = "liste_attente", _("Liste d’attente")
    NOT_SELECTED = "non_retenue", _("Non retenue")
    WITHDRAWN = "retiree", _("Retirée")


# Decisions: reopening one needs every co-pilot's agreement.
FINAL_STATES = (
    ApplicationStatus.INADMISSIBLE,
    ApplicationStatus.LAUREATE,
    ApplicationStatus.WAITING_LIST,
    ApplicationStatus.NOT_SELECTED,
)
# Decisions of the deliberation (signed off by the co-pilots, then published).
DECISION_STATES = (
    ApplicationStatus.LAUREATE,
    ApplicationStatus.WAITING_LIST,
    ApplicationStatus.NOT_SELECTED,
)
# The applicant may withdraw from any state that is neither final nor withdrawn.
WITHDRAWABLE_STATES = tuple(
    s for s in ApplicationStatus if s not in FINAL_STATES and s != ApplicationStatus.WITHDRAWN
)


class RoundKind(models.TextChoices):
    WRITTEN = "dossier", _("Évaluation des dossiers")
    AUDITION = "audition", _("Auditions")


class RoundStatus(models.TextChoices):
    OPEN = "ouvert", _("Ouvert")
    CLOSED = "clos", _("Clos")


class RankingBasis(models.TextChoices):
    RAW = "brut", _("Moyenne pondérée brute")
    NORMALISED = "normalise", _("Moyenne des scores normalisés (z-score)")


class AssignmentStatus(models.TextChoices):
    # Assigned: the reviewer has not declared yet and sees nothing of the file.
    ASSIGNED = "assignee", _("À déclarer")
    # No conflict declared: the reviewer sees the (possibly anonymised) file and scores.
    CLEARED = "sans_conflit", _("Sans conflit déclaré")
    SUBMITTED = "evaluee", _("Évaluation remise")
    RECUSED = "deport", _("Déport")


class LinkKind(models.TextChoices):
    MEMBER = "membre", _("J’en suis membre ou salarié")
    ADVISE = "conseil", _("Je la conseille ou l’accompagne")
    FUND = "financement", _("Je la finance")
    COMPETE = "concurrence", _("Je suis en concurrence avec elle")


class ConflictSource(models.TextChoices):
    SAME_ORGANISATION = "meme_structure", _("Membre de la structure candidate")
    DECLARED_LINK = "lien_declare", _("Lien déclaré")
    SHARED_MEMBER = "membre_commun", _("Membre commun à deux structures")
    SELF_DECLARED = "auto_declare", _("Déclaré par l’évaluateur")


class ConflictStatus(models.TextChoices):
    FLAGGED = "signale", _("Signalé, à confirmer")
    CONFIRMED = "confirme", _("Confirmé")
    DISMISSED = "ecarte", _("Écarté")


class SignOffPosition(models.TextChoices):
    APPROVE = "approuve", _("Approuve")
    APPROVE_WITH_DISSENT = "approuve_reserves", _("Approuve avec réserves")
    REFUSE = "refuse", _("Refuse")


class ReopenStatus(models.TextChoices):
    PENDING = "en_attente", _("En attente des co-pilotes")
    APPLIED = "appliquee", _("Appliquée")
    REFUSED = "refusee", _("Refusée")
