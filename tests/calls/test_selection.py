"""Freezing a round's ranking (seeded lottery recorded in the audit trail), closing the
round, shortlisting / not selecting, and the staff consolidation pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import consolidation, selection, selectors
from frenchimpact.calls.enums import ApplicationStatus, AssignmentStatus, RoundStatus
from frenchimpact.calls.models import CallApplication, ReviewRound

from ..accounts.utils import field_errors, page_text
from .factories import make_application, make_call
from .test_selection_helpers import in_state, review, reviewer, written_round

pytestmark = pytest.mark.django_db
IN_REVIEW = ApplicationStatus.IN_REVIEW
TOP = {"impact": 5, "changement_echelle": 5, "solidite": 10}  # total 100
GOOD = {"impact": 4, "changement_echelle": 3, "solidite": 6}  # total 70
LOW = {"impact": 1, "changement_echelle": 1, "solidite": 2}  # total 20


def _round_with_tie(call):
    """File A first (100), files B and C tied (70), file D last (20), one reviewer."""
    review_round = written_round(call)
    judge = reviewer()
    apps = [make_application(call, status=IN_REVIEW) for _ in range(4)]
    for application, values in zip(apps, [TOP, GOOD, GOOD, LOW], strict=True):
        review(review_round, application, judge, values)
    return review_round, apps


# --- Freezing ------------------------------------------------------------------------------


def test_freeze_draws_and_records_a_seed_and_the_lottery_order_of_each_tie(call, staff):
    review_round, (a, b, c, d) = _round_with_tie(call)
    results = selection.round_freeze_ranking(review_round=review_round, actor=staff)
    review_round.refresh_from_db()
    assert len(review_round.ranking_seed) == 32 and review_round.ranked_at is not None
    entry = AuditEntry.objects.get(action="call_round.freeze_ranking")
    after = {key: change["apres"] for key, change in entry.changes.items()}
    assert after["graine"] == review_round.ranking_seed
    assert review_round.ranking_seed in entry.reason
    [tie] = after["ex_aequo"]
    assert tie["candidatures"] == sorted([b.reference, c.reference])
    assert tie["rangs"] == [2, 3]
    drawn = [r.application_id for r in results[1:3]]
    assert tie["ordre_tirage"] == [CallApplication.objects.get(pk=i).reference for i in drawn]
    assert after["classement"][0] == a.reference and after["classement"][3] == d.reference
    # The recorded seed replays the same order.
    replay = consolidation.consolidate_round(review_round.pk, seed=after["graine"])
    assert [r.application_id for r in replay] == [r.application_id for r in results]


def test_freezing_twice_is_refused_and_keeps_the_first_seed(call, staff):
    review_round, _apps = _round_with_tie(call)
    selection.round_freeze_ranking(review_round=review_round, actor=staff)
    seed = ReviewRound.objects.get(pk=review_round.pk).ranking_seed
    with pytest.raises(ValidationError, match="déjà figé"):
        selection.round_freeze_ranking(review_round=review_round, actor=staff)
    assert ReviewRound.objects.get(pk=review_round.pk).ranking_seed == seed
    assert AuditEntry.objects.filter(action="call_round.freeze_ranking").count() == 1


def test_freeze_is_refused_without_any_review_and_for_non_staff(call, staff, stranger):
    review_round = written_round(call)
    with pytest.raises(ValidationError, match="Aucune évaluation"):
        selection.round_freeze_ranking(review_round=review_round, actor=staff)
    with pytest.raises(PermissionDenied):
        selection.round_freeze_ranking(review_round=review_round, actor=stranger)
    assert ReviewRound.objects.get(pk=review_round.pk).ranked_at is None


def test_unfreeze_needs_a_reason_is_audited_and_a_new_freeze_draws_a_new_seed(call, staff):
    review_round, _apps = _round_with_tie(call)
    selection.round_freeze_ranking(review_round=review_round, actor=staff)
    first = ReviewRound.objects.get(pk=review_round.pk).ranking_seed
    with pytest.raises(ValidationError, match="Indiquez pourquoi"):
        selection.round_unfreeze_ranking(review_round=review_round, actor=staff, reason=" ")
    assert ReviewRound.objects.get(pk=review_round.pk).ranking_seed == first
    selection.round_unfreeze_ranking(
        review_round=review_round, actor=staff, reason="Une évaluation remise en retard"
    )
    entry = AuditEntry.objects.get(action="call_round.unfreeze_ranking")
    assert entry.changes["graine"] == {"avant": first, "apres": ""}
    assert entry.reason == "Une évaluation remise en retard"
    selection.round_freeze_ranking(review_round=review_round, actor=staff)
    assert ReviewRound.objects.get(pk=review_round.pk).ranking_seed not in ("", first)


def test_close_needs_a_frozen_ranking_and_then_refuses_unfreezing(call, staff):
    review_round, _apps = _round_with_tie(call)
    with pytest.raises(ValidationError, match="Figez le classement"):
        selection.round_close(review_round=review_round, actor=staff)
    selection.round_freeze_ranking(review_round=review_round, actor=staff)
    selection.round_close(review_round=review_round, actor=staff)
    assert ReviewRound.objects.get(pk=review_round.pk).status == RoundStatus.CLOSED
    with pytest.raises(ValidationError, match="déjà clos"):
        selection.round_close(review_round=review_round, actor=staff)
    with pytest.raises(ValidationError, match="clos"):
        selection.round_unfreeze_ranking(review_round=review_round, actor=staff, reason="x")


def test_recusals_and_missing_reviews_do_not_penalise(call):
    review_round = written_round(call)
    application = make_application(call, status=IN_REVIEW)
    review(review_round, application, reviewer(), GOOD)  # 70
    review(review_round, application, reviewer(), {}, status=AssignmentStatus.RECUSED)
    review(review_round, application, reviewer(), LOW, status=AssignmentStatus.CLEARED)
    [row] = selection.round_ranking(review_round)
    assert row.result.reviews == 1
    assert row.result.raw == pytest.approx(70.0)  # the draft (20) and the recusal don't count
    assert (row.pending, row.recused) == (1, 1)


# --- Shortlisting --------------------------------------------------------------------------


def test_shortlist_moves_in_review_files_and_is_audited(call, staff):
    first = make_application(call, status=IN_REVIEW)
    second = make_application(call, status=IN_REVIEW)
    assert selection.shortlist_many(applications=[first, second], actor=staff) == 2
    assert in_state(first) == in_state(second) == ApplicationStatus.SHORTLISTED
    assert AuditEntry.objects.filter(action="call_application.shortlist").count() == 2
    # Under embargo: the applicant still reads "en cours d'évaluation".
    first.refresh_from_db()
    assert selectors.applicant_status(first)[1] == "En cours d’évaluation"


def test_bulk_shortlist_is_all_or_nothing(call, staff):
    ok = make_application(call, status=IN_REVIEW)
    wrong = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    with pytest.raises(ValidationError) as error:
        selection.shortlist_many(applications=[ok, wrong], actor=staff)
    assert error.value.messages[0].startswith(
        f"{wrong.reference} : Cette action n’est pas possible"
    )
    assert in_state(ok) == IN_REVIEW  # rolled back
    assert not AuditEntry.objects.filter(action="call_application.shortlist").exists()


def test_shortlist_refusals(call, staff, stranger):
    application = make_application(call, status=IN_REVIEW)
    with pytest.raises(PermissionDenied):
        selection.shortlist(application=application, actor=stranger)
    with pytest.raises(ValidationError, match="Cochez au moins"):
        selection.shortlist_many(applications=[], actor=staff)
    selection.shortlist(application=application, actor=staff)
    with pytest.raises(ValidationError, match="Présélectionnée"):
        selection.shortlist(application=application, actor=staff)


def test_not_select_needs_a_reason_and_records_the_decision(call, staff):
    application = make_application(call, status=IN_REVIEW)
    with pytest.raises(ValidationError, match="motif"):
        selection.not_select(application=application, actor=staff, reason="")
    assert in_state(application) == IN_REVIEW
    selection.not_select(application=application, actor=staff, reason="Modèle trop fragile")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOT_SELECTED
    assert application.decision_reason == "Modèle trop fragile"
    assert application.decided_at is not None
    assert selectors.applicant_status(application)[1] == "En cours d’évaluation"  # embargo


# --- Pages ---------------------------------------------------------------------------------


def _url(call, number=1, name="round_ranking"):
    return reverse(f"calls_staff:{name}", args=[call.slug, number])


def test_ranking_page_access(client, call, staff, stranger):
    url = _url(call)
    assert client.get(url).status_code == 302
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    client.force_login(reviewer())
    assert client.get(url).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert client.get(_url(call, 9)).status_code == 404
    assert client.get(reverse("calls_staff:round_freeze", args=[call.slug, 1])).status_code == 405


def test_ranking_page_marks_ties_to_break_then_broken_and_spreads_to_discuss(client, call, staff):
    review_round, (a, _b, _c, d) = _round_with_tie(call)
    review(review_round, d, reviewer(), TOP)  # D: totals 20 and 100 → spread 80
    client.force_login(staff)
    text = page_text(client.get(_url(call)))
    assert "Classement provisoire" in text
    assert text.count("ex æquo, à départager") == 2
    assert "à discuter" in text
    assert a.organisation.name in text  # staff see names
    response = client.post(reverse("calls_staff:round_freeze", args=[call.slug, 1]))
    assert response.status_code == 302
    text = page_text(client.get(_url(call)))
    seed = ReviewRound.objects.get(pk=review_round.pk).ranking_seed
    assert seed in text
    assert text.count("départagé par tirage au sort") == 2
    assert "à départager" not in text


def test_shortlist_and_not_select_through_the_page(client, call, staff):
    review_round, (a, b, _c, d) = _round_with_tie(call)
    client.force_login(staff)
    url = _url(call)
    response = client.post(url, {"action": "preselectionner", "candidatures": [a.pk, b.pk]})
    assert response.status_code == 400  # the ranking must be frozen first
    assert "Figez d’abord le classement" in page_text(response)
    assert in_state(a) == IN_REVIEW
    selection.round_freeze_ranking(review_round=review_round, actor=staff)
    response = client.post(url, {"action": "preselectionner", "candidatures": [a.pk, b.pk]})
    assert response.status_code == 302
    assert in_state(a) == in_state(b) == ApplicationStatus.SHORTLISTED
    response = client.post(url, {"action": "ne_pas_retenir", "candidatures": [d.pk]})
    assert response.status_code == 400
    assert "Indiquez le motif de la non-sélection." in field_errors(response)
    assert in_state(d) == IN_REVIEW
    response = client.post(url, {"action": "preselectionner", "candidatures": [a.pk]})
    assert response.status_code == 400  # no longer in review: not a valid choice
    assert "n’est plus en évaluation" in page_text(response)
    response = client.post(
        url, {"action": "ne_pas_retenir", "candidatures": [d.pk], "reason": "Impact non démontré"}
    )
    assert response.status_code == 302
    assert in_state(d) == ApplicationStatus.NOT_SELECTED


def test_unfreeze_on_the_page_needs_a_reason(client, call, staff):
    review_round, _apps = _round_with_tie(call)
    selection.round_freeze_ranking(review_round=review_round, actor=staff)
    client.force_login(staff)
    url = _url(call, name="round_unfreeze")
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif." in field_errors(response)
    assert ReviewRound.objects.get(pk=review_round.pk).ranked_at is not None
    assert client.post(url, {"reason": "Erreur de saisie"}).status_code == 302
    assert ReviewRound.objects.get(pk=review_round.pk).ranked_at is None


def test_freeze_refusal_is_shown_as_a_message(client, call, staff):
    client.force_login(staff)
    response = client.post(reverse("calls_staff:round_freeze", args=[call.slug, 1]), follow=True)
    assert "Aucune évaluation n’a été remise" in page_text(response)


def test_drill_down_shows_each_reviewers_scores_to_staff_only(client, call, staff):
    review_round = written_round(call)
    application = make_application(call, status=IN_REVIEW)
    first = reviewer(first_name="Alix", last_name="Bernard")
    review(review_round, application, first, GOOD, comments={"impact": "Très convaincant"})
    review(review_round, application, reviewer(first_name="Zoé", last_name="Durand"), LOW)
    url = reverse("calls_staff:round_application", args=[call.slug, 1, application.pk])
    client.force_login(first)
    assert client.get(url).status_code == 403  # a reviewer never sees the others' scores
    client.force_login(staff)
    text = page_text(client.get(url))
    assert "Alix Bernard" in text and "Zoé Durand" in text
    assert "Très convaincant" in text
    assert "70,0" in text and "20,0" in text and "45,0" in text  # totals and the raw mean
    foreign = make_application(make_call(slug="autre"), status=IN_REVIEW)
    assert (
        client.get(
            reverse("calls_staff:round_application", args=[call.slug, 1, foreign.pk])
        ).status_code
        == 404
    )


def test_ranking_page_runs_a_fixed_number_of_queries(
    client, call, staff, django_assert_max_num_queries
):
    review_round = written_round(call)
    judges = [reviewer() for _ in range(3)]
    for n in range(30):
        application = make_application(call, status=IN_REVIEW)
        for judge in judges:
            review(review_round, application, judge, {"impact": n % 6, "changement_echelle": 3})
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.get(_url(call))
    assert response.status_code == 200
    assert page_text(response).count("En évaluation") >= 30
