"""Deliberation, co-pilot sign-offs, publication of the results and reopening of a final
decision.

* ``open_deliberation`` (auditioned → deliberated) and ``decide`` (deliberated → laureate |
  waiting list | not selected) record decisions that stay under embargo: the applicant sees
  nothing until ``publish_results``.
* ``sign_off``: each co-pilot's signatory signs the exact list of decisions it is shown
  (``decisions_snapshot``, identified by ``decisions_hash``); any later change to a decision
  voids every sign-off (``services.transition`` does it).
* ``publish_results`` needs a valid, matching, non-refusing sign-off from every co-pilot,
  no application left half-way and at least one laureate; then every applicant that
  submitted gets the outcome and the per-criterion feedback (reviewers anonymous).
* ``reopen_request`` / ``reopen_answer``: a final decision is reopened only when every
  co-pilot agrees; one refusal closes the request.

All writes are keyword-only, transactional and audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frenchimpact.audit.models import AuditEntry
from frenchimpact.audit.services import audit_record
from frenchimpact.organisations.services import member_emails, send_notification
from frenchimpact.permissions import is_call_signatory

from . import consolidation, selectors
from .enums import (
    DECISION_STATES,
    FINAL_STATES,
    ApplicationStatus,
    ReopenStatus,
    RoundKind,
    SignOffPosition,
)
from .models import (
    Call,
    CallApplication,
    CallCopilot,
    ReopenApproval,
    ReopenRequest,
    ReviewRound,
    SignOff,
)
from .services import check_staff, notify_applicant, paris, require_text, transition

# Between submission and a decision: publication waits until none is left there.
INTERMEDIATE_STATES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ADMISSIBLE,
    ApplicationStatus.AWAITING_COMPLETION,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.AUDITION_SCHEDULED,
    ApplicationStatus.AUDITIONED,
    ApplicationStatus.DELIBERATED,
)
DISSENT_POSITIONS = (SignOffPosition.APPROVE_WITH_DISSENT, SignOffPosition.REFUSE)


# --- Deliberation --------------------------------------------------------------------------


def open_deliberation(*, call: Call, applications: Iterable[CallApplication], actor: Any) -> int:
    """Staff bring auditioned applications to the deliberation (auditioned → deliberated),
    all or nothing."""
    check_staff(actor)
    found = list(applications)
    if not found:
        raise ValidationError(_("Cochez au moins une candidature."), code="empty")
    with transaction.atomic():
        for application in found:
            if application.call_id != call.pk:
                raise ValidationError(
                    _("%(ref)s : cette candidature relève d’un autre appel.")
                    % {"ref": application.reference},
                    code="other_call",
                )
            try:
                transition(
                    application=application,
                    actor=actor,
                    action="call_application.deliberate",
                    from_states=[ApplicationStatus.AUDITIONED],
                    to_state=ApplicationStatus.DELIBERATED,
                )
            except ValidationError as error:
                raise ValidationError(
                    [f"{application.reference} : {m}" for m in error.messages],
                    code=getattr(error, "code", None),
                ) from None
    return len(found)


def decide(
    *,
    application: CallApplication,
    decision: str,
    actor: Any,
    reason: str = "",
    waiting_list_rank: int | None = None,
) -> None:
    """Staff record the deliberation's decision (deliberated → laureate | waiting list |
    not selected). Decided, not published: the applicant sees nothing before the results
    are. A waiting-list decision needs a rank not already given; not selecting needs a
    reason (kept for the programme, not sent)."""
    check_staff(actor)
    if decision not in DECISION_STATES:
        raise ValidationError(_("Choisissez une décision."), code="invalid_decision")
    reason = (reason or "").strip()
    if decision == ApplicationStatus.NOT_SELECTED and not reason:
        raise ValidationError(_("Indiquez le motif de la non-sélection."), code="reason_required")
    if decision == ApplicationStatus.WAITING_LIST:
        if waiting_list_rank is None or waiting_list_rank < 1:
            raise ValidationError(
                _("Indiquez le rang sur la liste d’attente (1 pour la première place)."),
                code="rank_required",
            )
    else:
        waiting_list_rank = None
    with transaction.atomic():
        if waiting_list_rank is not None:
            holder = (
                CallApplication.objects.filter(
                    call_id=application.call_id,
                    status=ApplicationStatus.WAITING_LIST,
                    waiting_list_rank=waiting_list_rank,
                )
                .exclude(pk=application.pk)
                .values_list("reference", flat=True)
                .first()
            )
            if holder is not None:
                raise ValidationError(
                    _("Le rang %(rank)s de la liste d’attente est déjà donné au dossier %(ref)s.")
                    % {"rank": waiting_list_rank, "ref": holder},
                    code="rank_taken",
                )
        try:
            with transaction.atomic():
                transition(
                    application=application,
                    actor=actor,
                    action="call_application.decide",
                    from_states=[ApplicationStatus.DELIBERATED],
                    to_state=decision,
                    reason=reason,
                    extra={
                        "decision_reason": reason,
                        "waiting_list_rank": waiting_list_rank,
                        "decided_at": timezone.now(),
                    },
                )
        except IntegrityError:
            # Two decisions at once giving the same waiting-list rank: the database refuses
            # the second (constraint waiting_list_rank_once).
            raise ValidationError(
                _("Le rang %(rank)s de la liste d’attente vient d’être attribué : rechargez.")
                % {"rank": waiting_list_rank},
                code="rank_taken",
            ) from None


# --- Decisions and sign-offs ---------------------------------------------------------------


def decisions_snapshot(call: Call) -> list[dict[str, Any]]:
    """Every decision of the call, sorted by reference: what a co-pilot signs."""
    rows = (
        CallApplication.objects.filter(call=call, status__in=DECISION_STATES)
        .order_by("reference")
        .values_list("reference", "organisation__name", "status", "waiting_list_rank")
    )
    return [
        {"reference": ref, "organisation": name, "decision": status, "waiting_list_rank": rank}
        for ref, name, status, rank in rows
    ]


def snapshot_hash(snapshot: list[dict[str, Any]]) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def decisions_hash(call: Call) -> str:
    """SHA-256 of the canonical JSON of ``decisions_snapshot``."""
    return snapshot_hash(decisions_snapshot(call))


def check_signatory(actor: Any, copilot: CallCopilot) -> None:
    if not (
        is_call_signatory(actor, copilot.call)
        and copilot.signatories.filter(pk=getattr(actor, "pk", None)).exists()
    ):
        raise PermissionDenied(
            _("Seul un signataire désigné par « %(name)s » agit en son nom.")
            % {"name": copilot.organisation}
        )


def sign_off(
    *,
    call: Call,
    copilot: CallCopilot,
    actor: Any,
    position: str,
    dissent: str = "",
    expected_hash: str | None = None,
) -> SignOff:
    """A co-pilot's signatory signs the current list of decisions (stored with its hash).
    ``expected_hash`` is the hash of the list the signatory read: if the decisions changed
    since, nothing is signed. Dissent is required to approve with reservations or refuse.
    A new sign-off by the same co-pilot voids its previous one."""
    if copilot.call_id != call.pk:
        raise PermissionDenied(_("Ce co-pilote n’est pas celui de cet appel."))
    check_signatory(actor, copilot)
    if position not in SignOffPosition.values:
        raise ValidationError(_("Choisissez votre position."), code="invalid_position")
    dissent = (dissent or "").strip()
    if position in DISSENT_POSITIONS and not dissent:
        raise ValidationError(
            _("Exposez vos réserves ou votre désaccord."), code="dissent_required"
        )
    with transaction.atomic():
        snapshot = decisions_snapshot(call)
        digest = snapshot_hash(snapshot)
        if not snapshot:
            raise ValidationError(_("Aucune décision n’est à viser."), code="nothing_to_sign")
        if expected_hash is not None and expected_hash != digest:
            raise ValidationError(
                _(
                    "Les décisions ont changé depuis que vous avez ouvert la page : relisez la "
                    "liste avant de viser."
                ),
                code="stale",
            )
        now = timezone.now()
        previous = list(
            SignOff.objects.filter(copilot=copilot, voided_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        SignOff.objects.filter(pk__in=previous).update(voided_at=now)
        try:
            with transaction.atomic():
                signoff = SignOff.objects.create(
                    call=call,
                    copilot=copilot,
                    signatory=actor,
                    position=position,
                    dissent=dissent,
                    decisions=snapshot,
                    decisions_hash=digest,
                    signed_at=now,
                )
        except IntegrityError:
            raise ValidationError(
                _("Un autre visa de ce co-pilote vient d’être enregistré : rechargez la page."),
                code="concurrent_change",
            ) from None
        audit_record(
            actor=actor,
            action="call.signoff",
            obj=call,
            after={
                "visa": signoff.pk,
                "co_pilote": str(copilot.organisation),
                "position": position,
                "empreinte": digest,
                "decisions": len(snapshot),
                "visas_remplaces": previous,
            },
            reason=dissent,
        )
    return signoff


@dataclass
class CopilotSignOff:
    """Where a co-pilot stands: ``state`` is "valide" (valid and matching the current
    decisions), "perime" (valid but no longer matching), "caduc" (voided) or "manquant"."""

    copilot: CallCopilot
    signoff: SignOff | None
    state: str

    @property
    def approves(self) -> bool:
        return (
            self.state == "valide"
            and self.signoff is not None
            and self.signoff.position != SignOffPosition.REFUSE
        )

    @property
    def state_label(self) -> str:
        return {
            "valide": _("Visa valide"),
            "perime": _("Visa ne correspondant plus aux décisions"),
            "caduc": _("Visa caduc (une décision a changé depuis)"),
            "manquant": _("Pas encore de visa"),
        }[self.state]


def signoff_status(call: Call, current_hash: str | None = None) -> list[CopilotSignOff]:
    """Per co-pilot: its valid sign-off (or latest voided one) and its state. Two queries
    (three without ``current_hash``)."""
    digest = decisions_hash(call) if current_hash is None else current_hash
    copilots = list(call.copilots.select_related("organisation"))
    latest: dict[int, SignOff] = {}
    valid: dict[int, SignOff] = {}
    for signoff in (
        SignOff.objects.filter(call=call).select_related("signatory").order_by("-signed_at", "-pk")
    ):
        latest.setdefault(signoff.copilot_id, signoff)
        if signoff.voided_at is None:
            valid.setdefault(signoff.copilot_id, signoff)
    statuses = []
    for copilot in copilots:
        chosen = valid.get(copilot.pk) or latest.get(copilot.pk)
        if chosen is None:
            state = "manquant"
        elif chosen.voided_at is not None:
            state = "caduc"
        elif chosen.decisions_hash != digest:
            state = "perime"
        else:
            state = "valide"
        statuses.append(CopilotSignOff(copilot=copilot, signoff=chosen, state=state))
    return statuses


# --- Publication ---------------------------------------------------------------------------


def publication_problems(call: Call, statuses: list[CopilotSignOff] | None = None) -> list[str]:
    """What blocks the publication of the results (French; empty when it can go).
    ``statuses`` is ``signoff_status(call)`` when the caller already has it."""
    problems: list[str] = []
    if call.results_published_at is not None and not _changed_decisions(call).exists():
        problems.append(
            _("Les résultats sont déjà publiés (le %(when)s) et aucune décision n’a changé depuis.")
            % {"when": paris(call.results_published_at)}
        )
    counts: dict[str, int] = {}
    for status in CallApplication.objects.filter(
        call=call, status__in=INTERMEDIATE_STATES
    ).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    for status in INTERMEDIATE_STATES:
        if counts.get(status):
            problems.append(
                _("%(count)s candidature(s) encore « %(state)s » : décidez-les d’abord.")
                % {"count": counts[status], "state": ApplicationStatus(status).label}
            )
    if not CallApplication.objects.filter(call=call, status=ApplicationStatus.LAUREATE).exists():
        problems.append(_("Aucune candidature n’est lauréate."))
    for standing in statuses if statuses is not None else signoff_status(call):
        name = standing.copilot.organisation
        if standing.state == "manquant":
            problems.append(_("« %(name)s » n’a pas visé les décisions.") % {"name": name})
        elif standing.state == "caduc":
            problems.append(
                _("Le visa de « %(name)s » est caduc : une décision a changé depuis.")
                % {"name": name}
            )
        elif standing.state == "perime":
            problems.append(
                _("Le visa de « %(name)s » ne correspond plus aux décisions actuelles.")
                % {"name": name}
            )
        elif standing.signoff is not None and standing.signoff.position == SignOffPosition.REFUSE:
            problems.append(_("« %(name)s » refuse les décisions.") % {"name": name})
    pending = (
        ReopenRequest.objects.filter(application__call=call, status=ReopenStatus.PENDING)
        .values_list("application__reference", flat=True)
        .first()
    )
    if pending is not None:
        problems.append(
            _("Une demande de réouverture est en attente (dossier %(ref)s).") % {"ref": pending}
        )
    return problems


OUTCOMES = {
    ApplicationStatus.LAUREATE: gettext_lazy(
        "Félicitations : la candidature %(ref)s de %(name)s est lauréate de l’appel « %(call)s »."
    ),
    ApplicationStatus.WAITING_LIST: gettext_lazy(
        "La candidature %(ref)s de %(name)s est inscrite sur la liste d’attente de l’appel "
        "« %(call)s » (rang %(rank)s)."
    ),
    ApplicationStatus.NOT_SELECTED: gettext_lazy(
        "La candidature %(ref)s de %(name)s n’a pas été retenue à l’appel « %(call)s »."
    ),
    ApplicationStatus.INADMISSIBLE: _(
        "La candidature %(ref)s de %(name)s n’était pas recevable à l’appel « %(call)s »."
    ),
}


def outcome_message(application: CallApplication, call: Call) -> str:
    template = OUTCOMES.get(ApplicationStatus(application.status))
    if template is None:
        return _("La candidature %(ref)s est « %(state)s ».") % {
            "ref": application.reference,
            "state": application.get_status_display(),
        }
    return str(template) % {
        "ref": application.reference,
        "name": application.organisation.name,
        "call": call.title,
        "rank": application.waiting_list_rank,
    }


def _changed_decisions(call: Call) -> QuerySet[CallApplication]:
    """Applications whose decision changed after the results were published."""
    return CallApplication.objects.filter(call=call, decision_embargoed=True)


def publish_results(*, call: Call, actor: Any) -> int:
    """Staff publish the results (embargo lifted): refused while ``publication_problems``
    lists anything. Every applicant that submitted (not drafts, not withdrawn) gets the
    outcome and the per-criterion feedback. Two clicks publish once. Returns the number of
    applications notified.

    Once published, a decision changed through a reopening stays embargoed; calling this
    again (with fresh sign-offs of the whole list) publishes those changes and notifies only
    the applicants concerned."""
    check_staff(actor)
    with transaction.atomic():
        call = Call.objects.get(pk=call.pk)
        problems = publication_problems(call)
        if problems:
            raise ValidationError(problems, code="not_ready")
        now = timezone.now()
        if call.results_published_at is None:
            first = True
            updated = Call.objects.filter(pk=call.pk, results_published_at__isnull=True).update(
                results_published_at=now, updated_at=now
            )
            call.results_published_at = now
            notified = CallApplication.objects.filter(call=call).exclude(
                status__in=(ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)
            )
        else:
            first = False
            changed = list(_changed_decisions(call).values_list("pk", flat=True))
            updated = CallApplication.objects.filter(
                pk__in=changed, decision_embargoed=True
            ).update(decision_embargoed=False, updated_at=now)
            notified = CallApplication.objects.filter(pk__in=changed)
        if updated < 1:
            raise ValidationError(_("Les résultats sont déjà publiés."), code="already_published")
        applications = list(notified.select_related("organisation").order_by("reference"))
        for application in applications:
            feedback = (
                selectors.feedback(application)
                if application.status != ApplicationStatus.INADMISSIBLE
                else []
            )
            send_notification(
                recipients=member_emails(organisation=application.organisation),
                subject=_("Résultats de l’appel « %(call)s »") % {"call": call.title},
                template="calls/emails/results.txt",
                context={
                    "call_title": call.title,
                    "outcome": outcome_message(application, call),
                    "laureate": application.status == ApplicationStatus.LAUREATE,
                    "feedback": feedback,
                    "url": reverse("calls:application_detail", args=[application.pk]),
                    "call_url": reverse("calls:call_detail", args=[call.slug]),
                },
            )
        laureates = sum(1 for a in applications if a.status == ApplicationStatus.LAUREATE)
        audit_record(
            actor=actor,
            action="call.results_publish" if first else "call.results_publish_changes",
            obj=call,
            after={
                "resultats_publies_le": now,
                "dossiers": [a.reference for a in applications] if not first else "tous",
                "empreinte": decisions_hash(call),
                "laureats": laureates,
                "candidats_prevenus": len(applications),
            },
        )
    return len(applications)


# --- Reopening a final decision ------------------------------------------------------------


def reopen_target(application: CallApplication) -> str:
    """The state a final decision goes back to: the deliberation for its decisions, the
    review for a file not selected before audition, the submitted state for an
    inadmissible one."""
    status = application.status
    if status == ApplicationStatus.INADMISSIBLE:
        return ApplicationStatus.SUBMITTED
    if status in (ApplicationStatus.LAUREATE, ApplicationStatus.WAITING_LIST):
        return ApplicationStatus.DELIBERATED
    if status == ApplicationStatus.NOT_SELECTED:
        entry = (
            AuditEntry.objects.for_object(application)
            .filter(to_state=ApplicationStatus.NOT_SELECTED)
            .order_by("-created_at", "-pk")
            .values_list("from_state", flat=True)
            .first()
        )
        if entry in (ApplicationStatus.IN_REVIEW, ApplicationStatus.DELIBERATED):
            return entry
        return ApplicationStatus.IN_REVIEW
    raise ValidationError(
        _("Seule une décision finale se rouvre (la candidature est « %(state)s »).")
        % {"state": application.get_status_display()},
        code="not_final",
    )


def _signatory_emails(call: Call) -> list[str]:
    return list(
        CallCopilot.objects.filter(call=call, signatories__is_active=True).values_list(
            "signatories__email", flat=True
        )
    )


def reopen_request(
    *, application: CallApplication, actor: Any, reason: str, to_state: str | None = None
) -> ReopenRequest:
    """Staff ask the co-pilots to reopen a final decision (one pending request per
    application). ``to_state`` defaults to (and must equal) ``reopen_target``. The
    signatories are told by e-mail."""
    check_staff(actor)
    reason = require_text(reason, _("Indiquez pourquoi la décision doit être rouverte."))
    with transaction.atomic():
        fresh = CallApplication.objects.select_related("call").get(pk=application.pk)
        if fresh.status not in FINAL_STATES:
            raise ValidationError(
                _("Seule une décision finale se rouvre (la candidature est « %(state)s »).")
                % {"state": fresh.get_status_display()},
                code="not_final",
            )
        target = reopen_target(fresh)
        if to_state is not None and to_state != target:
            raise ValidationError(
                _("Cette décision se rouvre vers « %(state)s » seulement.")
                % {"state": ApplicationStatus(target).label},
                code="invalid_target",
            )
        try:
            with transaction.atomic():
                request = ReopenRequest.objects.create(
                    application=fresh,
                    from_state=fresh.status,
                    to_state=target,
                    reason=reason,
                    requested_by=actor,
                )
        except IntegrityError:
            raise ValidationError(
                _("Une demande de réouverture est déjà en attente pour ce dossier."),
                code="duplicate",
            ) from None
        audit_record(
            actor=actor,
            action="call_application.reopen_request",
            obj=fresh,
            after={
                "demande": request.pk,
                "de": fresh.status,
                "vers": target,
                "resultats_publies": fresh.call.results_published_at is not None,
            },
            reason=reason,
        )
        send_notification(
            recipients=_signatory_emails(fresh.call),
            subject=_("Demande de réouverture du dossier %(ref)s") % {"ref": fresh.reference},
            template="calls/emails/notification.txt",
            context={
                "message": _(
                    "L’équipe du programme demande de rouvrir la décision « %(state)s » du "
                    "dossier %(ref)s (appel « %(call)s »). Votre accord est nécessaire."
                )
                % {
                    "state": fresh.get_status_display(),
                    "ref": fresh.reference,
                    "call": fresh.call.title,
                },
                "reason": reason,
                "url": reverse("calls_staff:reopen_answer", args=[request.pk]),
            },
        )
    return request


def reopen_answer(
    *,
    request: ReopenRequest,
    copilot: CallCopilot,
    actor: Any,
    agrees: bool,
    comment: str = "",
) -> ReopenRequest:
    """A co-pilot's signatory answers a pending request. A refusal (with a comment) closes
    it as refused; once every co-pilot agreed, the application goes back to the request's
    state (audited with the request)."""
    check_signatory(actor, copilot)
    comment = (comment or "").strip()
    if not agrees and not comment:
        raise ValidationError(_("Expliquez votre désaccord."), code="comment_required")
    with transaction.atomic():
        # Row lock (PostgreSQL): two co-pilots answering at once are handled one after the
        # other, so the last agreement always sees the others and applies the reopening.
        fresh = (
            ReopenRequest.objects.select_for_update()
            .select_related("application__call")
            .get(pk=request.pk)
        )
        application = fresh.application
        if copilot.call_id != application.call_id:
            raise PermissionDenied(_("Ce co-pilote n’est pas celui de cet appel."))
        if fresh.status != ReopenStatus.PENDING:
            raise ValidationError(
                _("Cette demande est close (« %(state)s »).")
                % {"state": fresh.get_status_display()},
                code="closed",
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                ReopenApproval.objects.create(
                    request=fresh,
                    copilot=copilot,
                    signatory=actor,
                    agrees=agrees,
                    comment=comment,
                    decided_at=now,
                )
        except IntegrityError:
            raise ValidationError(
                _("« %(name)s » a déjà répondu à cette demande.") % {"name": copilot.organisation},
                code="duplicate",
            ) from None
        audit_record(
            actor=actor,
            action="call_reopen.answer",
            obj=fresh,
            after={"co_pilote": str(copilot.organisation), "accord": agrees},
            reason=comment,
        )
        if not agrees:
            _close(fresh, ReopenStatus.REFUSED, actor, now)
        else:
            copilots = set(
                CallCopilot.objects.filter(call_id=application.call_id).values_list("pk", flat=True)
            )
            agreed = set(
                ReopenApproval.objects.filter(request=fresh, agrees=True).values_list(
                    "copilot_id", flat=True
                )
            )
            if copilots <= agreed:
                _close(fresh, ReopenStatus.APPLIED, actor, now)
                transition(
                    application=application,
                    actor=actor,
                    action="call_application.reopen",
                    from_states=[fresh.from_state],
                    to_state=fresh.to_state,
                    reason=_("Réouverture n° %(pk)s acceptée par tous les co-pilotes : %(reason)s")
                    % {"pk": fresh.pk, "reason": fresh.reason},
                    extra={"decided_at": None, "waiting_list_rank": None},
                )
                if application.call.results_published_at is not None:
                    notify_applicant(
                        application=application,
                        subject=_("Votre candidature %(ref)s est réexaminée")
                        % {"ref": application.reference},
                        message=_(
                            "La décision annoncée pour la candidature %(ref)s est rouverte : "
                            "elle est réexaminée et une nouvelle décision vous sera communiquée."
                        )
                        % {"ref": application.reference},
                    )
    request.status = fresh.status
    return fresh


def _close(request: ReopenRequest, status: str, actor: Any, now: Any) -> None:
    if (
        ReopenRequest.objects.filter(pk=request.pk, status=ReopenStatus.PENDING).update(
            status=status, closed_at=now
        )
        != 1
    ):
        raise ValidationError(
            _("La demande a changé entre-temps : rechargez la page."), code="concurrent_change"
        )
    request.status = status
    request.closed_at = now
    audit_record(
        actor=actor,
        action="call_reopen.close",
        obj=request,
        from_state=ReopenStatus.PENDING,
        to_state=status,
    )


# --- Reads for the pages -------------------------------------------------------------------


@dataclass
class ScoreLine:
    round: ReviewRound
    result: consolidation.Result


def round_results(call: Call, kind: str) -> dict[int, ScoreLine]:
    """{application id: its consolidated result in the latest round of ``kind`` that scored
    it} (frozen seed when the round's ranking is frozen)."""
    lines: dict[int, ScoreLine] = {}
    for review_round in ReviewRound.objects.filter(call=call, kind=kind).order_by("number"):
        for result in consolidation.consolidate_round(review_round.pk):
            if result.reviews:
                lines[result.application_id] = ScoreLine(review_round, result)
    return lines


def written_and_interview(call: Call) -> tuple[dict[int, ScoreLine], dict[int, ScoreLine]]:
    return round_results(call, RoundKind.WRITTEN), round_results(call, RoundKind.AUDITION)
