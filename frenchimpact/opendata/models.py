"""Open-data publications: one row per generated version of a dataset.

The files of a publication are written under their own folder of the default storage and
never rewritten; the row, committed once every file is complete, is what makes them visible.
Switching "latest" is therefore one database commit: a reader gets the previous complete
version or the new complete version, never a half-written file, on any storage backend.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    dataset = models.CharField(_("jeu de données"), max_length=40)
    published_at = models.DateTimeField(_("publié le"))
    # The Paris day of the publication: the key of the dated snapshot URLs.
    published_on = models.DateField(_("jour de publication"))
    row_count = models.PositiveBigIntegerField(_("nombre de lignes"))
    # {"csv": {"name": storage name, "bytes": int, "sha256": hex}, "json": {...}, ...}
    files = models.JSONField(_("fichiers"), default=dict)

    class Meta:
        verbose_name = _("publication de données ouvertes")
        verbose_name_plural = _("publications de données ouvertes")
        ordering = ["dataset", "-published_at", "-pk"]
        indexes = [
            models.Index(fields=["dataset", "-published_at"], name="opendata_pub_latest"),
            models.Index(fields=["dataset", "published_on"], name="opendata_pub_day"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.published_at:%Y-%m-%d %H:%M}"
