"""Calls for projects for tests.

``make_call()`` builds a published call shaped like "Pionniers French IMPACT": a form with
every kind of question (the budget is ``budget``, the accounts ``comptes``), an evaluation grid
of 3 weighted criteria and an interview grid of 2, the two eligibility rules (3 years, budget
above 500,000 €), two co-pilots with one signatory each, and round 1 (written). It is open now
(opened yesterday, closes in 30 days) unless ``opens_at``/``closes_at`` are given.

``make_application(call, status=…)`` writes an application directly in any state, with
complete answers and an uploaded accounts file (no audit entry, no e-mail): use the services to
test behaviour. ``complete_answers()`` gives valid answers for the form of ``make_call``.

These helpers write rows directly; they exist so that each part's tests start from a
realistic call without replaying the whole lifecycle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from frenchimpact.accounts.roles import Role
from frenchimpact.calls.enums import (
    ApplicationStatus,
    CallStatus,
    EligibilityRuleKind,
    GridKind,
    QuestionKind,
    RoundKind,
)
from frenchimpact.calls.models import (
    ApplicationFile,
    Call,
    CallApplication,
    CallCopilot,
    Criterion,
    EligibilityRule,
    FormVersion,
    Grid,
    Question,
    ReviewRound,
    Submission,
)
from frenchimpact.organisations.models import Organisation

from ..accounts.factories import user_with_role
from ..organisations.factories import PublishedOrganisationFactory, PublishedProjectFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "resume",
        "label": "Résumé du projet",
        "kind": QuestionKind.SHORT_TEXT,
        "max_length": 200,
        "identifying": True,
    },
    {
        "key": "impact",
        "label": "Impact social attendu",
        "kind": QuestionKind.LONG_TEXT,
        "min_length": 20,
        "max_length": 3000,
    },
    {
        "key": "beneficiaires",
        "label": "Nombre de bénéficiaires",
        "kind": QuestionKind.NUMBER,
        "min_value": Decimal(0),
    },
    {"key": "budget", "label": "Budget du dernier exercice clos", "kind": QuestionKind.MONEY},
    {
        "key": "secteur",
        "label": "Secteur",
        "kind": QuestionKind.CHOICE,
        "choices": ["Emploi", "Santé", "Éducation"],
    },
    {
        "key": "publics",
        "label": "Publics",
        "kind": QuestionKind.MULTIPLE_CHOICE,
        "choices": ["Jeunes", "Seniors", "Familles"],
        "required": False,
    },
    {
        "key": "date_essaimage",
        "label": "Date d’essaimage",
        "kind": QuestionKind.DATE,
        "required": False,
    },
    {"key": "comptes", "label": "Comptes du dernier exercice", "kind": QuestionKind.FILE},
]

CRITERIA = [
    {"key": "impact", "label": "Impact social", "weight": Decimal(3), "scale_max": 5},
    {
        "key": "changement_echelle",
        "label": "Potentiel de changement d’échelle",
        "weight": Decimal(2),
        "scale_max": 5,
    },
    {"key": "solidite", "label": "Solidité du modèle", "weight": Decimal(1), "scale_max": 10},
]
INTERVIEW_CRITERIA = [
    {"key": "equipe", "label": "Équipe", "weight": Decimal(1), "scale_max": 5},
    {"key": "vision", "label": "Vision", "weight": Decimal(1), "scale_max": 5},
]


def complete_answers() -> dict[str, Any]:
    """Valid answers to every non-file question of ``make_call``'s form."""
    return {
        "resume": "Des emplois pour les personnes éloignées de l’emploi.",
        "impact": "1 200 personnes accompagnées vers un emploi durable chaque année.",
        "beneficiaires": "1200",
        "budget": "750000",
        "secteur": "Emploi",
        "publics": ["Jeunes"],
        "date_essaimage": "2019-09-01",
    }


