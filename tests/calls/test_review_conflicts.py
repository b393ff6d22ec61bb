"""Conflicts of interest: detection from the three sources (idempotent, a fixed number of
queries), staff decisions and their effect, and the blind-mode declaration on the round's list
of applicant names."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import review
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    ConflictSource,
    ConflictStatus,
    LinkKind,
)
from frenchimpact.calls.models import Assignment, BlindDeclaration, ConflictFlag

from ..organisations.factories import MembershipFactory, PublishedOrganisationFactory
from .factories import make_application, make_call
from .test_review_services import add_juror, assigned, cleared, first_round, make_reviewer

pytestmark = pytest.mark.django_db


def _flags(**filters):
    return set(
        ConflictFlag.objects.filter(**filters).values_list(
            "application_id", "reviewer_id", "source"
        )
    )


# --- Detection ----------------------------------------------------------------------------


def test_same_organisation_is_flagged_on_joining(call, staff):
    user = make_reviewer()
    organisation = PublishedOrganisationFactory.create()
    MembershipFactory.create(organisation=organisation, user=user)
    application = make_application(call, organisation=organisation)
    make_application(call)  # unrelated
    review.jury_join(call=call, user=user, actor=staff)
    assert _flags() == {(application.pk, user.pk, ConflictSource.SAME_ORGANISATION)}
    flag = ConflictFlag.objects.get()
    assert flag.status == ConflictStatus.FLAGGED
    assert organisation.name in flag.detail


def test_declared_links_match_the_record_or_the_normalised_name(call, staff):
    by_record = make_application(call)
    by_name = make_application(
        call, organisation=PublishedOrganisationFactory.create(name="L’Écho Solidaire")
    )
    make_application(call, organisation=PublishedOrganisationFactory.create(name="Écho"))
    user = add_juror(
        call,
        staff,
        links=[
            (by_record.organisation, "Nom saisi autrement", LinkKind.FUND),
            (None, "l'echo-solidaire", LinkKind.COMPETE),
        ],
    )
    assert _flags() == {
        (by_record.pk, user.pk, ConflictSource.DECLARED_LINK),
        (by_name.pk, user.pk, ConflictSource.DECLARED_LINK),
    }
    detail = ConflictFlag.objects.get(application=by_name).detail
    assert "l'echo-solidaire" in detail and "concurrence" in detail


def test_shared_members_through_membership_or_declared_link(call, staff):
    applicant = make_application(call)
    # Someone belongs to the applicant and to the reviewer's own organisation…
    mine = PublishedOrganisationFactory.create(name="Réseau du relecteur")
    # …and someone else to the applicant and to an organisation the reviewer advises.
    advised = PublishedOrganisationFactory.create(name="Structure conseillée")
    both = make_reviewer()  # a person, any role
    MembershipFactory.create(organisation=applicant.organisation, user=both)
    MembershipFactory.create(organisation=mine, user=both)
    other_applicant = make_application(call)
    third = make_reviewer()
    MembershipFactory.create(organisation=other_applicant.organisation, user=third)
    MembershipFactory.create(organisation=advised, user=third)
    unrelated = make_application(call)
    MembershipFactory.create(organisation=unrelated.organisation, user=make_reviewer())

    user = make_reviewer()
    MembershipFactory.create(organisation=mine, user=user)
    add_juror(call, staff, user=user, links=[(advised, "Structure conseillée", LinkKind.ADVISE)])
    assert _flags(source=ConflictSource.SHARED_MEMBER) == {
        (applicant.pk, user.pk, ConflictSource.SHARED_MEMBER),
        (other_applicant.pk, user.pk, ConflictSource.SHARED_MEMBER),
    }
    assert "Réseau du relecteur" in ConflictFlag.objects.get(application=applicant).detail


def test_the_reviewer_alone_is_not_a_shared_member(call, staff):
    """A reviewer who belongs to the applicant is "same organisation", not a shared member
    with their other organisations."""
    user = make_reviewer()
    applicant = make_application(call)
    MembershipFactory.create(organisation=applicant.organisation, user=user)
    MembershipFactory.create(organisation=PublishedOrganisationFactory.create(), user=user)
    review.jury_join(call=call, user=user, actor=staff)
    assert _flags() == {(applicant.pk, user.pk, ConflictSource.SAME_ORGANISATION)}


def test_drafts_and_withdrawn_applications_are_not_checked(call, staff):
    user = make_reviewer()
    for status in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN):
        application = make_application(call, status=status)
        MembershipFactory.create(organisation=application.organisation, user=user)
    review.jury_join(call=call, user=user, actor=staff)
    assert not ConflictFlag.objects.exists()


def test_detection_is_idempotent_and_keeps_decisions(call, staff):
    user = make_reviewer()
    application = make_application(call)
    MembershipFactory.create(organisation=application.organisation, user=user)
    review.jury_join(call=call, user=user, actor=staff)
    flag = ConflictFlag.objects.get()
    review.conflict_decide(flag=flag, actor=staff, confirm=False, reason="Simple adhérent")
    assert review.detect_conflicts(call=call) == 0
    assert review.detect_conflicts(call=call, reviewer=user) == 0
    flag.refresh_from_db()
    assert flag.status == ConflictStatus.DISMISSED
    assert ConflictFlag.objects.count() == 1


def test_new_applications_are_checked_when_detection_runs_again(call, staff):
    user = add_juror(call, staff)
    organisation = PublishedOrganisationFactory.create()
    MembershipFactory.create(organisation=organisation, user=user)
    assert not ConflictFlag.objects.exists()
    application = make_application(call, organisation=organisation)
    assert review.detect_conflicts(call=call, actor=staff) == 1
    assert _flags() == {(application.pk, user.pk, ConflictSource.SAME_ORGANISATION)}
    assert AuditEntry.objects.filter(action="call.conflicts_detect").exists()


def test_bulk_assignment_detects_before_assigning(call, staff):
    user = add_juror(call, staff)
    organisation = PublishedOrganisationFactory.create()
    MembershipFactory.create(organisation=organisation, user=user)
    application = make_application(
        call, organisation=organisation, status=ApplicationStatus.ADMISSIBLE
    )
    summary = review.assign_bulk(
        round=first_round(call), reviewers=[user], applications=[application], actor=staff
    )
    assert summary.created == []
    assert [(a.pk, u.pk) for a, u in summary.skipped_conflict] == [(application.pk, user.pk)]


def test_detection_runs_a_fixed_number_of_queries(call, staff, django_assert_max_num_queries):
    jurors = []
    for index in range(3):
        organisation = PublishedOrganisationFactory.create(name=f"Réseau {index}")
        user = make_reviewer()
        MembershipFactory.create(organisation=organisation, user=user)
        jurors.append(add_juror(call, staff, user=user, links=[(None, "Solidarité", "conseil")]))
    applications = [make_application(call) for _ in range(12)]
    for index, application in enumerate(applications):
        MembershipFactory.create(organisation=application.organisation, user=jurors[index % 3])
    ConflictFlag.objects.all().delete()
    with django_assert_max_num_queries(12):
        created = review.detect_conflicts(call=call)
    assert created == 12
    # More applications, same number of queries.
    applications += [make_application(call) for _ in range(20)]
    for application in applications[12:]:
        MembershipFactory.create(organisation=application.organisation, user=jurors[0])
    with django_assert_max_num_queries(12):
        assert review.detect_conflicts(call=call) == 20


# --- Staff decisions --------------------------------------------------------------------------


def test_confirming_recuses_existing_assignments_and_blocks_future_ones(call, staff):
    assignment, user = cleared(call, staff)
    flag = ConflictFlag.objects.create(
        application=assignment.application,
        reviewer=user,
        source=ConflictSource.SHARED_MEMBER,
        detail="« Réseau » et la structure candidate ont un membre en commun",
    )
    recused = review.conflict_decide(flag=flag, actor=staff, confirm=True, reason="")
    assert recused == 1
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED
    assert assignment.recusal_reason.startswith("Conflit d’intérêts confirmé : « Réseau »")
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (ConflictStatus.CONFIRMED, staff)
    assert AuditEntry.objects.filter(action="assignment.recuse_conflict").count() == 1
    summary = review.assign_bulk(
        round=first_round(call),
        reviewers=[user],
        applications=[assignment.application],
        actor=staff,
    )
    assert summary.created == [] and summary.skipped_existing == 1


def test_confirming_recuses_even_a_submitted_review(call, staff):
    assignment, user = cleared(call, staff)
    criterion = first_round(call).grid.criteria.order_by("order")[0]
    review.score_save(assignment=assignment, actor=user, scores={criterion.pk: ("4", "")})
    review.review_submit(assignment=assignment, actor=user)
    flag = ConflictFlag.objects.create(
        application=assignment.application, reviewer=user, source=ConflictSource.DECLARED_LINK
    )
    review.conflict_decide(flag=flag, actor=staff, confirm=True, reason="Financeur du projet")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED
    assert assignment.recusal_reason == "Conflit d’intérêts confirmé : Financeur du projet"


def test_dismissing_needs_a_reason_and_then_allows_assignment(call, staff):
    user = add_juror(call, staff)
    application = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    flag = ConflictFlag.objects.create(
        application=application, reviewer=user, source=ConflictSource.SHARED_MEMBER
    )
    with pytest.raises(ValidationError, match="Indiquez pourquoi ce conflit d’intérêts est écarté"):
        review.conflict_decide(flag=flag, actor=staff, confirm=False, reason=" ")
    flag.refresh_from_db()
    assert flag.status == ConflictStatus.FLAGGED
    review.conflict_decide(flag=flag, actor=staff, confirm=False, reason="Lien ancien, terminé")
    flag.refresh_from_db()
    assert (flag.status, flag.reason) == (ConflictStatus.DISMISSED, "Lien ancien, terminé")
    summary = review.assign_bulk(
        round=first_round(call), reviewers=[user], applications=[application], actor=staff
    )
    assert len(summary.created) == 1


def test_a_decided_conflict_is_not_decided_again(call, staff):
    user = add_juror(call, staff)
    flag = ConflictFlag.objects.create(
        application=make_application(call), reviewer=user, source=ConflictSource.DECLARED_LINK
    )
    review.conflict_decide(flag=flag, actor=staff, confirm=True)
    with pytest.raises(ValidationError, match="déjà été tranché"):
        review.conflict_decide(flag=flag, actor=staff, confirm=False, reason="oups")
    flag.refresh_from_db()
    assert flag.status == ConflictStatus.CONFIRMED


def test_only_staff_decide_conflicts(call, staff):
    user = add_juror(call, staff)
    flag = ConflictFlag.objects.create(
        application=make_application(call), reviewer=user, source=ConflictSource.DECLARED_LINK
    )
    with pytest.raises(PermissionDenied):
        review.conflict_decide(flag=flag, actor=user, confirm=False, reason="Pas de conflit")
    flag.refresh_from_db()
    assert flag.status == ConflictStatus.FLAGGED


# --- Blind mode ---------------------------------------------------------------------------


@pytest.fixture
def blind(db):
    return make_call(slug="anonyme", blind_review=True)


def test_the_list_is_every_applicant_of_the_round_alphabetically(blind, staff):
    zeta = make_application(
        blind,
        organisation=PublishedOrganisationFactory.create(name="Zeta"),
        status=ApplicationStatus.ADMISSIBLE,
    )
    make_application(
        blind,
        organisation=PublishedOrganisationFactory.create(name="Échelle"),
        status=ApplicationStatus.IN_REVIEW,
    )
    make_application(
        blind,
        organisation=PublishedOrganisationFactory.create(name="alpha"),
        status=ApplicationStatus.ADMISSIBLE,
    )
    make_application(
        blind,
        organisation=PublishedOrganisationFactory.create(name="Brouillon"),
        status=ApplicationStatus.DRAFT,
    )
    user = add_juror(blind, staff)
    review.assign_bulk(round=first_round(blind), reviewers=[user], applications=[zeta], actor=staff)
    names = [name for _pk, name in review.round_applicant_names(first_round(blind))]
    # The reviewer has one file but sees the whole list, not tied to it.
    assert names == ["alpha", "Échelle", "Zeta"]


def test_blind_declaration_recuses_the_declared_and_clears_the_others(blind, staff):
    user = add_juror(blind, staff)
    apps = [
        make_application(
            blind,
            organisation=PublishedOrganisationFactory.create(name=name),
            status=ApplicationStatus.ADMISSIBLE,
        )
        for name in ("Alpha", "Beta", "Gamma")
    ]
    round_ = first_round(blind)
    review.assign_bulk(round=round_, reviewers=[user], applications=apps[:2], actor=staff)
    declaration = review.blind_declare(
        round=round_,
        reviewer=user,
        conflicting_organisations=[apps[0].organisation, apps[2].organisation],
        actor=user,
    )
    statuses = dict(Assignment.objects.values_list("application_id", "status"))
    assert statuses == {apps[0].pk: AssignmentStatus.RECUSED, apps[1].pk: AssignmentStatus.CLEARED}
    recused = Assignment.objects.get(application=apps[0])
    assert recused.recusal_reason == "Conflit déclaré sur la liste"
    assert set(declaration.conflicting.all()) == {apps[0].organisation, apps[2].organisation}
    assert _flags(source=ConflictSource.SELF_DECLARED, status=ConflictStatus.CONFIRMED) == {
        (apps[0].pk, user.pk, ConflictSource.SELF_DECLARED)
    }
    with pytest.raises(ValidationError, match="déjà fait votre déclaration pour ce tour"):
        review.blind_declare(round=round_, reviewer=user, conflicting_organisations=[], actor=user)
    assert BlindDeclaration.objects.count() == 1


def test_files_assigned_after_the_declaration_are_declared_on_the_same_list(blind, staff):
    user = add_juror(blind, staff)
    first, later = (make_application(blind, status=ApplicationStatus.ADMISSIBLE) for _ in range(2))
    round_ = first_round(blind)
    review.assign_bulk(round=round_, reviewers=[user], applications=[first], actor=staff)
    review.blind_declare(round=round_, reviewer=user, conflicting_organisations=[], actor=user)
    review.assign_bulk(round=round_, reviewers=[user], applications=[later], actor=staff)
    review.blind_declare(
        round=round_, reviewer=user, conflicting_organisations=[later.organisation], actor=user
    )
    statuses = dict(Assignment.objects.values_list("application_id", "status"))
    assert statuses == {first.pk: AssignmentStatus.CLEARED, later.pk: AssignmentStatus.RECUSED}


def test_blind_declaration_refusals(blind, call, staff):
    user = add_juror(blind, staff)
    app = make_application(blind, status=ApplicationStatus.ADMISSIBLE)
    round_ = first_round(blind)
    nobody = add_juror(blind, staff)
    with pytest.raises(PermissionDenied, match="Aucun dossier"):
        review.blind_declare(
            round=round_, reviewer=nobody, conflicting_organisations=[], actor=nobody
        )
    review.assign_bulk(round=round_, reviewers=[user], applications=[app], actor=staff)
    with pytest.raises(PermissionDenied):
        review.blind_declare(round=round_, reviewer=user, conflicting_organisations=[], actor=staff)
    outsider = PublishedOrganisationFactory.create()
    with pytest.raises(ValidationError, match="seulement des structures de la liste"):
        review.blind_declare(
            round=round_, reviewer=user, conflicting_organisations=[outsider], actor=user
        )
    open_assignment, open_user = assigned(call, staff)
    with pytest.raises(ValidationError, match="pas anonymisé"):
        review.blind_declare(
            round=open_assignment.round,
            reviewer=open_user,
            conflicting_organisations=[],
            actor=open_user,
        )
    assert not BlindDeclaration.objects.exists()
    assert Assignment.objects.get(application=app).status == AssignmentStatus.ASSIGNED


def test_blind_declaration_needs_the_links_first(blind, staff):
    user = make_reviewer()
    review.jury_join(call=blind, user=user, actor=staff)
    app = make_application(blind, status=ApplicationStatus.ADMISSIBLE)
    review.assign_bulk(round=first_round(blind), reviewers=[user], applications=[app], actor=staff)
    with pytest.raises(ValidationError, match="Déclarez d’abord vos liens"):
        review.blind_declare(
            round=first_round(blind), reviewer=user, conflicting_organisations=[], actor=user
        )
    assert not BlindDeclaration.objects.exists()


def test_a_flag_raised_since_assignment_blocks_the_open_declaration(call, staff):
    assignment, user = assigned(call, staff)
    # The reviewer joined the applicant after being assigned: detection runs again.
    MembershipFactory.create(organisation=assignment.application.organisation, user=user)
    with pytest.raises(ValidationError, match="en cours d’examen"):
        review.declare_no_conflict(assignment=assignment, actor=user)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    assert _flags() == {
        (assignment.application_id, user.pk, ConflictSource.SAME_ORGANISATION)
    }  # kept although the declaration was refused


def test_blind_files_with_a_flag_under_review_stay_closed(blind, staff, client):
    from django.urls import reverse

    user = add_juror(blind, staff)
    flagged, free = (make_application(blind, status=ApplicationStatus.ADMISSIBLE) for _ in range(2))
    round_ = first_round(blind)
    review.assign_bulk(round=round_, reviewers=[user], applications=[flagged, free], actor=staff)
    MembershipFactory.create(organisation=flagged.organisation, user=user)
    client.force_login(user)
    response = client.post(
        reverse("jury:blind_declaration", args=[round_.pk]), {"confirm": "on"}, follow=True
    )
    assert "1 dossier reste fermé" in response.content.decode()
    statuses = dict(Assignment.objects.values_list("application_id", "status"))
    assert statuses == {flagged.pk: AssignmentStatus.ASSIGNED, free.pk: AssignmentStatus.CLEARED}
    # staff confirm: the file is recused
    review.conflict_decide(
        flag=ConflictFlag.objects.get(application=flagged), actor=staff, confirm=True
    )
    assert Assignment.objects.get(application=flagged).status == AssignmentStatus.RECUSED
