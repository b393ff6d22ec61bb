"""Organisations, members and projects for tests (reused by the directory and demo-data work).

`OrganisationFactory.create()` is a pending organisation declared by a member; `PublishedOrganisationFactory`
/ `ImportedOrganisationFactory` are published (the latter from SIRENE, with no member);
`MembershipFactory.create(organisation=…, user=…)` an admin member; `ProjectFactory.create()` a pending project,
`PublishedProjectFactory.create()` a published project of a published organisation. SIREN and SIRET
numbers carry a correct Luhn key.
"""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone
from stdnum import luhn

from frenchimpact.organisations.enums import (
    EssFamily,
    MemberRole,
    ModerationStatus,
    OrganisationKind,
    Source,
)
from frenchimpact.organisations.models import Membership, Organisation
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department, Region

from ..accounts.factories import UserFactory


def valid_siren(n: int) -> str:
    """A SIREN with a correct Luhn key, distinct for each n (never La Poste's 356000000)."""
    base = f"{(12_345_678 + n * 7919) % 100_000_000:08d}"
    return base + luhn.calc_check_digit(base)


def valid_siret(siren: str, nic: int = 1) -> str:
    base = f"{siren}{nic:04d}"
    return base + luhn.calc_check_digit(base)


def region(code: str = "11", nom: str = "Île-de-France") -> Region:
    return Region.objects.get_or_create(code=code, defaults={"nom": nom})[0]


def department(code: str = "75", nom: str = "Paris", region_code: str = "11") -> Department:
    names = {"11": "Île-de-France", "53": "Bretagne", "84": "Auvergne-Rhône-Alpes"}
    return Department.objects.get_or_create(
        code=code,
        defaults={"nom": nom, "region": region(region_code, names.get(region_code, region_code))},
    )[0]


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association Solidaire {n}")
    acronym = ""
    kinds = factory.LazyFunction(lambda: [OrganisationKind.PROJECT_HOLDER.value])
    siren = factory.Sequence(valid_siren)
    siret = factory.LazyAttribute(lambda o: valid_siret(o.siren) if o.siren else "")
    legal_form_code = "9220"
    legal_form_label = "Association déclarée"
    ess_family = EssFamily.ASSOCIATION
    creation_date = datetime.date(2012, 3, 1)
    size_band = "11"
    address_line = "1 rue de la Solidarité"
    postal_code = "75011"
    commune_code = "75056"
    commune_name = "Paris"
    department = factory.LazyFunction(department)
    region = factory.LazyAttribute(lambda o: o.department.region if o.department else None)
    website = "https://exemple.fr"
    description = "Une structure de l’économie sociale et solidaire."
    contact_email = factory.Sequence(lambda n: f"contact{n}@structure.fr")
    source = Source.REGISTERED
    status = ModerationStatus.PENDING


class PublishedOrganisationFactory(OrganisationFactory):
    status = ModerationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    charter_accepted_at = factory.LazyFunction(timezone.now)


class ImportedOrganisationFactory(OrganisationFactory):
    """Published from SIRENE, unclaimed (no member), every registry field from the registry."""

    source = Source.SIRENE
    status = ModerationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    contact_email = factory.Sequence(lambda n: "")  # no private contact on an import
    description = ""
    website = ""
    field_sources = factory.LazyFunction(
        lambda: {"name": "sirene", "siret": "sirene", "legal_form_code": "sirene"}
    )


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.ADMIN


class EditorMembershipFactory(MembershipFactory):
    role = MemberRole.EDITOR


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Projet d’innovation sociale {n}")
    summary = "Un projet qui change d’échelle."
    description = "Description du projet."
    challenges = factory.LazyFunction(lambda: [Challenge.INCLUSIVE_ECONOMY.value])
    sdgs = factory.LazyFunction(lambda: [1, 8])
    stage = Stage.DEVELOPMENT
    start_year = 2016
    budget_band = "200k_500k"
    team_size = 12
    beneficiaries_count = 1500
    beneficiaries_unit = "personnes"
    needs = factory.LazyFunction(lambda: ["financement"])
    links = factory.LazyFunction(lambda: ["https://exemple.fr/projet"])
    status = ModerationStatus.PENDING

    @factory.post_generation
    def regions(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.regions.set(extracted if extracted is not None else [region()])


class PublishedProjectFactory(ProjectFactory):
    organisation = factory.SubFactory(PublishedOrganisationFactory)
    status = ModerationStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


def member_of(
    organisation: Organisation | None = None, role: str = MemberRole.ADMIN, **user_kwargs: Any
) -> Any:
    """A confirmed user who is a member of ``organisation`` (a new pending one by default)."""
    user = UserFactory.create(**user_kwargs)
    MembershipFactory.create(
        organisation=organisation or OrganisationFactory.create(), user=user, role=role
    )
    return user
