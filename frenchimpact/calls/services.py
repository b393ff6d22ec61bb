"""Writes of the calls domain: the call itself and the application lifecycle up to
admissibility. Review (``review``), auditions (``auditions``) and deliberation
(``deliberation``) have their own modules and use the helpers here.

Every function is keyword-only, runs in a transaction and writes its audit entry. State
changes go through ``transition`` (a conditional update: of two people acting at once, the
second is refused, on SQLite as on PostgreSQL). Bad input raises ValidationError with a
French message and writes nothing; a forbidden actor raises PermissionDenied.

Applicant journey: ``application_create`` → ``application_save_draft`` (+
``application_attach``) → ``application_submit`` → (staff) ``application_confirm_admissibility``
→ ``application_request_completion`` → ``application_submit`` (the answer) → …;
``application_withdraw`` from any non-final state.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record, audited_transition
from frenchimpact.core.files import NewFiles, validate_document
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.organisations.services import member_emails, send_notification
from frenchimpact.permissions import can_apply_to_call, can_manage_calls
from frenchimpact.projects.models import Project

from . import answers as answer_rules
from . import eligibility
from .enums import (
    DECISION_STATES,
    WITHDRAWABLE_STATES,
    ApplicationStatus,
    CallStatus,
    EligibilityRuleKind,
    GridKind,
    QuestionKind,
    RoundKind,
)
from .models import (
    ApplicationFile,
    AuditionSlot,
    Call,
    CallApplication,
    FormVersion,
    Grid,
    ReviewRound,
    SignOff,
    Submission,
)
from .selectors import applicant_status

# States in which the applicant edits the answers.
EDITABLE_STATES = (ApplicationStatus.DRAFT, ApplicationStatus.AWAITING_COMPLETION)
MAX_FILES_PER_QUESTION = 1


# --- Shared helpers ------------------------------------------------------------------------


def check_staff(actor: Any) -> None:
    if not can_manage_calls(actor):
        raise PermissionDenied(_("Seule l’équipe du programme conduit les appels à projets."))


def check_member(actor: Any, organisation: Organisation) -> None:
    if not can_apply_to_call(actor, organisation):
        raise PermissionDenied(
            _("Seuls les membres de la structure candidate agissent sur sa candidature.")
        )


def require_text(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code="required")
    return text


def paris(moment: Any) -> str:
    """A datetime as read in Europe/Paris, e.g. "31 mai 2018 à 12:00"."""
    return date_format(timezone.localtime(moment), "j F Y \\à H:i")


def transition(
    *,
    application: CallApplication,
    actor: Any,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Move an application with a conditional update and audit it; returns the state it
    left. A change into or out of a decision voids the co-pilots' sign-offs (they covered
    the exact list of decisions). Call inside a transaction."""
    left = audited_transition(
        obj=application,
        actor=actor,
        action=action,
        from_states=from_states,
        to_state=to_state,
        states=ApplicationStatus,
        invalid_message=_(
            "Cette action n’est pas possible : la candidature est « %(state)s » (quelqu’un l’a "
            "peut-être traitée entre-temps)."
        ),
        concurrent_message=_("La candidature a changé entre-temps : rechargez la page."),
        reason=reason,
        extra=extra,
    )
    if left in DECISION_STATES or to_state in DECISION_STATES:
        void_signoffs(call_id=application.call_id, actor=actor, cause=application.reference)
        # After publication, a changed decision waits for its own publication.
        if Call.objects.filter(pk=application.call_id, results_published_at__isnull=False).exists():
            CallApplication.objects.filter(pk=application.pk).update(decision_embargoed=True)
            application.decision_embargoed = True
    return left


def void_signoffs(*, call_id: int, actor: Any, cause: str) -> int:
    """Void every valid sign-off of a call (a decision it covered has changed)."""
    now = timezone.now()
    voided = 0
    for signoff in SignOff.objects.filter(call_id=call_id, voided_at__isnull=True):
        SignOff.objects.filter(pk=signoff.pk).update(voided_at=now)
        audit_record(
            actor=actor,
            action="call.signoff_void",
            obj=signoff.call,
            reason=_("Décision modifiée après le visa : %(cause)s") % {"cause": cause},
            after={"visa": signoff.pk, "co_pilote": str(signoff.copilot)},
        )
        voided += 1
    return voided


