"""Review services: jury, bulk assignment and workload, open-mode declarations, scores and
hand-in, with every refusal (message shown, nothing written). Helpers here are reused by the
other test_review* modules."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frenchimpact.accounts.roles import Role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import review
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    ConflictSource,
    ConflictStatus,
    LinkKind,
    RoundKind,
    RoundStatus,
)
from frenchimpact.calls.models import (
    Assignment,
    Call,
    CallApplication,
    ConflictFlag,
    Criterion,
    JuryMember,
    ReviewRound,
    Score,
)

from ..accounts.factories import user_with_role
from .factories import make_application, make_call

pytestmark = pytest.mark.django_db


# --- Helpers shared by the review tests ---------------------------------------------------------


def make_reviewer(**kwargs: Any) -> Any:
    return user_with_role(Role.REVIEWER, **kwargs)


def add_juror(call: Call, staff: Any, user: Any = None, links: Any = ()) -> Any:
    """A reviewer on the call's jury who declared ``links`` (none by default)."""
    user = user or make_reviewer()
    review.jury_join(call=call, user=user, actor=staff)
    review.jury_join(call=call, user=user, actor=user, links=list(links))
    return user


def first_round(call: Call) -> ReviewRound:
    return call.rounds.get(number=1)


def assigned(
    call: Call, staff: Any, *, user: Any = None, status: str = ApplicationStatus.ADMISSIBLE
):
    """(assignment, reviewer): one admissible application assigned to one juror."""
    user = user or add_juror(call, staff)
    application = make_application(call, status=status)
    review.assign_bulk(
        round=first_round(call), reviewers=[user], applications=[application], actor=staff
    )
    return Assignment.objects.get(application=application, reviewer=user), user


def cleared(call: Call, staff: Any, **kwargs: Any):
    assignment, user = assigned(call, staff, **kwargs)
    review.declare_no_conflict(assignment=assignment, actor=user)
    assignment.refresh_from_db()
    return assignment, user


def criteria(call: Call) -> dict[str, Criterion]:
    return {c.key: c for c in first_round(call).grid.criteria.all()}


# --- Jury -------------------------------------------------------------------------------------


def test_staff_add_a_reviewer_who_then_declares_links(call, staff):
    user = make_reviewer()
    member = review.jury_join(call=call, user=user, actor=staff)
    assert member.links_declared_at is None
    review.jury_join(
        call=call,
        user=user,
        actor=user,
        links=[(None, "Les Amis du Quartier", LinkKind.ADVISE)],
    )
    member.refresh_from_db()
    assert member.links_declared_at is not None
    assert [(link.organisation_name, link.kind) for link in member.links.all()] == [
        ("Les Amis du Quartier", LinkKind.ADVISE)
    ]
    assert AuditEntry.objects.filter(action="call.jury_links").count() == 1


def test_a_declaration_without_any_link_is_valid(call, staff):
    user = add_juror(call, staff)
    member = JuryMember.objects.get(call=call, user=user)
    assert member.links_declared_at is not None
    assert not member.links.exists()


def test_declaring_again_replaces_the_links(call, staff):
    user = add_juror(call, staff, links=[(None, "Alpha", LinkKind.FUND)])
    review.jury_join(call=call, user=user, actor=user, links=[(None, "Beta", LinkKind.COMPETE)])
    member = JuryMember.objects.get(call=call, user=user)
    assert [link.organisation_name for link in member.links.all()] == ["Beta"]


def test_only_reviewers_join_a_jury(call, staff, stranger):
    with pytest.raises(ValidationError, match="n’a pas le rôle d’évaluateur"):
        review.jury_join(call=call, user=stranger, actor=staff)
    assert not JuryMember.objects.exists()


def test_a_reviewer_cannot_put_themself_on_a_jury(call):
    user = make_reviewer()
    with pytest.raises(PermissionDenied):
        review.jury_join(call=call, user=user, actor=user, links=[])
    assert not JuryMember.objects.exists()


