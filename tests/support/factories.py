"""Support profiles and offers for tests (reused by demo data and browser tests).

``SupportProfileFactory.create()`` is the profile of a published support structure;
``OfferFactory.create()`` an active offer of a published support structure, open in all of
France, applied to through the platform. For a zone, pass ``zone_france=False`` and call
``set_offer_zone(offer, regions=[…], departments=[…])`` (it keeps ``covered_departments``
derived as the service does), or create offers with ``services.offer_create``.
"""

from __future__ import annotations

from collections.abc import Iterable

import factory

from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.support.enums import ApplyMode, OfferStatus, OfferType, Public, Typology
from frenchimpact.support.models import Offer, SupportProfile
from frenchimpact.territories.models import Department, Region

from ..organisations.factories import PublishedOrganisationFactory


class SupportStructureFactory(PublishedOrganisationFactory):
    name = factory.Sequence(lambda n: f"Incubateur Solidaire {n}")
    kinds = factory.LazyFunction(lambda: [OrganisationKind.SUPPORT_STRUCTURE.value])


class SupportProfileFactory(factory.django.DjangoModelFactory[SupportProfile]):
    class Meta:
        model = SupportProfile

    organisation = factory.SubFactory(SupportStructureFactory)
    typology = Typology.INCUBATOR
    presentation = "Nous accompagnons les projets d’innovation sociale de l’idée à l’essaimage."
    covers_france = True
    contact_name = "Équipe accompagnement"
    contact_email = factory.Sequence(lambda n: f"accompagnement{n}@incubateur.fr")


class OfferFactory(factory.django.DjangoModelFactory[Offer]):
    class Meta:
        model = Offer

    provider = factory.SubFactory(SupportStructureFactory)
    name = factory.Sequence(lambda n: f"Programme d’incubation {n}")
    description = "Six mois d’accompagnement collectif et individuel."
    offer_type = OfferType.INCUBATION
    stages = factory.LazyFunction(lambda: [Stage.EMERGENCE.value, Stage.SEED.value])
    challenges = factory.LazyFunction(lambda: [Challenge.INCLUSIVE_ECONOMY.value])
    publics = factory.LazyFunction(lambda: [Public.ESS_ENTERPRISES.value])
    zone_france = True
    is_free = True
    on_site = True
    remote = True
    capacity = 12
    rolling = True
    apply_mode = ApplyMode.PLATFORM
    status = OfferStatus.ACTIVE


def set_offer_zone(
    offer: Offer, *, regions: Iterable[str] = (), departments: Iterable[str] = ()
) -> Offer:
    """Declare a zone by COG codes and derive covered_departments (as offer_create does)."""
    region_rows = list(Region.objects.filter(code__in=list(regions)))
    department_rows = list(Department.objects.filter(code__in=list(departments)))
    offer.zone_france = False
    offer.save(update_fields=["zone_france", "updated_at"])
    offer.zone_regions.set(region_rows)
    offer.zone_departments.set(department_rows)
    covered = set(Department.objects.filter(region__in=region_rows)) | set(department_rows)
    offer.covered_departments.set(covered)
    return offer
