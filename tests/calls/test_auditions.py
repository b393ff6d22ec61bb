"""Auditions: panels, slots, scheduling shortlisted applicants without double booking,
panel members in conflict kept off, the interview round fed by the audition grid, and the
planning pages."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import auditions, consolidation
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    ConflictSource,
    ConflictStatus,
    GridKind,
    RoundKind,
)
from frenchimpact.calls.models import Assignment, AuditionPanel, AuditionSlot, ConflictFlag

from ..accounts.utils import field_errors, page_text
from ..organisations.factories import MembershipFactory
from .factories import make_application, make_call
from .test_selection_helpers import applicant, in_state, panel, review, reviewer, slot

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
SHORTLISTED = ApplicationStatus.SHORTLISTED
SCHEDULED = ApplicationStatus.AUDITION_SCHEDULED
# 15 March 2099, 10:00 in Paris (CET, UTC+1).
MORNING = dt.datetime(2099, 3, 15, 10, 0, tzinfo=PARIS)


def _audition_round(call):
    return call.rounds.get(kind=RoundKind.AUDITION)


# --- Panels and slots ----------------------------------------------------------------------


def test_panel_members_must_be_reviewers(call, staff, stranger):
    with pytest.raises(ValidationError, match="n’a pas le rôle d’évaluateur"):
        auditions.panel_create(call=call, name="Panel A", members=[stranger], actor=staff)
    with pytest.raises(PermissionDenied):
        auditions.panel_create(call=call, name="Panel A", members=[reviewer()], actor=stranger)
    with pytest.raises(ValidationError, match="au moins un membre"):
        auditions.panel_create(call=call, name="Panel A", members=[], actor=staff)
    assert not AuditionPanel.objects.exists()
    created = auditions.panel_create(
        call=call, name="Panel A", members=[reviewer(), reviewer()], actor=staff
    )
    assert created.members.count() == 2
    assert audit_count("call_panel.create") == 1
    with pytest.raises(ValidationError, match="porte déjà ce nom"):
        auditions.panel_create(call=call, name="panel a", members=[reviewer()], actor=staff)


def audit_count(action):
    return AuditEntry.objects.filter(action=action).count()


def test_slot_times_must_be_ordered_and_not_overlap_in_a_panel(call, staff):
    audition_panel = panel(call, [reviewer()])
    with pytest.raises(ValidationError, match="La fin du créneau doit suivre son début"):
        auditions.slot_create(
            panel=audition_panel, starts_at=MORNING, ends_at=MORNING, location="Paris", actor=staff
        )
    with pytest.raises(ValidationError, match="lieu"):
        auditions.slot_create(
            panel=audition_panel,
            starts_at=MORNING,
            ends_at=MORNING + dt.timedelta(hours=1),
            location=" ",
            actor=staff,
        )
    auditions.slot_create(
        panel=audition_panel,
        starts_at=MORNING,
        ends_at=MORNING + dt.timedelta(hours=1),
        location="Bercy, salle 3",
        actor=staff,
    )
    with pytest.raises(ValidationError, match="chevauche"):
        auditions.slot_create(
            panel=audition_panel,
            starts_at=MORNING + dt.timedelta(minutes=30),
            ends_at=MORNING + dt.timedelta(minutes=90),
            location="Bercy",
            actor=staff,
        )
    # Back to back is not an overlap.
    auditions.slot_create(
        panel=audition_panel,
        starts_at=MORNING + dt.timedelta(hours=1),
        ends_at=MORNING + dt.timedelta(hours=2),
        location="Bercy",
        actor=staff,
    )
    assert AuditionSlot.objects.count() == 2


def test_a_booked_slot_cannot_be_deleted(call, staff):
    first_slot = slot(panel(call, [reviewer()]), MORNING)
    application, _member = applicant(call, SHORTLISTED)
    auditions.schedule(slot=first_slot, application=application, actor=staff)
    with pytest.raises(ValidationError, match="annulez d’abord"):
        auditions.slot_delete(slot=first_slot, actor=staff)
    free = slot(first_slot.panel, MORNING + dt.timedelta(hours=2))
    auditions.slot_delete(slot=free, actor=staff)
    assert list(AuditionSlot.objects.all()) == [first_slot]


# --- Scheduling ----------------------------------------------------------------------------


def test_schedule_moves_the_application_creates_the_interview_round_and_emails(
    call, staff, mailoutbox
):
    members = [reviewer(), reviewer()]
    booked = slot(panel(call, members), MORNING, where="Bercy, salle 3")
    application, member = applicant(call, SHORTLISTED)
    excluded = auditions.schedule(slot=booked, application=application, actor=staff)
    assert excluded == []
    assert in_state(application) == SCHEDULED
    booked.refresh_from_db()
    assert booked.application == application and booked.scheduled_at is not None
    audition_round = _audition_round(call)
    assert audition_round.number == 2 and audition_round.grid.kind == GridKind.INTERVIEW
    assignments = Assignment.objects.filter(round=audition_round, application=application)
    assert sorted(a.reviewer_id for a in assignments) == sorted(m.pk for m in members)
    assert {a.status for a in assignments} == {AssignmentStatus.CLEARED}
    [message] = mailoutbox
    assert message.to == [member.email]
    # 10:00 in Paris, whatever the server's UTC clock says.
    assert "15 mars 2099 à 10:00 (heure de Paris), jusqu’à 10:45" in message.body
    assert "Lieu : Bercy, salle 3" in message.body
    assert audit_count("call_audition.schedule") == 1
    assert audit_count("call_application.schedule_audition") == 1


def test_a_second_scheduling_reuses_the_interview_round(call, staff):
    audition_panel = panel(call, [reviewer()])
    for hour in (0, 1):
        application, _m = applicant(call, SHORTLISTED)
        auditions.schedule(
            slot=slot(audition_panel, MORNING + dt.timedelta(hours=hour)),
            application=application,
            actor=staff,
        )
    assert call.rounds.filter(kind=RoundKind.AUDITION).count() == 1


def test_only_a_shortlisted_application_is_scheduled(call, staff, mailoutbox):
    booked = slot(panel(call, [reviewer()]), MORNING)
    application, _member = applicant(call, ApplicationStatus.IN_REVIEW)
    with pytest.raises(ValidationError, match="Seule une candidature présélectionnée"):
        auditions.schedule(slot=booked, application=application, actor=staff)
    booked.refresh_from_db()
    assert booked.application is None and not mailoutbox
    with pytest.raises(PermissionDenied):
        auditions.schedule(slot=booked, application=application, actor=reviewer())


def test_no_interview_grid_no_scheduling(staff):
    call = make_call(slug="sans-grille", interview_grid=False)
    booked = slot(panel(call, [reviewer()]), MORNING)
    application, _member = applicant(call, SHORTLISTED)
    with pytest.raises(ValidationError, match="pas de grille d’audition"):
        auditions.schedule(slot=booked, application=application, actor=staff)
    assert in_state(application) == SHORTLISTED


def test_an_applicant_is_never_booked_twice(call, staff):
    audition_panel = panel(call, [reviewer()])
    first, second = slot(audition_panel, MORNING), slot(audition_panel, MORNING.replace(hour=14))
    application, _member = applicant(call, SHORTLISTED)
    auditions.schedule(slot=first, application=application, actor=staff)
    with pytest.raises(ValidationError, match="Seule une candidature présélectionnée"):
        auditions.schedule(slot=second, application=application, actor=staff)
    other, _member = applicant(call, SHORTLISTED)
    with pytest.raises(ValidationError, match="déjà réservé"):
        auditions.schedule(slot=first, application=other, actor=staff)
    assert in_state(other) == SHORTLISTED


def test_an_applicant_is_not_in_two_overlapping_auditions_across_calls(call, staff):
    application, _member = applicant(call, SHORTLISTED)
    other_call = make_call(slug="autre-appel")
    elsewhere = make_application(
        other_call, status=SHORTLISTED, organisation=application.organisation
    )
    auditions.schedule(
        slot=slot(panel(other_call, [reviewer()]), MORNING), application=elsewhere, actor=staff
    )
    overlapping = slot(panel(call, [reviewer()]), MORNING + dt.timedelta(minutes=30))
    with pytest.raises(ValidationError, match="a déjà une audition à ce moment-là"):
        auditions.schedule(slot=overlapping, application=application, actor=staff)
    assert in_state(application) == SHORTLISTED


def test_a_panel_member_is_never_in_two_overlapping_auditions(call, staff):
    shared = reviewer(first_name="Claire", last_name="Fontaine")
    first_panel = panel(call, [shared, reviewer()], "Panel A")
    second_panel = panel(call, [shared, reviewer()], "Panel B")
    one, _m = applicant(call, SHORTLISTED)
    two, _m = applicant(call, SHORTLISTED)
    auditions.schedule(slot=slot(first_panel, MORNING), application=one, actor=staff)
    clash = slot(second_panel, MORNING + dt.timedelta(minutes=15))
    with pytest.raises(ValidationError, match="Claire Fontaine est déjà en audition"):
        auditions.schedule(slot=clash, application=two, actor=staff)
    assert in_state(two) == SHORTLISTED
    # A free (unbooked) overlapping slot does not make anyone busy.
    later = slot(second_panel, MORNING + dt.timedelta(hours=3))
    auditions.schedule(slot=later, application=two, actor=staff)
    assert in_state(two) == SCHEDULED


def test_a_member_kept_off_the_other_audition_is_free(call, staff):
    shared = reviewer()
    first_panel = panel(call, [shared, reviewer()], "Panel A")
    second_panel = panel(call, [shared, reviewer()], "Panel B")
    one, _m = applicant(call, SHORTLISTED)
    MembershipFactory.create(organisation=one.organisation, user=shared)  # conflict with one
    two, _m = applicant(call, SHORTLISTED)
    assert auditions.schedule(slot=slot(first_panel, MORNING), application=one, actor=staff) == [
        shared
    ]
    # shared does not sit in one's audition, so may sit in two's at the same time.
    auditions.schedule(slot=slot(second_panel, MORNING), application=two, actor=staff)
    assert in_state(two) == SCHEDULED


@pytest.mark.parametrize("cause", ["flag", "recusal", "membership"])
def test_members_in_conflict_are_kept_off_the_audition(call, staff, cause):
    conflicted, fine = reviewer(), reviewer()
    booked = slot(panel(call, [conflicted, fine]), MORNING)
    application, _member = applicant(call, SHORTLISTED)
    if cause == "flag":
        ConflictFlag.objects.create(
            application=application,
            reviewer=conflicted,
            source=ConflictSource.DECLARED_LINK,
            status=ConflictStatus.CONFIRMED,
        )
    elif cause == "recusal":
        review(
            call.rounds.get(number=1), application, conflicted, {}, status=AssignmentStatus.RECUSED
        )
    else:
        MembershipFactory.create(organisation=application.organisation, user=conflicted)
    excluded = auditions.schedule(slot=booked, application=application, actor=staff)
    assert excluded == [conflicted]
    assert list(booked.excluded_members.all()) == [conflicted]
    reviewers = Assignment.objects.filter(round=_audition_round(call)).values_list(
        "reviewer_id", flat=True
    )
    assert list(reviewers) == [fine.pk]


def test_a_dismissed_conflict_does_not_keep_a_member_off(call, staff):
    member = reviewer()
    booked = slot(panel(call, [member]), MORNING)
    application, _m = applicant(call, SHORTLISTED)
    ConflictFlag.objects.create(
        application=application,
        reviewer=member,
        source=ConflictSource.SHARED_MEMBER,
        status=ConflictStatus.DISMISSED,
    )
    assert auditions.schedule(slot=booked, application=application, actor=staff) == []


def test_scheduling_is_refused_when_every_member_is_in_conflict(call, staff):
    only = reviewer()
    booked = slot(panel(call, [only]), MORNING)
    application, _m = applicant(call, SHORTLISTED)
    ConflictFlag.objects.create(
        application=application, reviewer=only, source=ConflictSource.SAME_ORGANISATION
    )
    with pytest.raises(ValidationError, match="Tous les membres de ce panel sont en conflit"):
        auditions.schedule(slot=booked, application=application, actor=staff)
    booked.refresh_from_db()
    assert booked.application is None and in_state(application) == SHORTLISTED
    assert not Assignment.objects.filter(application=application).exists()


def test_unschedule_needs_a_reason_frees_the_slot_and_removes_interview_scores(
    call, staff, mailoutbox
):
    member = reviewer()
    booked = slot(panel(call, [member]), MORNING)
    application, _m = applicant(call, SHORTLISTED)
    auditions.schedule(slot=booked, application=application, actor=staff)
    review(_audition_round(call), application, reviewer(), {"equipe": 3})
    with pytest.raises(ValidationError, match="Indiquez pourquoi"):
        auditions.unschedule(slot=booked, actor=staff, reason="")
    assert in_state(application) == SCHEDULED
    auditions.unschedule(slot=booked, actor=staff, reason="Le candidat est indisponible")
    booked.refresh_from_db()
    assert booked.application is None and booked.scheduled_at is None
    assert in_state(application) == SHORTLISTED
    assert not Assignment.objects.filter(round=_audition_round(call)).exists()
    assert "annulée" in mailoutbox[-1].subject
    entry = AuditEntry.objects.get(action="call_audition.unschedule")
    assert entry.reason == "Le candidat est indisponible"
    with pytest.raises(ValidationError, match="n’est pas réservé"):
        auditions.unschedule(slot=booked, actor=staff, reason="encore")


def test_record_audition_only_once_the_slot_has_started(call, staff):
    audition_panel = panel(call, [reviewer()])
    future = slot(audition_panel, MORNING)
    application, _m = applicant(call, SHORTLISTED)
    auditions.schedule(slot=future, application=application, actor=staff)
    with pytest.raises(ValidationError, match="n’a pas encore commencé"):
        auditions.record_audition(application=application, actor=staff)
    assert in_state(application) == SCHEDULED
    past = slot(audition_panel, timezone.now() - dt.timedelta(hours=2))
    other, _m = applicant(call, SHORTLISTED)
    auditions.schedule(slot=past, application=other, actor=staff)
    auditions.record_audition(application=other, actor=staff)
    assert in_state(other) == ApplicationStatus.AUDITIONED
    with pytest.raises(ValidationError, match="Auditionnée"):
        auditions.record_audition(application=other, actor=staff)
    lonely, _m = applicant(call, SHORTLISTED)
    with pytest.raises(ValidationError, match="Aucune audition"):
        auditions.record_audition(application=lonely, actor=staff)


def test_interview_scores_rank_the_auditioned_applications(call, staff):
    audition_panel = panel(call, [reviewer(), reviewer()])
    start = timezone.now() - dt.timedelta(days=1)
    apps = []
    for hour in range(3):
        application, _m = applicant(call, SHORTLISTED)
        auditions.schedule(
            slot=slot(audition_panel, start + dt.timedelta(hours=hour)),
            application=application,
            actor=staff,
        )
        apps.append(application)
    audition_round = _audition_round(call)
    values = [{"equipe": 2, "vision": 3}, {"equipe": 5, "vision": 5}, {"equipe": 4, "vision": 1}]
    for assignment in Assignment.objects.filter(round=audition_round).order_by("pk"):
        index = [a.pk for a in apps].index(assignment.application_id)
        assignment.status = AssignmentStatus.SUBMITTED
        assignment.save(update_fields=["status"])
        criteria = {c.key: c for c in audition_round.grid.criteria.all()}
        for key, value in values[index].items():
            assignment.scores.create(criterion=criteria[key], value=value)
    results = consolidation.consolidate_round(audition_round.pk)
    # Totals: (2+3)/10 → 50, (5+5)/10 → 100, (4+1)/10 → 50: file 2 first, files 1 and 3 tied.
    assert results[0].application_id == apps[1].pk and results[0].raw == pytest.approx(100.0)
    assert sorted([results[1].application_id, results[2].application_id]) == sorted(
        [apps[0].pk, apps[2].pk]
    )


# --- Pages ---------------------------------------------------------------------------------


def test_planning_pages_access(client, call, staff, stranger):
    url = reverse("calls_staff:auditions", args=[call.slug])
    assert client.get(url).status_code == 302
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    for name in ("panel_create", "slot_create", "audition_schedule"):
        assert client.post(reverse(f"calls_staff:{name}", args=[call.slug])).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert client.get(reverse("calls_staff:auditions", args=["inconnu"])).status_code == 404
    assert client.get(reverse("calls_staff:panel_create", args=[call.slug])).status_code == 405


def test_plan_an_audition_through_the_pages(client, call, staff, mailoutbox):
    members = [reviewer(first_name="Ana", last_name="Lopez"), reviewer()]
    client.force_login(staff)
    response = client.post(
        reverse("calls_staff:panel_create", args=[call.slug]),
        {"panel-name": "Panel Caisse des Dépôts", "panel-members": [m.pk for m in members]},
    )
    assert response.status_code == 302
    created = AuditionPanel.objects.get()
    response = client.post(
        reverse("calls_staff:slot_create", args=[call.slug]),
        {
            "creneau-panel": created.pk,
            "creneau-starts_at": "2099-03-15T10:00",
            "creneau-ends_at": "2099-03-15T09:00",
            "creneau-location": "Bercy",
        },
    )
    assert response.status_code == 400
    assert "La fin du créneau doit suivre son début." in page_text(response)
    assert not AuditionSlot.objects.exists()
    response = client.post(
        reverse("calls_staff:slot_create", args=[call.slug]),
        {
            "creneau-panel": created.pk,
            "creneau-starts_at": "15/03/2099 10:00",
            "creneau-ends_at": "15/03/2099 10:45",
            "creneau-location": "Bercy",
        },
    )
    assert response.status_code == 302
    booked = AuditionSlot.objects.get()
    assert booked.starts_at == MORNING  # typed in Paris time
    application, _m = applicant(call, SHORTLISTED)
    MembershipFactory.create(organisation=application.organisation, user=members[0])
    response = client.post(
        reverse("calls_staff:audition_schedule", args=[call.slug]),
        {"programmer-slot": booked.pk, "programmer-application": application.pk},
        follow=True,
    )
    text = page_text(response)
    assert "Audition programmée" in text
    assert "ne siégeront pas à cette audition : Ana Lopez" in text
    assert in_state(application) == SCHEDULED
    response = client.post(
        reverse("calls_staff:audition_schedule", args=[call.slug]),
        {"programmer-slot": booked.pk, "programmer-application": application.pk},
    )
    assert response.status_code == 400  # neither the slot nor the application is offered now
    assert len(field_errors(response)) == 2


def test_unschedule_and_record_through_the_pages(client, call, staff):
    audition_panel = panel(call, [reviewer()])
    booked = slot(audition_panel, timezone.now() - dt.timedelta(minutes=5))
    application, _m = applicant(call, SHORTLISTED)
    auditions.schedule(slot=booked, application=application, actor=staff)
    client.force_login(staff)
    url = reverse("calls_staff:audition_unschedule", args=[call.slug, booked.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Indiquez le motif." in field_errors(response)
    assert in_state(application) == SCHEDULED
    record = reverse("calls_staff:audition_record", args=[call.slug, booked.pk])
    assert client.get(record).status_code == 405
    assert client.post(record).status_code == 302
    assert in_state(application) == ApplicationStatus.AUDITIONED
    response = client.post(url, {"reason": "trop tard"})
    assert response.status_code == 400  # auditioned: cannot be unscheduled
    assert "Auditionnée" in page_text(response)
    foreign = slot(panel(make_call(slug="autre"), [reviewer()]), MORNING)
    assert (
        client.post(
            reverse("calls_staff:audition_record", args=[call.slug, foreign.pk])
        ).status_code
        == 404
    )


def test_planning_page_runs_a_fixed_number_of_queries(
    client, call, staff, django_assert_max_num_queries
):
    audition_panel = panel(call, [reviewer(), reviewer(), reviewer()])
    for hour in range(12):
        application, _m = applicant(call, SHORTLISTED)
        booked = slot(audition_panel, MORNING + dt.timedelta(hours=hour))
        if hour % 2:
            auditions.schedule(slot=booked, application=application, actor=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("calls_staff:auditions", args=[call.slug]))
    assert response.status_code == 200
    assert page_text(response).count("Audition programmée") == 6
