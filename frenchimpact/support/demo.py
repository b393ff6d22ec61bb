"""Demo support structures: a profile of each typology on demo organisations of kind
"accompagnateur", and their service offers (every type, zones at each level, free and paid,
active, suspended until a date, archived).

Same rules as organisations/demo.py: deterministic for a seed, written in bulk (no signal, no
audit entry: demo data, like reference data), idempotent. A profile is known by its
organisation (one-to-one), an offer by (provider, name): a re-run creates only what is missing
and never updates what demo users changed since.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from frenchimpact.accounts.demo import DEMO_DOMAIN
from frenchimpact.organisations.enums import ModerationStatus, OrganisationKind
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import Stage
from frenchimpact.territories.models import Commune, Department

from .enums import ApplyMode, OfferStatus, OfferType, Public, Typology
from .models import Offer, SupportProfile

STRUCTURES_PER_TYPOLOGY = 4
MAX_STRUCTURES = STRUCTURES_PER_TYPOLOGY * len(Typology.values)

PRESENTATIONS = {
    Typology.LOCAL_GOVERNMENT_PROGRAMME: "Le programme d’innovation sociale de la collectivité "
    "repère, finance et accompagne les projets qui répondent aux besoins du territoire.",
    Typology.IMPACT_FINANCE: "Nous finançons en fonds propres et en prêts d’honneur les "
    "entreprises sociales qui changent d’échelle.",
    Typology.SUPPORT_NETWORK: "Le dispositif local d’accompagnement aide les structures de "
    "l’ESS employeuses à consolider leur modèle et leurs emplois.",
    Typology.INCUBATOR: "Un incubateur régional : promotions de douze projets, mentorat, "
    "hébergement et mise en relation avec les financeurs.",
    Typology.EVALUATOR: "Nous aidons les porteurs de projet à mesurer leur impact social, "
    "de la théorie du changement au rapport d’évaluation.",
    Typology.ADMINISTRATION: "Le service de l’État accompagne les expérimentations sociales "
    "et les met en relation avec les administrations concernées.",
    Typology.COMPANY_PROGRAMME: "Le programme de l’entreprise soutient les innovations "
    "sociales de ses territoires d’implantation : mécénat de compétences et financement.",
}
OFFER_SPECS: tuple[tuple[OfferType, str, str], ...] = (
    (
        OfferType.INCUBATION,
        "Programme d’incubation",
        "Six mois d’accompagnement collectif et individuel pour structurer le projet.",
    ),
    (
        OfferType.INDIVIDUAL_SUPPORT,
        "Accompagnement individuel",
        "Un chargé d’accompagnement suit le projet pendant un an, à raison d’un rendez-vous "
        "par mois.",
    ),
    (
        OfferType.FUNDING,
        "Prêt d’honneur",
        "Un prêt à taux zéro, sans garantie, pour amorcer l’activité.",
    ),
    (OfferType.TRAINING, "Formation au modèle économique", "Quatre journées de formation."),
    (OfferType.NETWORKING, "Club des entrepreneurs sociaux", "Rencontres mensuelles entre pairs."),
    (OfferType.LEGAL, "Permanence juridique", "Statuts, agréments, marchés publics."),
    (
        OfferType.IMPACT_EVALUATION,
        "Évaluation d’impact",
        "Construction d’indicateurs et enquête auprès des bénéficiaires.",
    ),
    (OfferType.HOSTING, "Hébergement au tiers-lieu", "Postes de travail et salles de réunion."),
    (OfferType.DIGITAL, "Diagnostic numérique", "Outils, données et sécurité : un plan d’action."),
    (OfferType.OTHER, "Mise à disposition de bénévoles", "Du mécénat de compétences."),
)
ZONES = ("france", "region", "departement", "communes")
STATUSES = (OfferStatus.ACTIVE, OfferStatus.ACTIVE, OfferStatus.SUSPENDED, OfferStatus.ARCHIVED)


@dataclass
class SupportSeedResult:
    profiles: list[SupportProfile] = field(default_factory=list)  # all demo profiles
    profiles_created: int = 0
    offers_created: int = 0


def demo_support_organisations(limit: int = MAX_STRUCTURES) -> list[Organisation]:
    """The first published organisations of kind "accompagnateur", by primary key (stops early:
    the kinds are a JSON list, which SQLite cannot filter portably)."""
    found = []
    queryset = (
        Organisation.objects.filter(status=ModerationStatus.PUBLISHED)
        .select_related("department", "region")
        .order_by("pk")
    )
    for organisation in queryset.iterator(chunk_size=2000):
        if OrganisationKind.SUPPORT_STRUCTURE.value in organisation.kinds:
            found.append(organisation)
            if len(found) == limit:
                break
    return found


def typology_of(index: int) -> str:
    return Typology.values[index % len(Typology.values)]


def seed_demo_support(*, seed: int, today: dt.date | None = None) -> SupportSeedResult:
    """Profiles and offers for up to MAX_STRUCTURES demo support structures."""
    rng = random.Random(seed)  # noqa: S311  (demo data, not security)
    today = today or timezone.localdate()
    organisations = demo_support_organisations()
    result = SupportSeedResult()
    if not organisations:
        return result
    prefectures = {
        commune.department_id: commune.code
        for commune in Commune.objects.filter(is_prefecture=True).only("code", "department_id")
    }
    departments_by_region: dict[int, list[int]] = {}
    for department in Department.objects.only("pk", "region_id"):
        departments_by_region.setdefault(department.region_id, []).append(department.pk)

    with transaction.atomic():
        existing = set(
            SupportProfile.objects.filter(organisation__in=organisations).values_list(
                "organisation_id", flat=True
            )
        )
        new_profiles = [
            SupportProfile(
                organisation=organisation,
                typology=typology_of(index),
                presentation=PRESENTATIONS[Typology(typology_of(index))],
                covers_france=index % 5 == 0,
                contact_name=f"Équipe d’accompagnement {index + 1}",
                contact_email=f"accompagnement{index + 1}@{DEMO_DOMAIN}",
            )
            for index, organisation in enumerate(organisations)
            if organisation.pk not in existing
        ]
        SupportProfile.objects.bulk_create(new_profiles)
        result.profiles_created = len(new_profiles)
        created_ids = {profile.organisation_id for profile in new_profiles}
        profiles = list(
            SupportProfile.objects.filter(organisation__in=organisations).order_by(
                "organisation_id"
            )
        )
        result.profiles = profiles
        region_links, department_links = [], []
        for profile in profiles:
            organisation = next(o for o in organisations if o.pk == profile.organisation_id)
            if profile.organisation_id not in created_ids:
                continue
            if organisation.region_id:
                region_links.append(
                    SupportProfile.regions.through(
                        supportprofile_id=profile.pk, region_id=organisation.region_id
                    )
                )
            if organisation.department_id:
                department_links.append(
                    SupportProfile.departments.through(
                        supportprofile_id=profile.pk, department_id=organisation.department_id
                    )
                )
        SupportProfile.regions.through.objects.bulk_create(region_links)
        SupportProfile.departments.through.objects.bulk_create(department_links)

        existing_offers = set(
            Offer.objects.filter(provider__in=organisations).values_list("provider_id", "name")
        )
        planned: list[tuple[Offer, str, Organisation]] = []
        for index, organisation in enumerate(organisations):
            for rank in range(3 if index % 2 else 2):
                number = index * 3 + rank
                offer_type, title, description = OFFER_SPECS[number % len(OFFER_SPECS)]
                name = f"{title} — {organisation.name}"[:200]
                if (organisation.pk, name) in existing_offers:
                    continue
                status = STATUSES[number % len(STATUSES)]
                zone = ZONES[number % len(ZONES)]
                if zone != "france" and not organisation.department_id:
                    zone = "france"
                free = number % 3 != 0
                apply_mode = ApplyMode.values[number % len(ApplyMode.values)]
                cohort = offer_type == OfferType.INCUBATION
                offer = Offer(
                    provider=organisation,
                    name=name,
                    description=description,
                    offer_type=offer_type,
                    stages=[Stage.values[number % len(Stage.values)]],
                    challenges=[],
                    publics=rng.sample(Public.values, 2),
                    zone_france=zone == "france",
                    zone_communes=[prefectures[organisation.department_id]]
                    if zone == "communes" and organisation.department_id in prefectures
                    else [],
                    is_free=free,
                    price_details=""
                    if free
                    else "300 € par mois, tarif réduit pour les associations",
                    on_site=number % 4 != 3,
                    remote=number % 2 == 1,
                    capacity=12 if cohort else None,
                    rolling=not cohort,
                    next_cohort_start=today + dt.timedelta(days=30) if cohort else None,
                    next_cohort_end=today + dt.timedelta(days=60) if cohort else None,
                    apply_mode=apply_mode,
                    apply_url=f"https://{DEMO_DOMAIN}/candidater"
                    if apply_mode == ApplyMode.LINK
                    else "",
                    apply_email=f"candidatures{index + 1}@{DEMO_DOMAIN}"
                    if apply_mode == ApplyMode.EMAIL
                    else "",
                    status=status,
                    suspended_until=today + dt.timedelta(days=45)
                    if status == OfferStatus.SUSPENDED
                    else None,
                )
                planned.append((offer, zone, organisation))
        Offer.objects.bulk_create([offer for offer, _zone, _org in planned])
        result.offers_created = len(planned)
        zone_regions, zone_departments, covered = [], [], []
        for offer, zone, organisation in planned:
            if zone == "france":
                departments: list[int] = []  # France entière: zone_france answers alone
            elif zone == "region":
                zone_regions.append(
                    Offer.zone_regions.through(offer_id=offer.pk, region_id=organisation.region_id)
                )
                departments = departments_by_region.get(organisation.region_id or 0, [])
            else:
                if zone == "departement":
                    zone_departments.append(
                        Offer.zone_departments.through(
                            offer_id=offer.pk, department_id=organisation.department_id
                        )
                    )
                departments = [organisation.department_id] if organisation.department_id else []
            covered += [
                Offer.covered_departments.through(offer_id=offer.pk, department_id=pk)
                for pk in departments
            ]
        Offer.zone_regions.through.objects.bulk_create(zone_regions)
        Offer.zone_departments.through.objects.bulk_create(zone_departments)
        Offer.covered_departments.through.objects.bulk_create(covered)
    return result
