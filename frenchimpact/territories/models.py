"""Territories of the INSEE Code officiel géographique: regions, departments, communes, EPCI."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import reference
from .enums import EpciNature


class TerritoryModel(models.Model):
    # updated_at feeds the API's Last-Modified/ETag validators.
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Region(TerritoryModel):
    code = models.CharField(_("code INSEE"), max_length=2, unique=True)
    nom = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=reference.REGION_CODE_PATTERN),
                name="territories_region_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


class Department(TerritoryModel):
    code = models.CharField(_("code INSEE"), max_length=3, unique=True)
    nom = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("région"), on_delete=models.PROTECT, related_name="departments"
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=reference.DEPARTMENT_CODE_PATTERN),
                name="territories_department_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


class Epci(TerritoryModel):
    """An EPCI à fiscalité propre (métropole, communauté urbaine, d'agglomération, de communes)."""

    code = models.CharField(_("numéro SIREN"), max_length=9, unique=True)
    nom = models.CharField(_("nom"), max_length=255)
    nature = models.CharField(_("nature"), max_length=5, choices=EpciNature.choices)

    class Meta:
        verbose_name = _("EPCI")
        verbose_name_plural = _("EPCI")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=reference.EPCI_CODE_PATTERN),
                name="territories_epci_code_format",
            ),
            models.CheckConstraint(
                condition=models.Q(nature__in=EpciNature.values),
                name="territories_epci_nature_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


class Commune(TerritoryModel):
    code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    nom = models.CharField(_("nom"), max_length=255)
    department = models.ForeignKey(
        Department, verbose_name=_("département"), on_delete=models.PROTECT, related_name="communes"
    )
    # Membership: by law a commune belongs to at most one EPCI à fiscalité propre.
    epci = models.ForeignKey(
        Epci,
        verbose_name=_("EPCI"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communes",
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    is_prefecture = models.BooleanField(_("préfecture"), default=False)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=reference.COMMUNE_CODE_PATTERN),
                name="territories_commune_code_format",
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=models.Q(is_prefecture=True),
                name="territories_one_prefecture_per_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"
