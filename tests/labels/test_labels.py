"""Label transitions, renewal, the daily jobs (frozen clock) and the database constraint."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from frenchimpact.audit.models import AuditEntry
from frenchimpact.labels import services
from frenchimpact.labels.enums import ApplicationStatus, LabelKind, LabelStatus
from frenchimpact.labels.models import Label
from frenchimpact.labels.tasks import label_daily_jobs

from ..organisations.factories import member_of
from .factories import CommitteeApplicationFactory, LabelFactory

START = dt.date(2026, 1, 15)
END = dt.date(2029, 1, 15)


@pytest.fixture
def label(db):
    return LabelFactory.create(valid_from=START, valid_until=END)


def test_suspend_reinstate_revoke(staff, label):
    member_of(label.holder, email="titulaire@s.fr")
    services.label_suspend(label=label, actor=staff, reason="Enquête en cours")
    label.refresh_from_db()
    assert label.status == LabelStatus.SUSPENDED and label.status_reason == "Enquête en cours"
    services.label_reinstate(label=label, actor=staff)
    label.refresh_from_db()
    assert label.status == LabelStatus.ACTIVE
    services.label_revoke(label=label, actor=staff, reason="Manquement")
    label.refresh_from_db()
    assert label.status == LabelStatus.REVOKED
    actions = list(
        AuditEntry.objects.filter(object_id=str(label.pk), action__startswith="label.")
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )
    assert actions == [
        ("label.suspend", "actif", "suspendu"),
        ("label.reinstate", "suspendu", "actif"),
        ("label.revoke", "actif", "revoque"),
    ]
    assert [m.to for m in mail.outbox] == [["titulaire@s.fr"]] * 3
    assert "Manquement" in mail.outbox[-1].body


def test_label_actions_need_reason_state_and_staff(staff, stranger, label):
    with pytest.raises(ValidationError) as error:
        services.label_suspend(label=label, actor=staff, reason=" ")
    assert error.value.messages == ["Indiquez le motif de la décision."]
    with pytest.raises(ValidationError) as error:
        services.label_revoke(label=label, actor=staff, reason="")
    assert error.value.messages == ["Indiquez le motif de la décision."]
    with pytest.raises(ValidationError) as error:
        services.label_reinstate(label=label, actor=staff)  # not suspended
    assert "Cette action n’est pas possible" in error.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.label_suspend(label=label, actor=stranger, reason="x")
    with pytest.raises(PermissionDenied):
        services.label_revoke(label=label, actor=member_of(label.holder), reason="x")
    label.refresh_from_db()
    assert label.status == LabelStatus.ACTIVE
    assert not AuditEntry.objects.filter(object_id=str(label.pk), action__startswith="label.")


def test_revoked_label_is_final(staff, label):
    services.label_revoke(label=label, actor=staff, reason="x")
    for call in (
        lambda: services.label_suspend(label=label, actor=staff, reason="x"),
        lambda: services.label_reinstate(label=label, actor=staff),
        lambda: services.label_revoke(label=label, actor=staff, reason="x"),
    ):
        with pytest.raises(ValidationError):
            call()


def test_daily_jobs_with_a_frozen_clock(settings, label):
    settings.LABEL_RENEWAL_WINDOW_DAYS = 90
    settings.LABEL_REMINDER_DAYS = [90, 30, 7]
    member_of(label.holder, email="titulaire@s.fr")
    # 91 days before the end: nothing yet.
    assert services.label_daily_jobs(today=END - dt.timedelta(days=91)) == {
        "expired": 0,
        "renewals_opened": 0,
        "reminded": 0,
    }
    day = END - dt.timedelta(days=90)
    assert services.label_daily_jobs(today=day) == {
        "expired": 0,
        "renewals_opened": 1,
        "reminded": 1,
    }
    label.refresh_from_db()
    assert label.status == LabelStatus.RENEWAL_OPEN and label.last_reminder_days == 90
    assert len(mail.outbox) == 1 and "expire le 15 janvier 2029" in mail.outbox[0].subject
    # Idempotent: the same day again, and the next days before the 30-day mark.
    services.label_daily_jobs(today=day)
    services.label_daily_jobs(today=day + dt.timedelta(days=1))
    assert len(mail.outbox) == 1
    # The job missed the 30-day mark: the 29-day run sends it, only once.
    services.label_daily_jobs(today=END - dt.timedelta(days=29))
    services.label_daily_jobs(today=END - dt.timedelta(days=28))
    assert len(mail.outbox) == 2 and "dans 29 jours" in mail.outbox[1].body
    services.label_daily_jobs(today=END - dt.timedelta(days=7))
    assert len(mail.outbox) == 3
    # The last day is still valid; the end date expires it.
    assert services.labels_expire(today=END - dt.timedelta(days=1)) == 0
    assert services.labels_expire(today=END) == 1
    assert services.labels_expire(today=END) == 0
    label.refresh_from_db()
    assert label.status == LabelStatus.EXPIRED
    entry = AuditEntry.objects.get(object_id=str(label.pk), action="label.expire")
    assert (entry.actor, entry.from_state, entry.to_state) == (
        None,
        "renouvellement_ouvert",
        "expire",
    )


def test_daily_task_is_registered_and_runs(label, monkeypatch):
    from frenchimpact.jobs.scheduler import REGISTRY

    assert label_daily_jobs.module_path in REGISTRY
    assert REGISTRY[label_daily_jobs.module_path].daily_at == dt.time(6, 0)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: END)
    result = label_daily_jobs.enqueue()
    assert result.return_value["expired"] == 1


def test_suspended_label_expires_too(staff, label):
    services.label_suspend(label=label, actor=staff, reason="x")
    assert services.labels_expire(today=END) == 1


def test_renewal(staff, label):
    member = member_of(label.holder)
    too_early = END - dt.timedelta(days=91)
    with pytest.raises(ValidationError) as error:
        services.application_create(
            organisation=label.holder,
            kind=label.kind,
            actor=member,
            renewal_of=label,
            today=too_early,
        )
    assert error.value.messages == [
        "Le renouvellement de ce label sera ouvert à partir du 17 octobre 2028."
    ]
    day = END - dt.timedelta(days=60)
    services.labels_open_renewals(today=day)
    renewal = services.application_create(
        organisation=label.holder, kind=label.kind, actor=member, renewal_of=label, today=day
    )
    revision = renewal.revisions.get()
    assert revision.typology == "incubateur"  # copied from the label's application
    services.application_update(
        application=renewal,
        actor=member,
        values={"programme": "Évolutions", "references": "Résultats", "commitments_accepted": True},
    )
    services.application_submit(application=renewal, actor=member)
    services.application_start_review(application=renewal, actor=staff)
    services.application_send_to_committee(application=renewal, actor=staff)
    new = services.label_grant(application=renewal, actor=staff, committee_date=day, today=day)
    assert (new.valid_from, new.valid_until) == (END, dt.date(2032, 1, 15))
    label.refresh_from_db()
    assert label.status == LabelStatus.RENEWED and label.renewed_by == new
    # No reminder for a renewed label.
    assert services.labels_send_reminders(today=END - dt.timedelta(days=7)) == 0


def test_renewal_not_for_a_suspended_label(staff, label):
    member = member_of(label.holder)
    services.label_suspend(label=label, actor=staff, reason="x")
    with pytest.raises(ValidationError) as error:
        services.application_create(
            organisation=label.holder,
            kind=label.kind,
            actor=member,
            renewal_of=label,
            today=END - dt.timedelta(days=10),
        )
    assert "ne peut pas être renouvelé" in error.value.messages[0]


def test_grant_refuses_an_overlapping_label(staff, label):
    application = CommitteeApplicationFactory.create(organisation=label.holder)
    with pytest.raises(ValidationError) as error:
        services.label_grant(
            application=application, actor=staff, committee_date=START, today=START
        )
    assert "chevauche" in error.value.messages[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMMITTEE
    assert Label.objects.count() == 1


# --- The database itself (bypassing the services) -------------------------------------------


def _raw_label(holder, **kwargs):
    application = CommitteeApplicationFactory.create(organisation=holder)
    values = {
        "holder": holder,
        "kind": LabelKind.SUPPORT_STRUCTURE,
        "application": application,
        "number": f"X-{application.pk}",
        "valid_from": START,
        "valid_until": END,
        "status": LabelStatus.ACTIVE,
        **kwargs,
    }
    return Label.objects.create(**values)


def test_database_refuses_overlapping_labels(label):
    assert connection.vendor in {"sqlite", "postgresql"}
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_label(label.holder, valid_from=dt.date(2028, 6, 1), valid_until=dt.date(2031, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_label(label.holder, valid_from=dt.date(2025, 6, 1), valid_until=dt.date(2026, 6, 1))
    # Adjacent periods do not overlap ([from, until) ranges); another kind or holder is fine.
    adjacent = _raw_label(label.holder, valid_from=END, valid_until=dt.date(2032, 1, 15))
    _raw_label(label.holder, kind=LabelKind.TERRITORY)
    _raw_label(
        LabelFactory.create(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1)).holder
    )
    # An update that creates an overlap is refused too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.filter(pk=adjacent.pk).update(valid_from=dt.date(2028, 1, 1))


def test_revoked_labels_are_left_out_of_the_constraint(label):
    Label.objects.filter(pk=label.pk).update(status=LabelStatus.REVOKED)
    again = _raw_label(label.holder)
    # Un-revoking the old one would overlap again.
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.filter(pk=label.pk).update(status=LabelStatus.ACTIVE)
    assert again.pk


def test_database_refuses_end_before_start(label):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_label(
            LabelFactory.create(
                valid_from=dt.date(2000, 1, 1), valid_until=dt.date(2001, 1, 1)
            ).holder,
            valid_from=END,
            valid_until=START,
        )