def notify_applicant(
    *, application: CallApplication, subject: str, message: str, reason: str = ""
) -> None:
    send_notification(
        recipients=member_emails(organisation=application.organisation),
        subject=subject,
        template="calls/emails/notification.txt",
        context={
            "message": message,
            "reason": reason,
            "url": reverse("calls:application_detail", args=[application.pk]),
        },
    )


def current_form(call: Call) -> FormVersion:
    form = call.form_versions.order_by("-number").first()
    if form is None:
        raise ValidationError(_("Cet appel n’a pas de formulaire."), code="no_form")
    return form


def current_grid(call: Call, kind: str) -> Grid | None:
    return call.grids.filter(kind=kind).order_by("-number").first()


# --- The call ------------------------------------------------------------------------------


def call_problems(call: Call) -> list[str]:
    """What prevents publishing the call (French messages; empty when it can open)."""
    problems = []
    form = call.form_versions.order_by("-number").first()
    questions = {q.key: q for q in form.questions.all()} if form else {}
    if not questions:
        problems.append(_("Le formulaire de candidature ne compte aucune question."))
    grid = current_grid(call, GridKind.EVALUATION)
    if grid is None or not grid.criteria.exists():
        problems.append(_("La grille d’évaluation ne compte aucun critère."))
    interview = current_grid(call, GridKind.INTERVIEW)
    if interview is not None and not interview.criteria.exists():
        problems.append(_("La grille d’audition ne compte aucun critère."))
    copilots = list(call.copilots.prefetch_related("signatories"))
    if not copilots:
        problems.append(_("Désignez au moins un co-pilote."))
    for copilot in copilots:
        if not copilot.signatories.all():
            problems.append(
                _("Le co-pilote « %(name)s » n’a pas de signataire.") % {"name": copilot}
            )
    for rule in call.eligibility_rules.all():
        if rule.kind != EligibilityRuleKind.MIN_ANNUAL_BUDGET:
            continue
        budget = questions.get(rule.question_key)
        if budget is None or budget.kind != QuestionKind.MONEY:
            problems.append(
                _("La règle de budget doit désigner une question de type montant (« %(key)s »).")
                % {"key": rule.question_key}
            )
        evidence = questions.get(rule.evidence_question_key) if rule.evidence_question_key else None
        if rule.evidence_question_key and (evidence is None or evidence.kind != QuestionKind.FILE):
            problems.append(
                _(
                    "La règle de budget doit désigner une question fichier pour les comptes (« %(key)s »)."
                )
                % {"key": rule.evidence_question_key}
            )
    if call.target_laureates_max < call.target_laureates_min:
        problems.append(_("Le nombre maximal de lauréats est inférieur au minimum."))
    return problems


def call_publish(*, call: Call, actor: Any) -> None:
    """Staff publish a call: its current form and grids are frozen, its first round (written
    evaluation) is created. Applications are then accepted from opens_at to closes_at."""
    check_staff(actor)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != CallStatus.DRAFT:
            raise ValidationError(_("Cet appel est déjà publié."), code="invalid_state")
        problems = call_problems(call)
        if problems:
            raise ValidationError(problems, code="incomplete")
        now = timezone.now()
        form = current_form(call)
        FormVersion.objects.filter(pk=form.pk).update(frozen_at=now)
        grids = [g for g in (current_grid(call, k) for k in GridKind.values) if g is not None]
        Grid.objects.filter(pk__in=[g.pk for g in grids]).update(frozen_at=now)
        if (
            Call.objects.filter(pk=call.pk, status=CallStatus.DRAFT).update(
                status=CallStatus.PUBLISHED, published_at=now, updated_at=now
            )
            != 1
        ):
            raise ValidationError(_("L’appel a changé entre-temps : rechargez la page."))
        evaluation = current_grid(call, GridKind.EVALUATION)
        assert evaluation is not None
        ReviewRound.objects.get_or_create(
            call=call,
            number=1,
            defaults={
                "kind": RoundKind.WRITTEN,
                "name": _("Évaluation des dossiers"),
                "grid": evaluation,
            },
        )
        audit_record(
            actor=actor,
            action="call.publish",
            obj=call,
            from_state=CallStatus.DRAFT,
            to_state=CallStatus.PUBLISHED,
            after={"formulaire": form.number, "grilles": [g.number for g in grids]},
        )


