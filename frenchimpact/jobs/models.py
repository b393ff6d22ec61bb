from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One periodic job's slot, claimed once: the unique constraint is the lock.

    Several workers tick the scheduler; the first to insert (job, slot) enqueues the job,
    the others get an IntegrityError and skip it. It works the same on SQLite and PostgreSQL.
    """

    job = models.CharField(_("tâche"), max_length=200)
    slot = models.DateTimeField(_("échéance"))
    enqueued_at = models.DateTimeField(_("mise en file"), auto_now_add=True)
    task_result_id = models.CharField(_("identifiant d’exécution"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("exécution planifiée")
        verbose_name_plural = _("exécutions planifiées")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="jobs_scheduledrun_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
