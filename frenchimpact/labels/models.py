"""The French IMPACT label: applications through the permanent call, and the labels granted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation
from frenchimpact.territories.models import Region

from .enums import ApplicationStatus, LabelKind, LabelStatus, TerritoryLevel


class LabelApplication(models.Model):
    """An application (first label or renewal). Its content lives in immutable revisions:
    a submitted application is never edited in place, the applicant answers with a new one."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("structure candidate"),
        on_delete=models.PROTECT,
        related_name="label_applications",
    )
    kind = models.CharField(_("label demandé"), max_length=20, choices=LabelKind.choices)
    renewal_of = models.ForeignKey(
        "Label",
        verbose_name=_("renouvellement du label"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_applications",
    )
    status = models.CharField(
        _("statut"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    change_request = models.TextField(_("modifications demandées"), blank=True)
    decision_reason = models.TextField(_("motif de la décision"), blank=True)
    committee_date = models.DateField(_("date du comité"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("candidature au label")
        verbose_name_plural = _("candidatures au label")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values),
                name="label_application_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.organisation}"


class ApplicationRevision(models.Model):
    """One version of an application's content: the draft, then each version submitted
    (frozen once submitted_at is set)."""

    application = models.ForeignKey(
        LabelApplication, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("version"))
    typology = models.CharField(_("typologie"), max_length=30, blank=True)
    territory_level = models.CharField(
        _("niveau du territoire"), max_length=20, choices=TerritoryLevel.choices, blank=True
    )
    territory_code = models.CharField(_("code COG du territoire"), max_length=9, blank=True)
    territory_name = models.CharField(_("territoire"), max_length=200, blank=True)
    is_pilot_territory = models.BooleanField(_("territoire pilote"), default=False)
    programme = models.TextField(_("programme d’innovation sociale"), blank=True)
    references = models.TextField(_("références et résultats"), blank=True)
    anchoring = models.TextField(_("ancrage territorial"), blank=True)
    commitments_accepted = models.BooleanField(
        _("engagements de la charte acceptés"), default=False
    )
    response = models.TextField(_("réponse aux modifications demandées"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version de candidature")
        verbose_name_plural = _("versions de candidature")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="revision_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} v{self.number}"


class ApplicationAttachment(models.Model):
    revision = models.ForeignKey(
        ApplicationRevision, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("fichier"), upload_to="labels/pieces/%Y/")
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self) -> str:
        return self.original_name


class Label(models.Model):
    """A label granted to a holder for a validity period; its status moves by transitions.

    Validity is the half-open range [valid_from, valid_until): a renewal starts on the day the
    old label ends. A holder never has two non-revoked labels of one kind whose ranges overlap:
    the database enforces it (exclusion constraint on PostgreSQL, triggers on SQLite, see
    migration 0003)."""

    holder = models.ForeignKey(
        Organisation, verbose_name=_("titulaire"), on_delete=models.PROTECT, related_name="labels"
    )
    kind = models.CharField(_("type de label"), max_length=20, choices=LabelKind.choices)
    application = models.OneToOneField(
        LabelApplication, on_delete=models.PROTECT, related_name="label"
    )
    number = models.CharField(_("numéro"), max_length=30, unique=True)
    verification_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    valid_from = models.DateField(_("valide du"))
    valid_until = models.DateField(_("valide jusqu’au"))
    status = models.CharField(
        _("statut"),
        max_length=30,
        choices=LabelStatus.choices,
        default=LabelStatus.ACTIVE,
        db_index=True,
    )
    status_reason = models.TextField(_("motif"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The smallest LABEL_REMINDER_DAYS mark already sent (the daily job sends each mark once).
    last_reminder_days = models.PositiveIntegerField(null=True, blank=True, editable=False)
    renewed_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renews"
    )
    # Copied from the granted application, for the public register's filters.
    typology = models.CharField(_("typologie"), max_length=30, blank=True)
    territory_level = models.CharField(max_length=20, choices=TerritoryLevel.choices, blank=True)
    territory_code = models.CharField(max_length=9, blank=True)
    territory_name = models.CharField(max_length=200, blank=True)
    is_pilot_territory = models.BooleanField(_("territoire pilote"), default=False)
    region = models.ForeignKey(
        Region,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("label French IMPACT")
        verbose_name_plural = _("labels French IMPACT")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="label_validity_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LabelStatus.values), name="label_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["holder", "kind", "valid_from"], name="label_holder_kind")]

    def __str__(self) -> str:
        return f"{self.number} — {self.holder}"