def is_accepting(call: Call, now: Any = None) -> bool:
    now = now or timezone.now()
    return call.status == CallStatus.PUBLISHED and call.opens_at <= now < call.closes_at


def check_deadline(call: Call, now: Any) -> None:
    """Refuse before opening and from the closing second on (Europe/Paris in messages)."""
    if call.status != CallStatus.PUBLISHED:
        raise ValidationError(_("Cet appel n’est pas ouvert."), code="call_not_open")
    if now < call.opens_at:
        raise ValidationError(
            _("L’appel ouvre le %(when)s (heure de Paris).") % {"when": paris(call.opens_at)},
            code="call_not_open",
        )
    if now >= call.closes_at:
        raise ValidationError(
            _(
                "L’appel est clos depuis le %(when)s (heure de Paris) : les candidatures ne "
                "sont plus acceptées."
            )
            % {"when": paris(call.closes_at)},
            code="deadline",
        )


# --- Applications: applicant side ----------------------------------------------------------


def _check_projects(organisation: Organisation, projects: Iterable[Project]) -> list[Project]:
    projects = list(projects)
    if not projects:
        raise ValidationError(
            _("Choisissez au moins un projet de la structure."), code="projects_required"
        )
    foreign = [p for p in projects if p.organisation_id != organisation.pk]
    if foreign:
        raise ValidationError(
            _("Le projet « %(title)s » n’appartient pas à la structure candidate.")
            % {"title": foreign[0].title},
            code="foreign_project",
        )
    return projects


def application_create(
    *, call: Call, organisation: Organisation, actor: Any, projects: Iterable[Project]
) -> CallApplication:
    """A member starts a draft for their organisation, carrying one or more of its projects."""
    check_member(actor, organisation)
    check_deadline(call, timezone.now())
    if organisation.status not in (ModerationStatus.PUBLISHED, ModerationStatus.PENDING):
        raise ValidationError(
            _("Votre structure doit être publiée dans l’annuaire (ou en attente de modération)."),
            code="organisation_status",
        )
    projects = _check_projects(organisation, projects)
    form = current_form(call)
    try:
        with transaction.atomic():
            application = CallApplication.objects.create(
                call=call,
                organisation=organisation,
                form=form,
                reference=f"tmp-{secrets.token_hex(8)}",
                created_by=actor,
            )
            prefix = "".join(ch for ch in call.slug.upper() if ch.isalnum())[:12] or "APP"
            application.reference = f"{prefix}-{application.pk:05d}"
            CallApplication.objects.filter(pk=application.pk).update(
                reference=application.reference
            )
            application.projects.set(projects)
            audit_record(
                actor=actor,
                action="call_application.create",
                obj=application,
                to_state=ApplicationStatus.DRAFT,
                after={"projets": [p.pk for p in projects]},
            )
    except IntegrityError:
        raise ValidationError(
            _("Votre structure a déjà une candidature à cet appel : reprenez-la."),
            code="duplicate",
        ) from None
    return application


def _editable(application: CallApplication, now: Any) -> CallApplication:
    """The fresh application, refusing when the applicant cannot edit it now."""
    # Row lock (PostgreSQL; SQLite's immediate transactions already run one at a time): an
    # autosave and a button posting the whole form arrive together, and each rewrites the
    # answers from what it read — without the lock, one would lose the other's change.
    fresh = (
        CallApplication.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=application.pk)
    )
    if fresh.status not in EDITABLE_STATES:
        raise ValidationError(
            _("La candidature est « %(state)s » : elle ne se modifie plus.")
            % {"state": applicant_status(fresh)[1]},  # never an embargoed decision
            code="not_editable",
        )
    if fresh.status == ApplicationStatus.DRAFT:
        check_deadline(fresh.call, now)
    elif fresh.correction_deadline and now >= fresh.correction_deadline:
        raise ValidationError(
            _("Le délai pour compléter le dossier a expiré le %(when)s (heure de Paris).")
            % {"when": paris(fresh.correction_deadline)},
            code="deadline",
        )
    return fresh


def file_ids(application: CallApplication) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = {}
    for pk, key in ApplicationFile.objects.filter(application=application).values_list(
        "pk", "question_key"
    ):
        ids.setdefault(key, set()).add(pk)
    return ids


