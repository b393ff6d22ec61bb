"""Auditions: panels of reviewers, time slots, and the scheduling of shortlisted applicants.

Rules: an applicant has one audition and is never in two overlapping slots (across calls);
a panel member is never in two overlapping booked auditions; a panel member in conflict of
interest with the applicant (a conflict flag not dismissed, a recusal on that application,
or membership of the applicant organisation) is kept off that audition
(``AuditionSlot.excluded_members``), and scheduling is refused when nobody remains.

Scheduling creates, in the call's audition round (interview grid, created on first use),
one cleared assignment per remaining panel member: they score the interview through the
jury pages (``review``), and that round's consolidation feeds the deliberation.

Services: ``panel_create``, ``slot_create``, ``slot_delete``, ``schedule``, ``unschedule``,
``record_audition``; all keyword-only, transactional and audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record
from frenchimpact.organisations.models import Membership
from frenchimpact.permissions import can_review

from .enums import (
    ApplicationStatus,
    AssignmentStatus,
    ConflictStatus,
    GridKind,
    RoundKind,
    RoundStatus,
)
from .models import (
    Assignment,
    AuditionPanel,
    AuditionSlot,
    Call,
    CallApplication,
    ConflictFlag,
    JuryMember,
    ReviewRound,
)
from .services import check_staff, current_grid, notify_applicant, paris, require_text, transition


def _overlapping(starts_at: Any, ends_at: Any) -> Any:
    """Slots sharing at least one instant with [starts_at, ends_at)."""
    return AuditionSlot.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


# --- Panels and slots ----------------------------------------------------------------------


def panel_create(*, call: Call, name: str, members: Iterable[Any], actor: Any) -> AuditionPanel:
    """Staff create an audition panel; every member must hold the reviewer role."""
    check_staff(actor)
    name = require_text(name, _("Donnez un nom au panel."))
    members = list(members)
    if not members:
        raise ValidationError(_("Choisissez au moins un membre du panel."), code="no_member")
    for member in members:
        if not can_review(member):
            raise ValidationError(
                _("%(name)s n’a pas le rôle d’évaluateur ou de membre de jury.") % {"name": member},
                code="not_reviewer",
            )
    with transaction.atomic():
        if AuditionPanel.objects.filter(call=call, name__iexact=name).exists():
            raise ValidationError(_("Un panel porte déjà ce nom dans cet appel."), code="duplicate")
        panel = AuditionPanel.objects.create(call=call, name=name)
        panel.members.set(members)
        # Panel members score the interviews from their jury pages: they join the jury.
        from .review import jury_join

        joined = set(JuryMember.objects.filter(call=call).values_list("user_id", flat=True))
        for member in members:
            if member.pk not in joined:
                jury_join(call=call, user=member, actor=actor)
        audit_record(
            actor=actor,
            action="call_panel.create",
            obj=panel,
            after={"appel": call.slug, "nom": name, "membres": sorted(m.pk for m in members)},
        )
    return panel


def slot_create(
    *, panel: AuditionPanel, starts_at: Any, ends_at: Any, location: str, actor: Any
) -> AuditionSlot:
    """Staff open a free slot for a panel (aware datetimes; never overlapping another slot
    of the same panel, whose members would then be in two places)."""
    check_staff(actor)
    location = require_text(location, _("Indiquez le lieu ou le lien de visioconférence."))
    if starts_at is None or ends_at is None:
        raise ValidationError(_("Indiquez le début et la fin du créneau."), code="required")
    if ends_at <= starts_at:
        raise ValidationError(_("La fin du créneau doit suivre son début."), code="times")
    with transaction.atomic():
        clash = _overlapping(starts_at, ends_at).filter(panel=panel).first()
        if clash is not None:
            raise ValidationError(
                _("Ce panel a déjà un créneau qui chevauche celui-ci (le %(when)s).")
                % {"when": paris(clash.starts_at)},
                code="overlap",
            )
        slot = AuditionSlot.objects.create(
            panel=panel, starts_at=starts_at, ends_at=ends_at, location=location
        )
        audit_record(
            actor=actor,
            action="call_slot.create",
            obj=slot,
            after={
                "panel": panel.pk,
                "debut": starts_at,
                "fin": ends_at,
                "lieu": location,
            },
        )
    return slot


def slot_delete(*, slot: AuditionSlot, actor: Any) -> None:
    """Staff delete a free slot (a booked one must be unscheduled first)."""
    check_staff(actor)
    with transaction.atomic():
        deleted, _rows = AuditionSlot.objects.filter(pk=slot.pk, application__isnull=True).delete()
        if not deleted:
            raise ValidationError(
                _("Ce créneau est réservé : annulez d’abord l’audition."), code="booked"
            )
        audit_record(
            actor=actor,
            action="call_slot.delete",
            obj=slot.panel,
            before={"creneau": slot.pk, "debut": slot.starts_at, "fin": slot.ends_at},
        )


# --- Scheduling ----------------------------------------------------------------------------


def conflicted_members(
    application: CallApplication, members: Iterable[Any]
) -> dict[int, list[str]]:
    """{member id: [French reasons]} for the members in conflict with the applicant: a
    conflict flag that staff did not dismiss, a recusal on that application (any round), or
    a membership of the applicant organisation. Three queries."""
    ids = [m.pk for m in members]
    reasons: dict[int, list[str]] = {}
    for reviewer_id, source in (
        ConflictFlag.objects.filter(application=application, reviewer_id__in=ids)
        .exclude(status=ConflictStatus.DISMISSED)
        .values_list("reviewer_id", "source")
    ):
        reasons.setdefault(reviewer_id, []).append(
            _("conflit d’intérêts signalé (%(source)s)") % {"source": _source_label(source)}
        )
    for reviewer_id in (
        Assignment.objects.filter(
            application=application, reviewer_id__in=ids, status=AssignmentStatus.RECUSED
        )
        .values_list("reviewer_id", flat=True)
        .distinct()
    ):
        reasons.setdefault(reviewer_id, []).append(_("s’est déporté sur ce dossier"))
    for user_id in Membership.objects.filter(
        organisation_id=application.organisation_id, user_id__in=ids
    ).values_list("user_id", flat=True):
        reasons.setdefault(user_id, []).append(_("membre de la structure candidate"))
    return reasons


def _source_label(source: str) -> str:
    from .enums import ConflictSource

    try:
        return str(ConflictSource(source).label)
    except ValueError:
        return source


def audition_round(call: Call, actor: Any) -> ReviewRound:
    """The call's audition round (the latest), created with the interview grid on first
    use. Refused when the call has no interview grid or the round is closed."""
    existing = (
        ReviewRound.objects.filter(call=call, kind=RoundKind.AUDITION).order_by("-number").first()
    )
    if existing is not None:
        if existing.status == RoundStatus.CLOSED:
            raise ValidationError(
                _("Le tour des auditions est clos : aucune audition ne s’y ajoute."),
                code="round_closed",
            )
        return existing
    grid = current_grid(call, GridKind.INTERVIEW)
    if grid is None or not grid.criteria.exists():
        raise ValidationError(
            _("Cet appel n’a pas de grille d’audition : ajoutez-la avant de programmer."),
            code="no_interview_grid",
        )
    number = (ReviewRound.objects.filter(call=call).aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            created = ReviewRound.objects.create(
                call=call, number=number, kind=RoundKind.AUDITION, name=_("Auditions"), grid=grid
            )
    except IntegrityError:
        raise ValidationError(
            _("Le tour des auditions vient d’être créé par quelqu’un d’autre : réessayez."),
            code="concurrent_change",
        ) from None
    audit_record(
        actor=actor,
        action="call_round.create",
        obj=created,
        after={"tour": number, "type": RoundKind.AUDITION, "grille": grid.pk},
    )
    return created


def schedule(*, slot: AuditionSlot, application: CallApplication, actor: Any) -> list[Any]:
    """Staff book a free slot for a shortlisted application (shortlisted → audition
    scheduled) and e-mail the applicant the date and time (Paris) and the place.

    Panel members in conflict with the applicant are kept off (returned, so that staff are
    told); refused when nobody remains, when the applicant already has a slot or an
    overlapping audition, or when a remaining member sits in another overlapping booked
    audition. Each remaining member gets a cleared assignment in the audition round."""
    check_staff(actor)
    with transaction.atomic():
        slot = AuditionSlot.objects.select_related("panel__call").get(pk=slot.pk)
        fresh = CallApplication.objects.select_related("call", "organisation").get(
            pk=application.pk
        )
        call = slot.panel.call
        if fresh.call_id != call.pk:
            raise ValidationError(
                _("Cette candidature relève d’un autre appel que ce panel."), code="other_call"
            )
        if fresh.status != ApplicationStatus.SHORTLISTED:
            raise ValidationError(
                _(
                    "Seule une candidature présélectionnée peut être programmée en audition "
                    "(celle-ci est « %(state)s »)."
                )
                % {"state": fresh.get_status_display()},
                code="invalid_state",
            )
        if slot.application_id is not None:
            raise ValidationError(_("Ce créneau est déjà réservé."), code="slot_booked")
        if AuditionSlot.objects.filter(application=fresh).exists():
            raise ValidationError(
                _("Cette candidature a déjà un créneau d’audition."), code="already_scheduled"
            )
        clash = (
            _overlapping(slot.starts_at, slot.ends_at)
            .filter(application__organisation_id=fresh.organisation_id)
            .exclude(pk=slot.pk)
            .select_related("application")
            .first()
        )
        if clash is not None and clash.application is not None:
            raise ValidationError(
                _("%(name)s a déjà une audition à ce moment-là (dossier %(ref)s, le %(when)s).")
                % {
                    "name": fresh.organisation.name,
                    "ref": clash.application.reference,
                    "when": paris(clash.starts_at),
                },
                code="applicant_busy",
            )
        members = list(slot.panel.members.all())
        conflicts = conflicted_members(fresh, members)
        remaining = [m for m in members if m.pk not in conflicts]
        if not remaining:
            raise ValidationError(
                _(
                    "Tous les membres de ce panel sont en conflit d’intérêts avec cette "
                    "candidature : choisissez un créneau d’un autre panel."
                ),
                code="no_member_left",
            )
        _check_members_free(slot, remaining)
        review_round = audition_round(call, actor)
        now = timezone.now()
        try:
            with transaction.atomic():
                booked = AuditionSlot.objects.filter(pk=slot.pk, application__isnull=True).update(
                    application=fresh, scheduled_at=now
                )
        except IntegrityError:
            booked = 0
        if booked != 1:
            raise ValidationError(
                _("Le créneau ou la candidature vient d’être programmé : rechargez la page."),
                code="concurrent_change",
            )
        excluded = [m for m in members if m.pk in conflicts]
        slot.excluded_members.set(excluded)
        transition(
            application=fresh,
            actor=actor,
            action="call_application.schedule_audition",
            from_states=[ApplicationStatus.SHORTLISTED],
            to_state=ApplicationStatus.AUDITION_SCHEDULED,
            reason=_("Audition le %(when)s, panel « %(panel)s »")
            % {"when": paris(slot.starts_at), "panel": slot.panel.name},
        )
        for member in remaining:
            Assignment.objects.get_or_create(
                round=review_round,
                application=fresh,
                reviewer=member,
                defaults={
                    "status": AssignmentStatus.CLEARED,
                    "declared_at": now,
                    "assigned_by": actor,
                },
            )
        audit_record(
            actor=actor,
            action="call_audition.schedule",
            obj=slot,
            after={
                "candidature": fresh.reference,
                "evaluateurs": sorted(m.pk for m in remaining),
                "membres_ecartes": {str(pk): reasons for pk, reasons in sorted(conflicts.items())},
            },
        )
        notify_applicant(
            application=fresh,
            subject=_("Votre audition pour l’appel « %(call)s »") % {"call": call.title},
            message=_(
                "La candidature %(ref)s de %(name)s est invitée à une audition le %(when)s "
                "(heure de Paris), jusqu’à %(end)s.\nLieu : %(location)s"
            )
            % {
                "ref": fresh.reference,
                "name": fresh.organisation.name,
                "when": paris(slot.starts_at),
                "end": date_format(timezone.localtime(slot.ends_at), "H:i"),
                "location": slot.location,
            },
        )
        application.status = ApplicationStatus.AUDITION_SCHEDULED
    return excluded


def _check_members_free(slot: AuditionSlot, members: list[Any]) -> None:
    """Refuse when one of ``members`` attends another booked audition overlapping ``slot``
    (a member excluded from that other audition does not attend it)."""
    ids = {m.pk for m in members}
    others = (
        _overlapping(slot.starts_at, slot.ends_at)
        .filter(application__isnull=False, panel__members__in=ids)
        .exclude(pk=slot.pk)
        .select_related("panel", "application")
        .prefetch_related("panel__members", "excluded_members")
        .distinct()
    )
    names = {m.pk: str(m) for m in members}
    for other in others:
        excluded = {m.pk for m in other.excluded_members.all()}
        busy = [m for m in other.panel.members.all() if m.pk in ids and m.pk not in excluded]
        if busy:
            assert other.application is not None
            raise ValidationError(
                _(
                    "%(name)s est déjà en audition à ce moment-là (panel « %(panel)s », "
                    "dossier %(ref)s, le %(when)s)."
                )
                % {
                    "name": names[busy[0].pk],
                    "panel": other.panel.name,
                    "ref": other.application.reference,
                    "when": paris(other.starts_at),
                },
                code="member_busy",
            )


def unschedule(*, slot: AuditionSlot, actor: Any, reason: str) -> None:
    """Staff cancel a scheduled audition (audition scheduled → shortlisted), with a reason:
    the slot is freed, the audition assignments (and any interview score) are removed, and
    the applicant is told."""
    check_staff(actor)
    reason = require_text(reason, _("Indiquez pourquoi l’audition est annulée."))
    with transaction.atomic():
        slot = AuditionSlot.objects.select_related("panel__call", "application__organisation").get(
            pk=slot.pk
        )
        application = slot.application
        if application is None:
            raise ValidationError(_("Ce créneau n’est pas réservé."), code="slot_free")
        transition(
            application=application,
            actor=actor,
            action="call_application.unschedule_audition",
            from_states=[ApplicationStatus.AUDITION_SCHEDULED],
            to_state=ApplicationStatus.SHORTLISTED,
            reason=reason,
        )
        if (
            AuditionSlot.objects.filter(pk=slot.pk, application=application).update(
                application=None, scheduled_at=None
            )
            != 1
        ):
            raise ValidationError(
                _("Le créneau a changé entre-temps : rechargez la page."),
                code="concurrent_change",
            )
        slot.excluded_members.clear()
        removed, _rows = Assignment.objects.filter(
            round__call_id=slot.panel.call_id,
            round__kind=RoundKind.AUDITION,
            application=application,
        ).delete()
        audit_record(
            actor=actor,
            action="call_audition.unschedule",
            obj=slot,
            before={"candidature": application.reference},
            after={"candidature": None, "objets_supprimes": removed},
            reason=reason,
        )
        notify_applicant(
            application=application,
            subject=_("Votre audition pour l’appel « %(call)s » est annulée")
            % {"call": slot.panel.call.title},
            message=_(
                "L’audition de la candidature %(ref)s prévue le %(when)s (heure de Paris) est "
                "annulée. L’équipe du programme reviendra vers vous."
            )
            % {"ref": application.reference, "when": paris(slot.starts_at)},
        )


def record_audition(*, application: CallApplication, actor: Any) -> None:
    """Staff record that the audition took place (audition scheduled → auditioned), once
    its slot has started."""
    check_staff(actor)
    with transaction.atomic():
        slot = AuditionSlot.objects.filter(application_id=application.pk).first()
        if slot is None:
            raise ValidationError(
                _("Aucune audition n’est programmée pour cette candidature."),
                code="not_scheduled",
            )
        if timezone.now() < slot.starts_at:
            raise ValidationError(
                _(
                    "L’audition n’a pas encore commencé : elle est prévue le %(when)s (heure de Paris)."
                )
                % {"when": paris(slot.starts_at)},
                code="too_early",
            )
        transition(
            application=application,
            actor=actor,
            action="call_application.record_audition",
            from_states=[ApplicationStatus.AUDITION_SCHEDULED],
            to_state=ApplicationStatus.AUDITIONED,
        )