def make_call(
    *,
    slug: str = "pionniers",
    title: str = "Appel aux Pionniers French IMPACT",
    status: str = CallStatus.PUBLISHED,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    blind_review: bool = False,
    copilots: int = 2,
    interview_grid: bool = True,
) -> Call:
    now = timezone.now()
    call = Call.objects.create(
        slug=slug,
        title=title,
        summary="Identifier les innovations sociales prêtes à changer d’échelle.",
        description="Appel à candidatures pour les innovations sociales à fort impact.",
        opens_at=opens_at or now - dt.timedelta(days=1),
        closes_at=closes_at or now + dt.timedelta(days=30),
        status=status,
        target_laureates_min=10,
        target_laureates_max=15,
        blind_review=blind_review,
        published_at=now if status != CallStatus.DRAFT else None,
    )
    frozen = now if status != CallStatus.DRAFT else None
    form = FormVersion.objects.create(call=call, number=1, frozen_at=frozen)
    for order, spec in enumerate(QUESTIONS):
        Question.objects.create(form=form, order=order, **spec)
    grid = Grid.objects.create(call=call, kind=GridKind.EVALUATION, number=1, frozen_at=frozen)
    for order, spec in enumerate(CRITERIA):
        Criterion.objects.create(grid=grid, order=order, **spec)
    if interview_grid:
        interview = Grid.objects.create(
            call=call, kind=GridKind.INTERVIEW, number=1, frozen_at=frozen
        )
        for order, spec in enumerate(INTERVIEW_CRITERIA):
            Criterion.objects.create(grid=interview, order=order, **spec)
    EligibilityRule.objects.create(
        call=call, kind=EligibilityRuleKind.MIN_EXISTENCE_YEARS, threshold=Decimal(3)
    )
    EligibilityRule.objects.create(
        call=call,
        kind=EligibilityRuleKind.MIN_ANNUAL_BUDGET,
        threshold=Decimal(500000),
        question_key="budget",
        evidence_question_key="comptes",
    )
    names = ["Haut-commissariat à l’ESS et à l’innovation sociale", "Caisse des Dépôts"]
    for order in range(copilots):
        organisation = PublishedOrganisationFactory.create(name=names[order % 2] + f" {slug}")
        copilot = CallCopilot.objects.create(call=call, organisation=organisation, order=order)
        copilot.signatories.add(_signatory())
    if status != CallStatus.DRAFT:
        ReviewRound.objects.create(
            call=call, number=1, kind=RoundKind.WRITTEN, name="Évaluation des dossiers", grid=grid
        )
    return call


def _signatory() -> Any:
    """A programme staff member designated as a co-pilot's signatory."""
    from django.contrib.auth.models import Group

    user = user_with_role(Role.COPILOT_SIGNATORY)
    user.groups.add(Group.objects.get(name=Role.PROGRAMME_STAFF.value))
    return user


def make_application(
    call: Call,
    *,
    status: str = ApplicationStatus.SUBMITTED,
    organisation: Organisation | None = None,
    answers: dict[str, Any] | None = None,
    created: dt.date = dt.date(2010, 1, 1),
) -> CallApplication:
    """An application in ``status`` (submitted states have submission 1 and eligibility)."""
    organisation = organisation or PublishedOrganisationFactory.create(creation_date=created)
    project = PublishedProjectFactory.create(organisation=organisation)
    count = CallApplication.objects.filter(call=call).count() + 1
    application = CallApplication.objects.create(
        call=call,
        organisation=organisation,
        form=call.form_versions.order_by("-number")[0],
        reference=f"{call.slug.upper()[:12]}-T{count:04d}-{organisation.pk}",
        status=status,
        answers=answers if answers is not None else complete_answers(),
    )
    application.projects.add(project)
    accounts = ApplicationFile(
        application=application,
        question_key="comptes",
        original_name="comptes.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    accounts.file.save("comptes.pdf", ContentFile(PDF), save=False)
    accounts.save()
    application.answers = {**application.answers, "comptes": accounts.pk}
    fields = ["answers"]
    if status != ApplicationStatus.DRAFT:
        now = timezone.now()
        application.submitted_at = now
        application.eligible = True
        application.eligibility = [
            {"rule": "anciennete_min", "label": "Ancienneté", "passed": True, "message": "ok"},
            {"rule": "budget_min", "label": "Budget", "passed": True, "message": "ok"},
        ]
        fields += ["submitted_at", "eligible", "eligibility"]
        Submission.objects.create(
            application=application,
            number=1,
            answers=application.answers,
            eligibility=application.eligibility,
            receipt_code=f"{application.reference}-1-TEST",
            submitted_at=now,
        )
    application.save(update_fields=fields)
    return application