def application_check(
    application: CallApplication,
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """What would happen at submission: ({question key: error}, eligibility results)."""
    questions = list(application.form.questions.all())
    ids = file_ids(application)
    values, errors = answer_rules.validate_answers(
        questions, application.answers, file_ids=ids, required=True
    )
    answered_files = {
        q.key for q in questions if q.kind == QuestionKind.FILE and values.get(q.key) is not None
    }
    results = eligibility.evaluate(
        application.call, application.organisation, values, answered_files=answered_files
    )
    return errors, results


def application_save_draft(
    *,
    application: CallApplication,
    actor: Any,
    answers: Mapping[str, Any],
    projects: Iterable[Project] | None = None,
) -> dict[str, str]:
    """Save what the applicant typed (every known question given in ``answers``, as typed,
    so nothing is lost) and return the problems to fix before submitting ({key: error});
    required answers are checked only at submission. Used by the autosave too."""
    check_member(actor, application.organisation)
    with transaction.atomic():
        fresh = _editable(application, timezone.now())
        questions = {q.key: q for q in fresh.form.questions.all()}
        unknown = sorted(set(answers) - set(questions))
        if unknown:
            raise ValidationError(
                _("Question inconnue : %(keys)s.") % {"keys": ", ".join(unknown)},
                code="unknown_question",
            )
        stored = dict(fresh.answers)
        for key, raw in answers.items():
            if questions[key].kind == QuestionKind.FILE:
                continue  # files come through application_attach
            stored[key] = answer_rules.clean_raw(questions[key], raw)
        CallApplication.objects.filter(pk=fresh.pk).update(
            answers=stored, updated_at=timezone.now()
        )
        application.answers = stored
        if projects is not None and fresh.status == ApplicationStatus.DRAFT:
            chosen = _check_projects(fresh.organisation, projects)
            application.projects.set(chosen)
        __, errors = answer_rules.validate_answers(
            questions.values(), stored, file_ids=file_ids(fresh), required=False
        )
        return errors


def call_attachment_max_bytes() -> int:
    return int(settings.CALL_ATTACHMENT_MAX_BYTES)


def application_attach(
    *, application: CallApplication, actor: Any, question_key: str, upload: UploadedFile
) -> ApplicationFile:
    """Answer a file question: a PDF, PNG, JPEG, ODT or DOCX judged from its content, within
    CALL_ATTACHMENT_MAX_BYTES, stored under a random name. It replaces the previous file of
    that question (kept if a submission refers to it)."""
    check_member(actor, application.organisation)
    original_name = (upload.name or "").rsplit("/", 1)[-1][:255] or "piece"
    validate_document(upload, call_attachment_max_bytes())
    with NewFiles() as new_files, transaction.atomic():
        fresh = _editable(application, timezone.now())
        question = fresh.form.questions.filter(key=question_key).first()
        if question is None or question.kind != QuestionKind.FILE:
            raise ValidationError(
                _("Cette question n’attend pas de fichier."), code="not_a_file_question"
            )
        previous = fresh.answers.get(question_key)
        attachment = ApplicationFile(
            application=fresh,
            question_key=question_key,
            original_name=original_name,
            content_type=upload.content_type or "",
            size=upload.size or 0,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name or "piece", upload, save=False)
        new_files.track(attachment.file)
        attachment.save()
        stored = {**fresh.answers, question_key: attachment.pk}
        CallApplication.objects.filter(pk=fresh.pk).update(
            answers=stored, updated_at=timezone.now()
        )
        application.answers = stored
        if previous:
            _forget_file(fresh, previous)
        audit_record(
            actor=actor,
            action="call_application.attach",
            obj=fresh,
            after={"question": question_key, "piece": original_name},
        )
    return attachment


def _forget_file(application: CallApplication, file_id: Any) -> None:
    """Delete a replaced file unless a submission refers to it."""
    old = ApplicationFile.objects.filter(pk=file_id, application=application).first()
    if old is None:
        return
    key = old.question_key
    if any(s.get(key) == old.pk for s in application.submissions.values_list("answers", flat=True)):
        return
    name, storage = old.file.name, old.file.storage
    old.delete()
    transaction.on_commit(lambda: storage.delete(name))


def application_submit(
    *, application: CallApplication, actor: Any, response: str = ""
) -> Submission:
    """Submit the answers, frozen into a Submission (the receipt). From a draft, before the
    call closes (to the second); when answering a correction request (``response`` says what
    was completed), before its deadline, and the application is admissible again. Every
    answer is validated; the eligibility rules are evaluated and recorded."""
    check_member(actor, application.organisation)
    now = timezone.now()
    with transaction.atomic():
        fresh = _editable(application, now)
        answering = fresh.status == ApplicationStatus.AWAITING_COMPLETION
        errors, results = application_check(fresh)
        problems = [
            _("« %(label)s » : %(error)s") % {"label": label, "error": errors[key]}
            for key, label in fresh.form.questions.values_list("key", "label")
            if key in errors
        ]
        if answering and not (response or "").strip():
            problems.append(_("Expliquez ce que vous avez complété en réponse à la demande."))
        if not fresh.projects.exists():
            problems.append(_("Choisissez au moins un projet de la structure."))
        if problems:
            raise ValidationError(problems, code="incomplete")
        number = fresh.submissions.count() + 1
        to_state = ApplicationStatus.ADMISSIBLE if answering else ApplicationStatus.SUBMITTED
        extra: dict[str, Any] = {
            "eligibility": results,
            "eligible": eligibility.all_passed(results),
        }
        if not answering:
            extra["submitted_at"] = now
        # The conditional update decides between two simultaneous submissions of one draft.
        transition(
            application=fresh,
            actor=actor,
            action="call_application.answer" if answering else "call_application.submit",
            from_states=[fresh.status],
            to_state=to_state,
            reason=(response or "").strip(),
            extra=extra,
        )
        submission = Submission.objects.create(
            application=fresh,
            number=number,
            answers=fresh.answers,
            projects=[
                {"id": pk, "titre": title}
                for pk, title in fresh.projects.order_by("title").values_list("pk", "title")
            ],
            eligibility=results,
            response=(response or "").strip(),
            receipt_code=f"{fresh.reference}-{number}-{secrets.token_hex(3).upper()}",
            submitted_at=now,
            submitted_by=actor,
        )
        application.status = to_state
        if not answering:
            # Flag conflicts with the jury as soon as the file exists (staff confirm them).
            from .review import detect_conflicts

            detect_conflicts(call=fresh.call, actor=None)
        notify_applicant(
            application=fresh,
            subject=_("Accusé de réception de votre candidature %(ref)s")
            % {"ref": fresh.reference},
            message=_(
                "La candidature %(ref)s de %(name)s à l’appel « %(call)s » a été déposée le "
                "%(when)s (heure de Paris). Numéro d’accusé de réception : %(receipt)s."
            )
            % {
                "ref": fresh.reference,
                "name": fresh.organisation.name,
                "call": fresh.call.title,
                "when": paris(now),
                "receipt": submission.receipt_code,
            },
        )
    return submission


def application_withdraw(*, application: CallApplication, actor: Any, reason: str = "") -> None:
    """A member withdraws the application from any non-final state (its audition slot, if
    any, is released)."""
    check_member(actor, application.organisation)
    with transaction.atomic():
        fresh = CallApplication.objects.select_related("call").get(pk=application.pk)
        if fresh.status not in WITHDRAWABLE_STATES:
            # Worded from what the applicant may see: an embargoed decision stays hidden.
            raise ValidationError(
                _("Cette candidature ne peut plus être retirée : elle est « %(state)s ».")
                % {"state": applicant_status(fresh)[1]},
                code="invalid_state",
            )
        transition(
            application=fresh,
            actor=actor,
            action="call_application.withdraw",
            from_states=WITHDRAWABLE_STATES,
            to_state=ApplicationStatus.WITHDRAWN,
            reason=(reason or "").strip(),
        )
        application.status = ApplicationStatus.WITHDRAWN
        AuditionSlot.objects.filter(application=application).update(application=None)


# --- Applications: admissibility (staff) ---------------------------------------------------


def application_confirm_admissibility(
    *, application: CallApplication, actor: Any, admissible: bool, reason: str = ""
) -> None:
    """Staff confirm the submitted application admissible or not. A reason is required to
    declare it inadmissible, and to override the eligibility rules' result."""
    check_staff(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        fresh = CallApplication.objects.select_related("call", "organisation").get(
            pk=application.pk
        )
        overridden = fresh.eligible is not None and bool(fresh.eligible) != admissible
        if not admissible and not reason:
            raise ValidationError(
                _("Indiquez le motif de l’irrecevabilité."), code="reason_required"
            )
        if overridden and not reason:
            raise ValidationError(
                _(
                    "Les règles d’éligibilité donnent un autre résultat : indiquez le motif "
                    "de votre décision."
                ),
                code="reason_required",
            )
        to_state = ApplicationStatus.ADMISSIBLE if admissible else ApplicationStatus.INADMISSIBLE
        transition(
            application=fresh,
            actor=actor,
            action="call_application.admissibility",
            from_states=[ApplicationStatus.SUBMITTED],
            to_state=to_state,
            reason=reason,
            extra={
                "admissibility_reason": reason,
                "admissibility_overridden": overridden,
                **({} if admissible else {"decided_at": timezone.now()}),
            },
        )
        application.status = to_state
        if not admissible:
            notify_applicant(
                application=fresh,
                subject=_("Votre candidature %(ref)s n’est pas recevable")
                % {"ref": fresh.reference},
                message=_("La candidature de %(name)s à l’appel « %(call)s » n’est pas recevable.")
                % {"name": fresh.organisation.name, "call": fresh.call.title},
                reason=reason,
            )


def application_request_completion(
    *, application: CallApplication, actor: Any, message: str, deadline: Any
) -> None:
    """Staff ask an admissible applicant to complete the file before ``deadline`` (an aware
    datetime in the future)."""
    check_staff(actor)
    message = require_text(message, _("Indiquez ce que le candidat doit compléter."))
    now = timezone.now()
    if deadline is None or deadline <= now:
        raise ValidationError(
            _("La date limite pour compléter doit être dans le futur."), code="deadline_past"
        )
    with transaction.atomic():
        transition(
            application=application,
            actor=actor,
            action="call_application.request_completion",
            from_states=[ApplicationStatus.ADMISSIBLE],
            to_state=ApplicationStatus.AWAITING_COMPLETION,
            reason=message,
            extra={"correction_request": message, "correction_deadline": deadline},
        )
        notify_applicant(
            application=application,
            subject=_("Votre candidature %(ref)s est à compléter") % {"ref": application.reference},
            message=_(
                "L’équipe du programme vous demande de compléter votre candidature avant le "
                "%(when)s (heure de Paris)."
            )
            % {"when": paris(deadline)},
            reason=message,
        )


def application_close_incomplete(*, application: CallApplication, actor: Any, reason: str) -> None:
    """Staff declare inadmissible a file still awaiting completion once its deadline has
    passed (the applicant did not answer): without it, the file would block the results."""
    check_staff(actor)
    reason = require_text(reason, _("Indiquez le motif de l’irrecevabilité."))
    with transaction.atomic():
        fresh = CallApplication.objects.select_related("call", "organisation").get(
            pk=application.pk
        )
        if (
            fresh.status == ApplicationStatus.AWAITING_COMPLETION
            and fresh.correction_deadline
            and timezone.now() < fresh.correction_deadline
        ):
            raise ValidationError(
                _("Le candidat a jusqu’au %(when)s (heure de Paris) pour compléter son dossier.")
                % {"when": paris(fresh.correction_deadline)},
                code="deadline_not_passed",
            )
        transition(
            application=fresh,
            actor=actor,
            action="call_application.close_incomplete",
            from_states=[ApplicationStatus.AWAITING_COMPLETION],
            to_state=ApplicationStatus.INADMISSIBLE,
            reason=reason,
            extra={"admissibility_reason": reason, "decided_at": timezone.now()},
        )
        application.status = ApplicationStatus.INADMISSIBLE
        notify_applicant(
            application=fresh,
            subject=_("Votre candidature %(ref)s n’est pas recevable") % {"ref": fresh.reference},
            message=_(
                "Le dossier de %(name)s à l’appel « %(call)s » n’a pas été complété dans le "
                "délai : il n’est pas recevable."
            )
            % {"name": fresh.organisation.name, "call": fresh.call.title},
            reason=reason,
        )
