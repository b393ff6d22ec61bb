"""Helpers shared by the selection tests (consolidation, auditions, deliberation): no tests
here. Scores are written directly (the scoring services belong to the jury pages)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from frenchimpact.accounts.roles import Role
from frenchimpact.calls.enums import ApplicationStatus, AssignmentStatus, RoundKind
from frenchimpact.calls.models import (
    Assignment,
    AuditionPanel,
    AuditionSlot,
    Call,
    CallApplication,
    CallCopilot,
    ReviewRound,
    Score,
)

from ..accounts.factories import user_with_role
from ..organisations.factories import PublishedOrganisationFactory, member_of
from .factories import make_application


def reviewer(**kwargs: Any) -> Any:
    return user_with_role(Role.REVIEWER, **kwargs)


def written_round(call: Call) -> ReviewRound:
    return ReviewRound.objects.get(call=call, kind=RoundKind.WRITTEN, number=1)


def review(
    review_round: ReviewRound,
    application: CallApplication,
    user: Any,
    values: dict[str, Any],
    *,
    status: str = AssignmentStatus.SUBMITTED,
    comments: dict[str, str] | None = None,
) -> Assignment:
    """An assignment of ``user`` on ``application`` with scores by criterion key."""
    assignment = Assignment.objects.create(
        round=review_round,
        application=application,
        reviewer=user,
        status=status,
        submitted_at=timezone.now() if status == AssignmentStatus.SUBMITTED else None,
    )
    criteria = {c.key: c for c in review_round.grid.criteria.all()}
    for key, value in values.items():
        Score.objects.create(
            assignment=assignment,
            criterion=criteria[key],
            value=Decimal(str(value)),
            comment=(comments or {}).get(key, ""),
        )
    return assignment


def applicant(call: Call, status: str, *, name: str | None = None) -> tuple[CallApplication, Any]:
    """An application in ``status`` whose organisation has a member (who gets the e-mails)."""
    organisation = PublishedOrganisationFactory.create(
        **({"name": name} if name else {}), creation_date=dt.date(2010, 1, 1)
    )
    member = member_of(organisation)
    return make_application(call, status=status, organisation=organisation), member


def panel(call: Call, members: list[Any], name: str = "Panel A") -> AuditionPanel:
    created = AuditionPanel.objects.create(call=call, name=name)
    created.members.set(members)
    return created


def slot(
    audition_panel: AuditionPanel, starts_at: dt.datetime, minutes: int = 45, where: str = "Paris"
) -> AuditionSlot:
    return AuditionSlot.objects.create(
        panel=audition_panel,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        location=where,
    )


def signatories(call: Call) -> list[tuple[CallCopilot, Any]]:
    return [(c, c.signatories.get()) for c in call.copilots.order_by("order", "pk")]


def in_state(application: CallApplication) -> str:
    return CallApplication.objects.values_list("status", flat=True).get(pk=application.pk)


DELIBERATED = ApplicationStatus.DELIBERATED
