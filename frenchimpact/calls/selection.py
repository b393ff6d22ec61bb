"""Selection after the written review: freezing a round's ranking (the seeded lottery that
breaks exact ties, recorded in the audit trail), closing the round, and shortlisting or not
selecting the files in review.

Writes are keyword-only, transactional and audited; application states move only through
``services.transition``. ``round_ranking`` is the read the consolidation page shows.

Services: ``round_freeze_ranking``, ``round_unfreeze_ranking``, ``round_close``,
``shortlist`` / ``shortlist_many``, ``not_select`` / ``not_select_many``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record

from . import consolidation
from .enums import ApplicationStatus, AssignmentStatus, RoundKind, RoundStatus
from .models import Assignment, CallApplication, ReviewRound
from .services import check_staff, require_text, transition

# --- Reads ---------------------------------------------------------------------------------


@dataclass
class RankingRow:
    """One line of a round's ranking as the staff page shows it."""

    application: CallApplication
    result: consolidation.Result
    # Before freezing, a tied group shares the rank of its best place ("à départager").
    shown_rank: int | None
    tied: bool
    pending: int = 0  # reviews assigned or cleared but not handed in
    recused: int = 0
    tied_references: list[str] = field(default_factory=list)


def round_ranking(review_round: ReviewRound) -> list[RankingRow]:
    """The round's ranking: frozen (with its recorded seed) once ``ranked_at`` is set, live
    otherwise (ties then shown as still to break). A fixed number of queries."""
    results = consolidation.consolidate_round(review_round.pk)
    applications = CallApplication.objects.select_related("organisation").in_bulk(
        [r.application_id for r in results]
    )
    pending: dict[int, int] = {}
    recused: dict[int, int] = {}
    for application_id, status in Assignment.objects.filter(round=review_round).values_list(
        "application_id", "status"
    ):
        if status in (AssignmentStatus.ASSIGNED, AssignmentStatus.CLEARED):
            pending[application_id] = pending.get(application_id, 0) + 1
        elif status == AssignmentStatus.RECUSED:
            recused[application_id] = recused.get(application_id, 0) + 1
    frozen = review_round.ranked_at is not None
    rows = []
    for result in results:
        if result.application_id not in applications:
            continue
        shown = result.rank
        if result.tied_with and not frozen and result.rank is not None:
            group_ranks = [
                r.rank for r in results if r.application_id in result.tied_with and r.rank
            ]
            shown = min([result.rank, *group_ranks])
        rows.append(
            RankingRow(
                application=applications[result.application_id],
                result=result,
                shown_rank=shown,
                tied=bool(result.tied_with),
                pending=pending.get(result.application_id, 0),
                recused=recused.get(result.application_id, 0),
                tied_references=[
                    applications[i].reference for i in result.tied_with if i in applications
                ],
            )
        )
    return rows


def tie_groups(
    results: Sequence[consolidation.Result], references: dict[int, str]
) -> list[dict[str, Any]]:
    """Exact ties of a consolidated round: for each group, the tied references (sorted) and
    the order the lottery gave them (best first)."""
    groups: list[dict[str, Any]] = []
    seen: set[int] = set()
    for result in results:
        if not result.tied_with or result.application_id in seen:
            continue
        members = [
            r for r in results if r.application_id in {result.application_id, *result.tied_with}
        ]
        members.sort(key=lambda r: r.rank or 0)
        seen.update(r.application_id for r in members)
        groups.append(
            {
                "score": round(result.raw or 0.0, 4),
                "score_normalise": round(result.normalised or 0.0, 4),
                "candidatures": sorted(references[r.application_id] for r in members),
                "ordre_tirage": [references[r.application_id] for r in members],
                "rangs": [r.rank for r in members],
            }
        )
    return groups


# --- The round's ranking -------------------------------------------------------------------


