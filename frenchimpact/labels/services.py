"""Writes of the label domain: applications through the permanent call, and labels.

Every function here is keyword-only, runs in a transaction and writes its audit entry (who,
when, from, to, why). Lifecycles move only through these transitions, each checking the actor
and the current state with a conditional update (``filter(pk=…, status=…).update(…)`` and a
count check), so that two people acting at once cannot both win, on SQLite and PostgreSQL.
A rejected input raises ValidationError with a French message and writes nothing; a forbidden
actor raises PermissionDenied.

The browser journey: ``application_create`` → ``application_update`` (+ ``application_attach``)
→ ``application_submit`` → ``application_start_review`` → ``application_request_changes`` →
``application_submit`` (the answer, a new revision) → ``application_send_to_committee`` →
``label_grant`` (or ``application_refuse``) → ``label_suspend`` / ``label_reinstate`` /
``label_revoke``. The daily job calls ``labels_expire``, ``labels_open_renewals`` and
``labels_send_reminders``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record, audited_transition
from frenchimpact.core.dates import add_years
from frenchimpact.core.files import NewFiles
from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.organisations.models import Organisation
from frenchimpact.organisations.services import member_emails, send_notification
from frenchimpact.permissions import can_apply_for_label, can_decide_label
from frenchimpact.support.enums import Typology

from .enums import ApplicationStatus, LabelKind, LabelStatus
from .models import ApplicationAttachment, ApplicationRevision, Label, LabelApplication
from .validators import resolve_territory, validate_attachment

# States an application is still alive in (a second one of the same kind is refused).
OPEN_STATES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.CHANGES_REQUESTED,
    ApplicationStatus.COMMITTEE,
)
WITHDRAWABLE_STATES = OPEN_STATES
# States in which the applicant edits the open revision.
EDITABLE_STATES = (ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED)
# Labels that still count as held (a new application of that kind is refused).
HELD_LABEL_STATES = (LabelStatus.ACTIVE, LabelStatus.RENEWAL_OPEN, LabelStatus.SUSPENDED)
# What the applicant types in a revision.
REVISION_FIELDS = (
    "typology",
    "territory_level",
    "territory_code",
    "programme",
    "references",
    "anchoring",
    "commitments_accepted",
)
MAX_ATTACHMENTS = 10
NUMBER_PREFIX = {LabelKind.SUPPORT_STRUCTURE: "ACC", LabelKind.TERRITORY: "TER"}


# --- Helpers -------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def renewal_opens_on(label: Label) -> dt.date:
    """The first day a renewal application is accepted for ``label``."""
    return label.valid_until - dt.timedelta(days=settings.LABEL_RENEWAL_WINDOW_DAYS)


def _fmt(day: dt.date) -> str:
    return date_format(day, "j F Y")


def _check_member(actor: Any, organisation: Organisation) -> None:
    if not can_apply_for_label(actor, organisation):
        raise PermissionDenied(_("Seuls les membres de la structure agissent sur sa candidature."))


def _check_staff(actor: Any) -> None:
    if not can_decide_label(actor):
        raise PermissionDenied(_("Seule l’équipe du programme instruit les candidatures."))


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code="required")
    return text


def _require_reason(reason: str) -> str:
    return _require(reason, _("Indiquez le motif de la décision."))


def _check_committee_date(committee_date: dt.date | None, today: dt.date) -> dt.date:
    if committee_date is None:
        raise ValidationError(_("Indiquez la date du comité."), code="committee_date_required")
    if committee_date > today:
        raise ValidationError(
            _("La date du comité ne peut pas être dans le futur."), code="committee_date_future"
        )
    return committee_date


def _transition(
    *,
    obj: LabelApplication | Label,
    actor: Any,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Move an application or a label from one of ``from_states`` to ``to_state`` with a
    conditional update and audit it; returns the state it left. Call inside a transaction."""
    return audited_transition(
        obj=obj,
        actor=actor,
        action=action,
        from_states=from_states,
        to_state=to_state,
        states=ApplicationStatus if isinstance(obj, LabelApplication) else LabelStatus,
        invalid_message=_(
            "Cette action n’est pas possible : le statut est « %(state)s » (quelqu’un l’a "
            "peut-être traitée entre-temps)."
        ),
        concurrent_message=_(
            "La candidature ou le label a changé entre-temps : rechargez la page."
        ),
        reason=reason,
        extra=extra,
    )


