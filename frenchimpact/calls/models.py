"""Calls for projects: the call engine (versioned form and grids, eligibility rules, co-pilots),
applications with their submissions, review rounds with conflicts of interest and scores,
auditions, co-pilot sign-offs and published results.

Lifecycles move only through ``services`` (explicit, audited transitions with conditional
updates); nothing here writes on its own."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project

from .enums import (
    ApplicationStatus,
    AssignmentStatus,
    CallStatus,
    ConflictSource,
    ConflictStatus,
    EligibilityRuleKind,
    GridKind,
    LinkKind,
    QuestionKind,
    RankingBasis,
    ReopenStatus,
    RoundKind,
    RoundStatus,
    SignOffPosition,
)


def _code() -> str:
    """A random, non-identifying file code shown to reviewers (e.g. "D-7KQ2M9")."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "D-" + "".join(secrets.choice(alphabet) for _ in range(6))


# Path segments next to /appels/<slug>/ and /gestion/appels/<slug>/: never a call's slug.
RESERVED_SLUGS = frozenset({"candidatures", "pieces", "reouvertures", "nouveau"})


def validate_call_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("« %(slug)s » est réservé par la plateforme : choisissez un autre identifiant.")
            % {"slug": value},
            code="reserved_slug",
        )


class Call(models.Model):
    slug = models.SlugField(
        _("identifiant"), max_length=80, unique=True, validators=[validate_call_slug]
    )
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300)
    description = models.TextField(_("description"))
    rules_document = models.FileField(
        _("règlement de l’appel"), upload_to="appels/reglements/", blank=True
    )
    # Aware datetimes; shown and entered in Europe/Paris. Applications are accepted while
    # opens_at <= now < closes_at (the server's clock decides, to the second).
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    status = models.CharField(
        _("statut"), max_length=20, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    target_laureates_min = models.PositiveIntegerField(_("lauréats visés (minimum)"), default=1)
    target_laureates_max = models.PositiveIntegerField(_("lauréats visés (maximum)"), default=1)
    blind_review = models.BooleanField(
        _("évaluation anonymisée"),
        default=False,
        help_text=_("Les champs identifiants sont masqués aux évaluateurs."),
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    results_published_at = models.DateTimeField(_("résultats publiés le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="call_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(target_laureates_max__gte=F("target_laureates_min")),
                name="call_target_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CallStatus.values), name="call_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class FormVersion(models.Model):
    """A version of a call's application form. Frozen (``frozen_at``) when the call opens:
    a frozen version is never edited; a change makes a new version."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveIntegerField(_("version"))
    frozen_at = models.DateTimeField(_("figée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version du formulaire")
        verbose_name_plural = _("versions du formulaire")
        ordering = ["call", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="form_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call} — formulaire v{self.number}"


class Question(models.Model):
    form = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(_("clé"), max_length=50)
    label = models.CharField(_("intitulé"), max_length=300)
    help_text = models.TextField(_("aide"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField(_("obligatoire"), default=True)
    min_length = models.PositiveIntegerField(_("longueur minimale"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("longueur maximale"), null=True, blank=True)
    min_value = models.DecimalField(
        _("valeur minimale"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("valeur maximale"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    choices = models.JSONField(_("choix proposés"), default=list, blank=True)
    # Hidden from reviewers when the call is reviewed blind.
    identifying = models.BooleanField(_("identifiant"), default=False)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["form", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="question_key_once"),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Grid(models.Model):
    """A version of a scoring grid (written evaluation or interview), frozen when the call
    opens."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="grids")
    kind = models.CharField(_("type"), max_length=20, choices=GridKind.choices)
    number = models.PositiveIntegerField(_("version"))
    frozen_at = models.DateTimeField(_("figée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grille")
        verbose_name_plural = _("grilles")
        ordering = ["call", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind", "number"], name="grid_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call} — {self.get_kind_display()} v{self.number}"


class Criterion(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(_("clé"), max_length=50)
    label = models.CharField(_("critère"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("poids"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scale_min = models.IntegerField(_("note minimale"), default=0)
    scale_max = models.IntegerField(_("note maximale"), default=5)
    order = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["grid", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "key"], name="criterion_key_once"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=F("scale_min")), name="criterion_scale_ordered"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class EligibilityRule(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="eligibility_rules")
    kind = models.CharField(_("règle"), max_length=30, choices=EligibilityRuleKind.choices)
    threshold = models.DecimalField(_("seuil"), max_digits=14, decimal_places=2)
    question_key = models.SlugField(_("question du montant"), max_length=50, blank=True)
    evidence_question_key = models.SlugField(
        _("question du justificatif"), max_length=50, blank=True
    )

    class Meta:
        verbose_name = _("règle d’éligibilité")
        verbose_name_plural = _("règles d’éligibilité")
        ordering = ["call", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="eligibility_rule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.threshold}"


class CallCopilot(models.Model):
    """A co-pilot organisation of a call and its signatories (programme staff it designates)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="copilots")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    signatories = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("signataires"), related_name="+"
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("co-pilote")
        verbose_name_plural = _("co-pilotes")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "organisation"], name="copilot_once"),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class CallApplication(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("structure candidate"),
        on_delete=models.PROTECT,
        related_name="call_applications",
    )
    projects = models.ManyToManyField(Project, verbose_name=_("projets"), related_name="+")
    form = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("numéro de dossier"), max_length=30, unique=True)
    anonymous_code = models.CharField(max_length=12, unique=True, default=_code, editable=False)
    status = models.CharField(
        _("statut"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    # The answers being edited, as typed ({question key: raw value}); a file answer is the
    # ApplicationFile id. Frozen copies live in Submission.
    answers = models.JSONField(default=dict, blank=True)
    # Result of the eligibility rules at the last submission: [{rule, label, passed, message}].
    eligibility = models.JSONField(default=list, blank=True)
    eligible = models.BooleanField(null=True, blank=True)
    admissibility_reason = models.TextField(_("motif de recevabilité"), blank=True)
    admissibility_overridden = models.BooleanField(default=False)
    correction_request = models.TextField(_("complément demandé"), blank=True)
    correction_deadline = models.DateTimeField(_("à compléter avant le"), null=True, blank=True)
    decision_reason = models.TextField(_("motif de la décision"), blank=True)
    waiting_list_rank = models.PositiveIntegerField(_("rang sur liste d’attente"), null=True)
    # A decision changed after the call's results were published (reopened, decided again):
    # hidden from the applicant and the public until staff publish the changes, with fresh
    # co-pilot sign-offs.
    decision_embargoed = models.BooleanField(_("changement de décision non publié"), default=False)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["call", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organisation"],
                condition=~Q(status=ApplicationStatus.WITHDRAWN),
                name="one_live_application_per_call",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values),
                name="call_application_status_valid",
            ),
            models.UniqueConstraint(
                fields=["call", "waiting_list_rank"],
                condition=Q(status=ApplicationStatus.WAITING_LIST),
                name="waiting_list_rank_once",
            ),
        ]
        indexes = [models.Index(fields=["call", "status"], name="call_application_status")]

    def __str__(self) -> str:
        return f"{self.reference} — {self.organisation}"


class ApplicationFile(models.Model):
    application = models.ForeignKey(CallApplication, on_delete=models.CASCADE, related_name="files")
    question_key = models.SlugField(max_length=50)
    file = models.FileField(_("fichier"), upload_to="appels/pieces/%Y/")
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["application", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Submission(models.Model):
    """What was submitted, frozen: the receipt (timestamp and summary) refers to it."""

    application = models.ForeignKey(
        CallApplication, on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveIntegerField(_("dépôt n°"))
    answers = models.JSONField(default=dict)
    # The projects carried at that moment: [{"id", "titre"}] (they may change later).
    projects = models.JSONField(_("projets"), default=list)
    eligibility = models.JSONField(default=list)
    response = models.TextField(_("réponse à la demande de complément"), blank=True)
    receipt_code = models.CharField(_("numéro d’accusé de réception"), max_length=40, unique=True)
    submitted_at = models.DateTimeField(_("déposé le"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dépôt")
        verbose_name_plural = _("dépôts")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="submission_once"),
        ]

    def __str__(self) -> str:
        return self.receipt_code


class ReviewRound(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField(_("tour"))
    kind = models.CharField(_("type"), max_length=20, choices=RoundKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="rounds")
    status = models.CharField(
        _("statut"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    # Spread (max − min of the reviewers' totals, on 0–100) above which a file is flagged.
    spread_threshold = models.DecimalField(
        _("écart à discuter (points sur 100)"), max_digits=5, decimal_places=2, default=20
    )
    ranking_basis = models.CharField(
        _("classement sur"), max_length=20, choices=RankingBasis.choices, default=RankingBasis.RAW
    )
    # Recorded when staff freeze the ranking: the lottery that broke exact ties.
    ranking_seed = models.CharField(max_length=64, blank=True)
    ranked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tour d’évaluation")
        verbose_name_plural = _("tours d’évaluation")
        ordering = ["call", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="round_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call} — {self.name}"


class JuryMember(models.Model):
    """A reviewer who joined a call's jury, with the links they declared on joining."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="jury")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="juries"
    )
    links_declared_at = models.DateTimeField(_("liens déclarés le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre du jury")
        verbose_name_plural = _("membres du jury")
        ordering = ["call", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="jury_member_once")]

    def __str__(self) -> str:
        return str(self.user)


class DeclaredLink(models.Model):
    member = models.ForeignKey(JuryMember, on_delete=models.CASCADE, related_name="links")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation_name = models.CharField(_("structure"), max_length=255)
    kind = models.CharField(_("lien"), max_length=20, choices=LinkKind.choices)

    class Meta:
        verbose_name = _("lien déclaré")
        verbose_name_plural = _("liens déclarés")
        ordering = ["member", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation_name} ({self.get_kind_display()})"


class ConflictFlag(models.Model):
    """A possible conflict of interest between a jury member and an application, flagged by
    the platform (or declared by the reviewer) and confirmed or dismissed by staff."""

    application = models.ForeignKey(
        CallApplication, on_delete=models.CASCADE, related_name="conflicts"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(_("origine"), max_length=20, choices=ConflictSource.choices)
    detail = models.CharField(_("détail"), max_length=500, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=ConflictStatus.choices, default=ConflictStatus.FLAGGED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conflit d’intérêts")
        verbose_name_plural = _("conflits d’intérêts")
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "source"], name="conflict_flag_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} / {self.application}"


class Assignment(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(
        CallApplication, on_delete=models.CASCADE, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
        db_index=True,
    )
    declared_at = models.DateTimeField(_("déclaration le"), null=True, blank=True)
    recusal_reason = models.TextField(_("motif du déport"), blank=True)
    submitted_at = models.DateTimeField(_("évaluation remise le"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        ordering = ["round", "application", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application", "reviewer"], name="assignment_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "status"], name="assignment_reviewer")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class BlindDeclaration(models.Model):
    """In blind mode: a reviewer's declaration against the round's list of applicant names
    (a list not tied to the files), made before seeing any anonymised file."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    conflicting = models.ManyToManyField(Organisation, blank=True, related_name="+")
    declared_at = models.DateTimeField()

    class Meta:
        verbose_name = _("déclaration sur liste")
        verbose_name_plural = _("déclarations sur liste")
        constraints = [
            models.UniqueConstraint(fields=["round", "reviewer"], name="blind_declaration_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} — {self.round}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("note"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("commentaire"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_once"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class AuditionPanel(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(_("nom"), max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("membres"), related_name="+"
    )

    class Meta:
        verbose_name = _("panel d’audition")
        verbose_name_plural = _("panels d’audition")
        ordering = ["call", "name"]

    def __str__(self) -> str:
        return self.name


class AuditionSlot(models.Model):
    panel = models.ForeignKey(AuditionPanel, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    location = models.CharField(_("lieu ou lien de visioconférence"), max_length=300)
    application = models.OneToOneField(
        CallApplication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audition",
    )
    # Panel members in conflict with the applicant: kept off this audition.
    excluded_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("créneau d’audition")
        verbose_name_plural = _("créneaux d’audition")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_times_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel} — {self.starts_at:%Y-%m-%d %H:%M}"


class SignOff(models.Model):
    """A co-pilot's sign-off of the exact list of decisions it was shown. Any later change to
    a decision voids it (``voided_at``); publication needs a valid, non-refusing sign-off from
    every co-pilot."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="signoffs")
    copilot = models.ForeignKey(CallCopilot, on_delete=models.PROTECT, related_name="signoffs")
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    position = models.CharField(_("position"), max_length=20, choices=SignOffPosition.choices)
    dissent = models.TextField(_("réserves ou désaccord"), blank=True)
    decisions = models.JSONField(_("décisions signées"))
    decisions_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signé le"))
    voided_at = models.DateTimeField(_("caduc depuis"), null=True, blank=True)

    class Meta:
        verbose_name = _("visa de co-pilote")
        verbose_name_plural = _("visas de co-pilotes")
        ordering = ["call", "-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["copilot"],
                condition=Q(voided_at__isnull=True),
                name="one_valid_signoff_per_copilot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.copilot} — {self.get_position_display()}"


class ReopenRequest(models.Model):
    """A request to reopen a final decision; applied once every co-pilot agreed."""

    application = models.ForeignKey(
        CallApplication, on_delete=models.CASCADE, related_name="reopen_requests"
    )
    from_state = models.CharField(max_length=30, choices=ApplicationStatus.choices)
    to_state = models.CharField(max_length=30, choices=ApplicationStatus.choices)
    reason = models.TextField(_("motif"))
    status = models.CharField(
        max_length=20, choices=ReopenStatus.choices, default=ReopenStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("demande de réouverture")
        verbose_name_plural = _("demandes de réouverture")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status=ReopenStatus.PENDING),
                name="one_pending_reopen_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} : {self.from_state} → {self.to_state}"


class ReopenApproval(models.Model):
    request = models.ForeignKey(ReopenRequest, on_delete=models.CASCADE, related_name="approvals")
    copilot = models.ForeignKey(CallCopilot, on_delete=models.PROTECT, related_name="+")
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agrees = models.BooleanField(_("accord"))
    comment = models.TextField(_("commentaire"), blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "copilot"], name="reopen_approval_once"),
        ]

    def __str__(self) -> str:
        return f"{self.copilot} — {'accord' if self.agrees else 'désaccord'}"