def round_freeze_ranking(*, review_round: ReviewRound, actor: Any) -> list[consolidation.Result]:
    """Staff freeze a round's ranking: a seed is drawn (``secrets``) and recorded on the
    round, exact ties are broken by the lottery it seeds, and the audit entry records the
    seed, the ranking and, for each tie, the tied references and the order drawn."""
    check_staff(actor)
    with transaction.atomic():
        fresh = ReviewRound.objects.select_related("call").get(pk=review_round.pk)
        if fresh.ranked_at is not None:
            raise ValidationError(
                _("Le classement de ce tour est déjà figé (graine %(seed)s).")
                % {"seed": fresh.ranking_seed},
                code="already_frozen",
            )
        _criteria, reviews, _ids = consolidation.load_round(fresh.pk)
        if not reviews:
            raise ValidationError(
                _("Aucune évaluation n’a été remise dans ce tour : rien à classer."),
                code="nothing_to_rank",
            )
        seed = secrets.token_hex(16)
        now = timezone.now()
        # Conditional update: of two staff members freezing at once, the second is refused.
        if (
            ReviewRound.objects.filter(pk=fresh.pk, ranked_at__isnull=True).update(
                ranking_seed=seed, ranked_at=now, updated_at=now
            )
            != 1
        ):
            raise ValidationError(
                _("Le classement vient d’être figé par quelqu’un d’autre : rechargez la page."),
                code="concurrent_change",
            )
        results = consolidation.consolidate_round(fresh.pk)
        references = dict(
            CallApplication.objects.filter(pk__in=[r.application_id for r in results]).values_list(
                "pk", "reference"
            )
        )
        ties = tie_groups(results, references)
        audit_record(
            actor=actor,
            action="call_round.freeze_ranking",
            obj=fresh,
            after={
                "graine": seed,
                "classement_sur": fresh.ranking_basis,
                "classement": [references[r.application_id] for r in results if r.rank],
                "ex_aequo": ties,
            },
            reason=_("Classement figé ; graine du tirage au sort : %(seed)s") % {"seed": seed},
        )
        review_round.ranking_seed = seed
        review_round.ranked_at = now
    return results


def round_unfreeze_ranking(*, review_round: ReviewRound, actor: Any, reason: str) -> None:
    """Staff unfreeze a ranking (explicitly, with a reason): the recorded seed is dropped
    (it stays in the audit trail) and a new freeze will draw a new one. Not once the round
    is closed."""
    check_staff(actor)
    reason = require_text(reason, _("Indiquez pourquoi le classement est rouvert."))
    with transaction.atomic():
        fresh = ReviewRound.objects.get(pk=review_round.pk)
        if fresh.status == RoundStatus.CLOSED:
            raise ValidationError(
                _("Ce tour est clos : son classement ne se modifie plus."), code="closed"
            )
        if fresh.ranked_at is None:
            raise ValidationError(_("Le classement de ce tour n’est pas figé."), code="not_frozen")
        updated = ReviewRound.objects.filter(pk=fresh.pk, ranking_seed=fresh.ranking_seed).update(
            ranking_seed="", ranked_at=None, updated_at=timezone.now()
        )
        if updated != 1:
            raise ValidationError(
                _("Le tour a changé entre-temps : rechargez la page."), code="concurrent_change"
            )
        audit_record(
            actor=actor,
            action="call_round.unfreeze_ranking",
            obj=fresh,
            before={"graine": fresh.ranking_seed, "fige_le": fresh.ranked_at},
            after={"graine": "", "fige_le": None},
            reason=reason,
        )
        review_round.ranking_seed = ""
        review_round.ranked_at = None


