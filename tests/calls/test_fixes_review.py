"""Review fixes: auditions of a blind call are neither declared on the list nor anonymised;
blind written rounds give reviewers no attached file; reviewers download only the files of the
latest submission; a frozen ranking freezes the evaluations; withdrawn or inadmissible
applications are no longer evaluated; a concurrent bulk assignment writes nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import auditions, review
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    RoundKind,
)
from frenchimpact.calls.models import (
    ApplicationFile,
    Assignment,
    BlindDeclaration,
    CallApplication,
    ReviewRound,
    Score,
    Submission,
)

from ..accounts.utils import page_text
from .factories import PDF, make_application, make_call
from .test_review_services import add_juror, assigned, cleared, criteria, first_round

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Sunday 15 March 2099, 10:00 in Paris.
MORNING = dt.datetime(2099, 3, 15, 10, 0, tzinfo=PARIS)
FROZEN = "Le classement de ce tour est figé : les évaluations ne peuvent plus changer."
WITHHELD = "Les pièces jointes ne sont pas communiquées en évaluation anonymisée."
RESUME_ANSWER = "Des emplois pour les personnes éloignées de l’emploi."


@pytest.fixture
def blind(db):
    return make_call(slug="anonyme", blind_review=True)


def _scheduled(call, staff, member):
    """A shortlisted application of ``call`` auditioned by a panel of ``member``: returns
    (application, the member's audition assignment)."""
    application = make_application(call, status=ApplicationStatus.SHORTLISTED)
    panel = auditions.panel_create(call=call, name="Panel A", members=[member], actor=staff)
    slot = auditions.slot_create(
        panel=panel,
        starts_at=MORNING,
        ends_at=MORNING + dt.timedelta(minutes=45),
        location="Caisse des Dépôts, 56 rue de Lille, Paris",
        actor=staff,
    )
    auditions.schedule(slot=slot, application=application, actor=staff)
    assignment = Assignment.objects.get(
        application=application, reviewer=member, round__kind=RoundKind.AUDITION
    )
    return application, assignment


def _file_url(attachment):
    return reverse("calls:application_file", args=[attachment.pk])


# --- Blind calls and auditions -------------------------------------------------------------------


def test_audition_assignments_of_a_blind_call_need_no_list_declaration(client, blind, staff):
    member = add_juror(blind, staff)
    application, assignment = _scheduled(blind, staff, member)
    assert assignment.status == AssignmentStatus.CLEARED
    client.force_login(member)

    text = page_text(client.get(reverse("jury:dashboard")))

    assert application.reference in text
    assert application.organisation.name in text
    assert reverse("jury:assignment", args=[assignment.pk]) in text
    assert "Faire ma déclaration sur la liste" not in text
    assert "attend votre déclaration" not in text
    # There is no list declaration for an audition round, on the page nor in the service.
    url = reverse("jury:blind_declaration", args=[assignment.round_id])
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError, match="Les auditions ne demandent pas de déclaration"):
        review.blind_declare(
            round=assignment.round, reviewer=member, conflicting_organisations=[], actor=member
        )
    assert not BlindDeclaration.objects.exists()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED


def test_the_audition_file_of_a_blind_call_is_not_anonymised(client, blind, staff):
    member = add_juror(blind, staff)
    application, assignment = _scheduled(blind, staff, member)
    client.force_login(member)

    text = page_text(client.get(reverse("jury:assignment", args=[assignment.pk])))

    assert f"Dossier {application.reference}" in text
    assert application.anonymous_code not in text
    assert application.organisation.name in text
    assert application.projects.get().title in text
    assert "Le dimanche 15 mars 2099, de 10:00 à 10:45 (heure de Paris)." in text
    assert "Caisse des Dépôts, 56 rue de Lille, Paris" in text
    assert RESUME_ANSWER in text  # an identifying question, shown at the audition
    assert WITHHELD not in text
    accounts = application.files.get(question_key="comptes")
    assert _file_url(accounts) in text
    assert "comptes.pdf" in text
    response = client.get(_file_url(accounts))
    assert response.status_code == 200
    assert 'filename="comptes.pdf"' in response["Content-Disposition"]


