"""The application lifecycle through the services: each transition, each refusal."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from frenchimpact.audit.models import AuditEntry
from frenchimpact.labels import services
from frenchimpact.labels.enums import ApplicationStatus, LabelKind, LabelStatus
from frenchimpact.labels.models import ApplicationRevision, Label, LabelApplication
from frenchimpact.organisations.enums import OrganisationKind

from ..organisations.factories import PublishedOrganisationFactory, member_of
from .factories import (
    CommitteeApplicationFactory,
    LabelFactory,
    SubmittedApplicationFactory,
    TerritoryApplicationFactory,
    UnderReviewApplicationFactory,
)

TODAY = dt.date(2026, 11, 26)


def _entries(obj, action):
    return AuditEntry.objects.filter(object_id=str(obj.pk), action=action)


def test_full_journey(staff):
    organisation = PublishedOrganisationFactory.create(
        kinds=[OrganisationKind.SUPPORT_STRUCTURE.value]
    )
    member = member_of(organisation, email="membre@structure.fr")
    application = services.application_create(
        organisation=organisation, kind=LabelKind.SUPPORT_STRUCTURE, actor=member
    )
    assert application.status == ApplicationStatus.DRAFT
    services.application_update(
        application=application,
        actor=member,
        values={
            "typology": "incubateur",
            "programme": "Programme",
            "references": "Résultats",
            "anchoring": "Ancrage",
            "commitments_accepted": True,
        },
    )
    services.application_submit(application=application, actor=member)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    first = ApplicationRevision.objects.get(application=application, number=1)
    assert first.submitted_at is not None
    services.application_start_review(application=application, actor=staff)
    services.application_request_changes(
        application=application, actor=staff, changes="Précisez vos résultats."
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    assert application.change_request == "Précisez vos résultats."
    services.application_update(
        application=application, actor=member, values={"references": "Résultats chiffrés"}
    )
    services.application_submit(application=application, actor=member, response="Chiffres ajoutés")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    first.refresh_from_db()
    assert first.references == "Résultats"  # the submitted revision is untouched
    second = ApplicationRevision.objects.get(application=application, number=2)
    assert second.references == "Résultats chiffrés" and second.response == "Chiffres ajoutés"
    services.application_send_to_committee(application=application, actor=staff)
    label = services.label_grant(
        application=application,
        actor=staff,
        committee_date=TODAY,
        reason="Très bon dossier",
        today=TODAY,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert application.committee_date == TODAY
    assert application.decided_by == staff
    assert label.number == f"FI-ACC-2026-{application.pk:06d}"
    assert (label.valid_from, label.valid_until) == (TODAY, dt.date(2029, 11, 26))
    assert label.typology == "incubateur" and label.region == organisation.region
    assert label.status == LabelStatus.ACTIVE
    entry = _entries(application, "label_application.grant").get()
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (
        staff,
        ApplicationStatus.COMMITTEE,
        ApplicationStatus.GRANTED,
        "Très bon dossier",
    )
    assert all(message.to == ["membre@structure.fr"] for message in mail.outbox)
    subjects = [message.subject for message in mail.outbox]
    assert any("obtient le label" in subject for subject in subjects)
    assert any("modifications sont demandées" in subject for subject in subjects)
    assert "Précisez vos résultats." in next(
        m.body for m in mail.outbox if "modifications" in m.subject
    )
    services.label_revoke(label=label, actor=staff, reason="Manquement à la charte")
    label.refresh_from_db()
    assert label.status == LabelStatus.REVOKED and label.status_reason == "Manquement à la charte"


def test_submitted_revision_is_never_edited(draft, member):
    services.application_submit(application=draft, actor=member)
    with pytest.raises(ValidationError) as error:
        services.application_update(application=draft, actor=member, values={"programme": "x"})
    assert "n’est plus modifiable" in error.value.messages[0]
    assert draft.revisions.get().programme != "x"


def test_submit_needs_the_charter(draft, member):
    ApplicationRevision.objects.filter(application=draft).update(commitments_accepted=False)
    with pytest.raises(ValidationError) as error:
        services.application_submit(application=draft, actor=member)
    assert any("charte" in message for message in error.value.messages)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT
    assert draft.revisions.get().submitted_at is None
    assert not mail.outbox


def test_answer_needs_a_response(staff):
    application = UnderReviewApplicationFactory.create()
    member = member_of(application.organisation)
    services.application_request_changes(application=application, actor=staff, changes="Plus")
    with pytest.raises(ValidationError) as error:
        services.application_submit(application=application, actor=member, response="  ")
    assert any("Expliquez ce que vous avez modifié" in m for m in error.value.messages)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda a, s: services.application_request_changes(application=a, actor=s, changes=""),
            "Indiquez les modifications demandées.",
        ),
        (
            lambda a, s: services.application_refuse(
                application=a, actor=s, committee_date=TODAY, reason=""
            ),
            "Indiquez le motif de la décision.",
        ),
        (
            lambda a, s: services.application_refuse(
                application=a, actor=s, committee_date=None, reason="Non"
            ),
            "Indiquez la date du comité.",
        ),
        (
            lambda a, s: services.label_grant(application=a, actor=s, committee_date=None),
            "Indiquez la date du comité.",
        ),
        (
            lambda a, s: services.label_grant(
                application=a, actor=s, committee_date=dt.date(2099, 1, 1)
            ),
            "La date du comité ne peut pas être dans le futur.",
        ),
    ],
)
def test_decisions_need_their_inputs(staff, call, message):
    application = CommitteeApplicationFactory.create()
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        call(application, staff)
    assert error.value.messages == [message]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMITTEE
    assert AuditEntry.objects.count() == before
    assert not Label.objects.exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda a, s: services.application_start_review(application=a, actor=s),
        lambda a, s: services.application_request_changes(application=a, actor=s, changes="x"),
        lambda a, s: services.application_send_to_committee(application=a, actor=s),
        lambda a, s: services.label_grant(
            application=a, actor=s, committee_date=TODAY, today=TODAY
        ),
        lambda a, s: services.application_refuse(
            application=a, actor=s, committee_date=TODAY, reason="x", today=TODAY
        ),
    ],
)
def test_wrong_state_is_refused(staff, draft, call):
    with pytest.raises(ValidationError) as error:
        call(draft, staff)
    assert "Cette action n’est pas possible" in error.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_refuse(staff):
    application = CommitteeApplicationFactory.create()
    member_of(application.organisation, email="m@s.fr")
    services.application_refuse(
        application=application, actor=staff, committee_date=TODAY, reason="Trop tôt", today=TODAY
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert application.decision_reason == "Trop tôt" and application.committee_date == TODAY
    assert "Trop tôt" in mail.outbox[-1].body


def test_wrong_users_are_refused(staff, stranger, draft, member):
    with pytest.raises(PermissionDenied):
        services.application_update(application=draft, actor=stranger, values={"programme": "x"})
    with pytest.raises(PermissionDenied):
        services.application_submit(application=draft, actor=stranger)
    with pytest.raises(PermissionDenied):
        services.application_withdraw(application=draft, actor=staff)  # staff are not members
    submitted = SubmittedApplicationFactory.create()
    with pytest.raises(PermissionDenied):
        services.application_start_review(application=submitted, actor=member)
    with pytest.raises(PermissionDenied):
        services.application_create(
            organisation=draft.organisation, kind=LabelKind.SUPPORT_STRUCTURE, actor=stranger
        )


def test_withdraw_from_non_final_states_only(staff):
    application = UnderReviewApplicationFactory.create()
    member = member_of(application.organisation)
    services.application_withdraw(application=application, actor=member, reason="Plus tard")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    entry = _entries(application, "label_application.withdraw").get()
    assert (entry.from_state, entry.to_state, entry.reason) == (
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.WITHDRAWN,
        "Plus tard",
    )
    with pytest.raises(ValidationError):
        services.application_withdraw(application=application, actor=member)


def test_second_open_application_refused(draft, member):
    with pytest.raises(ValidationError) as error:
        services.application_create(
            organisation=draft.organisation, kind=LabelKind.SUPPORT_STRUCTURE, actor=member
        )
    assert "déjà une candidature en cours" in error.value.messages[0]
    assert LabelApplication.objects.count() == 1


def test_new_application_refused_while_a_label_is_valid():
    label = LabelFactory.create(valid_from=TODAY, valid_until=dt.date(2029, 11, 26))
    member = member_of(label.holder)
    with pytest.raises(ValidationError) as error:
        services.application_create(
            organisation=label.holder, kind=LabelKind.SUPPORT_STRUCTURE, actor=member, today=TODAY
        )
    assert error.value.messages == [
        f"La structure détient déjà ce label (n° {label.number}), valable jusqu’au 26 novembre "
        "2029. Une demande de renouvellement pourra être déposée à partir du 28 août 2029."
    ]
    assert LabelApplication.objects.count() == 1  # the label's own


def test_territory_label_only_for_local_governments(draft, member):
    with pytest.raises(ValidationError) as error:
        services.application_create(
            organisation=draft.organisation, kind=LabelKind.TERRITORY, actor=member
        )
    assert "réservé aux collectivités" in error.value.messages[0]


def test_territory_code_checked():
    application = TerritoryApplicationFactory.create(revision__territory_code="")
    member = member_of(application.organisation)
    for level, code, message in [
        ("region", "99", "Aucune région n’a le code COG « 99 »."),
        ("departement", "7", "Le code COG « 7 » n’a pas le bon format"),
        ("epci", "12345", "Le code COG « 12345 » n’a pas le bon format"),
        ("commune", "ABCDE", "Le code COG « ABCDE » n’a pas le bon format"),
        ("departement", "", "Indiquez le code COG du territoire."),
    ]:
        with pytest.raises(ValidationError) as error:
            services.application_update(
                application=application,
                actor=member,
                values={"territory_level": level, "territory_code": code},
            )
        assert error.value.messages[0].startswith(message)
    assert application.revisions.get().territory_code == ""
    revision = services.application_update(
        application=application,
        actor=member,
        values={"territory_level": "departement", "territory_code": "35"},
    )
    assert (revision.territory_code, revision.territory_name) == ("35", "Ille-et-Vilaine")
    revision = services.application_update(
        application=application,
        actor=member,
        values={"territory_level": "epci", "territory_code": "243500139"},
    )
    assert revision.territory_code == "243500139"  # not in the tables: format only


def test_territory_label_copies_territory_and_region(staff):
    application = TerritoryApplicationFactory.create(status=ApplicationStatus.COMMITTEE)
    label = services.label_grant(
        application=application,
        actor=staff,
        committee_date=TODAY,
        is_pilot_territory=True,
        today=TODAY,
    )
    assert label.number == f"FI-TER-2026-{application.pk:06d}"
    assert label.region is not None
    assert (label.territory_level, label.territory_code, label.region.code) == (
        "region",
        "53",
        "53",
    )
    assert label.is_pilot_territory


@pytest.mark.django_db
def test_only_support_structures_apply_for_the_support_structure_label():
    company = PublishedOrganisationFactory.create(kinds=[OrganisationKind.COMMITTED_COMPANY])
    member = member_of(company)
    with pytest.raises(ValidationError) as error:
        services.application_create(
            organisation=company, kind=LabelKind.SUPPORT_STRUCTURE, actor=member
        )
    assert "réservé aux structures déclarées comme structures d’accompagnement" in str(error.value)
    assert LabelApplication.objects.count() == 0
