"""Deliberation, co-pilot sign-offs (voided by any later change), publication of the
results with the e-mails, and reopening a final decision with every co-pilot's agreement."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import deliberation, selection, selectors
from frenchimpact.calls.enums import ApplicationStatus, ReopenStatus, SignOffPosition
from frenchimpact.calls.models import Call, CallApplication, ReopenRequest, SignOff

from .factories import make_application, make_call
from .test_selection_helpers import applicant, in_state, review, reviewer, signatories

pytestmark = pytest.mark.django_db
S = ApplicationStatus
APPROVE = SignOffPosition.APPROVE


def _deliberated(call, count=1):
    return [applicant(call, S.DELIBERATED) for _ in range(count)]


def _decide_all(call, staff):
    """Two laureates, one on the waiting list, one not selected; returns them."""
    (a, ma), (b, mb), (c, mc), (d, md) = _deliberated(call, 4)
    deliberation.decide(application=a, decision=S.LAUREATE, actor=staff)
    deliberation.decide(application=b, decision=S.LAUREATE, actor=staff)
    deliberation.decide(application=c, decision=S.WAITING_LIST, actor=staff, waiting_list_rank=1)
    deliberation.decide(
        application=d, decision=S.NOT_SELECTED, actor=staff, reason="Moins convaincant"
    )
    return [(a, ma), (b, mb), (c, mc), (d, md)]


def _sign_all(call, position=APPROVE):
    for copilot, user in signatories(call):
        deliberation.sign_off(
            call=call, copilot=copilot, actor=user, position=position, dissent="x"
        )


# --- Deliberation --------------------------------------------------------------------------


def test_open_deliberation_is_all_or_nothing(call, staff):
    auditioned, _m = applicant(call, S.AUDITIONED)
    shortlisted, _m = applicant(call, S.SHORTLISTED)
    with pytest.raises(ValidationError) as error:
        deliberation.open_deliberation(
            call=call, applications=[auditioned, shortlisted], actor=staff
        )
    assert error.value.messages[0].startswith(shortlisted.reference)
    assert in_state(auditioned) == S.AUDITIONED
    assert deliberation.open_deliberation(call=call, applications=[auditioned], actor=staff) == 1
    assert in_state(auditioned) == S.DELIBERATED
    foreign = make_application(make_call(slug="autre"), status=S.AUDITIONED)
    with pytest.raises(ValidationError, match="autre appel"):
        deliberation.open_deliberation(call=call, applications=[foreign], actor=staff)
    with pytest.raises(PermissionDenied):
        deliberation.open_deliberation(call=call, applications=[foreign], actor=reviewer())


def test_decide_records_a_decision_that_stays_under_embargo(call, staff):
    ((application, _m),) = _deliberated(call)
    with pytest.raises(ValidationError, match="Choisissez une décision"):
        deliberation.decide(application=application, decision=S.SHORTLISTED, actor=staff)
    deliberation.decide(application=application, decision=S.LAUREATE, actor=staff)
    application.refresh_from_db()
    assert application.status == S.LAUREATE and application.decided_at is not None
    # The applicant sees nothing of it before publication.
    assert selectors.applicant_status(application)[0] != S.LAUREATE
    assert list(selectors.laureates(call)) == []
    # A decision is final: changing it needs a reopening.
    with pytest.raises(ValidationError, match="Lauréate"):
        deliberation.decide(
            application=application, decision=S.WAITING_LIST, actor=staff, waiting_list_rank=1
        )


def test_waiting_list_needs_a_free_rank_and_not_selected_a_reason(call, staff):
    (first, _m), (second, _m2) = _deliberated(call, 2)
    with pytest.raises(ValidationError, match="rang"):
        deliberation.decide(application=first, decision=S.WAITING_LIST, actor=staff)
    deliberation.decide(
        application=first, decision=S.WAITING_LIST, actor=staff, waiting_list_rank=1
    )
    with pytest.raises(ValidationError, match=f"déjà donné au dossier {first.reference}"):
        deliberation.decide(
            application=second, decision=S.WAITING_LIST, actor=staff, waiting_list_rank=1
        )
    with pytest.raises(ValidationError, match="motif"):
        deliberation.decide(application=second, decision=S.NOT_SELECTED, actor=staff)
    assert in_state(second) == S.DELIBERATED
    deliberation.decide(application=second, decision=S.LAUREATE, actor=staff, waiting_list_rank=4)
    assert CallApplication.objects.get(pk=second.pk).waiting_list_rank is None


# --- Snapshot and sign-offs ----------------------------------------------------------------


def test_snapshot_lists_every_decision_sorted_and_the_hash_is_its_canonical_sha256(call, staff):
    decided = _decide_all(call, staff)
    applicant(call, S.DELIBERATED)  # not decided: not in the list
    snapshot = deliberation.decisions_snapshot(call)
    assert [row["reference"] for row in snapshot] == sorted(a.reference for a, _m in decided)
    waiting = next(row for row in snapshot if row["decision"] == S.WAITING_LIST)
    assert waiting["waiting_list_rank"] == 1
    assert waiting["organisation"] == decided[2][0].organisation.name
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert deliberation.decisions_hash(call) == hashlib.sha256(canonical.encode()).hexdigest()


def test_sign_off_stores_the_exact_list_and_needs_a_designated_signatory(call, staff):
    _decide_all(call, staff)
    (first, first_user), (second, second_user) = signatories(call)
    with pytest.raises(PermissionDenied):  # programme staff, not a signatory
        deliberation.sign_off(call=call, copilot=first, actor=staff, position=APPROVE)
    with pytest.raises(PermissionDenied):  # signatory of the other co-pilot
        deliberation.sign_off(call=call, copilot=first, actor=second_user, position=APPROVE)
    signoff = deliberation.sign_off(call=call, copilot=first, actor=first_user, position=APPROVE)
    assert signoff.decisions == deliberation.decisions_snapshot(call)
    assert signoff.decisions_hash == deliberation.decisions_hash(call)
    assert AuditEntry.objects.filter(action="call.signoff").count() == 1
    states = {s.copilot.pk: s.state for s in deliberation.signoff_status(call)}
    assert states == {first.pk: "valide", second.pk: "manquant"}


@pytest.mark.parametrize("position", [SignOffPosition.APPROVE_WITH_DISSENT, SignOffPosition.REFUSE])
def test_dissent_is_required_to_approve_with_reservations_or_refuse(call, staff, position):
    _decide_all(call, staff)
    (copilot, user), _other = signatories(call)
    with pytest.raises(ValidationError, match="Exposez vos réserves"):
        deliberation.sign_off(call=call, copilot=copilot, actor=user, position=position)
    assert not SignOff.objects.exists()
    signoff = deliberation.sign_off(
        call=call, copilot=copilot, actor=user, position=position, dissent="Trop de lauréats"
    )
    assert signoff.dissent == "Trop de lauréats"


def test_sign_off_refuses_a_list_that_changed_since_it_was_read(call, staff):
    _decide_all(call, staff)
    (copilot, user), _other = signatories(call)
    read = deliberation.decisions_hash(call)
    ((late, _m),) = _deliberated(call)
    deliberation.decide(application=late, decision=S.LAUREATE, actor=staff)
    with pytest.raises(ValidationError, match="ont changé"):
        deliberation.sign_off(
            call=call, copilot=copilot, actor=user, position=APPROVE, expected_hash=read
        )
    assert not SignOff.objects.exists()


def test_nothing_to_sign_without_decisions(call):
    (copilot, user), _other = signatories(call)
    with pytest.raises(ValidationError, match="Aucune décision"):
        deliberation.sign_off(call=call, copilot=copilot, actor=user, position=APPROVE)


def test_a_new_sign_off_voids_the_previous_one_of_the_same_copilot(call, staff):
    _decide_all(call, staff)
    (copilot, user), _other = signatories(call)
    first = deliberation.sign_off(call=call, copilot=copilot, actor=user, position=APPROVE)
    second = deliberation.sign_off(
        call=call, copilot=copilot, actor=user, position=SignOffPosition.REFUSE, dissent="Non"
    )
    first.refresh_from_db()
    assert first.voided_at is not None and second.voided_at is None
    [mine] = [s for s in deliberation.signoff_status(call) if s.copilot == copilot]
    assert mine.signoff == second and mine.state == "valide" and not mine.approves


def test_any_later_decision_change_voids_every_sign_off(call, staff):
    decided = _decide_all(call, staff)
    _sign_all(call)
    # A new decision (through services.transition) after the sign-offs voids them all.
    ((late, _m),) = _deliberated(call)
    deliberation.decide(application=late, decision=S.NOT_SELECTED, actor=staff, reason="Hors cible")
    assert not SignOff.objects.filter(voided_at__isnull=True).exists()
    assert {s.state for s in deliberation.signoff_status(call)} == {"caduc"}
    assert AuditEntry.objects.filter(action="call.signoff_void").count() == 2
    # So does a not-selected before audition, and a reopened decision.
    _sign_all(call)
    in_review, _m = applicant(call, S.IN_REVIEW)
    selection.not_select(application=in_review, actor=staff, reason="Impact non démontré")
    assert {s.state for s in deliberation.signoff_status(call)} == {"caduc"}
    assert decided  # the four decisions are still there


# --- Publication ---------------------------------------------------------------------------


def test_publication_is_refused_until_everything_is_ready(call, staff, stranger, mailoutbox):
    ((application, _m),) = _deliberated(call)
    problems = deliberation.publication_problems(call)
    assert "1 candidature(s) encore « En délibération » : décidez-les d’abord." in problems
    assert "Aucune candidature n’est lauréate." in problems
    assert sum("n’a pas visé les décisions" in p for p in problems) == 2
    with pytest.raises(ValidationError):
        deliberation.publish_results(call=call, actor=staff)
    deliberation.decide(application=application, decision=S.LAUREATE, actor=staff)
    (copilot, user), (other, other_user) = signatories(call)
    deliberation.sign_off(call=call, copilot=copilot, actor=user, position=APPROVE)
    deliberation.sign_off(
        call=call, copilot=other, actor=other_user, position=SignOffPosition.REFUSE, dissent="Non"
    )
    problems = deliberation.publication_problems(call)
    assert problems == [f"« {other.organisation} » refuse les décisions."]
    with pytest.raises(ValidationError, match="refuse les décisions"):
        deliberation.publish_results(call=call, actor=staff)
    assert Call.objects.get(pk=call.pk).results_published_at is None
    assert not mailoutbox
    deliberation.sign_off(
        call=call,
        copilot=other,
        actor=other_user,
        position=SignOffPosition.APPROVE_WITH_DISSENT,
        dissent="Un lauréat de plus que prévu",
    )
    assert deliberation.publication_problems(call) == []
    with pytest.raises(PermissionDenied):
        deliberation.publish_results(call=call, actor=stranger)


def test_a_voided_sign_off_blocks_publication(call, staff):
    _decide_all(call, staff)
    _sign_all(call)
    ((late, _m),) = _deliberated(call)
    deliberation.decide(application=late, decision=S.LAUREATE, actor=staff)
    problems = deliberation.publication_problems(call)
    assert sum("est caduc" in p for p in problems) == 2
    with pytest.raises(ValidationError, match="caduc"):
        deliberation.publish_results(call=call, actor=staff)


def test_publish_emails_every_applicant_its_outcome_and_anonymous_feedback(call, staff, mailoutbox):
    (a, ma), (b, mb), (_c, mc), (_d, md) = _decide_all(call, staff)
    judge = reviewer(first_name="Hortense", last_name="Secret")
    review(
        call.rounds.get(number=1),
        a,
        judge,
        {"impact": 4, "changement_echelle": 3, "solidite": 8},
        comments={"impact": "Impact mesuré avec rigueur"},
    )
    review(call.rounds.get(number=1), a, reviewer(), {"impact": 5})
    _inadmissible, mi = applicant(call, S.INADMISSIBLE)
    applicant(call, S.DRAFT)  # a draft and a withdrawn application get nothing
    applicant(call, S.WITHDRAWN)
    _sign_all(call)
    assert deliberation.publish_results(call=call, actor=staff) == 5
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {ma.email, mb.email, mc.email, md.email, mi.email}
    laureate = by_address[ma.email].body
    assert "Félicitations : la candidature" in laureate and a.reference in laureate
    assert "Impact social : 4,5 (échelle de 0 à 5)" in laureate  # mean of 4 and 5
    assert "« Impact mesuré avec rigueur »" in laureate
    assert "Hortense" not in laureate and "Secret" not in laureate and judge.email not in laureate
    assert (
        "liste d’attente" in by_address[mc.email].body and "(rang 1)" in by_address[mc.email].body
    )
    assert "n’a pas été retenue" in by_address[md.email].body
    assert "Moins convaincant" not in by_address[md.email].body  # the internal reason stays
    assert "n’était pas recevable" in by_address[mi.email].body
    call.refresh_from_db()
    assert call.results_published_at is not None
    assert sorted(selectors.laureates(call).values_list("pk", flat=True)) == sorted([a.pk, b.pk])
    a.refresh_from_db()
    assert selectors.applicant_status(a) == (S.LAUREATE, "Lauréate")
    entry = AuditEntry.objects.get(action="call.results_publish")
    assert entry.changes["laureats"]["apres"] == 2


def test_publishing_twice_publishes_once(call, staff, mailoutbox):
    _decide_all(call, staff)
    _sign_all(call)
    stale = Call.objects.get(pk=call.pk)
    deliberation.publish_results(call=call, actor=staff)
    sent = len(mailoutbox)
    with pytest.raises(ValidationError, match="déjà publiés"):
        deliberation.publish_results(call=stale, actor=staff)
    assert len(mailoutbox) == sent
    assert AuditEntry.objects.filter(action="call.results_publish").count() == 1


# --- Reopening -----------------------------------------------------------------------------


def test_reopening_applies_once_every_copilot_agrees(call, staff, mailoutbox):
    (a, _m), *_rest = _decide_all(call, staff)
    _sign_all(call)
    request = deliberation.reopen_request(
        application=a, actor=staff, reason="Conflit d’intérêts découvert"
    )
    assert (request.from_state, request.to_state) == (S.LAUREATE, S.DELIBERATED)
    emails = {m.to[0] for m in mailoutbox if "réouverture" in m.subject}
    assert emails == {user.email for _c, user in signatories(call)}
    (first, first_user), (second, second_user) = signatories(call)
    deliberation.reopen_answer(request=request, copilot=first, actor=first_user, agrees=True)
    assert in_state(a) == S.LAUREATE  # not yet: the other co-pilot has not answered
    with pytest.raises(ValidationError, match="déjà répondu"):
        deliberation.reopen_answer(request=request, copilot=first, actor=first_user, agrees=True)
    deliberation.reopen_answer(request=request, copilot=second, actor=second_user, agrees=True)
    assert in_state(a) == S.DELIBERATED
    assert ReopenRequest.objects.get(pk=request.pk).status == ReopenStatus.APPLIED
    entry = AuditEntry.objects.get(action="call_application.reopen")
    assert f"n° {request.pk}" in entry.reason and entry.from_state == S.LAUREATE
    # The decisions changed: every sign-off is void.
    assert {s.state for s in deliberation.signoff_status(call)} == {"caduc"}
    with pytest.raises(ValidationError, match="close"):
        deliberation.reopen_answer(request=request, copilot=second, actor=second_user, agrees=True)


def test_one_refusal_closes_the_request(call, staff):
    (a, _m), *_rest = _decide_all(call, staff)
    request = deliberation.reopen_request(application=a, actor=staff, reason="Erreur")
    (first, first_user), (second, second_user) = signatories(call)
    with pytest.raises(ValidationError, match="Expliquez votre désaccord"):
        deliberation.reopen_answer(request=request, copilot=first, actor=first_user, agrees=False)
    deliberation.reopen_answer(
        request=request, copilot=first, actor=first_user, agrees=False, comment="Décision juste"
    )
    assert ReopenRequest.objects.get(pk=request.pk).status == ReopenStatus.REFUSED
    assert in_state(a) == S.LAUREATE
    with pytest.raises(ValidationError, match="close"):
        deliberation.reopen_answer(request=request, copilot=second, actor=second_user, agrees=True)
    assert in_state(a) == S.LAUREATE
    # A new request may follow a refused one.
    deliberation.reopen_request(application=a, actor=staff, reason="Élément nouveau")


def test_reopen_request_refusals(call, staff, stranger):
    (a, _m), *_rest = _decide_all(call, staff)
    ((open_one, _m),) = _deliberated(call)
    with pytest.raises(ValidationError, match="Seule une décision finale"):
        deliberation.reopen_request(application=open_one, actor=staff, reason="x")
    with pytest.raises(ValidationError, match="Indiquez pourquoi"):
        deliberation.reopen_request(application=a, actor=staff, reason="")
    with pytest.raises(ValidationError, match="vers « En délibération » seulement"):
        deliberation.reopen_request(application=a, actor=staff, reason="x", to_state=S.SUBMITTED)
    (copilot, _user), _other = signatories(call)
    with pytest.raises(PermissionDenied):
        deliberation.reopen_request(application=a, actor=stranger, reason="x")
    deliberation.reopen_request(application=a, actor=staff, reason="x")
    with pytest.raises(ValidationError, match="déjà en attente"):
        deliberation.reopen_request(application=a, actor=staff, reason="y")
    assert ReopenRequest.objects.count() == 1
    request = ReopenRequest.objects.get()
    with pytest.raises(PermissionDenied):
        deliberation.reopen_answer(request=request, copilot=copilot, actor=staff, agrees=True)
    # A pending request blocks publication.
    assert any("demande de réouverture" in p for p in deliberation.publication_problems(call))


def test_reopen_targets_by_decision(call, staff):
    inadmissible, _m = applicant(call, S.INADMISSIBLE)
    assert deliberation.reopen_target(inadmissible) == S.SUBMITTED
    early, _m = applicant(call, S.IN_REVIEW)
    selection.not_select(application=early, actor=staff, reason="Hors sujet")
    early.refresh_from_db()
    assert deliberation.reopen_target(early) == S.IN_REVIEW
    ((late, _m),) = _deliberated(call)
    deliberation.decide(application=late, decision=S.NOT_SELECTED, actor=staff, reason="Moins bon")
    late.refresh_from_db()
    assert deliberation.reopen_target(late) == S.DELIBERATED
    request = deliberation.reopen_request(application=early, actor=staff, reason="Erreur")
    for copilot, user in signatories(call):
        deliberation.reopen_answer(request=request, copilot=copilot, actor=user, agrees=True)
    assert in_state(early) == S.IN_REVIEW


def test_reopening_after_publication_tells_the_applicant(call, staff, mailoutbox):
    (a, ma), *_rest = _decide_all(call, staff)
    _sign_all(call)
    deliberation.publish_results(call=call, actor=staff)
    request = deliberation.reopen_request(application=a, actor=staff, reason="Fraude avérée")
    assert AuditEntry.objects.get(action="call_application.reopen_request").changes[
        "resultats_publies"
    ] == {"avant": None, "apres": True}
    for copilot, user in signatories(call):
        deliberation.reopen_answer(request=request, copilot=copilot, actor=user, agrees=True)
    assert in_state(a) == S.DELIBERATED
    assert "réexaminée" in mailoutbox[-1].subject and mailoutbox[-1].to == [ma.email]
    assert a.pk not in set(selectors.laureates(call).values_list("pk", flat=True))


def test_a_decision_changed_after_publication_waits_for_its_own_publication(
    call, staff, mailoutbox
):
    (a, ma), (b, _mb), *_rest = _decide_all(call, staff)
    _sign_all(call)
    deliberation.publish_results(call=call, actor=staff)
    call.refresh_from_db()
    request = deliberation.reopen_request(application=a, actor=staff, reason="Erreur de calcul")
    for copilot, user in signatories(call):
        deliberation.reopen_answer(request=request, copilot=copilot, actor=user, agrees=True)
    a.refresh_from_db()
    deliberation.decide(application=a, decision=S.WAITING_LIST, actor=staff, waiting_list_rank=2)
    a.refresh_from_db()
    # Decided again, but neither the applicant nor the public sees it yet.
    assert a.decision_embargoed is True
    assert selectors.applicant_status(a)[0] != S.WAITING_LIST
    assert a.pk not in set(selectors.laureates(call).values_list("pk", flat=True))
    assert b.pk in set(selectors.laureates(call).values_list("pk", flat=True))
    # The earlier sign-offs covered another list: publishing the change needs new ones.
    with pytest.raises(ValidationError, match=r"visé|caduc"):
        deliberation.publish_results(call=call, actor=staff)
    _sign_all(call)
    sent = len(mailoutbox)
    assert deliberation.publish_results(call=call, actor=staff) == 1
    a.refresh_from_db()
    assert a.decision_embargoed is False
    assert selectors.applicant_status(a)[0] == S.WAITING_LIST
    assert [m.to for m in mailoutbox[sent:]] == [[ma.email]]
    assert AuditEntry.objects.filter(action="call.results_publish_changes").count() == 1
    with pytest.raises(ValidationError, match="aucune décision n’a changé"):
        deliberation.publish_results(call=call, actor=staff)