def test_nobody_declares_links_for_someone_else(call, staff):
    user = add_juror(call, staff)
    other = make_reviewer()
    with pytest.raises(PermissionDenied):
        review.jury_join(call=call, user=user, actor=other, links=[])


def test_adding_twice_is_refused(call, staff):
    user = make_reviewer()
    review.jury_join(call=call, user=user, actor=staff)
    with pytest.raises(ValidationError, match="fait déjà partie du jury"):
        review.jury_join(call=call, user=user, actor=staff)
    assert JuryMember.objects.count() == 1


def test_a_link_needs_a_name_and_a_kind(call, staff):
    user = make_reviewer()
    review.jury_join(call=call, user=user, actor=staff)
    with pytest.raises(ValidationError, match="Indiquez le nom"):
        review.jury_join(call=call, user=user, actor=user, links=[(None, " ", LinkKind.FUND)])
    with pytest.raises(ValidationError, match="nature du lien"):
        review.jury_join(call=call, user=user, actor=user, links=[(None, "X", "ami")])
    assert JuryMember.objects.get(user=user).links_declared_at is None


# --- Bulk assignment and workload -------------------------------------------------------------


def test_explicit_pairs_start_the_review_and_skip_existing(call, staff):
    alice, bob = add_juror(call, staff), add_juror(call, staff)
    apps = [make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(3)]
    summary = review.assign_bulk(
        round=first_round(call), reviewers=[alice, bob], applications=apps, actor=staff
    )
    assert len(summary.created) == 6
    assert summary.started_review == 3
    assert all(a.status == AssignmentStatus.ASSIGNED for a in Assignment.objects.all())
    assert set(CallApplication.objects.values_list("status", flat=True)) == {
        ApplicationStatus.IN_REVIEW
    }
    assert AuditEntry.objects.filter(action="call_application.start_review").count() == 3
    again = review.assign_bulk(
        round=first_round(call), reviewers=[alice, bob], applications=apps, actor=staff
    )
    assert (len(again.created), again.skipped_existing, again.started_review) == (0, 6, 0)
    assert Assignment.objects.count() == 6


def test_n_per_application_is_balanced_by_workload(call, staff):
    jurors = [add_juror(call, staff, user=make_reviewer(last_name=n)) for n in "ABC"]
    round_ = first_round(call)
    # A already has two files in the round: B and C get the new ones first.
    busy = [make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(2)]
    review.assign_bulk(round=round_, reviewers=[jurors[0]], applications=busy, actor=staff)
    apps = [make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(3)]
    summary = review.assign_bulk(
        round=round_, reviewers=jurors, applications=apps, actor=staff, per_application=2
    )
    assert len(summary.created) == 6
    assert summary.short == []
    counts = {row.last_name: row.total for row in review.round_workload(round_)}
    # 8 files for 3 reviewers, as even as it gets; equal loads go in name order.
    assert counts == {"A": 3, "B": 3, "C": 2}
    for app in apps:
        assert Assignment.objects.filter(application=app).count() == 2


def test_n_per_application_counts_existing_reviewers_and_reports_shortfalls(call, staff):
    alice, bob = add_juror(call, staff), add_juror(call, staff)
    app = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    round_ = first_round(call)
    review.assign_bulk(round=round_, reviewers=[alice], applications=[app], actor=staff)
    summary = review.assign_bulk(
        round=round_, reviewers=[alice, bob], applications=[app], actor=staff, per_application=3
    )
    assert [a.reviewer for a in summary.created] == [bob]
    assert summary.short == [(app, 1)]


