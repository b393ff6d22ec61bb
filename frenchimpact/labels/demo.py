"""Demo labels and applications: every label status, renewals, territory labels (pilot
territories flagged) and applications pending in several states.

Written in bulk like the other demo steps (no transition, no e-mail); each demo label and
application gets one audit entry saying it was seeded in that state, so that no status appears
in the trail without an entry. Deterministic: the structures are the demo support structures in primary
key order (support/demo.py) and the local governments likewise. Idempotent: a demo label is
known by its number (``FI-ACC-DEMO-…``, ``FI-TER-DEMO-…``, never produced by ``label_grant``),
and a demo pending application by its organisation (one that already has an application is
left alone). Dates are relative to the day of the first run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import ModerationStatus, OrganisationKind
from frenchimpact.organisations.models import Organisation
from frenchimpact.support.models import SupportProfile

from .enums import ApplicationStatus, LabelKind, LabelStatus, TerritoryLevel
from .models import ApplicationRevision, Label, LabelApplication

DAY = dt.timedelta(days=1)
PROGRAMME = (
    "Nous repérons chaque année une vingtaine de projets d’innovation sociale et les "
    "accompagnons de l’idée à l’essaimage."
)
REFERENCES = "120 projets accompagnés depuis 2018, dont 80 % encore en activité à trois ans."
ANCHORING = "Partenariats avec la région, les départements et les réseaux de l’ESS."


@dataclass(frozen=True)
class LabelSpec:
    """One demo label: its status and its dates, as offsets in days from the seeding day."""

    key: str
    status: str
    start: int
    end: int
    reason: str = ""


# Support structures: one per row, on the demo support structures in order.
SUPPORT_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec("actif", LabelStatus.ACTIVE, -200, 895),
    LabelSpec("renouvellement", LabelStatus.RENEWAL_OPEN, -1035, 60),
    LabelSpec("expire", LabelStatus.EXPIRED, -1125, -30),
    LabelSpec(
        "suspendu",
        LabelStatus.SUSPENDED,
        -400,
        695,
        "Engagements de la charte non respectés : bilan annuel non transmis.",
    ),
    LabelSpec(
        "revoque",
        LabelStatus.REVOKED,
        -500,
        595,
        "La structure a cessé son activité d’accompagnement.",
    ),
    LabelSpec("renouvele", LabelStatus.RENEWED, -1075, 20),  # + its successor, below
    # Past its end date, the daily job not yet run: the public pages already say "expiré".
    LabelSpec("echu", LabelStatus.ACTIVE, -1096, -1),
    LabelSpec("actif-2", LabelStatus.ACTIVE, -30, 1065),
)
SUCCESSOR = LabelSpec("successeur", LabelStatus.ACTIVE, 20, 1115)
# Territory labels on demo local governments: (level, pilot territory).
TERRITORY_LABELS: tuple[tuple[str, bool], ...] = (
    (TerritoryLevel.REGION, True),
    (TerritoryLevel.DEPARTMENT, True),
    (TerritoryLevel.DEPARTMENT, False),
)
PENDING_STATES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.CHANGES_REQUESTED,
    ApplicationStatus.COMMITTEE,
    ApplicationStatus.REFUSED,
)


@dataclass
class LabelsSeedResult:
    labels_created: int = 0
    applications_created: int = 0


def _local_governments(limit: int) -> list[Organisation]:
    found = []
    queryset = (
        Organisation.objects.filter(status=ModerationStatus.PUBLISHED, department__isnull=False)
        .select_related("department", "region")
        .order_by("pk")
    )
    for organisation in queryset.iterator(chunk_size=2000):
        if OrganisationKind.LOCAL_GOVERNMENT.value in organisation.kinds:
            found.append(organisation)
            if len(found) == limit:
                break
    return found


def _audit_seeded(records: list[Any]) -> None:
    """One entry per seeded record: its state came from the demo data, not a transition."""
    if not records:
        return
    content_types = ContentType.objects.get_for_models(*{type(record) for record in records})
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=None,
                action="demo.seed",
                content_type=content_types[type(record)],
                object_id=str(record.pk),
                object_repr=str(record)[:255],
                to_state=record.status,
                reason="Données de démonstration",
            )
            for record in records
        ]
    )


def seed_demo_labels(*, today: dt.date | None = None) -> LabelsSeedResult:
    """Labels in every status and pending applications, on the demo support structures
    (seed_demo_support must have run) and on demo local governments."""
    today = today or timezone.localdate()
    now = timezone.now()
    result = LabelsSeedResult()
    profiles = list(
        SupportProfile.objects.select_related("organisation").order_by("organisation_id")
    )
    labelled = profiles[: len(SUPPORT_LABELS)]
    pending = profiles[len(SUPPORT_LABELS) : len(SUPPORT_LABELS) + len(PENDING_STATES)]
    territories = _local_governments(len(TERRITORY_LABELS))

    # (number, organisation, kind, spec, typology, territory fields)
    planned: list[tuple[str, Organisation, str, LabelSpec, str, dict]] = []
    for index, (profile, spec) in enumerate(zip(labelled, SUPPORT_LABELS, strict=False)):
        planned.append(
            (
                f"FI-ACC-DEMO-{index + 1:03d}",
                profile.organisation,
                LabelKind.SUPPORT_STRUCTURE,
                spec,
                profile.typology,
                {},
            )
        )
        if spec.status == LabelStatus.RENEWED:
            planned.append(
                (
                    f"FI-ACC-DEMO-{index + 1:03d}-R",
                    profile.organisation,
                    LabelKind.SUPPORT_STRUCTURE,
                    SUCCESSOR,
                    profile.typology,
                    {},
                )
            )
    for index, (organisation, (level, pilot)) in enumerate(
        zip(territories, TERRITORY_LABELS, strict=False)
    ):
        area = organisation.region if level == TerritoryLevel.REGION else organisation.department
        if area is None:
            continue
        planned.append(
            (
                f"FI-TER-DEMO-{index + 1:03d}",
                organisation,
                LabelKind.TERRITORY,
                SUPPORT_LABELS[0] if index != 2 else SUPPORT_LABELS[-1],
                "",
                {
                    "territory_level": level,
                    "territory_code": area.code,
                    "territory_name": area.nom,
                    "is_pilot_territory": pilot,
                },
            )
        )

    with transaction.atomic():
        existing = set(
            Label.objects.filter(number__in=[row[0] for row in planned]).values_list(
                "number", flat=True
            )
        )
        missing = [row for row in planned if row[0] not in existing]
        applications = [
            LabelApplication(
                organisation=organisation,
                kind=kind,
                status=ApplicationStatus.GRANTED,
                committee_date=today + spec.start * DAY - 14 * DAY,
                decided_at=now,
                submitted_at=now,
                decision_reason="Dossier complet, programme solide.",
            )
            for _number, organisation, kind, spec, _typology, _territory in missing
        ]
        LabelApplication.objects.bulk_create(applications)
        ApplicationRevision.objects.bulk_create(
            ApplicationRevision(
                application=application,
                number=1,
                typology=typology,
                programme=PROGRAMME,
                references=REFERENCES,
                anchoring=ANCHORING,
                commitments_accepted=True,
                submitted_at=now,
                **territory,
            )
            for application, (_n, _o, _k, _s, typology, territory) in zip(
                applications, missing, strict=True
            )
        )
        labels = [
            Label(
                holder=organisation,
                kind=kind,
                application=application,
                number=number,
                valid_from=today + spec.start * DAY,
                valid_until=today + spec.end * DAY,
                status=spec.status,
                status_reason=spec.reason,
                status_changed_at=now,
                typology=typology,
                region_id=organisation.region_id,
                **territory,
            )
            for application, (number, organisation, kind, spec, typology, territory) in zip(
                applications, missing, strict=True
            )
        ]
        Label.objects.bulk_create(labels)
        result.labels_created = len(labels)
        _audit_seeded([*applications, *labels])
        # Link each renewed demo label to its successor (both exist after this run).
        for label in labels:
            if label.number.endswith("-R"):
                old = Label.objects.get(number=label.number[:-2])
                Label.objects.filter(pk=old.pk).update(renewed_by=label, updated_at=now)
                LabelApplication.objects.filter(pk=label.application_id).update(renewal_of=old)

        with_application = set(
            LabelApplication.objects.filter(
                organisation__in=[profile.organisation for profile in pending]
            ).values_list("organisation_id", flat=True)
        )
        new = [
            (profile, state)
            for profile, state in zip(pending, PENDING_STATES, strict=False)
            if profile.organisation_id not in with_application
        ]
        drafts = [
            LabelApplication(
                organisation=profile.organisation,
                kind=LabelKind.SUPPORT_STRUCTURE,
                status=state,
                submitted_at=None if state == ApplicationStatus.DRAFT else now,
                change_request="Précisez le nombre de projets accompagnés chaque année."
                if state == ApplicationStatus.CHANGES_REQUESTED
                else "",
                committee_date=today + 21 * DAY if state == ApplicationStatus.COMMITTEE else None,
                decision_reason="L’accompagnement proposé ne couvre pas encore l’innovation sociale."
                if state == ApplicationStatus.REFUSED
                else "",
                decided_at=now if state == ApplicationStatus.REFUSED else None,
            )
            for profile, state in new
        ]
        LabelApplication.objects.bulk_create(drafts)
        _audit_seeded(drafts)
        ApplicationRevision.objects.bulk_create(
            ApplicationRevision(
                application=application,
                number=1,
                typology=profile.typology,
                programme=PROGRAMME,
                references=REFERENCES if state != ApplicationStatus.DRAFT else "",
                anchoring=ANCHORING,
                commitments_accepted=state != ApplicationStatus.DRAFT,
                submitted_at=application.submitted_at,
            )
            for application, (profile, state) in zip(drafts, new, strict=True)
        )
        result.applications_created = len(applications) + len(drafts)
    return result
