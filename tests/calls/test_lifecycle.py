"""The lifecycle as a whole: every transition allowed from exactly its states (and by its
actor), the deadline at the exact second in Europe/Paris across time changes, simultaneous
submissions of one draft, and the embargo in the applicant's messages."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import deliberation, selection, services
from frenchimpact.calls.enums import WITHDRAWABLE_STATES, ApplicationStatus
from frenchimpact.calls.models import CallApplication, Submission

from ..organisations.factories import (
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    member_of,
)
from .factories import PDF, complete_answers, make_application, make_call

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
S = ApplicationStatus

# service → (states it acts from, the state it leads to, how to call it)
Action = Callable[[CallApplication, Any], object]
ACTIONS: dict[str, tuple[set[str], str, Action]] = {
    "confirm_admissible": (
        {S.SUBMITTED},
        S.ADMISSIBLE,
        lambda app, actor: services.application_confirm_admissibility(
            application=app, actor=actor, admissible=True
        ),
    ),
    "confirm_inadmissible": (
        {S.SUBMITTED},
        S.INADMISSIBLE,
        lambda app, actor: services.application_confirm_admissibility(
            application=app, actor=actor, admissible=False, reason="Hors champ"
        ),
    ),
    "request_completion": (
        {S.ADMISSIBLE},
        S.AWAITING_COMPLETION,
        lambda app, actor: services.application_request_completion(
            application=app,
            actor=actor,
            message="Comptes certifiés",
            deadline=timezone.now() + dt.timedelta(days=3),
        ),
    ),
    "close_incomplete": (
        {S.AWAITING_COMPLETION},
        S.INADMISSIBLE,
        lambda app, actor: services.application_close_incomplete(
            application=app, actor=actor, reason="Pas de réponse"
        ),
    ),
    "shortlist": (
        {S.IN_REVIEW},
        S.SHORTLISTED,
        lambda app, actor: selection.shortlist(application=app, actor=actor),
    ),
    "not_select": (
        {S.ADMISSIBLE, S.IN_REVIEW, S.SHORTLISTED},
        S.NOT_SELECTED,
        lambda app, actor: selection.not_select(application=app, actor=actor, reason="Motif"),
    ),
    "open_deliberation": (
        {S.AUDITIONED},
        S.DELIBERATED,
        lambda app, actor: deliberation.open_deliberation(
            call=app.call, applications=[app], actor=actor
        ),
    ),
    "decide_laureate": (
        {S.DELIBERATED},
        S.LAUREATE,
        lambda app, actor: deliberation.decide(application=app, decision=S.LAUREATE, actor=actor),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("state", [s.value for s in ApplicationStatus])
def test_each_staff_transition_from_exactly_its_states(action, state, staff):
    allowed, target, run = ACTIONS[action]
    call = make_call()
    application = make_application(call, status=state)
    CallApplication.objects.filter(pk=application.pk).update(
        correction_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    application.refresh_from_db()
    before = AuditEntry.objects.count()
    if state in allowed:
        run(application, staff)
        application.refresh_from_db()
        assert application.status == target
        assert AuditEntry.objects.filter(action__startswith="call_application.").count() > 0
    else:
        with pytest.raises(ValidationError):
            run(application, staff)
        application.refresh_from_db()
        assert application.status == state  # nothing moved, nothing audited
        assert AuditEntry.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_staff_transitions_are_refused_to_the_applicant_and_reviewers(action):
    allowed, _target, run = ACTIONS[action]
    call = make_call()
    application = make_application(call, status=sorted(allowed)[0])
    member = member_of(application.organisation)
    with pytest.raises(PermissionDenied):
        run(application, member)
    application.refresh_from_db()
    assert application.status == sorted(allowed)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("state", [s.value for s in ApplicationStatus])
def test_withdrawal_from_every_non_final_state_only(state):
    application = make_application(make_call(), status=state)
    member = member_of(application.organisation)
    if state in WITHDRAWABLE_STATES:
        services.application_withdraw(application=application, actor=member)
        application.refresh_from_db()
        assert application.status == S.WITHDRAWN
    else:
        with pytest.raises(ValidationError):
            services.application_withdraw(application=application, actor=member)
        application.refresh_from_db()
        assert application.status == state


@pytest.mark.django_db
@pytest.mark.parametrize("state", [S.LAUREATE, S.WAITING_LIST, S.NOT_SELECTED])
def test_refusals_never_name_an_embargoed_decision(state):
    application = make_application(make_call(), status=state)
    member = member_of(application.organisation)
    with pytest.raises(ValidationError) as error:
        services.application_withdraw(application=application, actor=member)
    with pytest.raises(ValidationError) as edit_error:
        services.application_save_draft(application=application, actor=member, answers={})
    for message in [*error.value.messages, *edit_error.value.messages]:
        for label in ("Lauréate", "Liste d’attente", "Non retenue", "En délibération"):
            assert label not in message


@pytest.mark.django_db
def test_close_incomplete_waits_for_the_deadline(staff):
    application = make_application(make_call(), status=S.AWAITING_COMPLETION)
    CallApplication.objects.filter(pk=application.pk).update(
        correction_deadline=timezone.now() + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="a jusqu’au"):
        services.application_close_incomplete(application=application, actor=staff, reason="x")
    application.refresh_from_db()
    assert application.status == S.AWAITING_COMPLETION


def _ready(call):
    organisation = PublishedOrganisationFactory.create(creation_date=dt.date(2010, 1, 1))
    project = PublishedProjectFactory.create(organisation=organisation)
    member = member_of(organisation)
    application = services.application_create(
        call=call, organisation=organisation, actor=member, projects=[project]
    )
    services.application_save_draft(
        application=application, actor=member, answers=complete_answers()
    )
    services.application_attach(
        application=application,
        actor=member,
        question_key="comptes",
        upload=SimpleUploadedFile("comptes.pdf", PDF, content_type="application/pdf"),
    )
    return application, member


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("closes", "utc_hour"),
    [
        (dt.datetime(2019, 1, 31, 12, 0, tzinfo=PARIS), 11),  # winter time, UTC+1
        (dt.datetime(2019, 3, 31, 12, 0, tzinfo=PARIS), 10),  # the day clocks go forward
        (dt.datetime(2019, 10, 27, 12, 0, tzinfo=PARIS), 11),  # the day clocks go back
    ],
)
def test_deadline_at_the_exact_second_across_time_changes(monkeypatch, closes, utc_hour):
    assert closes.astimezone(dt.UTC).hour == utc_hour
    call = make_call(opens_at=closes - dt.timedelta(days=90), closes_at=closes)
    clock = {"now": closes - dt.timedelta(days=2)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    early, early_member = _ready(call)
    late, late_member = _ready(call)
    clock["now"] = closes - dt.timedelta(seconds=1)
    services.application_submit(application=early, actor=early_member)
    clock["now"] = closes
    with pytest.raises(ValidationError, match=r"à 12:00 \(heure de Paris\)"):
        services.application_submit(application=late, actor=late_member)
    assert Submission.objects.filter(application=late).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_draft_write_one(settings):
    call = make_call()
    application, member = _ready(call)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        stale = CallApplication.objects.get(pk=application.pk)
        barrier.wait()
        try:
            services.application_submit(application=stale, actor=member)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[-1] == "ok"
    assert outcomes.count("ok") == 1, outcomes
    assert Submission.objects.filter(application=application).count() == 1
    assert AuditEntry.objects.filter(action="call_application.submit").count() == 1
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
