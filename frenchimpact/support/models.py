"""Support structures' profiles, their service offers, and the requests sent through them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department, Region

from .enums import ApplyMode, OfferStatus, OfferType, RequestStatus, Typology


class SupportProfile(models.Model):
    """The support-structure side of an Organisation of kind "accompagnateur"."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="support_profile"
    )
    typology = models.CharField(_("typologie"), max_length=30, choices=Typology.choices)
    presentation = models.TextField(_("présentation de l’accompagnement"), blank=True)
    covers_france = models.BooleanField(_("intervient dans toute la France"), default=False)
    regions = models.ManyToManyField(
        Region, verbose_name=_("régions couvertes"), blank=True, related_name="+"
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("départements couverts"), blank=True, related_name="+"
    )
    supported_projects = models.ManyToManyField(
        Project, verbose_name=_("projets accompagnés"), blank=True, related_name="supporters"
    )
    # Public by purpose: how project holders reach the structure.
    contact_name = models.CharField(_("personne à contacter"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail pour les porteurs de projet"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("profil de structure d’accompagnement")
        verbose_name_plural = _("profils de structures d’accompagnement")
        constraints = [
            models.CheckConstraint(
                condition=Q(typology__in=Typology.values), name="support_profile_typology_valid"
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class OfferQuerySet(models.QuerySet["Offer"]):
    def public(self) -> OfferQuerySet:
        """Offers a visitor may see: not archived, from a published organisation."""
        from frenchimpact.organisations.enums import ModerationStatus

        return self.exclude(status=OfferStatus.ARCHIVED).filter(
            provider__status=ModerationStatus.PUBLISHED
        )


class Offer(models.Model):
    """A service offer (data·inclusion spirit): what, for whom, where, how to apply."""

    provider = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="offers"
    )
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"))
    offer_type = models.CharField(_("type"), max_length=30, choices=OfferType.choices)
    stages = models.JSONField(_("stades accompagnés"), default=list, blank=True)
    challenges = models.JSONField(_("défis"), default=list, blank=True)
    publics = models.JSONField(_("publics"), default=list, blank=True)
    # Eligibility zone as declared: France entière, or COG codes at each level.
    zone_france = models.BooleanField(_("France entière"), default=False)
    zone_regions = models.ManyToManyField(
        Region, verbose_name=_("régions"), blank=True, related_name="+"
    )
    zone_departments = models.ManyToManyField(
        Department, verbose_name=_("départements"), blank=True, related_name="+"
    )
    zone_communes = models.JSONField(_("communes (codes INSEE)"), default=list, blank=True)
    # Derived from the zone (a region covers its departments, a commune its department): the
    # search "offers for department 35" is one indexed join, whatever the declared level.
    covered_departments = models.ManyToManyField(
        Department, verbose_name=_("départements couverts"), blank=True, related_name="+"
    )
    is_free = models.BooleanField(_("gratuit"), default=True)
    price_details = models.CharField(_("conditions tarifaires"), max_length=500, blank=True)
    on_site = models.BooleanField(_("en présentiel"), default=True)
    remote = models.BooleanField(_("à distance"), default=False)
    capacity = models.PositiveIntegerField(_("capacité (places)"), null=True, blank=True)
    rolling = models.BooleanField(_("entrées au fil de l’eau"), default=True)
    next_cohort_start = models.DateField(
        _("début de la prochaine promotion"), null=True, blank=True
    )
    next_cohort_end = models.DateField(_("fin des candidatures"), null=True, blank=True)
    apply_mode = models.CharField(_("comment candidater"), max_length=20, choices=ApplyMode.choices)
    apply_url = models.URLField(_("lien pour candidater"), blank=True, max_length=500)
    apply_email = models.EmailField(_("e-mail pour candidater"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.ACTIVE
    )
    suspended_until = models.DateField(_("suspendue jusqu’au"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offre de services")
        verbose_name_plural = _("offres de services")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offer_type__in=OfferType.values), name="offer_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="offer_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=OfferStatus.SUSPENDED) | Q(suspended_until__isnull=False),
                name="offer_suspended_has_date",
            ),
            models.CheckConstraint(
                condition=Q(next_cohort_end__isnull=True)
                | Q(next_cohort_start__isnull=True)
                | Q(next_cohort_end__gte=models.F("next_cohort_start")),
                name="offer_cohort_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OfferRequest(models.Model):
    """A request sent through the platform to an offer: it lands in the structure's inbox."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_requests"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("structure qui demande"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"), max_length=4000)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True
    )
    answer = models.TextField(_("réponse"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demande d’accompagnement")
        verbose_name_plural = _("demandes d’accompagnement")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.offer_id} ← {self.requester_id}"