def round_close(*, review_round: ReviewRound, actor: Any) -> None:
    """Staff close a round whose ranking is frozen (status open → closed)."""
    check_staff(actor)
    with transaction.atomic():
        fresh = ReviewRound.objects.get(pk=review_round.pk)
        if fresh.ranked_at is None:
            raise ValidationError(
                _("Figez le classement avant de clore le tour."), code="not_frozen"
            )
        if (
            ReviewRound.objects.filter(pk=fresh.pk, status=RoundStatus.OPEN).update(
                status=RoundStatus.CLOSED, updated_at=timezone.now()
            )
            != 1
        ):
            raise ValidationError(_("Ce tour est déjà clos."), code="invalid_state")
        audit_record(
            actor=actor,
            action="call_round.close",
            obj=fresh,
            from_state=RoundStatus.OPEN,
            to_state=RoundStatus.CLOSED,
        )
        review_round.status = RoundStatus.CLOSED


# --- Shortlisting --------------------------------------------------------------------------


NOT_SELECTABLE_FROM = (
    ApplicationStatus.ADMISSIBLE,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.SHORTLISTED,
)


def _prefixed(application: CallApplication, error: ValidationError) -> ValidationError:
    return ValidationError(
        [f"{application.reference} : {message}" for message in error.messages],
        code=getattr(error, "code", None),
    )


def _applications(applications: Iterable[CallApplication]) -> list[CallApplication]:
    found = list(applications)
    if not found:
        raise ValidationError(_("Cochez au moins une candidature."), code="empty")
    return found


def _check_rankings_frozen(applications: list[CallApplication]) -> None:
    """Shortlisting or not selecting from a written round follows its frozen ranking (the
    recorded lottery settled its ties): refuse while a round of these files is still live."""
    live = (
        ReviewRound.objects.filter(
            kind=RoundKind.WRITTEN,
            ranked_at__isnull=True,
            assignments__application__in=[a.pk for a in applications],
        )
        .distinct()
        .first()
    )
    if live is not None:
        raise ValidationError(
            _(
                "Figez d’abord le classement du tour « %(round)s » (le tirage au sort départage "
                "les ex æquo)."
            )
            % {"round": live.name},
            code="ranking_not_frozen",
        )


def shortlist(*, application: CallApplication, actor: Any) -> None:
    """Staff shortlist an application in review (in review → shortlisted). Nothing is sent:
    the applicant still reads "en cours d’évaluation" until an audition is scheduled."""
    shortlist_many(applications=[application], actor=actor)


def shortlist_many(*, applications: Iterable[CallApplication], actor: Any) -> int:
    """Shortlist several applications at once, all or nothing (one refused, none moved)."""
    check_staff(actor)
    found = _applications(applications)
    with transaction.atomic():
        _check_rankings_frozen(found)
        for application in found:
            try:
                transition(
                    application=application,
                    actor=actor,
                    action="call_application.shortlist",
                    from_states=[ApplicationStatus.IN_REVIEW],
                    to_state=ApplicationStatus.SHORTLISTED,
                )
            except ValidationError as error:
                raise _prefixed(application, error) from None
    return len(found)


def not_select(*, application: CallApplication, actor: Any, reason: str) -> None:
    """Staff do not select an application (admissible, in review or shortlisted → not
    selected), with a reason. A decision under embargo: the applicant learns it when results are published."""
    not_select_many(applications=[application], actor=actor, reason=reason)


def not_select_many(*, applications: Iterable[CallApplication], actor: Any, reason: str) -> int:
    """Not select several applications at once with one reason, all or nothing."""
    check_staff(actor)
    reason = require_text(reason, _("Indiquez le motif de la non-sélection."))
    found = _applications(applications)
    now = timezone.now()
    with transaction.atomic():
        _check_rankings_frozen(found)
        for application in found:
            try:
                transition(
                    application=application,
                    actor=actor,
                    action="call_application.not_select",
                    # Admissible but never reviewed, or shortlisted but not auditioned:
                    # without these, such a file would block the publication of results.
                    from_states=NOT_SELECTABLE_FROM,
                    to_state=ApplicationStatus.NOT_SELECTED,
                    reason=reason,
                    extra={"decision_reason": reason, "decided_at": now},
                )
            except ValidationError as error:
                raise _prefixed(application, error) from None
    return len(found)