def test_flagged_and_confirmed_conflicts_are_skipped_and_reported(call, staff):
    alice, bob = add_juror(call, staff), add_juror(call, staff)
    one, two = (make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(2))
    ConflictFlag.objects.create(
        application=one, reviewer=alice, source=ConflictSource.DECLARED_LINK
    )
    ConflictFlag.objects.create(
        application=two,
        reviewer=bob,
        source=ConflictSource.SHARED_MEMBER,
        status=ConflictStatus.CONFIRMED,
    )
    ConflictFlag.objects.create(
        application=two,
        reviewer=alice,
        source=ConflictSource.SHARED_MEMBER,
        status=ConflictStatus.DISMISSED,
    )
    summary = review.assign_bulk(
        round=first_round(call), reviewers=[alice, bob], applications=[one, two], actor=staff
    )
    assert {(a.application_id, a.reviewer_id) for a in summary.created} == {
        (one.pk, bob.pk),
        (two.pk, alice.pk),
    }
    assert {(a.pk, u.pk) for a, u in summary.skipped_conflict} == {
        (one.pk, alice.pk),
        (two.pk, bob.pk),
    }


@pytest.mark.parametrize(
    "status", [ApplicationStatus.SUBMITTED, ApplicationStatus.INADMISSIBLE, ApplicationStatus.DRAFT]
)
def test_only_admissible_or_in_review_applications_are_assigned(call, staff, status):
    alice = add_juror(call, staff)
    good = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    bad = make_application(call, status=status)
    with pytest.raises(ValidationError, match="ne peuvent pas être évaluées dans ce tour"):
        review.assign_bulk(
            round=first_round(call), reviewers=[alice], applications=[good, bad], actor=staff
        )
    assert not Assignment.objects.exists()
    good.refresh_from_db()
    assert good.status == ApplicationStatus.ADMISSIBLE


def test_in_review_applications_stay_in_review(call, staff):
    alice = add_juror(call, staff)
    app = make_application(call, status=ApplicationStatus.IN_REVIEW)
    summary = review.assign_bulk(
        round=first_round(call), reviewers=[alice], applications=[app], actor=staff
    )
    assert (len(summary.created), summary.started_review) == (1, 0)


def test_assignment_refusals(call, staff, stranger):
    alice = add_juror(call, staff)
    outsider = make_reviewer()
    app = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    round_ = first_round(call)
    with pytest.raises(PermissionDenied):
        review.assign_bulk(round=round_, reviewers=[alice], applications=[app], actor=alice)
    with pytest.raises(ValidationError, match="Ne fait pas partie du jury"):
        review.assign_bulk(round=round_, reviewers=[outsider], applications=[app], actor=staff)
    with pytest.raises(ValidationError, match="au moins un évaluateur"):
        review.assign_bulk(round=round_, reviewers=[], applications=[app], actor=staff)
    with pytest.raises(ValidationError, match="compris entre 1 et"):
        review.assign_bulk(
            round=round_, reviewers=[alice], applications=[app], actor=staff, per_application=0
        )
    other_call_app = make_application(
        make_call(slug="autre"),
        status=ApplicationStatus.ADMISSIBLE,
    )
    with pytest.raises(ValidationError, match="n’appartient pas à cet appel"):
        review.assign_bulk(
            round=round_, reviewers=[alice], applications=[other_call_app], actor=staff
        )
    ReviewRound.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED)
    round_.refresh_from_db()
    with pytest.raises(ValidationError, match="est clos"):
        review.assign_bulk(round=round_, reviewers=[alice], applications=[app], actor=staff)
    assert not Assignment.objects.exists()


def test_audition_rounds_are_not_assigned_here(call, staff):
    alice = add_juror(call, staff)
    app = make_application(call, status=ApplicationStatus.SHORTLISTED)
    audition = ReviewRound.objects.create(
        call=call,
        number=2,
        kind=RoundKind.AUDITION,
        name="Auditions",
        grid=call.grids.get(kind="audition"),
    )
    with pytest.raises(ValidationError, match="tour d’auditions"):
        review.assign_bulk(round=audition, reviewers=[alice], applications=[app], actor=staff)


