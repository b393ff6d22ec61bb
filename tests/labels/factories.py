"""Label applications and labels for tests (reused by the public register, demo data and
browser tests).

`LabelApplicationFactory.create()` is a draft of a published support structure with one
complete, unsubmitted revision; `SubmittedApplicationFactory`, `UnderReviewApplicationFactory`,
`CommitteeApplicationFactory` and `GrantedApplicationFactory` are the same in later states
(revision 1 submitted). `TerritoryApplicationFactory` is a local government's (region 53).
`LabelFactory.create()` is an active support-structure label valid from today for 3 years, with
its granted application; `LabelFactory.create(status=LabelStatus.SUSPENDED)` etc. for the other
statuses, `valid_from=`/`valid_until=` to place it in time. These factories write rows directly
(no audit entry, no e-mail): use the services to test behaviour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import factory
from django.utils import timezone

from frenchimpact.labels.enums import ApplicationStatus, LabelKind, LabelStatus, TerritoryLevel
from frenchimpact.labels.models import ApplicationRevision, Label, LabelApplication
from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.support.enums import Typology

from ..organisations.factories import PublishedOrganisationFactory, region

CONTENT = {
    "programme": "Un programme d’incubation de projets d’innovation sociale.",
    "references": "42 projets accompagnés depuis 2019, 80 % toujours actifs.",
    "anchoring": "Partenariats avec la région et les départements.",
    "commitments_accepted": True,
}


class LabelApplicationFactory(factory.django.DjangoModelFactory[LabelApplication]):
    class Meta:
        model = LabelApplication
        skip_postgeneration_save = True

    organisation = factory.SubFactory(
        PublishedOrganisationFactory,
        kinds=[OrganisationKind.SUPPORT_STRUCTURE.value],
    )
    kind = LabelKind.SUPPORT_STRUCTURE
    status = ApplicationStatus.DRAFT

    @factory.post_generation
    def revision(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Revision 1, complete; submitted unless the application is a draft. Pass
        revision__programme="" etc. to change its content."""
        if not create:
            return
        application = cast(LabelApplication, self)
        values: dict[str, Any] = {**CONTENT, **kwargs}
        if application.kind == LabelKind.SUPPORT_STRUCTURE:
            values.setdefault("typology", Typology.INCUBATOR.value)
        else:
            values.setdefault("territory_level", TerritoryLevel.REGION.value)
            values.setdefault("territory_code", "53")
            values.setdefault("territory_name", "Bretagne")
        submitted = application.status != ApplicationStatus.DRAFT
        ApplicationRevision.objects.create(
            application=application,
            number=1,
            submitted_at=timezone.now() if submitted else None,
            **values,
        )
        if submitted and application.submitted_at is None:
            application.submitted_at = timezone.now()
            LabelApplication.objects.filter(pk=application.pk).update(
                submitted_at=application.submitted_at
            )


class SubmittedApplicationFactory(LabelApplicationFactory):
    status = ApplicationStatus.SUBMITTED


class UnderReviewApplicationFactory(LabelApplicationFactory):
    status = ApplicationStatus.UNDER_REVIEW


class CommitteeApplicationFactory(LabelApplicationFactory):
    status = ApplicationStatus.COMMITTEE


class GrantedApplicationFactory(LabelApplicationFactory):
    status = ApplicationStatus.GRANTED
    committee_date = factory.LazyFunction(timezone.localdate)


class TerritoryApplicationFactory(LabelApplicationFactory):
    organisation = factory.SubFactory(
        PublishedOrganisationFactory,
        kinds=[OrganisationKind.LOCAL_GOVERNMENT.value],
    )
    kind = LabelKind.TERRITORY


class LabelFactory(factory.django.DjangoModelFactory[Label]):
    class Meta:
        model = Label

    holder = factory.SubFactory(
        PublishedOrganisationFactory,
        kinds=[OrganisationKind.SUPPORT_STRUCTURE.value],
    )
    kind = LabelKind.SUPPORT_STRUCTURE
    application = factory.LazyAttribute(
        lambda o: GrantedApplicationFactory.create(organisation=o.holder, kind=o.kind)
    )
    number = factory.LazyAttribute(
        lambda o: (
            f"FI-{'ACC' if o.kind == LabelKind.SUPPORT_STRUCTURE else 'TER'}-"
            f"{o.valid_from.year}-{o.application.pk:06d}"
        )
    )
    valid_from = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyAttribute(
        lambda o: (
            o.valid_from.replace(year=o.valid_from.year + 3)
            if not (o.valid_from.month == 2 and o.valid_from.day == 29)
            else o.valid_from + dt.timedelta(days=365 * 3)
        )
    )
    status = LabelStatus.ACTIVE
    status_changed_at = factory.LazyFunction(timezone.now)
    typology = factory.LazyAttribute(
        lambda o: Typology.INCUBATOR.value if o.kind == LabelKind.SUPPORT_STRUCTURE else ""
    )
    region = factory.LazyAttribute(lambda o: o.holder.region)


class TerritoryLabelFactory(LabelFactory):
    holder = factory.SubFactory(
        PublishedOrganisationFactory,
        kinds=[OrganisationKind.LOCAL_GOVERNMENT.value],
    )
    kind = LabelKind.TERRITORY
    territory_level = TerritoryLevel.REGION
    territory_code = "53"
    territory_name = "Bretagne"
    is_pilot_territory = True
    region = factory.LazyAttribute(lambda o: region("53", "Bretagne"))