def _notify_applicant(
    *,
    application: LabelApplication,
    subject: str,
    message: str,
    reason: str = "",
    reason_title: str = "",
) -> None:
    send_notification(
        recipients=member_emails(organisation=application.organisation),
        subject=subject,
        template="labels/emails/notification.txt",
        context={
            "message": message,
            "reason": reason,
            "reason_title": reason_title or _("Motif :"),
            "url": reverse("labels:application_detail", args=[application.pk]),
        },
    )


def _notify_holder(*, label: Label, subject: str, message: str, reason: str = "") -> None:
    send_notification(
        recipients=member_emails(organisation=label.holder),
        subject=subject,
        template="labels/emails/notification.txt",
        context={"message": message, "reason": reason, "reason_title": _("Motif :"), "url": ""},
    )


def current_revision(application: LabelApplication) -> ApplicationRevision:
    """The latest revision (the open one while the applicant edits, else the last submitted)."""
    revision = application.revisions.order_by("-number").first()
    assert revision is not None  # application_create always creates the first one
    return revision


def _open_revision(application: LabelApplication) -> ApplicationRevision:
    fresh = LabelApplication.objects.get(pk=application.pk)
    revision = current_revision(fresh)
    if fresh.status not in EDITABLE_STATES or revision.submitted_at is not None:
        raise ValidationError(
            _(
                "Cette candidature n’est plus modifiable : une version déposée n’est jamais "
                "modifiée (statut « %(state)s »)."
            )
            % {"state": ApplicationStatus(fresh.status).label},
            code="not_editable",
        )
    return revision


# --- Applications ----------------------------------------------------------------------------


def _check_can_open(
    *, organisation: Organisation, kind: str, renewal_of: Label | None, today: dt.date
) -> None:
    if kind not in LabelKind.values:
        raise ValidationError(_("Choisissez le label demandé."), code="invalid_kind")
    if kind == LabelKind.TERRITORY and OrganisationKind.LOCAL_GOVERNMENT not in (
        organisation.kinds or []
    ):
        raise ValidationError(
            _(
                "Le label « Territoire » est réservé aux collectivités (région, département, "
                "EPCI ou commune) : la structure n’est pas déclarée comme collectivité."
            ),
            code="not_local_government",
        )
    if kind == LabelKind.SUPPORT_STRUCTURE and OrganisationKind.SUPPORT_STRUCTURE not in (
        organisation.kinds or []
    ):
        raise ValidationError(
            _(
                "Le label « Structure d’accompagnement » est réservé aux structures déclarées "
                "comme structures d’accompagnement : modifiez d’abord les types d’acteur de la "
                "fiche de la structure."
            ),
            code="not_support_structure",
        )
    if LabelApplication.objects.filter(
        organisation=organisation, kind=kind, status__in=OPEN_STATES
    ).exists():
        raise ValidationError(
            _("La structure a déjà une candidature en cours pour ce label : poursuivez-la."),
            code="already_open",
        )
    if renewal_of is not None:
        if renewal_of.holder_id != organisation.pk or renewal_of.kind != kind:
            raise ValidationError(
                _("Ce label n’est pas celui de la structure."), code="wrong_label"
            )
        if renewal_of.status not in (LabelStatus.ACTIVE, LabelStatus.RENEWAL_OPEN):
            raise ValidationError(
                _("Ce label ne peut pas être renouvelé (statut « %(state)s »).")
                % {"state": LabelStatus(renewal_of.status).label},
                code="not_renewable",
            )
        opens = renewal_opens_on(renewal_of)
        if today < opens:
            raise ValidationError(
                _("Le renouvellement de ce label sera ouvert à partir du %(date)s.")
                % {"date": _fmt(opens)},
                code="renewal_not_open",
            )
        if today >= renewal_of.valid_until:
            raise ValidationError(
                _("Ce label a expiré : déposez une nouvelle candidature."), code="expired"
            )
        return
    held = (
        Label.objects.filter(
            holder=organisation, kind=kind, status__in=HELD_LABEL_STATES, valid_until__gt=today
        )
        .order_by("-valid_until")
        .first()
    )
    if held is not None:
        raise ValidationError(
            _(
                "La structure détient déjà ce label (n° %(number)s), valable jusqu’au %(until)s. "
                "Une demande de renouvellement pourra être déposée à partir du %(opens)s."
            )
            % {
                "number": held.number,
                "until": _fmt(held.valid_until),
                "opens": _fmt(renewal_opens_on(held)),
            },
            code="label_held",
        )