def test_workload_counts_every_status_in_one_query(call, staff, django_assert_num_queries):
    alice, bob = add_juror(call, staff), add_juror(call, staff)
    apps = [make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(4)]
    round_ = first_round(call)
    review.assign_bulk(round=round_, reviewers=[alice], applications=apps, actor=staff)
    mine = list(Assignment.objects.filter(reviewer=alice).order_by("pk"))
    review.declare_no_conflict(assignment=mine[0], actor=alice)
    review.declare_no_conflict(assignment=mine[1], actor=alice)
    review.score_save(
        assignment=mine[1], actor=alice, scores={criteria(call)["impact"].pk: ("4", "")}
    )
    review.review_submit(assignment=mine[1], actor=alice)
    review.recuse(assignment=mine[2], actor=alice, reason="Ancien salarié")
    with django_assert_num_queries(1):
        rows = {u.pk: u for u in review.round_workload(round_)}
    a = rows[alice.pk]
    assert (a.assigned, a.cleared, a.submitted, a.recused, a.total) == (1, 1, 1, 1, 4)
    b = rows[bob.pk]
    assert (b.assigned, b.cleared, b.submitted, b.recused, b.total) == (0, 0, 0, 0, 0)


# --- Open mode declarations -------------------------------------------------------------------


def test_no_conflict_clears_the_assignment(call, staff):
    assignment, user = assigned(call, staff)
    review.declare_no_conflict(assignment=assignment, actor=user)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED
    assert assignment.declared_at is not None
    entry = AuditEntry.objects.get(action="assignment.declare_no_conflict")
    assert (entry.from_state, entry.to_state) == (
        AssignmentStatus.ASSIGNED,
        AssignmentStatus.CLEARED,
    )


def test_declaration_needs_the_links_first(call, staff):
    user = make_reviewer()
    review.jury_join(call=call, user=user, actor=staff)
    app = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    review.assign_bulk(round=first_round(call), reviewers=[user], applications=[app], actor=staff)
    assignment = Assignment.objects.get()
    with pytest.raises(ValidationError, match="Déclarez d’abord vos liens"):
        review.declare_no_conflict(assignment=assignment, actor=user)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_declaration_waits_for_a_flag_under_review(call, staff):
    assignment, user = assigned(call, staff)
    ConflictFlag.objects.create(
        application=assignment.application, reviewer=user, source=ConflictSource.SHARED_MEMBER
    )
    with pytest.raises(ValidationError, match="en cours d’examen"):
        review.declare_no_conflict(assignment=assignment, actor=user)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_only_the_assigned_reviewer_declares(call, staff):
    assignment, _user = assigned(call, staff)
    other = add_juror(call, staff)
    with pytest.raises(PermissionDenied):
        review.declare_no_conflict(assignment=assignment, actor=other)
    with pytest.raises(PermissionDenied):
        review.recuse(assignment=assignment, actor=staff, reason="x")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_declaring_twice_is_refused(call, staff):
    assignment, user = cleared(call, staff)
    with pytest.raises(ValidationError, match="déjà fait votre déclaration"):
        review.declare_no_conflict(assignment=assignment, actor=user)


def test_blind_calls_refuse_per_file_declarations(staff):
    blind = make_call(slug="anonyme", blind_review=True)
    assignment, user = assigned(blind, staff)
    with pytest.raises(ValidationError, match="liste des candidats du tour"):
        review.declare_no_conflict(assignment=assignment, actor=user)
    with pytest.raises(ValidationError, match="liste des candidats du tour"):
        review.recuse(assignment=assignment, actor=user, reason="Je connais")


