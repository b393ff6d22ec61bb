"""Review rounds: the jury, conflicts of interest, assignments and scores.

Journey: staff add a reviewer to a call's jury (``jury_join``); the reviewer declares their
links with organisations (``jury_join`` again, by themselves); the platform flags possible
conflicts with the applicants (``detect_conflicts``: same organisation, declared links, shared
members) and staff confirm or dismiss them (``conflict_decide``). Staff assign reviewers in
bulk (``assign_bulk``), skipping flagged or confirmed conflicts. Then, per call:

* open mode: for each file the reviewer sees only the organisation's name and project titles,
  and declares no conflict (``declare_no_conflict``) or recuses themselves (``recuse``) before
  seeing the answers;
* blind mode: the reviewer declares once per round against the alphabetical list of the
  round's applicant names, a list not tied to the files (``blind_declare``), then sees
  anonymised files (code instead of reference, identifying questions hidden, no attached
  file). The audition round is not anonymised: its assignments are created cleared when the
  audition is scheduled (``auditions.schedule``), and the panel member sees the applicant.

Cleared reviewers score each criterion of the round's grid (``score_save``, drafts allowed)
and hand in the review (``review_submit``), until staff freeze the round's ranking and as long
as the application is neither withdrawn nor inadmissible. A reviewer never sees another
reviewer's scores.

Every write is keyword-only, runs in a transaction and is audited; bad input raises a French
ValidationError and writes nothing, a forbidden actor raises PermissionDenied. The reads used
by the pages (lists, workload, anonymised file) sit at the end of the module.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record, audited_transition
from frenchimpact.core.spreadsheets import spreadsheet_safe
from frenchimpact.organisations.models import Membership, Organisation
from frenchimpact.permissions import can_manage_calls, can_review, can_review_assignment

from .enums import (
    ApplicationStatus,
    AssignmentStatus,
    CallStatus,
    ConflictSource,
    ConflictStatus,
    LinkKind,
    QuestionKind,
    RoundKind,
    RoundStatus,
)
from .models import (
    ApplicationFile,
    Assignment,
    AuditionSlot,
    BlindDeclaration,
    Call,
    CallApplication,
    ConflictFlag,
    Criterion,
    DeclaredLink,
    JuryMember,
    ReviewRound,
    Score,
    Submission,
)
from .services import check_staff, paris, require_text, transition

# Applications checked for conflicts: every submitted one still in the running.
_NOT_CHECKED = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.INADMISSIBLE,
)
# Which applications a written round takes: the first round starts admissible files (moved to
# "in review"); a later written round takes files already further along.
FIRST_ROUND_STATES = (ApplicationStatus.ADMISSIBLE, ApplicationStatus.IN_REVIEW)
LATER_ROUND_STATES = (
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.AUDITION_SCHEDULED,
    ApplicationStatus.AUDITIONED,
    ApplicationStatus.DELIBERATED,
)
# Applications no longer evaluated: nobody declares on them nor scores them.
CLOSED_APPLICATION_STATES = (ApplicationStatus.WITHDRAWN, ApplicationStatus.INADMISSIBLE)
# Conflicts that keep a reviewer off a file (a dismissed flag does not).
BLOCKING_CONFLICTS = (ConflictStatus.FLAGGED, ConflictStatus.CONFIRMED)
ACTIVE_ASSIGNMENTS = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.CLEARED,
    AssignmentStatus.SUBMITTED,
)
MAX_PER_APPLICATION = 20
COMMENT_MAX_LENGTH = 4000
_TWO_PLACES = Decimal("0.01")


# --- Small helpers -------------------------------------------------------------------------


def normalise_name(value: str) -> str:
    """An organisation name compared loosely: lower-case ASCII words, punctuation dropped
    ("L’Écho-Solidaire" and "l'echo solidaire" are the same)."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", " ", ascii_only.casefold()).strip()


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.email)


def _check_open_round(round_: ReviewRound) -> None:
    if round_.status != RoundStatus.OPEN:
        raise ValidationError(
            _("Le tour « %(name)s » est clos.") % {"name": round_.name}, code="round_closed"
        )


def _check_ranking_open(round_: ReviewRound) -> None:
    """Once staff froze a round's ranking (``ranked_at``), its evaluations stay as ranked."""
    if round_.ranked_at is not None:
        raise ValidationError(
            _("Le classement de ce tour est figé : les évaluations ne peuvent plus changer."),
            code="ranking_frozen",
        )


def _check_application_live(application: CallApplication) -> None:
    if application.status in CLOSED_APPLICATION_STATES:
        raise ValidationError(
            _("Cette candidature est « %(state)s » : elle n’est plus évaluée.")
            % {"state": application.get_status_display()},
            code="application_closed",
        )


def scoring_lock(assignment: Assignment) -> str:
    """Why a cleared assignment can no longer be scored (the round's ranking is frozen, the
    application withdrawn or inadmissible), in French; empty when it can."""
    try:
        _check_ranking_open(assignment.round)
        _check_application_live(assignment.application)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _check_own(actor: Any, assignment: Assignment) -> None:
    if not can_review_assignment(actor, assignment):
        raise PermissionDenied(_("Seul l’évaluateur affecté à ce dossier peut agir sur lui."))