def application_create(
    *,
    organisation: Organisation,
    kind: str,
    actor: Any,
    renewal_of: Label | None = None,
    today: dt.date | None = None,
) -> LabelApplication:
    """A member opens a draft application (first label, or the renewal of ``renewal_of``, a
    shorter form). Refused while the organisation holds a valid label of that kind, except for
    a renewal inside the renewal window, and while another application of that kind is open."""
    _check_member(actor, organisation)
    today = today or _today()
    with transaction.atomic():
        _check_can_open(organisation=organisation, kind=kind, renewal_of=renewal_of, today=today)
        application = LabelApplication.objects.create(
            organisation=organisation, kind=kind, renewal_of=renewal_of, created_by=actor
        )
        copied: dict[str, Any] = {}
        if renewal_of is not None:
            previous = current_revision(renewal_of.application)
            copied = {
                name: getattr(previous, name)
                for name in ("typology", "territory_level", "territory_code", "territory_name")
            }
            copied["anchoring"] = previous.anchoring
        ApplicationRevision.objects.create(application=application, number=1, **copied)
        audit_record(
            actor=actor,
            action="label_application.create",
            obj=application,
            to_state=ApplicationStatus.DRAFT,
            after={"kind": kind, "renewal_of": renewal_of.pk if renewal_of else None},
        )
    return application