def test_recusal_needs_a_reason_and_records_a_confirmed_conflict(call, staff):
    assignment, user = assigned(call, staff)
    with pytest.raises(ValidationError, match="motif de votre déport"):
        review.recuse(assignment=assignment, actor=user, reason="  ")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    review.recuse(assignment=assignment, actor=user, reason="J’ai conseillé cette structure")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED
    assert assignment.recusal_reason == "J’ai conseillé cette structure"
    flag = ConflictFlag.objects.get(source=ConflictSource.SELF_DECLARED)
    assert (flag.application_id, flag.reviewer_id, flag.status) == (
        assignment.application_id,
        user.pk,
        ConflictStatus.CONFIRMED,
    )
    # and the pair is not assigned again
    summary = review.assign_bulk(
        round=first_round(call),
        reviewers=[user],
        applications=[assignment.application],
        actor=staff,
    )
    assert summary.created == []
    with pytest.raises(ValidationError, match="déjà déporté"):
        review.recuse(assignment=assignment, actor=user, reason="encore")


def test_a_cleared_reviewer_may_still_recuse_but_not_after_handing_in(call, staff):
    assignment, user = cleared(call, staff)
    review.recuse(assignment=assignment, actor=user, reason="Je reconnais le projet")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED
    other, user2 = cleared(call, staff)
    review.score_save(assignment=other, actor=user2, scores={criteria(call)["impact"].pk: (3, "")})
    review.review_submit(assignment=other, actor=user2)
    with pytest.raises(ValidationError, match="évaluation est remise"):
        review.recuse(assignment=other, actor=user2, reason="trop tard")


# --- Scores -------------------------------------------------------------------------------


def test_partial_draft_then_submit(call, staff):
    assignment, user = cleared(call, staff)
    c = criteria(call)
    review.score_save(
        assignment=assignment,
        actor=user,
        scores={c["impact"].pk: ("4,5", "Impact mesuré"), c["solidite"].pk: (Decimal(8), "")},
    )
    assert {s.criterion.key: s.value for s in Score.objects.select_related("criterion")} == {
        "impact": Decimal("4.50"),
        "solidite": Decimal("8.00"),
    }
    # a second draft changes a value and clears another
    review.score_save(
        assignment=assignment,
        actor=user,
        scores={c["impact"].pk: ("5", "Très fort"), c["solidite"].pk: ("", "")},
    )
    assert list(Score.objects.values_list("value", "comment")) == [(Decimal("5.00"), "Très fort")]
    missing = review.review_submit(assignment=assignment, actor=user)
    assert [m.key for m in missing] == ["changement_echelle", "solidite"]
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert assignment.submitted_at is not None
    assert "Critères non notés" in AuditEntry.objects.get(action="assignment.submit").reason


def test_score_outside_the_scale_is_refused_and_nothing_written(call, staff):
    assignment, user = cleared(call, staff)
    c = criteria(call)
    with pytest.raises(
        ValidationError,
        match=re.escape("La note de « Impact social » doit être comprise entre 0 et 5."),
    ):
        review.score_save(
            assignment=assignment,
            actor=user,
            scores={c["solidite"].pk: ("7", ""), c["impact"].pk: ("6", "")},
        )
    with pytest.raises(ValidationError, match="entre 0 et 5"):
        review.score_save(assignment=assignment, actor=user, scores={c["impact"].pk: ("-1", "")})
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("3,555", "au plus deux décimales"),
        ("beaucoup", "doit être un nombre"),
        ("NaN", "doit être un nombre"),
        ("", "pour enregistrer votre commentaire"),
    ],
)
def test_bad_score_values(call, staff, raw, message):
    assignment, user = cleared(call, staff)
    c = criteria(call)
    with pytest.raises(ValidationError, match=message):
        review.score_save(
            assignment=assignment, actor=user, scores={c["impact"].pk: (raw, "Un commentaire")}
        )
    assert not Score.objects.exists()


def test_a_criterion_of_another_grid_is_refused(call, staff):
    assignment, user = cleared(call, staff)
    interview = Criterion.objects.get(grid__kind="audition", key="equipe")
    with pytest.raises(ValidationError, match="n’appartient pas à la grille"):
        review.score_save(assignment=assignment, actor=user, scores={interview.pk: ("3", "")})
    assert not Score.objects.exists()


