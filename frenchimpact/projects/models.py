"""Projects: the social innovations carried by organisations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.territories.models import Department, Region

from .enums import BudgetBand, Stage

# Later edits of these wait for moderation while the published version stays visible.
SENSITIVE_FIELDS = ("title",)


class ProjectQuerySet(models.QuerySet["Project"]):
    def published(self) -> ProjectQuerySet:
        """Published projects of published organisations: the only ones the public sees."""
        return self.filter(
            status=ModerationStatus.PUBLISHED, organisation__status=ModerationStatus.PUBLISHED
        )


class Project(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=280)
    description = models.TextField(_("description"), blank=True)
    challenges = models.JSONField(_("défis"), default=list, blank=True)
    sdgs = models.JSONField(_("objectifs de développement durable"), default=list, blank=True)
    stage = models.CharField(_("stade"), max_length=20, choices=Stage.choices)
    is_national = models.BooleanField(_("action nationale"), default=False)
    regions = models.ManyToManyField(
        Region, verbose_name=_("régions d’action"), blank=True, related_name="+"
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("départements d’action"), blank=True, related_name="+"
    )
    start_year = models.PositiveSmallIntegerField(_("année de lancement"), null=True, blank=True)
    budget_band = models.CharField(
        _("budget annuel"), max_length=20, choices=BudgetBand.choices, blank=True
    )
    team_size = models.PositiveIntegerField(_("taille de l’équipe"), null=True, blank=True)
    beneficiaries_count = models.PositiveIntegerField(
        _("bénéficiaires touchés"), null=True, blank=True
    )
    beneficiaries_unit = models.CharField(_("unité des bénéficiaires"), max_length=100, blank=True)
    needs = models.JSONField(_("besoins"), default=list, blank=True)
    links = models.JSONField(_("liens"), default=list, blank=True)
    image = models.ImageField(_("image"), upload_to="projets/%Y/", blank=True)

    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    moderation_reason = models.TextField(_("motif de la dernière décision"), blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    pending_changes = models.JSONField(_("modifications en attente"), default=dict, blank=True)
    pending_changes_at = models.DateTimeField(null=True, blank=True)
    pending_changes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True, db_index=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ModerationStatus.values), name="projects_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="projects_stage_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="project_status_published")
        ]

    def __str__(self) -> str:
        return self.title
