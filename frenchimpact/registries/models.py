"""The history of registry and partner imports: one ImportRun per file imported, with its
report, its checkpoint (to resume after an interruption) and its rejected rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    SIRENE_UNITS = "sirene_unites_legales", _("SIRENE — unités légales")
    SIRENE_ESTABLISHMENTS = "sirene_etablissements", _("SIRENE — établissements")
    RNA = "rna", _("RNA — associations")
    PROJECTS = "projets", _("Projets de réseaux partenaires")


class ImportStatus(models.TextChoices):
    RUNNING = "en_cours", _("En cours")
    COMPLETED = "termine", _("Terminé")
    FAILED = "echoue", _("Échoué")


class ImportRun(models.Model):
    kind = models.CharField(_("type"), max_length=30, choices=ImportKind.choices)
    file_name = models.CharField(_("fichier"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.BigIntegerField(_("taille (octets)"))
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    dry_run = models.BooleanField(_("simulation"), default=False)
    # Checkpoint: every data line up to this one (1 = the header) is committed.
    last_line = models.PositiveBigIntegerField(default=1)
    rows_read = models.PositiveBigIntegerField(_("lignes lues"), default=0)
    created = models.PositiveBigIntegerField(_("créées"), default=0)
    updated = models.PositiveBigIntegerField(_("mises à jour"), default=0)
    unchanged = models.PositiveBigIntegerField(_("inchangées"), default=0)
    skipped = models.JSONField(_("ignorées (par motif)"), default=dict, blank=True)
    rejected = models.PositiveBigIntegerField(_("rejetées"), default=0)
    rejects_file = models.FileField(_("lignes rejetées"), upload_to="imports/rejets/", blank=True)
    message = models.TextField(_("message"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["kind", "file_sha256"], name="import_run_file")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.file_name}"

    @property
    def skipped_total(self) -> int:
        return sum(int(count) for count in (self.skipped or {}).values())


class ImportReject(models.Model):
    """A rejected row, written in the transaction of its batch (so a resumed import never
    reports a row twice); the downloadable CSV is generated from these."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejects")
    line = models.PositiveBigIntegerField(_("ligne"))
    reason = models.CharField(_("motif"), max_length=300)
    raw = models.TextField(_("contenu"), blank=True)

    class Meta:
        verbose_name = _("ligne rejetée")
        verbose_name_plural = _("lignes rejetées")
        ordering = ["run", "line"]
        constraints = [
            models.UniqueConstraint(fields=["run", "line"], name="import_reject_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.line}"