def _clean_revision_values(
    application: LabelApplication, values: Mapping[str, Any]
) -> dict[str, Any]:
    unknown = set(values) - set(REVISION_FIELDS)
    if unknown:
        raise ValueError(f"Not editable by applicants: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        cleaned[name] = value.strip() if isinstance(value, str) else value
    if application.kind == LabelKind.SUPPORT_STRUCTURE:
        typology = cleaned.get("typology", "")
        if typology and typology not in Typology.values:
            raise ValidationError(_("Choisissez une typologie de la liste."), code="typology")
        for name in ("territory_level", "territory_code"):
            cleaned.pop(name, None)
    else:
        cleaned.pop("typology", None)
        level = cleaned.get("territory_level", "")
        code = cleaned.get("territory_code", "")
        if level or code:
            if not level:
                raise ValidationError(
                    _("Choisissez le niveau du territoire."), code="territory_level"
                )
            if not code:
                raise ValidationError(
                    _("Indiquez le code COG du territoire."), code="territory_code"
                )
            code, name, _region = resolve_territory(level=level, code=code)
            cleaned["territory_code"] = code
            cleaned["territory_name"] = name or application.organisation.name
    return cleaned


def application_update(
    *, application: LabelApplication, actor: Any, values: Mapping[str, Any]
) -> ApplicationRevision:
    """A member saves the open revision (draft, or the answer to a change request). A
    submitted revision is frozen: this refuses to touch it."""
    _check_member(actor, application.organisation)
    cleaned = _clean_revision_values(application, values)
    with transaction.atomic():
        revision = _open_revision(application)
        before = {name: getattr(revision, name) for name in cleaned}
        if (
            ApplicationRevision.objects.filter(pk=revision.pk, submitted_at__isnull=True).update(
                **cleaned
            )
            != 1
        ):
            raise ValidationError(
                _("Cette version vient d’être déposée : rechargez la page."), code="concurrent"
            )
        revision.refresh_from_db()
        LabelApplication.objects.filter(pk=application.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="label_application.update",
            obj=application,
            before={f"v{revision.number}.{k}": v for k, v in before.items()},
            after={f"v{revision.number}.{k}": v for k, v in cleaned.items()},
        )
    return revision


def application_attach(
    *, application: LabelApplication, actor: Any, upload: UploadedFile
) -> ApplicationAttachment:
    """A member adds a file to the open revision: PDF, PNG, JPEG, ODT or DOCX judged from its
    content, within LABEL_ATTACHMENT_MAX_BYTES, stored under a random name."""
    _check_member(actor, application.organisation)
    original_name = (upload.name or "").rsplit("/", 1)[-1][:255] or "piece"
    validate_attachment(upload)  # raises the French message; renames the upload
    with NewFiles() as new_files, transaction.atomic():
        revision = _open_revision(application)
        if revision.attachments.count() >= MAX_ATTACHMENTS:
            raise ValidationError(
                _("Une version compte au plus %(count)d pièces jointes.")
                % {"count": MAX_ATTACHMENTS},
                code="too_many",
            )
        attachment = ApplicationAttachment(
            revision=revision,
            original_name=original_name,
            content_type=upload.content_type or "",
            size=upload.size or 0,
        )
        attachment.file.save(upload.name or "piece", upload, save=False)
        new_files.track(attachment.file)
        attachment.save()
        audit_record(
            actor=actor,
            action="label_application.attach",
            obj=application,
            after={"piece": original_name, "version": revision.number},
        )
    return attachment


def application_detach(*, attachment: ApplicationAttachment, actor: Any) -> None:
    """A member removes a file from the open revision (a submitted revision keeps its files;
    the stored file stays while an earlier revision still refers to it)."""
    application = attachment.revision.application
    _check_member(actor, application.organisation)
    with transaction.atomic():
        revision = _open_revision(application)
        if attachment.revision_id != revision.pk:
            raise ValidationError(
                _("Cette pièce appartient à une version déposée : elle ne peut être retirée."),
                code="not_editable",
            )
        name = attachment.file.name
        storage = attachment.file.storage
        attachment.delete()
        audit_record(
            actor=actor,
            action="label_application.detach",
            obj=application,
            before={"piece": attachment.original_name, "version": revision.number},
        )
        if not ApplicationAttachment.objects.filter(file=name).exists():
            transaction.on_commit(lambda: storage.delete(name))


def application_missing(application: LabelApplication, revision: ApplicationRevision) -> list[str]:
    """What the revision lacks before it can be submitted (French messages, empty if none)."""
    missing = []
    if application.renewal_of_id is None:
        if application.kind == LabelKind.SUPPORT_STRUCTURE and not revision.typology:
            missing.append(_("Choisissez la typologie de la structure."))
        if application.kind == LabelKind.TERRITORY and not (
            revision.territory_level and revision.territory_code
        ):
            missing.append(_("Indiquez le territoire (niveau et code COG)."))
        if not revision.anchoring:
            missing.append(_("Décrivez l’ancrage territorial."))
    if not revision.programme:
        missing.append(_("Décrivez le programme d’innovation sociale."))
    if not revision.references:
        missing.append(_("Indiquez vos références et résultats."))
    if not revision.commitments_accepted:
        missing.append(_("Acceptez les engagements de la charte pour déposer la candidature."))
    return missing


def application_submit(
    *, application: LabelApplication, actor: Any, response: str = ""
) -> ApplicationRevision:
    """A member submits the open revision, which is then frozen. From a draft the application
    becomes "submitted"; when answering a change request (``response`` required: what was
    changed) it goes back to "under review" with this new revision."""
    _check_member(actor, application.organisation)
    with transaction.atomic():
        revision = _open_revision(application)
        # The caller's object may be stale (staff acted since it was loaded).
        application.status = LabelApplication.objects.values_list("status", flat=True).get(
            pk=application.pk
        )
        answering = application.status == ApplicationStatus.CHANGES_REQUESTED
        missing = application_missing(application, revision)
        if answering and not (response or "").strip():
            missing.append(_("Expliquez ce que vous avez modifié en réponse à la demande."))
        if missing:
            raise ValidationError(missing, code="incomplete")
        now = timezone.now()
        if (
            ApplicationRevision.objects.filter(pk=revision.pk, submitted_at__isnull=True).update(
                submitted_at=now, submitted_by=actor, response=(response or "").strip()
            )
            != 1
        ):
            raise ValidationError(
                _("Cette version vient d’être déposée : rechargez la page."), code="concurrent"
            )
        revision.refresh_from_db()
        extra: dict[str, Any] = {} if answering else {"submitted_at": now}
        _transition(
            obj=application,
            actor=actor,
            action="label_application.answer" if answering else "label_application.submit",
            from_states=[application.status],
            to_state=ApplicationStatus.UNDER_REVIEW if answering else ApplicationStatus.SUBMITTED,
            reason=revision.response,
            extra=extra,
        )
        _notify_applicant(
            application=application,
            subject=_("Votre candidature au label a été déposée"),
            message=_(
                "La version %(number)d de la candidature de %(name)s au label « %(kind)s » a été "
                "déposée. L’équipe du programme l’instruira."
            )
            % {
                "number": revision.number,
                "name": application.organisation.name,
                "kind": application.get_kind_display(),
            },
        )
    return revision


def application_start_review(*, application: LabelApplication, actor: Any) -> None:
    """Staff take a submitted application into review."""
    _check_staff(actor)
    with transaction.atomic():
        _transition(
            obj=application,
            actor=actor,
            action="label_application.start_review",
            from_states=[ApplicationStatus.SUBMITTED],
            to_state=ApplicationStatus.UNDER_REVIEW,
        )
        _notify_applicant(
            application=application,
            subject=_("Votre candidature au label est en instruction"),
            message=_("L’équipe du programme a commencé l’instruction de votre candidature."),
        )


def application_request_changes(
    *, application: LabelApplication, actor: Any, changes: str
) -> ApplicationRevision:
    """Staff ask for changes (``changes``: what to change, required). A new open revision,
    a copy of the last submitted one with its attachments, awaits the applicant's answer."""
    _check_staff(actor)
    changes = _require(changes, _("Indiquez les modifications demandées."))
    with transaction.atomic():
        _transition(
            obj=application,
            actor=actor,
            action="label_application.request_changes",
            from_states=[ApplicationStatus.UNDER_REVIEW],
            to_state=ApplicationStatus.CHANGES_REQUESTED,
            reason=changes,
            extra={"change_request": changes},
        )
        last = current_revision(application)
        revision = ApplicationRevision.objects.create(
            application=application,
            number=last.number + 1,
            **{
                name: getattr(last, name)
                for name in (*REVISION_FIELDS, "territory_name", "is_pilot_territory")
            },
        )
        ApplicationAttachment.objects.bulk_create(
            ApplicationAttachment(
                revision=revision,
                file=attachment.file.name,
                original_name=attachment.original_name,
                content_type=attachment.content_type,
                size=attachment.size,
            )
            for attachment in last.attachments.all()
        )
        _notify_applicant(
            application=application,
            subject=_("Des modifications sont demandées sur votre candidature au label"),
            message=_(
                "L’équipe du programme demande des modifications avant de poursuivre "
                "l’instruction. Complétez la nouvelle version de votre candidature puis "
                "déposez-la."
            ),
            reason=changes,
            reason_title=_("Modifications demandées :"),
        )
    return revision


def application_send_to_committee(*, application: LabelApplication, actor: Any) -> None:
    """Staff put a reviewed application on the committee's agenda."""
    _check_staff(actor)
    with transaction.atomic():
        _transition(
            obj=application,
            actor=actor,
            action="label_application.send_to_committee",
            from_states=[ApplicationStatus.UNDER_REVIEW],
            to_state=ApplicationStatus.COMMITTEE,
        )
        _notify_applicant(
            application=application,
            subject=_("Votre candidature au label passe en comité"),
            message=_("Votre candidature sera examinée par le comité de labellisation."),
        )


def application_refuse(
    *,
    application: LabelApplication,
    actor: Any,
    committee_date: dt.date | None,
    reason: str,
    today: dt.date | None = None,
) -> None:
    """Staff record the committee's refusal (committee date and reason required)."""
    _check_staff(actor)
    reason = _require_reason(reason)
    committee_date = _check_committee_date(committee_date, today or _today())
    with transaction.atomic():
        _transition(
            obj=application,
            actor=actor,
            action="label_application.refuse",
            from_states=[ApplicationStatus.COMMITTEE],
            to_state=ApplicationStatus.REFUSED,
            reason=reason,
            extra={
                "decision_reason": reason,
                "committee_date": committee_date,
                "decided_by": actor,
                "decided_at": timezone.now(),
            },
        )
        _notify_applicant(
            application=application,
            subject=_("Votre candidature au label n’a pas été retenue"),
            message=_("Le comité du %(date)s n’a pas retenu votre candidature.")
            % {"date": _fmt(committee_date)},
            reason=reason,
        )


def application_withdraw(*, application: LabelApplication, actor: Any, reason: str = "") -> None:
    """A member withdraws the application from any non-final state."""
    _check_member(actor, application.organisation)
    reason = (reason or "").strip()
    with transaction.atomic():
        _transition(
            obj=application,
            actor=actor,
            action="label_application.withdraw",
            from_states=WITHDRAWABLE_STATES,
            to_state=ApplicationStatus.WITHDRAWN,
            reason=reason,
        )
        _notify_applicant(
            application=application,
            subject=_("Votre candidature au label a été retirée"),
            message=_("La candidature de %(name)s au label « %(kind)s » a été retirée.")
            % {"name": application.organisation.name, "kind": application.get_kind_display()},
            reason=reason,
        )


# --- Labels --------------------------------------------------------------------------------


def _overlap_error(holder: Organisation, kind: str) -> ValidationError:
    return ValidationError(
        _(
            "%(name)s détient déjà un label « %(kind)s » sur une période qui chevauche celle-ci : "
            "un titulaire n’a jamais deux labels du même type valables en même temps."
        )
        % {"name": holder.name, "kind": LabelKind(kind).label},
        code="overlap",
    )


def label_overlaps(
    *, holder: Organisation, kind: str, valid_from: dt.date, valid_until: dt.date
) -> bool:
    """True when a non-revoked label of the holder and kind overlaps [valid_from, valid_until)."""
    return (
        Label.objects.filter(holder=holder, kind=kind, valid_from__lt=valid_until)
        .filter(valid_until__gt=valid_from)
        .exclude(status=LabelStatus.REVOKED)
        .exists()
    )


def label_grant(
    *,
    application: LabelApplication,
    actor: Any,
    committee_date: dt.date | None,
    reason: str = "",
    is_pilot_territory: bool = False,
    today: dt.date | None = None,
) -> Label:
    """Staff record the committee's grant: the application is granted and the Label created
    (number FI-ACC-<year>-<application>/FI-TER-…, valid from the committee date — or from the
    old label's end for a renewal, which marks the old label renewed — for
    LABEL_VALIDITY_YEARS; typology, territory and region copied from the last revision)."""
    _check_staff(actor)
    today = today or _today()
    committee_date = _check_committee_date(committee_date, today)
    reason = (reason or "").strip()
    organisation = application.organisation
    with transaction.atomic():
        revision = current_revision(application)
        old = (
            Label.objects.filter(pk=application.renewal_of_id).first()
            if application.renewal_of_id
            else None
        )
        valid_from = committee_date
        if old is not None and old.valid_until > committee_date:
            valid_from = old.valid_until
        valid_until = add_years(valid_from, settings.LABEL_VALIDITY_YEARS)
        if valid_until <= valid_from:
            raise ValidationError(
                _("La fin de validité doit suivre son début."), code="end_before_start"
            )
        _transition(
            obj=application,
            actor=actor,
            action="label_application.grant",
            from_states=[ApplicationStatus.COMMITTEE],
            to_state=ApplicationStatus.GRANTED,
            reason=reason,
            extra={
                "decision_reason": reason,
                "committee_date": committee_date,
                "decided_by": actor,
                "decided_at": timezone.now(),
            },
        )
        if label_overlaps(
            holder=organisation,
            kind=application.kind,
            valid_from=valid_from,
            valid_until=valid_until,
        ):
            raise _overlap_error(organisation, application.kind)
        region: Any = organisation.region
        if application.kind == LabelKind.TERRITORY and revision.territory_code:
            region = (
                resolve_territory(level=revision.territory_level, code=revision.territory_code)[2]
                or region
            )
        try:
            with transaction.atomic():
                label = Label.objects.create(
                    holder=organisation,
                    kind=application.kind,
                    application=application,
                    number=(
                        f"FI-{NUMBER_PREFIX[LabelKind(application.kind)]}-"
                        f"{committee_date.year}-{application.pk:06d}"
                    ),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    status=LabelStatus.ACTIVE,
                    status_changed_at=timezone.now(),
                    typology=revision.typology,
                    territory_level=revision.territory_level,
                    territory_code=revision.territory_code,
                    territory_name=revision.territory_name,
                    is_pilot_territory=bool(is_pilot_territory)
                    and application.kind == LabelKind.TERRITORY,
                    region=region,
                )
        except IntegrityError:
            # The database constraint caught an overlap created in between.
            raise _overlap_error(organisation, application.kind) from None
        audit_record(
            actor=actor,
            action="label.grant",
            obj=label,
            to_state=LabelStatus.ACTIVE,
            reason=reason,
            after={"number": label.number, "valid_from": valid_from, "valid_until": valid_until},
        )
        if old is not None and old.status == LabelStatus.EXPIRED:
            # Renewed after its end: it stays expired (that is what it is), linked to its
            # successor.
            Label.objects.filter(pk=old.pk, renewed_by__isnull=True).update(renewed_by=label)
            audit_record(
                actor=actor,
                action="label.link_successor",
                obj=old,
                after={"successor": label.number},
            )
        elif old is not None:
            _transition(
                obj=old,
                actor=actor,
                action="label.renew",
                from_states=[LabelStatus.ACTIVE, LabelStatus.RENEWAL_OPEN],
                to_state=LabelStatus.RENEWED,
                reason=_("Renouvelé par le label n° %(number)s") % {"number": label.number},
                extra={"renewed_by": label, "status_changed_at": timezone.now()},
            )
        _notify_applicant(
            application=application,
            subject=_("Votre structure obtient le label French IMPACT"),
            message=_(
                "Le comité du %(date)s a accordé le label « %(kind)s » à %(name)s : label "
                "n° %(number)s, valable du %(start)s au %(end)s."
            )
            % {
                "date": _fmt(committee_date),
                "kind": application.get_kind_display(),
                "name": organisation.name,
                "number": label.number,
                "start": _fmt(valid_from),
                "end": _fmt(valid_until),
            },
            reason=reason,
            reason_title=_("Avis du comité :"),
        )
    return label


def label_suspend(*, label: Label, actor: Any, reason: str) -> None:
    """Staff suspend an active label (or one whose renewal is open); reason required."""
    _check_staff(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        _transition(
            obj=label,
            actor=actor,
            action="label.suspend",
            from_states=[LabelStatus.ACTIVE, LabelStatus.RENEWAL_OPEN],
            to_state=LabelStatus.SUSPENDED,
            reason=reason,
            extra={"status_reason": reason, "status_changed_at": timezone.now()},
        )
        _notify_holder(
            label=label,
            subject=_("Votre label French IMPACT est suspendu"),
            message=_("Le label n° %(number)s est suspendu.") % {"number": label.number},
            reason=reason,
        )


def label_reinstate(*, label: Label, actor: Any, reason: str = "") -> None:
    """Staff lift a suspension: the label is active again (until its end date)."""
    _check_staff(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        _transition(
            obj=label,
            actor=actor,
            action="label.reinstate",
            from_states=[LabelStatus.SUSPENDED],
            to_state=LabelStatus.ACTIVE,
            reason=reason,
            extra={"status_reason": reason, "status_changed_at": timezone.now()},
        )
        _notify_holder(
            label=label,
            subject=_("Votre label French IMPACT est rétabli"),
            message=_("La suspension du label n° %(number)s est levée.") % {"number": label.number},
            reason=reason,
        )


def label_revoke(*, label: Label, actor: Any, reason: str) -> None:
    """Staff revoke a label (active, renewal open or suspended); reason required. Final."""
    _check_staff(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        _transition(
            obj=label,
            actor=actor,
            action="label.revoke",
            from_states=[LabelStatus.ACTIVE, LabelStatus.RENEWAL_OPEN, LabelStatus.SUSPENDED],
            to_state=LabelStatus.REVOKED,
            reason=reason,
            extra={"status_reason": reason, "status_changed_at": timezone.now()},
        )
        _notify_holder(
            label=label,
            subject=_("Votre label French IMPACT est retiré"),
            message=_("Le label n° %(number)s est retiré.") % {"number": label.number},
            reason=reason,
        )


# --- Daily jobs (system actor; each is idempotent) -----------------------------------------


def labels_expire(*, today: dt.date | None = None) -> int:
    """Expire the labels whose validity ended (valid_until <= today); returns how many."""
    today = today or _today()
    done = 0
    due = Label.objects.filter(status__in=HELD_LABEL_STATES, valid_until__lte=today)
    for label in due.select_related("holder"):
        try:
            with transaction.atomic():
                _transition(
                    obj=label,
                    actor=None,
                    action="label.expire",
                    from_states=HELD_LABEL_STATES,
                    to_state=LabelStatus.EXPIRED,
                    reason=_("Fin de validité le %(date)s") % {"date": _fmt(label.valid_until)},
                    extra={"status_changed_at": timezone.now()},
                )
        except ValidationError:
            continue  # changed in between by someone else
        done += 1
    return done


def labels_open_renewals(*, today: dt.date | None = None) -> int:
    """Open the renewal of active labels within LABEL_RENEWAL_WINDOW_DAYS of their end."""
    today = today or _today()
    limit = today + dt.timedelta(days=settings.LABEL_RENEWAL_WINDOW_DAYS)
    done = 0
    due = Label.objects.filter(
        status=LabelStatus.ACTIVE, valid_until__lte=limit, valid_until__gt=today
    )
    for label in due.select_related("holder"):
        try:
            with transaction.atomic():
                _transition(
                    obj=label,
                    actor=None,
                    action="label.open_renewal",
                    from_states=[LabelStatus.ACTIVE],
                    to_state=LabelStatus.RENEWAL_OPEN,
                    extra={"status_changed_at": timezone.now()},
                )
        except ValidationError:
            continue
        done += 1
    return done


def labels_send_reminders(*, today: dt.date | None = None) -> int:
    """Remind the holders whose label ends in LABEL_REMINDER_DAYS days or fewer, once per
    mark: the most urgent mark reached is sent if no smaller one was (a missed day catches
    up without sending every mark). Labels already renewed (a renewal application open)
    are skipped. Returns the number of labels reminded."""
    today = today or _today()
    marks = sorted(settings.LABEL_REMINDER_DAYS)
    if not marks:
        return 0
    sent = 0
    candidates = (
        Label.objects.filter(
            status__in=[LabelStatus.ACTIVE, LabelStatus.RENEWAL_OPEN],
            valid_until__gt=today,
            valid_until__lte=today + dt.timedelta(days=max(marks)),
        )
        .exclude(renewal_applications__status__in=OPEN_STATES)
        .select_related("holder")
    )
    for label in candidates:
        days_left = (label.valid_until - today).days
        mark = next(m for m in marks if days_left <= m)
        with transaction.atomic():
            updated = (
                Label.objects.filter(pk=label.pk)
                .filter(Q(last_reminder_days__isnull=True) | Q(last_reminder_days__gt=mark))
                .update(last_reminder_days=mark)
            )
            if updated != 1:
                continue
            audit_record(
                actor=None,
                action="label.reminder",
                obj=label,
                after={"jours_restants": days_left, "rappel": mark},
            )
            send_notification(
                recipients=member_emails(organisation=label.holder),
                subject=_("Votre label French IMPACT expire le %(date)s")
                % {"date": _fmt(label.valid_until)},
                template="labels/emails/notification.txt",
                context={
                    "message": _(
                        "Le label n° %(number)s de %(name)s expire le %(date)s (dans %(days)d "
                        "jours). Déposez dès maintenant votre demande de renouvellement."
                    )
                    % {
                        "number": label.number,
                        "name": label.holder.name,
                        "date": _fmt(label.valid_until),
                        "days": days_left,
                    },
                    "reason": "",
                    "url": reverse("labels:application_create") + f"?renouvellement={label.pk}",
                },
            )
        sent += 1
    return sent


def label_daily_jobs(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily run: expire, open renewals, send reminders (in that order)."""
    today = today or _today()
    return {
        "expired": labels_expire(today=today),
        "renewals_opened": labels_open_renewals(today=today),
        "reminded": labels_send_reminders(today=today),
    }


__all__ = [
    "add_years",
    "application_attach",
    "application_create",
    "application_detach",
    "application_missing",
    "application_refuse",
    "application_request_changes",
    "application_send_to_committee",
    "application_start_review",
    "application_submit",
    "application_update",
    "application_withdraw",
    "current_revision",
    "label_daily_jobs",
    "label_grant",
    "label_overlaps",
    "label_reinstate",
    "label_revoke",
    "label_suspend",
    "labels_expire",
    "labels_open_renewals",
    "labels_send_reminders",
    "renewal_opens_on",
]
