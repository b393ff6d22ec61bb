"""Reads of the calls domain shared by pages, e-mails, exports and the API."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .enums import DECISION_STATES, ApplicationStatus, AssignmentStatus, CallStatus
from .models import Call, CallApplication, Criterion, Score

# What an applicant reads of each internal state: decisions stay under embargo until the
# results are published (the applicant then sees "En cours d'évaluation").
_EMBARGOED = {
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.DELIBERATED,
    *DECISION_STATES,
}


def public_calls() -> QuerySet[Call]:
    return Call.objects.filter(status=CallStatus.PUBLISHED).order_by("-opens_at", "-pk")


def results_published(call: Call) -> bool:
    return call.results_published_at is not None


def decision_published(application: CallApplication) -> bool:
    """The application's decision may be shown to the applicant and, for a laureate, to
    the public: the call's results are published and no change since awaits publication."""
    return results_published(application.call) and not application.decision_embargoed


def applicant_status(application: CallApplication) -> tuple[str, str]:
    """(code, French label) of the status as the applicant may see it now."""
    status = ApplicationStatus(application.status)
    if status in _EMBARGOED and not (status in DECISION_STATES and decision_published(application)):
        if status in (ApplicationStatus.DELIBERATED, *DECISION_STATES) and hasattr(
            application, "audition"
        ):
            return ApplicationStatus.AUDITIONED.value, str(ApplicationStatus.AUDITIONED.label)
        return ApplicationStatus.IN_REVIEW.value, _("En cours d’évaluation")
    return status.value, str(status.label)


def laureates(call: Call) -> QuerySet[CallApplication]:
    """The published laureates of a call (none before publication)."""
    if not results_published(call):
        return CallApplication.objects.none()
    return (
        CallApplication.objects.filter(
            call=call, status=ApplicationStatus.LAUREATE, decision_embargoed=False
        )
        .select_related("organisation", "organisation__region")
        .prefetch_related("projects")
        .order_by("organisation__name", "pk")
    )


def feedback(application: CallApplication) -> list[dict[str, Any]]:
    """Per-criterion feedback of every round the application was scored in: the mean score
    and the comments, reviewers anonymous (no name, no order that would identify them). For
    the applicant, once results are published."""
    rows = (
        Score.objects.filter(
            assignment__application=application,
            assignment__status=AssignmentStatus.SUBMITTED,
        )
        .values_list("criterion_id", "value", "comment")
        .order_by("criterion_id", "comment")
    )
    values: dict[int, list[float]] = defaultdict(list)
    comments: dict[int, list[str]] = defaultdict(list)
    for criterion_id, value, comment in rows:
        values[criterion_id].append(float(value))
        if comment.strip():
            comments[criterion_id].append(comment.strip())
    criteria = (
        Criterion.objects.filter(pk__in=values)
        .select_related("grid")
        .order_by("grid__kind", "order", "pk")
    )
    return [
        {
            "round": criterion.grid.get_kind_display(),
            "label": criterion.label,
            "mean": f"{sum(values[criterion.pk]) / len(values[criterion.pk]):.1f}".replace(
                ".", ","
            ),
            "scale_min": criterion.scale_min,
            "scale_max": criterion.scale_max,
            "comments": sorted(comments[criterion.pk]),
        }
        for criterion in criteria
    ]