def _fresh_assignment(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_related(
        "round", "round__call", "round__grid", "application", "application__organisation"
    ).get(pk=assignment.pk)


def links_declared(call: Call, user: Any) -> bool:
    """Whether the jury member declared their links for this call (even "no link")."""
    return JuryMember.objects.filter(
        call_id=call.pk, user_id=user.pk, links_declared_at__isnull=False
    ).exists()


def _check_links_declared(call: Call, user: Any) -> None:
    if not links_declared(call, user):
        raise ValidationError(
            _(
                "Déclarez d’abord vos liens avec des structures pour le jury de l’appel "
                "« %(call)s »."
            )
            % {"call": call.title},
            code="links_not_declared",
        )


def _move_assignment(
    *,
    assignment: Assignment,
    actor: Any,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """An audited conditional change of an assignment's status (call inside a transaction)."""
    return audited_transition(
        obj=assignment,
        actor=actor,
        action=action,
        from_states=from_states,
        to_state=to_state,
        states=AssignmentStatus,
        invalid_message=_("Cette action n’est pas possible : l’affectation est « %(state)s »."),
        concurrent_message=_("L’affectation a changé entre-temps : rechargez la page."),
        reason=reason,
        extra=extra,
    )


# --- The jury and the declared links ----------------------------------------------------------


LinkSpec = tuple[Organisation | None, str, str]


def _clean_links(links: Iterable[LinkSpec]) -> list[LinkSpec]:
    cleaned: list[LinkSpec] = []
    seen: set[tuple[str, str]] = set()
    for organisation, name, kind in links:
        name = (name or "").strip() or (organisation.name if organisation else "")
        if not name:
            raise ValidationError(
                _("Indiquez le nom de chaque structure déclarée."), code="link_name"
            )
        if kind not in LinkKind.values:
            raise ValidationError(
                _("Choisissez la nature du lien avec « %(name)s ».") % {"name": name},
                code="link_kind",
            )
        key = (normalise_name(name), kind)
        if key in seen:
            continue
        seen.add(key)
        cleaned.append((organisation, name[:255], kind))
    return cleaned


def jury_join(
    *,
    call: Call,
    user: Any,
    actor: Any,
    links: Iterable[LinkSpec] | None = None,
) -> JuryMember:
    """Put a reviewer on a call's jury, or record the links they declare.

    Programme staff add a user holding the reviewer role (``links`` None); a jury member
    declares their links themselves (``links``: (directory organisation or None, name as
    typed, LinkKind) — an empty list means "no link", a valid declaration). Declaring again
    replaces the links (flags already raised stay). Possible conflicts with the applicants
    are then flagged (``detect_conflicts``)."""
    is_staff = can_manage_calls(actor)
    is_self = getattr(actor, "pk", None) is not None and actor.pk == user.pk
    if not (is_staff or is_self):
        raise PermissionDenied(_("Seule l’équipe du programme compose le jury."))
    if call.status == CallStatus.ARCHIVED:
        raise ValidationError(_("Cet appel est archivé."), code="call_archived")
    if not can_review(user):
        raise ValidationError(
            _(
                "%(name)s n’a pas le rôle d’évaluateur : un administrateur doit le lui "
                "attribuer avant l’ajout au jury."
            )
            % {"name": _person(user)},
            code="not_a_reviewer",
        )
    cleaned = _clean_links(links) if links is not None else None
    with transaction.atomic():
        member = JuryMember.objects.filter(call=call, user=user).first()
        if member is None:
            if not is_staff:
                raise PermissionDenied(_("Vous ne faites pas partie du jury de cet appel."))
            try:
                with transaction.atomic():
                    member = JuryMember.objects.create(call=call, user=user)
            except IntegrityError:
                raise ValidationError(
                    _("Cette personne fait déjà partie du jury."), code="duplicate"
                ) from None
            audit_record(
                actor=actor,
                action="call.jury_add",
                obj=call,
                after={"evaluateur": user.pk},
            )
        elif cleaned is None:
            raise ValidationError(_("Cette personne fait déjà partie du jury."), code="duplicate")
        if cleaned is not None:
            before = [
                f"{link.organisation_name} ({link.kind})" for link in member.links.order_by("pk")
            ]
            member.links.all().delete()
            DeclaredLink.objects.bulk_create(
                DeclaredLink(
                    member=member, organisation=organisation, organisation_name=name, kind=kind
                )
                for organisation, name, kind in cleaned
            )
            member.links_declared_at = timezone.now()
            member.save(update_fields=["links_declared_at"])
            audit_record(
                actor=actor,
                action="call.jury_links",
                obj=call,
                before={"evaluateur": user.pk, "liens": before},
                after={
                    "evaluateur": user.pk,
                    "liens": [f"{name} ({kind})" for _org, name, kind in cleaned],
                },
            )
        detect_conflicts(call=call, reviewer=user, actor=actor)
    return member


# --- Conflict detection and decisions ---------------------------------------------------------


def detect_conflicts(*, call: Call, reviewer: Any = None, actor: Any = None) -> int:
    """Flag possible conflicts between the jury (or one ``reviewer``) and the call's
    submitted applications; returns how many new flags were raised.

    Three sources: the reviewer is a member of the applicant organisation; the reviewer
    declared a link with it (same directory record, or the same name once normalised); an
    organisation the reviewer belongs to or declared shares a member with it. Idempotent (an
    existing flag, whatever its status, is left alone) and set-based: a fixed number of
    queries whatever the number of applications and reviewers."""
    members = JuryMember.objects.filter(call=call)
    if reviewer is not None:
        members = members.filter(user=reviewer)
    reviewer_ids = list(members.values_list("user_id", flat=True))
    if not reviewer_ids:
        return 0
    applications = CallApplication.objects.filter(call=call).exclude(status__in=_NOT_CHECKED)
    app_by_org: dict[int, int] = {}
    apps_by_name: dict[str, list[int]] = defaultdict(list)
    for app_id, org_id, org_name in applications.values_list(
        "pk", "organisation_id", "organisation__name"
    ):
        app_by_org[org_id] = app_id
        apps_by_name[normalise_name(org_name)].append(app_id)
    if not app_by_org:
        return 0

    found: dict[tuple[int, int, str], str] = {}  # (application, reviewer, source) → detail

    def flag(app_id: int, user_id: int, source: str, detail: str) -> None:
        found.setdefault((app_id, user_id, source), detail[:500])

    # The organisations each reviewer belongs to (same organisation, and the start of the
    # shared-member search).
    reviewer_orgs: dict[int, dict[int, str]] = defaultdict(dict)
    for user_id, org_id, org_name in Membership.objects.filter(
        user_id__in=reviewer_ids
    ).values_list("user_id", "organisation_id", "organisation__name"):
        reviewer_orgs[user_id][org_id] = org_name
        if org_id in app_by_org:
            flag(
                app_by_org[org_id],
                user_id,
                ConflictSource.SAME_ORGANISATION,
                _("Membre de « %(name)s »") % {"name": org_name},
            )
    # Declared links: the same directory record, or the same name.
    for user_id, org_id, typed_name, kind in DeclaredLink.objects.filter(
        member__call=call, member__user_id__in=reviewer_ids
    ).values_list("member__user_id", "organisation_id", "organisation_name", "kind"):
        detail = _("Lien déclaré : « %(name)s » — %(kind)s") % {
            "name": typed_name,
            "kind": LinkKind(kind).label,
        }
        matches = set(apps_by_name.get(normalise_name(typed_name), []))
        if org_id is not None:
            reviewer_orgs[user_id].setdefault(org_id, typed_name)
            if org_id in app_by_org:
                matches.add(app_by_org[org_id])
        for app_id in matches:
            flag(app_id, user_id, ConflictSource.DECLARED_LINK, detail)
    # Shared members: someone (other than the reviewer) belongs both to one of the reviewer's
    # organisations and to the applicant.
    all_reviewer_orgs = {org_id for orgs in reviewer_orgs.values() for org_id in orgs}
    if all_reviewer_orgs:
        shared = (
            Membership.objects.filter(
                organisation_id__in=applications.values("organisation_id"),
                user__memberships__organisation_id__in=all_reviewer_orgs,
            )
            .values_list("organisation_id", "user_id", "user__memberships__organisation_id")
            .distinct()
        )
        # other organisation → applicant organisation → the members they share
        commons: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        for applicant_org, common_user, other_org in shared:
            if applicant_org != other_org:
                commons[other_org][applicant_org].add(common_user)
        for user_id, orgs in reviewer_orgs.items():
            for other_org, other_name in orgs.items():
                for applicant_org, people in commons.get(other_org, {}).items():
                    if people - {user_id}:
                        flag(
                            app_by_org[applicant_org],
                            user_id,
                            ConflictSource.SHARED_MEMBER,
                            _("« %(name)s » et la structure candidate ont un membre en commun")
                            % {"name": other_name},
                        )
    if not found:
        return 0
    existing = set(
        ConflictFlag.objects.filter(
            application__call=call, reviewer_id__in=reviewer_ids
        ).values_list("application_id", "reviewer_id", "source")
    )
    new = [
        ConflictFlag(application_id=app_id, reviewer_id=user_id, source=source, detail=detail)
        for (app_id, user_id, source), detail in found.items()
        if (app_id, user_id, source) not in existing
    ]
    if not new:
        return 0
    with transaction.atomic():
        ConflictFlag.objects.bulk_create(new, ignore_conflicts=True)
        audit_record(
            actor=actor,
            action="call.conflicts_detect",
            obj=call,
            after={"signalements": len(new)},
        )
    return len(new)


def _recuse_pair(
    *, application_id: int, reviewer_id: int, actor: Any, reason: str, action: str
) -> int:
    """Recuse every live assignment of a reviewer on an application (every round)."""
    moved = 0
    for assignment in Assignment.objects.filter(
        application_id=application_id, reviewer_id=reviewer_id, status__in=ACTIVE_ASSIGNMENTS
    ):
        _move_assignment(
            assignment=assignment,
            actor=actor,
            action=action,
            from_states=ACTIVE_ASSIGNMENTS,
            to_state=AssignmentStatus.RECUSED,
            reason=reason,
            extra={"recusal_reason": reason},
        )
        moved += 1
    return moved


def conflict_decide(*, flag: ConflictFlag, actor: Any, confirm: bool, reason: str = "") -> int:
    """Staff confirm or dismiss a flagged conflict (a reason is required to dismiss).
    Confirming recuses the reviewer's assignments on that application and keeps them off it
    from then on; returns how many assignments were recused."""
    check_staff(actor)
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError(
            _("Indiquez pourquoi ce conflit d’intérêts est écarté."), code="reason_required"
        )
    to_state = ConflictStatus.CONFIRMED if confirm else ConflictStatus.DISMISSED
    now = timezone.now()
    with transaction.atomic():
        updated = ConflictFlag.objects.filter(pk=flag.pk, status=ConflictStatus.FLAGGED).update(
            status=to_state, decided_by=actor, decided_at=now, reason=reason, updated_at=now
        )
        if updated != 1:
            raise ValidationError(
                _("Ce conflit d’intérêts a déjà été tranché : rechargez la page."),
                code="already_decided",
            )
        fresh = ConflictFlag.objects.select_related("application").get(pk=flag.pk)
        audit_record(
            actor=actor,
            action="call.conflict_decide",
            obj=fresh.application,
            from_state=ConflictStatus.FLAGGED,
            to_state=to_state,
            reason=reason,
            after={"evaluateur": fresh.reviewer_id, "origine": fresh.source},
        )
        recused = 0
        if confirm:
            recused = _recuse_pair(
                application_id=fresh.application_id,
                reviewer_id=fresh.reviewer_id,
                actor=actor,
                reason=_("Conflit d’intérêts confirmé : %(detail)s")
                % {"detail": reason or fresh.detail or fresh.get_source_display()},
                action="assignment.recuse_conflict",
            )
    flag.status, flag.reason, flag.decided_at = to_state, reason, now
    return recused


# --- Bulk assignment ---------------------------------------------------------------------------


@dataclass
class AssignmentSummary:
    """What ``assign_bulk`` did."""

    created: list[Assignment] = field(default_factory=list)
    # (application, reviewer) pairs left out for a flagged or confirmed conflict.
    skipped_conflict: list[tuple[CallApplication, Any]] = field(default_factory=list)
    skipped_existing: int = 0
    # N-per-application mode: applications still short of reviewers (application, missing).
    short: list[tuple[CallApplication, int]] = field(default_factory=list)
    started_review: int = 0


def round_states(round_: ReviewRound) -> tuple[str, ...]:
    """The application states a written round may take files from."""
    return FIRST_ROUND_STATES if round_.number == 1 else LATER_ROUND_STATES


def assign_bulk(
    *,
    round: ReviewRound,
    reviewers: Sequence[Any],
    applications: Sequence[CallApplication],
    actor: Any,
    per_application: int | None = None,
) -> AssignmentSummary:
    """Staff assign jury members to applications of a written round.

    Without ``per_application``: every selected reviewer on every selected application.
    With it: each application gets reviewers from the selection until it has
    ``per_application`` live assignments in the round, the least loaded reviewers first.
    Pairs with a flagged or confirmed conflict are skipped (and reported), existing pairs
    too. Admissible applications move to "in review". Auditions are scheduled elsewhere."""
    check_staff(actor)
    round_ = ReviewRound.objects.select_related("call").get(pk=round.pk)
    call = round_.call
    _check_open_round(round_)
    _check_ranking_open(round_)
    if round_.kind != RoundKind.WRITTEN:
        raise ValidationError(
            _("Les affectations d’un tour d’auditions se font en programmant les auditions."),
            code="audition_round",
        )
    if per_application is not None and not 1 <= per_application <= MAX_PER_APPLICATION:
        raise ValidationError(
            _("Le nombre d’évaluateurs par candidature doit être compris entre 1 et %(max)s.")
            % {"max": MAX_PER_APPLICATION},
            code="per_application",
        )
    reviewer_list = list({user.pk: user for user in reviewers}.values())
    application_ids = list(dict.fromkeys(app.pk for app in applications))
    if not reviewer_list:
        raise ValidationError(_("Choisissez au moins un évaluateur."), code="no_reviewer")
    if not application_ids:
        raise ValidationError(_("Choisissez au moins une candidature."), code="no_application")
    jury_ids = set(
        JuryMember.objects.filter(call=call, user_id__in=[u.pk for u in reviewer_list]).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [u for u in reviewer_list if u.pk not in jury_ids or not can_review(u)]
    if outsiders:
        raise ValidationError(
            _("Ne fait pas partie du jury de cet appel ou n’est pas évaluateur : %(names)s.")
            % {"names": ", ".join(sorted(_person(u) for u in outsiders))},
            code="not_in_jury",
        )
    with transaction.atomic():
        apps = list(
            CallApplication.objects.filter(pk__in=application_ids)
            .select_related("organisation")
            .order_by("reference")
        )
        foreign = [a for a in apps if a.call_id != call.pk]
        allowed = round_states(round_)
        wrong = [a for a in apps if a.status not in allowed]
        if foreign or len(apps) != len(application_ids):
            raise ValidationError(
                _("Une candidature choisie n’appartient pas à cet appel."), code="foreign"
            )
        if wrong:
            raise ValidationError(
                _("Ces candidatures ne peuvent pas être évaluées dans ce tour : %(list)s.")
                % {
                    "list": ", ".join(
                        f"{a.reference} ({a.get_status_display()})" for a in wrong[:20]
                    )
                },
                code="invalid_state",
            )
        detect_conflicts(call=call, actor=actor)
        blocked = set(
            ConflictFlag.objects.filter(
                application_id__in=application_ids,
                reviewer_id__in=[u.pk for u in reviewer_list],
                status__in=BLOCKING_CONFLICTS,
            ).values_list("application_id", "reviewer_id")
        )
        existing_rows = list(
            Assignment.objects.filter(round=round_, application_id__in=application_ids).values_list(
                "application_id", "reviewer_id", "status"
            )
        )
        existing = {(app_id, user_id) for app_id, user_id, _status in existing_rows}
        live_count: dict[int, int] = defaultdict(int)
        for app_id, _user_id, status in existing_rows:
            if status != AssignmentStatus.RECUSED:
                live_count[app_id] += 1
        load: dict[int, int] = defaultdict(int)
        for user_id, count in (
            Assignment.objects.filter(round=round_, status__in=ACTIVE_ASSIGNMENTS)
            .values("reviewer_id")
            .annotate(n=Count("pk"))
            .values_list("reviewer_id", "n")
        ):
            load[user_id] = count

        summary = AssignmentSummary()
        pairs: list[tuple[CallApplication, Any]] = []
        for application in apps:
            if per_application is None:
                candidates = reviewer_list
                need = len(reviewer_list)
            else:
                need = per_application - live_count[application.pk]
                # The least loaded first; a stable order (name, then id) among equals.
                candidates = sorted(
                    reviewer_list, key=lambda u: (load[u.pk], _person(u).casefold(), u.pk)
                )
            taken = 0
            for user in candidates:
                if taken >= need:
                    break
                if (application.pk, user.pk) in existing:
                    if per_application is None:
                        summary.skipped_existing += 1
                    continue
                if (application.pk, user.pk) in blocked:
                    summary.skipped_conflict.append((application, user))
                    continue
                pairs.append((application, user))
                load[user.pk] += 1
                taken += 1
            if per_application is not None and taken < need:
                summary.short.append((application, need - taken))
        try:
            # A savepoint: the error leaves the caller's transaction usable (PostgreSQL),
            # and raising below rolls the whole bulk back (nothing half-written).
            with transaction.atomic():
                summary.created = Assignment.objects.bulk_create(
                    [
                        Assignment(round=round_, application=app, reviewer=user, assigned_by=actor)
                        for app, user in pairs
                    ]
                )
        except IntegrityError:
            # Someone assigned the same pair at the same time (assignment_once).
            raise ValidationError(
                _(
                    "Des affectations de ces candidatures viennent d’être enregistrées en même "
                    "temps par quelqu’un d’autre : rien n’a été affecté. Rechargez la page et "
                    "recommencez."
                ),
                code="concurrent_change",
            ) from None
        assigned_apps = {a.pk for a, _u in pairs} | {a for a, c in live_count.items() if c}
        for application in apps:
            if application.status == ApplicationStatus.ADMISSIBLE and (
                application.pk in assigned_apps
            ):
                transition(
                    application=application,
                    actor=actor,
                    action="call_application.start_review",
                    from_states=[ApplicationStatus.ADMISSIBLE],
                    to_state=ApplicationStatus.IN_REVIEW,
                    extra={},
                )
                summary.started_review += 1
        audit_record(
            actor=actor,
            action="review_round.assign",
            obj=round_,
            after={
                "affectations": len(pairs),
                "conflits_ecartes": len(summary.skipped_conflict),
                "deja_affectees": summary.skipped_existing,
                "par_candidature": per_application,
            },
        )
    return summary


# --- Reviewer declarations: open mode ----------------------------------------------------------


def _check_no_pending_flag(assignment: Assignment) -> None:
    flag = ConflictFlag.objects.filter(
        application_id=assignment.application_id,
        reviewer_id=assignment.reviewer_id,
        status__in=BLOCKING_CONFLICTS,
    ).first()
    if flag is not None:
        raise ValidationError(
            _(
                "Un conflit d’intérêts possible avec ce dossier est en cours d’examen par "
                "l’équipe du programme : vous ne pouvez pas encore le consulter."
            )
            if flag.status == ConflictStatus.FLAGGED
            else _("Un conflit d’intérêts avec ce dossier a été confirmé."),
            code="conflict",
        )


def declare_no_conflict(*, assignment: Assignment, actor: Any) -> None:
    """Open mode: the reviewer declares no conflict with the application, which opens the
    file to them for scoring."""
    _check_own(actor, assignment)
    # Flags raised since the last detection (new members, new links) are committed even when
    # the declaration is then refused.
    detect_conflicts(call=assignment.round.call, reviewer=actor, actor=actor)
    with transaction.atomic():
        fresh = _fresh_assignment(assignment)
        call = fresh.round.call
        if call.blind_review:
            raise ValidationError(
                _(
                    "Cet appel est évalué de façon anonymisée : déclarez-vous sur la liste des "
                    "candidats du tour."
                ),
                code="blind_call",
            )
        _check_open_round(fresh.round)
        _check_application_live(fresh.application)
        _check_links_declared(call, actor)
        if fresh.status != AssignmentStatus.ASSIGNED:
            raise ValidationError(
                _("Vous avez déjà fait votre déclaration pour ce dossier (« %(state)s »).")
                % {"state": fresh.get_status_display()},
                code="already_declared",
            )
        _check_no_pending_flag(fresh)
        _move_assignment(
            assignment=fresh,
            actor=actor,
            action="assignment.declare_no_conflict",
            from_states=[AssignmentStatus.ASSIGNED],
            to_state=AssignmentStatus.CLEARED,
            extra={"declared_at": timezone.now()},
        )
    assignment.status = AssignmentStatus.CLEARED


def _self_declared_flag(*, application_id: int, reviewer_id: int, actor: Any, reason: str) -> None:
    now = timezone.now()
    flag, created = ConflictFlag.objects.get_or_create(
        application_id=application_id,
        reviewer_id=reviewer_id,
        source=ConflictSource.SELF_DECLARED,
        defaults={
            "status": ConflictStatus.CONFIRMED,
            "detail": reason[:500],
            "reason": reason,
            "decided_by": actor,
            "decided_at": now,
        },
    )
    if not created and flag.status != ConflictStatus.CONFIRMED:
        ConflictFlag.objects.filter(pk=flag.pk).update(
            status=ConflictStatus.CONFIRMED,
            reason=reason,
            decided_by=actor,
            decided_at=now,
            updated_at=now,
        )


def recuse(*, assignment: Assignment, actor: Any, reason: str) -> None:
    """The reviewer withdraws from an application, with a reason (before or after seeing the
    file, not once the review is handed in). The conflict is recorded as self-declared and
    confirmed, so the reviewer is not assigned to it again."""
    _check_own(actor, assignment)
    reason = require_text(reason, _("Indiquez le motif de votre déport."))
    with transaction.atomic():
        fresh = _fresh_assignment(assignment)
        _check_open_round(fresh.round)
        if fresh.status == AssignmentStatus.RECUSED:
            raise ValidationError(
                _("Vous vous êtes déjà déporté de ce dossier."), code="already_recused"
            )
        if fresh.status == AssignmentStatus.SUBMITTED:
            raise ValidationError(
                _(
                    "Votre évaluation est remise : signalez le conflit d’intérêts à l’équipe "
                    "du programme."
                ),
                code="already_submitted",
            )
        if fresh.round.call.blind_review and fresh.status == AssignmentStatus.ASSIGNED:
            raise ValidationError(
                _("Déclarez-vous d’abord sur la liste des candidats du tour."),
                code="blind_call",
            )
        _move_assignment(
            assignment=fresh,
            actor=actor,
            action="assignment.recuse",
            from_states=[AssignmentStatus.ASSIGNED, AssignmentStatus.CLEARED],
            to_state=AssignmentStatus.RECUSED,
            reason=reason,
            extra={"recusal_reason": reason, "declared_at": timezone.now()},
        )
        _self_declared_flag(
            application_id=fresh.application_id,
            reviewer_id=fresh.reviewer_id,
            actor=actor,
            reason=reason,
        )
    assignment.status = AssignmentStatus.RECUSED


# --- Reviewer declarations: blind mode ---------------------------------------------------------


def round_applications(round_: ReviewRound) -> QuerySet[CallApplication]:
    """The applications of a round: those assigned in it and, for the first round, every
    admissible or in-review application of the call."""
    condition = Q(assignments__round=round_)
    if round_.number == 1:
        condition |= Q(status__in=FIRST_ROUND_STATES)
    return (
        CallApplication.objects.filter(call_id=round_.call_id)
        .filter(condition)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .distinct()
    )


def round_applicant_names(round_: ReviewRound) -> list[tuple[int, str]]:
    """(organisation id, name) of the round's applicants, alphabetical: the blind-mode list,
    deliberately carrying no reference, code or file."""
    rows = set(round_applications(round_).values_list("organisation_id", "organisation__name"))
    return sorted(rows, key=lambda row: (normalise_name(row[1]), row[1], row[0]))


def blind_declare(
    *,
    round: ReviewRound,
    reviewer: Any,
    conflicting_organisations: Iterable[Organisation | int],
    actor: Any,
) -> BlindDeclaration:
    """Blind mode: the reviewer ticks, on the list of the round's applicant names, the
    organisations they are in conflict with (possibly none). Their assignments in the round on
    those organisations are recused ("Conflit déclaré sur la liste"), the others cleared.

    Once per round; if files were assigned to them after it, they declare again on the same
    list for those (earlier declared conflicts stay). A file with a conflict flagged by the
    platform and not yet decided by staff stays closed (still to declare) meanwhile."""
    if getattr(actor, "pk", None) != reviewer.pk or not can_review(actor):
        raise PermissionDenied(_("Seul l’évaluateur fait sa propre déclaration."))
    org_ids = {o if isinstance(o, int) else o.pk for o in conflicting_organisations}
    detect_conflicts(call=round.call, reviewer=reviewer, actor=actor)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_related("call").get(pk=round.pk)
        call = round_.call
        if not call.blind_review:
            raise ValidationError(
                _("Cet appel n’est pas anonymisé : déclarez-vous dossier par dossier."),
                code="open_call",
            )
        if round_.kind != RoundKind.WRITTEN:
            # The panel meets the applicant: audition assignments are created cleared.
            raise ValidationError(
                _("Les auditions ne demandent pas de déclaration sur la liste des candidats."),
                code="audition_round",
            )
        _check_open_round(round_)
        mine = list(
            Assignment.objects.filter(round=round_, reviewer=reviewer).select_related("application")
        )
        if not mine:
            raise PermissionDenied(_("Aucun dossier ne vous est affecté dans ce tour."))
        _check_links_declared(call, reviewer)
        listed = {org_id for org_id, _name in round_applicant_names(round_)}
        unknown = org_ids - listed
        if unknown:
            raise ValidationError(
                _("Choisissez seulement des structures de la liste des candidats du tour."),
                code="not_listed",
            )
        declaration = BlindDeclaration.objects.filter(round=round_, reviewer=reviewer).first()
        pending = [a for a in mine if a.status == AssignmentStatus.ASSIGNED]
        now = timezone.now()
        if declaration is None:
            try:
                with transaction.atomic():
                    declaration = BlindDeclaration.objects.create(
                        round=round_, reviewer=reviewer, declared_at=now
                    )
            except IntegrityError:
                raise ValidationError(
                    _("Vous avez déjà fait votre déclaration pour ce tour."), code="duplicate"
                ) from None
        elif not pending:
            raise ValidationError(
                _("Vous avez déjà fait votre déclaration pour ce tour, le %(when)s.")
                % {"when": paris(declaration.declared_at)},
                code="duplicate",
            )
        else:
            BlindDeclaration.objects.filter(pk=declaration.pk).update(declared_at=now)
        declaration.conflicting.add(*org_ids)
        declared = set(declaration.conflicting.values_list("pk", flat=True))
        # A conflict flagged by the platform and not decided yet keeps the file closed.
        under_review = set(
            ConflictFlag.objects.filter(
                reviewer=reviewer,
                application__in=[a.application_id for a in mine],
                status=ConflictStatus.FLAGGED,
            ).values_list("application_id", flat=True)
        )
        reason = _("Conflit déclaré sur la liste")
        for assignment in mine:
            in_conflict = assignment.application.organisation_id in declared
            if not in_conflict and assignment.application_id in under_review:
                continue
            if in_conflict and assignment.status in ACTIVE_ASSIGNMENTS:
                _move_assignment(
                    assignment=assignment,
                    actor=actor,
                    action="assignment.recuse",
                    from_states=ACTIVE_ASSIGNMENTS,
                    to_state=AssignmentStatus.RECUSED,
                    reason=reason,
                    extra={"recusal_reason": reason, "declared_at": now},
                )
                _self_declared_flag(
                    application_id=assignment.application_id,
                    reviewer_id=reviewer.pk,
                    actor=actor,
                    reason=reason,
                )
            elif (
                not in_conflict
                and assignment.status == AssignmentStatus.ASSIGNED
                and assignment.application.status not in CLOSED_APPLICATION_STATES
            ):
                _move_assignment(
                    assignment=assignment,
                    actor=actor,
                    action="assignment.declare_no_conflict",
                    from_states=[AssignmentStatus.ASSIGNED],
                    to_state=AssignmentStatus.CLEARED,
                    extra={"declared_at": now},
                )
        audit_record(
            actor=actor,
            action="review_round.blind_declare",
            obj=round_,
            after={"evaluateur": reviewer.pk, "structures_en_conflit": sorted(declared)},
        )
    return declaration


# --- Scores --------------------------------------------------------------------------------


def _parse_score(raw: Any) -> Decimal | None:
    """None for a blank value; raises InvalidOperation/ValueError when not a number."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, bool):
        raise ValueError("boolean")
    elif isinstance(raw, (int, float)):
        value = Decimal(str(raw))
    else:
        text = str(raw).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if not text:
            return None
        value = Decimal(text.replace(",", "."))
    if not value.is_finite():
        raise ValueError("not finite")
    return value


def _check_scoring(assignment: Assignment) -> None:
    """Refuse, with the reason, unless the assignment may be scored now."""
    if assignment.status == AssignmentStatus.RECUSED:
        raise ValidationError(
            _("Vous vous êtes déporté de ce dossier : vous ne pouvez pas le noter."),
            code="recused",
        )
    if assignment.status == AssignmentStatus.ASSIGNED:
        raise ValidationError(
            _("Déclarez d’abord l’absence de conflit d’intérêts avant de noter ce dossier."),
            code="not_declared",
        )
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise ValidationError(
            _("Votre évaluation de ce dossier est remise : elle ne se modifie plus."),
            code="submitted",
        )
    _check_open_round(assignment.round)
    _check_ranking_open(assignment.round)
    _check_application_live(assignment.application)


def score_save(
    *,
    assignment: Assignment,
    actor: Any,
    scores: Mapping[int, tuple[Any, str]],
) -> list[Score]:
    """The reviewer saves scores (a draft: some criteria may stay blank) for a file they
    cleared. ``scores`` maps a criterion id of the round's grid to (value, comment); a blank
    value removes the score. Every value must lie within the criterion's scale, with at most
    two decimals; every problem is reported at once and nothing is written. Returns the
    assignment's scores."""
    _check_own(actor, assignment)
    with transaction.atomic():
        fresh = _fresh_assignment(assignment)
        _check_scoring(fresh)
        criteria = {c.pk: c for c in fresh.round.grid.criteria.all()}
        errors: dict[str, list[str]] = defaultdict(list)
        to_write: dict[int, tuple[Decimal, str]] = {}
        to_clear: list[int] = []
        for criterion_id, (raw, comment) in scores.items():
            try:
                key = int(criterion_id)
            except (TypeError, ValueError):
                key = -1
            criterion = criteria.get(key)
            if criterion is None:
                errors[NON_FIELD_ERRORS].append(
                    _("Ce critère n’appartient pas à la grille de ce tour.")
                )
                continue
            comment = (comment or "").strip()
            try:
                value = _parse_score(raw)
            except (InvalidOperation, ValueError):
                errors[str(key)].append(
                    _("La note de « %(label)s » doit être un nombre.") % {"label": criterion.label}
                )
                continue
            if len(comment) > COMMENT_MAX_LENGTH:
                errors[str(key)].append(
                    _("Le commentaire sur « %(label)s » dépasse %(max)s caractères.")
                    % {"label": criterion.label, "max": "4 000"}
                )
            if value is None:
                if comment:
                    errors[str(key)].append(
                        _("Donnez une note à « %(label)s » pour enregistrer votre commentaire.")
                        % {"label": criterion.label}
                    )
                else:
                    to_clear.append(key)
                continue
            if not criterion.scale_min <= value <= criterion.scale_max:
                errors[str(key)].append(
                    _("La note de « %(label)s » doit être comprise entre %(min)s et %(max)s.")
                    % {
                        "label": criterion.label,
                        "min": criterion.scale_min,
                        "max": criterion.scale_max,
                    }
                )
                continue
            if value != value.quantize(_TWO_PLACES):
                errors[str(key)].append(
                    _("La note de « %(label)s » a au plus deux décimales.")
                    % {"label": criterion.label}
                )
                continue
            to_write[key] = (value.quantize(_TWO_PLACES), comment)
        if errors:
            raise ValidationError(dict(errors), code="invalid_scores")
        # The conditional update settles a race with a simultaneous hand-in.
        now = timezone.now()
        if (
            Assignment.objects.filter(pk=fresh.pk, status=AssignmentStatus.CLEARED).update(
                updated_at=now
            )
            != 1
        ):
            raise ValidationError(
                _("L’affectation a changé entre-temps : rechargez la page."),
                code="concurrent_change",
            )
        if to_clear:
            Score.objects.filter(assignment=fresh, criterion_id__in=to_clear).delete()
        for criterion_id, (value, comment) in to_write.items():
            Score.objects.update_or_create(
                assignment=fresh,
                criterion_id=criterion_id,
                defaults={"value": value, "comment": comment},
            )
        audit_record(
            actor=actor,
            action="assignment.score_save",
            obj=fresh,
            after={
                "notes": {criteria[k].key: str(v) for k, (v, _c) in to_write.items()},
                "effacees": [criteria[k].key for k in to_clear],
            },
        )
        return list(fresh.scores.select_related("criterion").order_by("criterion__order"))


def missing_criteria(assignment: Assignment) -> list[Criterion]:
    """The criteria of the round's grid the reviewer has not scored (allowed, but shown)."""
    scored = set(Score.objects.filter(assignment=assignment).values_list("criterion_id", flat=True))
    return [c for c in assignment.round.grid.criteria.all() if c.pk not in scored]


def review_submit(*, assignment: Assignment, actor: Any) -> list[Criterion]:
    """The reviewer hands in the review: it is final. At least one criterion must be scored;
    the criteria left blank are returned (they simply do not count in the consolidation)."""
    _check_own(actor, assignment)
    with transaction.atomic():
        fresh = _fresh_assignment(assignment)
        _check_scoring(fresh)
        if not Score.objects.filter(assignment=fresh).exists():
            raise ValidationError(
                _("Notez au moins un critère avant de remettre votre évaluation."),
                code="no_score",
            )
        missing = missing_criteria(fresh)
        _move_assignment(
            assignment=fresh,
            actor=actor,
            action="assignment.submit",
            from_states=[AssignmentStatus.CLEARED],
            to_state=AssignmentStatus.SUBMITTED,
            extra={"submitted_at": timezone.now()},
            reason=(
                _("Critères non notés : %(list)s") % {"list": ", ".join(c.label for c in missing)}
                if missing
                else ""
            ),
        )
    assignment.status = AssignmentStatus.SUBMITTED
    return missing


# --- Reads for the pages -----------------------------------------------------------------------


def reviewer_juries(user: Any) -> QuerySet[JuryMember]:
    """The reviewer's juries with their calls, rounds and own assignments (fixed queries)."""
    mine = Assignment.objects.filter(reviewer=user).select_related(
        "application", "application__organisation"
    )
    return (
        JuryMember.objects.filter(user=user)
        .exclude(call__status=CallStatus.ARCHIVED)
        .select_related("call")
        .prefetch_related(
            Prefetch(
                "call__rounds",
                queryset=ReviewRound.objects.order_by("number").prefetch_related(
                    Prefetch(
                        "assignments",
                        queryset=mine.order_by("application__reference"),
                        to_attr="mine",
                    )
                ),
            )
        )
        .order_by("-call__opens_at", "pk")
    )


def blind_declared_rounds(user: Any) -> set[int]:
    return set(BlindDeclaration.objects.filter(reviewer=user).values_list("round_id", flat=True))


def round_workload(round_: ReviewRound) -> QuerySet[Any]:
    """The call's jury members, each annotated with their assignments in the round:
    ``assigned``, ``cleared``, ``submitted``, ``recused`` and ``total`` (one query)."""
    in_round = Q(assignments__round=round_)

    def count(status: str) -> Count:
        return Count("assignments", filter=in_round & Q(assignments__status=status))

    return (
        get_user_model()
        .objects.filter(juries__call_id=round_.call_id)
        .annotate(
            assigned=count(AssignmentStatus.ASSIGNED),
            cleared=count(AssignmentStatus.CLEARED),
            submitted=count(AssignmentStatus.SUBMITTED),
            recused=count(AssignmentStatus.RECUSED),
            total=Count("assignments", filter=in_round),
        )
        .order_by("last_name", "first_name", "pk")
    )


def recusals(call: Call) -> QuerySet[Assignment]:
    """Every recusal of a call, with its reason (for the list and the export)."""
    return (
        Assignment.objects.filter(round__call=call, status=AssignmentStatus.RECUSED)
        .select_related("round", "application", "application__organisation", "reviewer")
        .order_by("round__number", "application__reference", "reviewer__last_name", "pk")
    )


def recusal_rows(call: Call) -> Iterable[list[Any]]:
    """The recusals export: a header then one row per recusal, text cells made safe for
    spreadsheets."""
    yield [
        _("Tour"),
        _("Numéro de dossier"),
        _("Structure candidate"),
        _("Évaluateur"),
        _("E-mail de l’évaluateur"),
        _("Motif"),
        _("Déclaré le"),
    ]
    for assignment in recusals(call).iterator(chunk_size=500):
        when = assignment.declared_at or assignment.updated_at
        yield [
            spreadsheet_safe(assignment.round.name),
            spreadsheet_safe(assignment.application.reference),
            spreadsheet_safe(assignment.application.organisation.name),
            spreadsheet_safe(_person(assignment.reviewer)),
            spreadsheet_safe(assignment.reviewer.email),
            spreadsheet_safe(assignment.recusal_reason),
            timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
        ]


@dataclass
class AnswerRow:
    label: str
    text: str = ""
    files: list[ApplicationFile] = field(default_factory=list)
    is_file: bool = False


def answer_file_ids(value: Any) -> set[int]:
    """The ApplicationFile ids an answer to a file question refers to (one id or a list)."""
    ids: set[int] = set()
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, bool):
            continue
        if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
            ids.add(int(item))
    return ids


def _latest_answers(application_id: int) -> dict[str, Any]:
    answers = (
        Submission.objects.filter(application_id=application_id)
        .order_by("-number")
        .values_list("answers", flat=True)
        .first()
    )
    return answers if isinstance(answers, dict) else {}


def anonymised(assignment: Assignment) -> bool:
    """Whether the reviewer reads an anonymised file: the written rounds of a blind call. An
    audition is never anonymised (the panel meets the applicant)."""
    return bool(assignment.round.call.blind_review and assignment.round.kind == RoundKind.WRITTEN)


def _audition(application: CallApplication) -> dict[str, str] | None:
    slot = AuditionSlot.objects.filter(application=application).first()
    if slot is None:
        return None
    starts, ends = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return {
        "day": date_format(starts, "l j F Y"),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "location": slot.location,
    }


def reviewer_file(assignment: Assignment) -> dict[str, Any]:
    """What a cleared reviewer reads of the application: the answers of its latest
    submission in the form's order, and its files. In a written round of a blind call the
    file is anonymised: the code instead of the reference, no organisation nor projects,
    identifying questions hidden, and no attached file at all (accounts and statutes carry
    the organisation's name). An audition round is never anonymised: the organisation, its
    projects and the audition slot (Paris time, place) are shown. Call only for an
    assignment the reviewer may read (cleared or submitted)."""
    application = assignment.application
    blind = anonymised(assignment)
    submission = Submission.objects.filter(application=application).order_by("-number").first()
    answers = submission.answers if submission else {}
    questions = [
        q
        for q in application.form.questions.all()
        if not (blind and (q.identifying or q.kind == QuestionKind.FILE))
    ]
    file_questions = {q.key for q in questions if q.kind == QuestionKind.FILE}
    wanted_ids: set[int] = set()
    for key in file_questions:
        wanted_ids |= answer_file_ids(answers.get(key))
    files = {
        f.pk: f
        for f in ApplicationFile.objects.filter(
            application=application, pk__in=wanted_ids, question_key__in=file_questions
        )
    }
    rows: list[AnswerRow] = []
    for question in questions:
        value = answers.get(question.key)
        if question.kind == QuestionKind.FILE:
            found = [files[pk] for pk in sorted(answer_file_ids(value)) if pk in files]
            rows.append(AnswerRow(label=question.label, files=found, is_file=True))
            continue
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        rows.append(AnswerRow(label=question.label, text=text))
    return {
        "blind": blind,
        "files_withheld": blind,
        "title": application.anonymous_code if blind else application.reference,
        "organisation": None if blind else application.organisation,
        "projects": [] if blind else list(application.projects.all()),
        "audition": _audition(application) if assignment.round.kind == RoundKind.AUDITION else None,
        "answers": rows,
        "submitted_at": submission.submitted_at if submission else None,
    }


def reviewer_may_see_file(user: Any, attachment: ApplicationFile) -> bool:
    """For the file download, the one rule: a reviewer reads an attached file only when it
    belongs to the application's latest submission (not a draft's file, not a replaced one)
    and they hold a cleared or handed-in assignment on the application — in any round of an
    open call, and only in the audition round of a blind call (its written rounds get no
    attached file at all). Never when recused or not yet declared."""
    if not can_review(user):
        return False
    readable = Assignment.objects.filter(
        application_id=attachment.application_id,
        reviewer=user,
        status__in=[AssignmentStatus.CLEARED, AssignmentStatus.SUBMITTED],
    ).filter(Q(round__call__blind_review=False) | Q(round__kind=RoundKind.AUDITION))
    if not readable.exists():
        return False
    answers = _latest_answers(attachment.application_id)
    return attachment.pk in answer_file_ids(answers.get(attachment.question_key))