def test_scoring_a_recused_file_is_refused(call, staff):
    assignment, user = cleared(call, staff)
    review.recuse(assignment=assignment, actor=user, reason="Conflit")
    with pytest.raises(ValidationError, match="déporté de ce dossier"):
        review.score_save(
            assignment=assignment, actor=user, scores={criteria(call)["impact"].pk: ("3", "")}
        )
    with pytest.raises(ValidationError, match="déporté de ce dossier"):
        review.review_submit(assignment=assignment, actor=user)
    assert not Score.objects.exists()


def test_scoring_before_the_declaration_is_refused(call, staff):
    assignment, user = assigned(call, staff)
    with pytest.raises(ValidationError, match="Déclarez d’abord l’absence de conflit"):
        review.score_save(
            assignment=assignment, actor=user, scores={criteria(call)["impact"].pk: ("3", "")}
        )
    assert not Score.objects.exists()


def test_scoring_a_file_not_assigned_is_refused(call, staff):
    assignment, _user = cleared(call, staff)
    other = add_juror(call, staff)
    with pytest.raises(PermissionDenied, match="Seul l’évaluateur affecté"):
        review.score_save(
            assignment=assignment, actor=other, scores={criteria(call)["impact"].pk: ("3", "")}
        )
    with pytest.raises(PermissionDenied):
        review.review_submit(assignment=assignment, actor=other)
    with pytest.raises(PermissionDenied):
        review.score_save(
            assignment=assignment, actor=staff, scores={criteria(call)["impact"].pk: ("3", "")}
        )
    assert not Score.objects.exists()


def test_a_submitted_review_is_not_edited(call, staff):
    assignment, user = cleared(call, staff)
    c = criteria(call)
    review.score_save(assignment=assignment, actor=user, scores={c["impact"].pk: ("3", "")})
    review.review_submit(assignment=assignment, actor=user)
    with pytest.raises(ValidationError, match="remise : elle ne se modifie plus"):
        review.score_save(assignment=assignment, actor=user, scores={c["impact"].pk: ("5", "")})
    with pytest.raises(ValidationError, match="remise : elle ne se modifie plus"):
        review.review_submit(assignment=assignment, actor=user)
    assert list(Score.objects.values_list("value", flat=True)) == [Decimal("3.00")]


def test_handing_in_needs_one_score(call, staff):
    assignment, user = cleared(call, staff)
    with pytest.raises(ValidationError, match="Notez au moins un critère"):
        review.review_submit(assignment=assignment, actor=user)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED


def test_scores_are_refused_once_the_round_is_closed(call, staff):
    assignment, user = cleared(call, staff)
    ReviewRound.objects.filter(pk=assignment.round_id).update(status=RoundStatus.CLOSED)
    assignment.refresh_from_db()
    with pytest.raises(ValidationError, match="est clos"):
        review.score_save(
            assignment=assignment, actor=user, scores={criteria(call)["impact"].pk: ("3", "")}
        )
    assert not Score.objects.exists()


def test_a_reviewer_who_lost_the_role_cannot_score(call, staff):
    assignment, user = cleared(call, staff)
    user.groups.clear()
    user._role_names_cache = None
    with pytest.raises(PermissionDenied):
        review.score_save(
            assignment=assignment, actor=user, scores={criteria(call)["impact"].pk: ("3", "")}
        )


def test_spreadsheet_safe():
    assert review.spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for text in ("+33", "-2", "@SUM", "\tx", "\rx"):
        assert review.spreadsheet_safe(text) == "'" + text
    assert review.spreadsheet_safe("Normal") == "Normal"
    assert review.spreadsheet_safe(12) == 12
    assert review.spreadsheet_safe(None) is None
