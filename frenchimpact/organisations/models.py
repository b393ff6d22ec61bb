"""Organisations: one record for every actor (project holders, support structures, funders…)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frenchimpact.territories.models import Department, Region

from .enums import (
    EssFamily,
    JoinRequestStatus,
    MemberRole,
    ModerationStatus,
    ReportKind,
    ReportStatus,
    SizeBand,
    Source,
)

# Fields whose later edits wait for moderation while the published version stays visible.
SENSITIVE_FIELDS = ("name", "siren", "siret")  # the SIRET follows its SIREN
# Fields a registry import may set; their provenance is kept in Organisation.field_sources.
REGISTRY_FIELDS = (
    "name",
    "acronym",
    "siret",
    "rna",
    "legal_form_code",
    "ess_flag",
    "creation_date",
    "rna_creation_date",
    "size_band",
    "address_line",
    "postal_code",
    "commune_code",
    "commune_name",
    "department",
    "region",
    "latitude",
    "longitude",
    "ceased",
)
# Provenance values in field_sources.
PROVENANCE_MEMBER = "membre"


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def published(self) -> OrganisationQuerySet:
        return self.filter(status=ModerationStatus.PUBLISHED)


class Organisation(models.Model):
    name = models.CharField(_("nom"), max_length=255)
    acronym = models.CharField(_("sigle"), max_length=50, blank=True)
    kinds = models.JSONField(_("types d’acteur"), default=list, blank=True)
    # Uniqueness of the identifiers is a constraint (Meta), not unique=True: PostgreSQL would add
    # a second, pattern-ops index to each, which a million-row registry import pays on every row.
    # NULL, not "", for a missing identifier: the unique constraints ignore NULLs.
    siren = models.CharField(_("SIREN"), max_length=9, null=True, blank=True)  # noqa: DJ001
    siret = models.CharField(_("SIRET du siège"), max_length=14, blank=True)
    rna = models.CharField(_("numéro RNA"), max_length=10, null=True, blank=True)  # noqa: DJ001
    legal_form_code = models.CharField(
        _("catégorie juridique (code INSEE)"), max_length=4, blank=True
    )
    legal_form_label = models.CharField(_("catégorie juridique"), max_length=200, blank=True)
    ess_flag = models.CharField(
        _("indicateur ESS officiel"),
        max_length=1,
        blank=True,
        choices=[("O", _("Oui")), ("N", _("Non"))],
    )
    ess_family = models.CharField(
        _("famille de l’ESS"), max_length=20, choices=EssFamily.choices, default=EssFamily.UNKNOWN
    )
    creation_date = models.DateField(_("date de création"), null=True, blank=True)
    rna_creation_date = models.DateField(_("date de création (RNA)"), null=True, blank=True)
    size_band = models.CharField(
        _("tranche d’effectifs"), max_length=2, choices=SizeBand.choices, blank=True
    )
    address_line = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    commune_code = models.CharField(_("code INSEE de la commune"), max_length=5, blank=True)
    commune_name = models.CharField(_("commune"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("région"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # WGS 84 position of the head office, from SIRENE (geocoded layout or Lambert 93); it
    # describes the SIRENE address, so it is only set while that address is the one shown.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    website = models.URLField(_("site web"), blank=True, max_length=500)
    description = models.TextField(_("présentation"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/%Y/", blank=True)
    contact_email = models.EmailField(_("e-mail de contact (privé)"), blank=True)
    ceased = models.BooleanField(_("cessée"), default=False)

    source = models.CharField(
        _("origine"), max_length=20, choices=Source.choices, default=Source.REGISTERED
    )
    # {"field": "sirene" | "rna" | "membre"}: who last set each registry-sourced field, so a
    # re-import updates what the registry says without overwriting what members edited.
    field_sources = models.JSONField(_("provenance des champs"), default=dict, blank=True)

    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
    )  # indexed by org_status_published (its first column)
    moderation_reason = models.TextField(_("motif de la dernière décision"), blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    # Sensitive edits waiting for moderation: {"field": new_value}; the published values stay.
    pending_changes = models.JSONField(_("modifications en attente"), default=dict, blank=True)
    pending_changes_at = models.DateTimeField(null=True, blank=True)
    pending_changes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index in Meta: imported rows (no user) stay out of it
    )

    charter_accepted_at = models.DateTimeField(_("charte acceptée le"), null=True, blank=True)
    charter_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index in Meta: imported rows (no user) stay out of it
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index in Meta: imported rows (no user) stay out of it
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True, db_index=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["siren"], name="organisations_siren_unique"),
            models.UniqueConstraint(fields=["rna"], name="organisations_rna_unique"),
            models.CheckConstraint(
                condition=Q(siren__isnull=True) | Q(siren__regex=r"^[0-9]{9}$"),
                name="organisations_siren_format",
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"),
                name="organisations_siret_format",
            ),
            models.CheckConstraint(
                condition=Q(rna__isnull=True) | Q(rna__regex=r"^W[0-9A-Z]{9}$"),
                name="organisations_rna_format",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ModerationStatus.values),
                name="organisations_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="organisations_position_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="org_status_published"),
            # Only the rows a person touched: serves SET NULL when an account is deleted.
            *(
                models.Index(
                    fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"org_{short}"
                )
                for name, short in (
                    ("pending_changes_by", "pending_by"),
                    ("charter_accepted_by", "charter_by"),
                    ("created_by", "created_by"),
                )
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Empty identifiers are NULL so that the unique constraints ignore them.
        self.siren = self.siren or None
        self.rna = self.rna or None
        super().save(*args, **kwargs)

    @property
    def is_community_member(self) -> bool:
        return self.charter_accepted_at is not None

    @property
    def is_published(self) -> bool:
        return self.status == ModerationStatus.PUBLISHED

    @property
    def is_claimed(self) -> bool:
        """An imported record nobody has joined yet is "unclaimed" (its source is shown)."""
        return any(True for _ in self.memberships.all()[:1])

    def kind_labels(self) -> list[str]:
        from .enums import OrganisationKind

        return [str(OrganisationKind(k).label) for k in self.kinds if k in OrganisationKind.values]


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=10, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_once"),
            models.CheckConstraint(
                condition=Q(role__in=MemberRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.organisation_id} ({self.role})"


class JoinRequest(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="join_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(
        max_length=20, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demande d’adhésion")
        verbose_name_plural = _("demandes d’adhésion")
        constraints = [
            # One pending request per person and organisation.
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(status="en_attente"),
                name="join_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.organisation_id} ({self.status})"


class OrganisationReport(models.Model):
    """A visitor's report on a published record: an error, or "this is not my structure"."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("type"), max_length=20, choices=ReportKind.choices)
    message = models.TextField(_("message"), max_length=2000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_email = models.EmailField(_("e-mail pour vous répondre"), blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("suite donnée"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")

    def __str__(self) -> str:
        return f"{self.kind} #{self.organisation_id}"
