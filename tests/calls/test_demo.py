"""The calls step of seed_demo: the Pionniers call at its real size (decided, not published),
an older call with published results, consistent states, audit entries, idempotence."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls import consolidation, deliberation, demo, selectors
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    CallStatus,
    ConflictStatus,
    RoundKind,
    RoundStatus,
)
from frenchimpact.calls.models import (
    Assignment,
    AuditionSlot,
    Call,
    CallApplication,
    ConflictFlag,
    DeclaredLink,
    JuryMember,
    Score,
    SignOff,
    Submission,
)
from frenchimpact.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def territories(db):
    call_command("load_territories", stdout=io.StringIO())


def _counts() -> tuple[int, ...]:
    return (
        Call.objects.count(),
        CallApplication.objects.count(),
        Submission.objects.count(),
        Assignment.objects.count(),
        Score.objects.count(),
        AuditionSlot.objects.count(),
        SignOff.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
    )


def test_seed_demo_creates_the_pionniers_call_and_an_older_one(territories):
    out = io.StringIO()
    call_command("seed_demo", organisations=demo.MIN_ORGANISATIONS, projects=1500, stdout=out)
    output = out.getvalue()
    assert "Appels à projets de démonstration : 2 créé(s), 230 candidature(s)" in output

    pionniers = Call.objects.get(slug=demo.PIONNIERS.slug)
    assert pionniers.title == "Appel aux Pionniers French IMPACT"
    assert pionniers.status == CallStatus.PUBLISHED
    assert (pionniers.target_laureates_min, pionniers.target_laureates_max) == (10, 15)
    assert pionniers.closes_at.isoformat() == "2018-03-30T10:00:00+00:00"  # 12:00 in Paris
    assert {c.organisation.name for c in pionniers.copilots.all()} == {
        demo.PROGRAMME_NAME,
        "Caisse des Dépôts",
    }
    assert all(c.signatories.exists() for c in pionniers.copilots.all())
    rules = dict(pionniers.eligibility_rules.values_list("kind", "threshold"))
    assert rules == {"anciennete_min": 3, "budget_min": 500000}

    applications = CallApplication.objects.filter(call=pionniers)
    states = Counter(applications.values_list("status", flat=True))
    assert applications.count() == 200
    assert states[ApplicationStatus.LAUREATE] == 22
    assert (
        AuditionSlot.objects.filter(panel__call=pionniers, application__isnull=False).count() == 45
    )
    auditioned = {
        ApplicationStatus.LAUREATE,
        ApplicationStatus.WAITING_LIST,
    }
    assert sum(states[s] for s in auditioned) == 27
    assert states[ApplicationStatus.INADMISSIBLE] > 0 and states[ApplicationStatus.WITHDRAWN] > 0
    # Decided, not published: nothing leaks and the co-pilots have not signed yet.
    assert pionniers.results_published_at is None
    assert not selectors.laureates(pionniers).exists()
    assert not SignOff.objects.filter(call=pionniers).exists()
    problems = deliberation.publication_problems(pionniers)
    assert problems and all("n’a pas visé les décisions" in p for p in problems)

    # Consistent with the lifecycle: receipts, eligibility, scores, the ranking that made
    # the shortlist, interview scores for the 45, recusals with a reason.
    assert Submission.objects.filter(application__call=pionniers).count() == 200
    assert not applications.filter(eligible=True, status=ApplicationStatus.INADMISSIBLE).exists()
    assert applications.filter(admissibility_overridden=True, eligible=False).count() == 1
    written = pionniers.rounds.get(kind=RoundKind.WRITTEN)
    audition = pionniers.rounds.get(kind=RoundKind.AUDITION)
    assert written.status == audition.status == RoundStatus.CLOSED and written.ranking_seed
    ranking = [r for r in consolidation.consolidate_round(written.pk) if r.rank]
    top = {r.application_id for r in ranking[:45]}
    assert top == set(applications.filter(audition__isnull=False).values_list("pk", flat=True))
    assert (
        len({r.application_id for r in consolidation.consolidate_round(audition.pk) if r.reviews})
        == 45
    )
    recusals = Assignment.objects.filter(round__call=pionniers, status=AssignmentStatus.RECUSED)
    assert recusals.exists() and all(a.recusal_reason for a in recusals)
    assert (
        ConflictFlag.objects.filter(
            application__call=pionniers, status=ConflictStatus.CONFIRMED
        ).count()
        == recusals.count()
    )
    assert JuryMember.objects.filter(call=pionniers).count() == 3
    assert DeclaredLink.objects.filter(member__call=pionniers).count() == 2
    waiting = sorted(
        rank or 0
        for rank in applications.filter(status=ApplicationStatus.WAITING_LIST).values_list(
            "waiting_list_rank", flat=True
        )
    )
    assert waiting == list(range(1, len(waiting) + 1))

    # One audit entry per state each application went through.
    content_type = ContentType.objects.get_for_model(CallApplication)
    for application in applications:
        entries = AuditEntry.objects.filter(
            content_type=content_type, object_id=str(application.pk)
        )
        assert entries.filter(to_state=application.status).exists(), application
        assert entries.filter(to_state=ApplicationStatus.SUBMITTED).exists(), application

    older = Call.objects.get(slug=demo.OLDER.slug)
    assert older.results_published_at is not None
    assert selectors.laureates(older).count() == 6
    # Signed off by its co-pilot on the exact decisions, then published.
    (signoff,) = SignOff.objects.filter(call=older, voided_at__isnull=True)
    assert signoff.decisions_hash == deliberation.decisions_hash(older)
    assert all("déjà publiés" in p for p in deliberation.publication_problems(older))

    # The journey's accounts are printed: a reviewer, the signatories, a laureate's member.
    assert "Comptes pour suivre l’appel aux Pionniers French IMPACT" in output
    personas = dict(demo.personas())
    assert personas["Évaluateur du jury des Pionniers"] == "evaluateur-1@demo.frenchimpact.example"
    assert "signataire-copilote-2@demo.frenchimpact.example" in personas.values()
    (applicant,) = [who for who in personas if who.startswith("Candidat")]
    assert applicant.endswith("lauréate, non publiée)") and applicant in output
    persona = CallApplication.objects.get(
        call=pionniers, organisation__memberships__user__email=personas[applicant]
    )
    assert persona.status == ApplicationStatus.LAUREATE

    # A second run creates nothing.
    before = _counts()
    result = demo.seed_demo_calls(seed=2018, organisations=demo.MIN_ORGANISATIONS)
    assert (result.calls_created, result.applications_created) == (0, 0)
    assert _counts() == before
    assert result.personas  # still printed


def test_a_small_directory_gets_no_call_and_says_why(territories):
    out = io.StringIO()
    call_command("seed_demo", organisations=200, projects=50, stdout=out)
    assert "Appels à projets de démonstration non créés" in out.getvalue()
    assert not Call.objects.exists()