def test_written_rounds_of_a_blind_call_keep_the_list_and_the_anonymised_file(client, blind, staff):
    member = add_juror(blind, staff)
    written, _user = assigned(blind, staff, user=member)
    _scheduled(blind, staff, member)
    client.force_login(member)

    dashboard = page_text(client.get(reverse("jury:dashboard")))
    assert "Faire ma déclaration sur la liste" in dashboard
    assert written.application.organisation.name not in dashboard
    assert written.application.anonymous_code not in dashboard

    review.blind_declare(
        round=written.round, reviewer=member, conflicting_organisations=[], actor=member
    )
    text = page_text(client.get(reverse("jury:assignment", args=[written.pk])))
    assert written.application.anonymous_code in text
    assert written.application.reference not in text
    assert written.application.organisation.name not in text
    assert RESUME_ANSWER not in text


# --- Files -------------------------------------------------------------------------------------


def test_blind_written_rounds_give_no_attached_file(client, blind, staff):
    assignment, user = assigned(blind, staff)
    review.blind_declare(
        round=assignment.round, reviewer=user, conflicting_organisations=[], actor=user
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED
    accounts = assignment.application.files.get(question_key="comptes")
    assert not review.reviewer_may_see_file(user, accounts)

    client.force_login(user)
    text = page_text(client.get(reverse("jury:assignment", args=[assignment.pk])))
    assert WITHHELD in text
    assert "Comptes du dernier exercice" not in text
    assert _file_url(accounts) not in text
    assert client.get(_file_url(accounts)).status_code == 403


def _new_accounts(application, name):
    attachment = ApplicationFile(
        application=application,
        question_key="comptes",
        original_name=name,
        content_type="application/pdf",
        size=len(PDF),
    )
    attachment.file.save(name, ContentFile(PDF), save=False)
    attachment.save()
    return attachment


def test_reviewers_download_only_the_files_of_the_latest_submission(client, call, staff):
    assignment, user = cleared(call, staff)
    application = assignment.application
    submitted = application.files.get(question_key="comptes")
    # Uploaded to the draft after the submission (a correction not submitted yet).
    draft = _new_accounts(application, "comptes-brouillon.pdf")
    CallApplication.objects.filter(pk=application.pk).update(
        answers={**application.answers, "comptes": draft.pk}
    )
    client.force_login(user)
    assert client.get(_file_url(submitted)).status_code == 200
    assert client.get(_file_url(draft)).status_code == 403
    assert not review.reviewer_may_see_file(user, draft)

    # Submitted again with the new file: the replaced one is no longer given.
    first = Submission.objects.get(application=application, number=1)
    Submission.objects.create(
        application=application,
        number=2,
        answers={**first.answers, "comptes": draft.pk},
        receipt_code=f"{application.reference}-2-TEST",
        submitted_at=timezone.now(),
    )
    assert client.get(_file_url(draft)).status_code == 200
    assert client.get(_file_url(submitted)).status_code == 403
    # The applicant's members keep every file of their application.
    from ..organisations.factories import member_of

    client.force_login(member_of(application.organisation))
    assert client.get(_file_url(submitted)).status_code == 200


# --- A frozen ranking is frozen ------------------------------------------------------------------


def _freeze(round_: ReviewRound) -> None:
    ReviewRound.objects.filter(pk=round_.pk).update(ranked_at=timezone.now(), ranking_seed="graine")


def test_a_frozen_ranking_refuses_scores_hand_in_and_new_assignments(call, staff):
    assignment, user = cleared(call, staff)
    impact = criteria(call)["impact"]
    review.score_save(assignment=assignment, actor=user, scores={impact.pk: ("3", "")})
    _freeze(assignment.round)

    with pytest.raises(ValidationError) as error:
        review.score_save(assignment=assignment, actor=user, scores={impact.pk: ("5", "")})
    assert error.value.messages == [FROZEN]
    with pytest.raises(ValidationError) as error:
        review.review_submit(assignment=assignment, actor=user)
    assert error.value.messages == [FROZEN]
    other = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    with pytest.raises(ValidationError) as error:
        review.assign_bulk(
            round=first_round(call), reviewers=[user], applications=[other], actor=staff
        )
    assert error.value.messages == [FROZEN]

    assert Score.objects.get(assignment=assignment).value == Decimal(3)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED
    assert not Assignment.objects.filter(application=other).exists()
    other.refresh_from_db()
    assert other.status == ApplicationStatus.ADMISSIBLE


def test_the_scoring_page_of_a_frozen_round_says_so_and_writes_nothing(client, call, staff):
    assignment, user = cleared(call, staff)
    _freeze(assignment.round)
    impact = criteria(call)["impact"]
    client.force_login(user)
    url = reverse("jury:assignment", args=[assignment.pk])

    text = page_text(client.get(url))
    assert FROZEN in text
    assert "Remettre mon évaluation (définitif)" not in text

    response = client.post(url, {f"note_{impact.pk}": "4", "action": "remettre"})
    assert response.status_code == 400
    assert FROZEN in page_text(response)
    assert not Score.objects.exists()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED


@pytest.mark.parametrize(
    ("status", "label"),
    [(ApplicationStatus.WITHDRAWN, "Retirée"), (ApplicationStatus.INADMISSIBLE, "Irrecevable")],
)
def test_a_withdrawn_or_inadmissible_application_is_no_longer_evaluated(call, staff, status, label):
    clear, user = cleared(call, staff)
    pending, _user = assigned(call, staff, user=user)
    impact = criteria(call)["impact"]
    CallApplication.objects.filter(pk__in=[clear.application_id, pending.application_id]).update(
        status=status
    )
    message = f"Cette candidature est « {label} » : elle n’est plus évaluée."

    with pytest.raises(ValidationError) as error:
        review.score_save(assignment=clear, actor=user, scores={impact.pk: ("4", "")})
    assert error.value.messages == [message]
    with pytest.raises(ValidationError) as error:
        review.review_submit(assignment=clear, actor=user)
    assert error.value.messages == [message]
    with pytest.raises(ValidationError) as error:
        review.declare_no_conflict(assignment=pending, actor=user)
    assert error.value.messages == [message]

    assert not Score.objects.exists()
    assert Assignment.objects.get(pk=clear.pk).status == AssignmentStatus.CLEARED
    assert Assignment.objects.get(pk=pending.pk).status == AssignmentStatus.ASSIGNED


def test_the_blind_list_declaration_does_not_open_a_withdrawn_file(blind, staff):
    live, user = assigned(blind, staff)
    gone, _user = assigned(blind, staff, user=user)
    CallApplication.objects.filter(pk=gone.application_id).update(
        status=ApplicationStatus.WITHDRAWN
    )
    review.blind_declare(round=live.round, reviewer=user, conflicting_organisations=[], actor=user)
    assert Assignment.objects.get(pk=live.pk).status == AssignmentStatus.CLEARED
    assert Assignment.objects.get(pk=gone.pk).status == AssignmentStatus.ASSIGNED


# --- Concurrent bulk assignments -----------------------------------------------------------------


def test_a_concurrent_bulk_assignment_is_refused_in_french_and_writes_nothing(
    call, staff, monkeypatch
):
    first, second = (make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in "ab")
    user = add_juror(call, staff)
    round_ = first_round(call)
    manager = Assignment.objects
    original = manager.bulk_create

    def racing_bulk_create(objs, *args, **kwargs):
        # Another staff member's bulk assignment lands between our read and our write.
        Assignment.objects.create(round=round_, application=second, reviewer=user)
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", racing_bulk_create)
    with pytest.raises(ValidationError) as error:
        review.assign_bulk(
            round=round_, reviewers=[user], applications=[first, second], actor=staff
        )
    monkeypatch.undo()

    assert error.value.messages == [
        "Des affectations de ces candidatures viennent d’être enregistrées en même temps par "
        "quelqu’un d’autre : rien n’a été affecté. Rechargez la page et recommencez."
    ]
    # One transaction: nothing of this bulk stays (no assignment, no move to "in review",
    # no audit entry).
    mine: QuerySet[Assignment] = Assignment.objects.filter(round=round_)
    assert not mine.exists()
    assert set(
        CallApplication.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "status", flat=True
        )
    ) == {ApplicationStatus.ADMISSIBLE}
    assert not AuditEntry.objects.filter(action="review_round.assign").exists()
    # Retried, it goes through.
    summary = review.assign_bulk(
        round=round_, reviewers=[user], applications=[first, second], actor=staff
    )
    assert len(summary.created) == 2
