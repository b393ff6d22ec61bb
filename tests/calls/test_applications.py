"""The applicant side of the lifecycle, through the services: drafts, files, submission at the
deadline, eligibility, admissibility, completion requests and withdrawal."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import services
from frenchimpact.calls.enums import ApplicationStatus
from frenchimpact.calls.models import CallApplication, Submission

from ..organisations.factories import (
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    member_of,
)
from .factories import PDF, complete_answers, make_call

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def _start(call, *, created=dt.date(2010, 1, 1), rna_created=None):
    organisation = PublishedOrganisationFactory.create(
        creation_date=created, rna_creation_date=rna_created
    )
    project = PublishedProjectFactory.create(organisation=organisation)
    member = member_of(organisation)
    application = services.application_create(
        call=call, organisation=organisation, actor=member, projects=[project]
    )
    return application, member


def _fill(application, member, **overrides):
    answers = {**complete_answers(), **overrides}
    errors = services.application_save_draft(application=application, actor=member, answers=answers)
    services.application_attach(
        application=application,
        actor=member,
        question_key="comptes",
        upload=SimpleUploadedFile("comptes.pdf", PDF, content_type="application/pdf"),
    )
    return errors


def test_draft_keeps_what_was_typed_and_reports_problems(call):
    application, member = _start(call)
    errors = services.application_save_draft(
        application=application,
        actor=member,
        answers={"budget": "cinq cent mille", "secteur": "Emploi"},
    )
    assert set(errors) == {"budget"}
    application.refresh_from_db()
    assert application.answers["budget"] == "cinq cent mille"  # nothing typed is lost
    assert application.status == ApplicationStatus.DRAFT


def test_unknown_question_is_refused_and_nothing_saved(call):
    application, member = _start(call)
    with pytest.raises(ValidationError, match="Question inconnue : pirate"):
        services.application_save_draft(
            application=application, actor=member, answers={"resume": "x", "pirate": "y"}
        )
    application.refresh_from_db()
    assert application.answers == {}


def test_a_stranger_cannot_edit(call, stranger):
    application, _member = _start(call)
    with pytest.raises(PermissionDenied):
        services.application_save_draft(application=application, actor=stranger, answers={})


def test_submit_freezes_a_receipt_and_records_eligibility(call, mailoutbox):
    application, member = _start(call)
    assert _fill(application, member) == {}
    submission = services.application_submit(application=application, actor=member)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.eligible is True
    assert [r["passed"] for r in application.eligibility] == [True, True]
    assert submission.answers["budget"] == "750000"
    assert submission.receipt_code.startswith(application.reference)
    assert AuditEntry.objects.filter(action="call_application.submit").count() == 1
    assert "Accusé de réception" in mailoutbox[-1].subject


def test_missing_required_answer_is_refused_with_its_label(call):
    application, member = _start(call)
    _fill(application, member, impact="")
    with pytest.raises(ValidationError) as error:
        services.application_submit(application=application, actor=member)
    assert "« Impact social attendu » : Cette question est obligatoire." in error.value.messages
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert not Submission.objects.exists()


def test_submitting_twice_writes_one_submission(call):
    application, member = _start(call)
    _fill(application, member)
    stale = CallApplication.objects.get(pk=application.pk)
    services.application_submit(application=application, actor=member)
    with pytest.raises(ValidationError):
        services.application_submit(application=stale, actor=member)
    assert Submission.objects.filter(application=application).count() == 1


def test_deadline_is_enforced_to_the_second_in_paris_time(monkeypatch):
    closes = dt.datetime(2018, 5, 31, 12, 0, 0, tzinfo=PARIS)  # summer time: 10:00 UTC
    call = make_call(opens_at=closes - dt.timedelta(days=60), closes_at=closes)
    clock = {"now": closes - dt.timedelta(days=1)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    first, member = _start(call)
    _fill(first, member)
    second, other = _start(call)
    _fill(second, other)

    clock["now"] = closes - dt.timedelta(seconds=1)  # 11:59:59 in Paris
    services.application_submit(application=first, actor=member)
    clock["now"] = closes  # 12:00:00 in Paris: too late
    with pytest.raises(ValidationError) as error:
        services.application_submit(application=second, actor=other)
    assert "clos depuis le 31 mai 2018 à 12:00" in error.value.messages[0]
    assert closes.astimezone(dt.UTC).hour == 10
    second.refresh_from_db()
    assert second.status == ApplicationStatus.DRAFT


def test_existence_uses_the_earlier_rna_date(call):
    closing = timezone.localtime(call.closes_at).date()
    too_young = closing.replace(year=closing.year - 2)
    application, member = _start(call, created=too_young)
    _fill(application, member)
    errors, results = services.application_check(application)
    assert errors == {}
    assert results[0]["passed"] is False
    assert "SIRENE" in results[0]["message"]

    old_rna = closing.replace(year=closing.year - 5)
    other, other_member = _start(call, created=too_young, rna_created=old_rna)
    _fill(other, other_member)
    _errors, results = services.application_check(other)
    assert results[0]["passed"] is True
    assert "RNA" in results[0]["message"]


def test_budget_must_exceed_the_threshold_and_come_with_accounts(call):
    application, member = _start(call)
    services.application_save_draft(
        application=application, actor=member, answers={**complete_answers(), "budget": "500000"}
    )
    _errors, results = services.application_check(application)
    assert results[1]["passed"] is False
    assert "doit dépasser" in results[1]["message"]
    services.application_save_draft(
        application=application, actor=member, answers={"budget": "500000,01"}
    )
    _errors, results = services.application_check(application)
    assert results[1]["passed"] is False  # no accounts yet
    assert "joignez les comptes" in results[1]["message"]


def test_ineligible_application_can_still_be_submitted_and_staff_decide(call, staff):
    closing = timezone.localtime(call.closes_at).date()
    application, member = _start(call, created=closing - dt.timedelta(days=10))
    _fill(application, member)
    services.application_submit(application=application, actor=member)
    application.refresh_from_db()
    assert application.eligible is False
    with pytest.raises(ValidationError, match="indiquez le motif"):
        services.application_confirm_admissibility(
            application=application, actor=staff, admissible=True
        )
    services.application_confirm_admissibility(
        application=application, actor=staff, admissible=True, reason="Reprise d’une activité."
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    assert application.admissibility_overridden is True


def test_inadmissible_needs_a_reason_and_only_staff_decide(call, staff):
    application, member = _start(call)
    _fill(application, member)
    services.application_submit(application=application, actor=member)
    with pytest.raises(PermissionDenied):
        services.application_confirm_admissibility(
            application=application, actor=member, admissible=True
        )
    with pytest.raises(ValidationError, match="motif de l’irrecevabilité"):
        services.application_confirm_admissibility(
            application=application, actor=staff, admissible=False
        )
    services.application_confirm_admissibility(
        application=application, actor=staff, admissible=False, reason="Hors champ."
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INADMISSIBLE


def test_completion_request_and_answer(call, staff):
    application, member = _start(call)
    _fill(application, member)
    services.application_submit(application=application, actor=member)
    services.application_confirm_admissibility(
        application=application, actor=staff, admissible=True
    )
    with pytest.raises(ValidationError, match="dans le futur"):
        services.application_request_completion(
            application=application, actor=staff, message="x", deadline=timezone.now()
        )
    services.application_request_completion(
        application=application,
        actor=staff,
        message="Joignez les comptes certifiés.",
        deadline=timezone.now() + dt.timedelta(days=7),
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_COMPLETION
    with pytest.raises(ValidationError, match="Expliquez"):
        services.application_submit(application=application, actor=member)
    services.application_save_draft(
        application=application, actor=member, answers={"budget": "800000"}
    )
    services.application_submit(
        application=application, actor=member, response="Comptes certifiés joints."
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    assert application.submissions.count() == 2
    assert application.submissions.get(number=1).answers["budget"] == "750000"


def test_withdraw_from_non_final_states_only(call, staff):
    application, member = _start(call)
    services.application_withdraw(application=application, actor=member, reason="Abandon")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="Retirée"):
        services.application_withdraw(application=application, actor=member)
    # The organisation may start again after a withdrawal.
    organisation = application.organisation
    again = services.application_create(
        call=call,
        organisation=organisation,
        actor=member,
        projects=[organisation.projects.first()],
    )
    assert again.pk != application.pk


def test_one_live_application_per_organisation(call):
    application, member = _start(call)
    with pytest.raises(ValidationError, match="déjà une candidature"):
        services.application_create(
            call=call,
            organisation=application.organisation,
            actor=member,
            projects=[application.projects.first()],
        )


def test_foreign_project_is_refused(call):
    application, member = _start(call)
    foreign = PublishedProjectFactory.create()
    with pytest.raises(ValidationError, match="n’appartient pas"):
        services.application_create(
            call=make_call(slug="autre"),
            organisation=application.organisation,
            actor=member,
            projects=[foreign],
        )


def test_replaced_file_is_deleted_unless_submitted(call):
    application, member = _start(call)
    _fill(application, member)
    first_id = application.answers["comptes"]
    services.application_attach(
        application=application,
        actor=member,
        question_key="comptes",
        upload=SimpleUploadedFile("v2.pdf", PDF, content_type="application/pdf"),
    )
    assert not application.files.filter(pk=first_id).exists()


def test_file_type_is_sniffed(call):
    application, member = _start(call)
    with pytest.raises(ValidationError, match="PDF, PNG, JPEG"):
        services.application_attach(
            application=application,
            actor=member,
            question_key="comptes",
            upload=SimpleUploadedFile("comptes.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        )
    assert not application.files.exists()


def test_money_validation():
    from frenchimpact.calls.answers import parse_decimal

    assert parse_decimal("1 234,50 €") == Decimal("1234.50")
    assert parse_decimal("abc") is None
