"""Writes of the projects domain: creation and edits by members, moderation by staff.

Same rules as the organisations services: keyword-only, one transaction, one audit entry per
change, conditional updates for state changes, ValidationError with a French message on refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record, snapshot
from frenchimpact.core.files import NewFiles
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.organisations.services import (
    check_moderator,
    member_emails,
    moderation_apply_changes,
    moderation_discard_changes,
    moderation_transition,
    require_reason,
    send_notification,
    split_sensitive_changes,
)
from frenchimpact.permissions import can_edit_organisation, can_edit_project
from frenchimpact.territories.models import Department, Region

from .models import SENSITIVE_FIELDS, Project

EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "challenges",
    "sdgs",
    "stage",
    "is_national",
    "start_year",
    "budget_band",
    "team_size",
    "beneficiaries_count",
    "beneficiaries_unit",
    "needs",
    "links",
    "image",
)
AUDITED_FIELDS = EDITABLE_FIELDS


def _clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable by members: {sorted(unknown)}")
    cleaned = dict(values)
    for name in ("title", "summary", "description", "beneficiaries_unit"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    return cleaned


def _territories_snapshot(project: Project) -> dict[str, Any]:
    return {
        "regions": sorted(project.regions.values_list("code", flat=True)),
        "departments": sorted(project.departments.values_list("code", flat=True)),
    }


def project_create(
    *,
    organisation: Organisation,
    actor: Any,
    values: Mapping[str, Any],
    regions: Iterable[Region] = (),
    departments: Iterable[Department] = (),
) -> Project:
    """A member of the organisation registers a project; it waits for moderation."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied(
            _("Seuls les membres de la structure peuvent lui ajouter un projet.")
        )
    cleaned = _clean_values(values)
    if not cleaned.get("title"):
        raise ValidationError(_("Indiquez le titre du projet."), code="required")
    with NewFiles() as new_files, transaction.atomic():
        project = Project(
            **cleaned,
            organisation=organisation,
            status=ModerationStatus.PENDING,
            created_by=actor,
        )
        project.save()
        new_files.track(project.image)
        project.regions.set(list(regions))
        project.departments.set(list(departments))
        audit_record(
            actor=actor,
            action="project.create",
            obj=project,
            after={**snapshot(project, AUDITED_FIELDS), **_territories_snapshot(project)},
            to_state=ModerationStatus.PENDING,
        )
    return project


def project_update(
    *,
    project: Project,
    actor: Any,
    values: Mapping[str, Any],
    regions: Iterable[Region] | None = None,
    departments: Iterable[Department] | None = None,
) -> dict[str, Any]:
    """A member edits a project. On a published project, a new title waits for moderation
    (the published one stays visible); other edits apply at once. Returns what is held."""
    if not can_edit_project(actor, project):
        raise PermissionDenied(_("Seuls les membres de la structure peuvent modifier ce projet."))
    cleaned = _clean_values(values)
    image = cleaned.pop("image", None)
    with NewFiles() as new_files, transaction.atomic():
        current = Project.objects.get(pk=project.pk)
        before = {**snapshot(current, AUDITED_FIELDS), **_territories_snapshot(current)}
        direct, held = split_sensitive_changes(
            obj=current, values=cleaned, sensitive=SENSITIVE_FIELDS
        )
        changed = [name for name, value in direct.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, direct[name])
        if image is False:
            current.image = ""
            changed.append("image")
        elif isinstance(image, UploadedFile):
            current.image = image
            changed.append("image")
        update_fields = [*changed, "updated_at"]
        proposal: dict[str, Any] = {}
        if held:
            proposal = {**current.pending_changes, **held}
            proposal = {k: v for k, v in proposal.items() if v != getattr(current, k)}
            current.pending_changes = proposal
            current.pending_changes_at = timezone.now() if proposal else None
            current.pending_changes_by = actor if proposal else None
            update_fields += ["pending_changes", "pending_changes_at", "pending_changes_by"]
        current.save(update_fields=update_fields)
        if isinstance(image, UploadedFile):
            new_files.track(current.image)
        if regions is not None:
            current.regions.set(list(regions))
        if departments is not None:
            current.departments.set(list(departments))
        after = {**snapshot(current, AUDITED_FIELDS), **_territories_snapshot(current)}
        if after != before:
            audit_record(
                actor=actor, action="project.update", obj=current, before=before, after=after
            )
        if held:
            audit_record(
                actor=actor,
                action="project.propose_changes",
                obj=current,
                before={"modifications_proposees": {}},
                after={"modifications_proposees": proposal},
            )
        if current.status == ModerationStatus.REJECTED and (after != before or held):
            # Corrected after a refusal: back in the moderation queue.
            moderation_transition(
                obj=current,
                actor=actor,
                action="project.resubmit",
                from_states=[ModerationStatus.REJECTED],
                to_state=ModerationStatus.PENDING,
            )
    project.refresh_from_db()
    return proposal


def _notify(project: Project, *, subject: str, template: str, **context: Any) -> None:
    send_notification(
        recipients=member_emails(organisation=project.organisation),
        subject=subject,
        template=template,
        context={"project": project, "organisation": project.organisation, **context},
    )


def project_approve(*, project: Project, actor: Any) -> None:
    """Staff publish a pending (or unpublished) project; members are told by e-mail. The public
    sees it once its organisation is published too."""
    check_moderator(actor)
    with transaction.atomic():
        moderation_transition(
            obj=project,
            actor=actor,
            action="project.approve",
            from_states=[ModerationStatus.PENDING, ModerationStatus.UNPUBLISHED],
            to_state=ModerationStatus.PUBLISHED,
            extra={"published_at": timezone.now()},
        )
        _notify(
            project,
            subject=_("Votre projet est publié"),
            template="projects/emails/project_approved.txt",
        )


def project_reject(*, project: Project, actor: Any, reason: str) -> None:
    """Staff refuse a pending project (reason required, sent to the members)."""
    check_moderator(actor)
    reason = require_reason(reason)
    with transaction.atomic():
        moderation_transition(
            obj=project,
            actor=actor,
            action="project.reject",
            from_states=[ModerationStatus.PENDING],
            to_state=ModerationStatus.REJECTED,
            reason=reason,
        )
        _notify(
            project,
            subject=_("Votre projet n’a pas été publié"),
            template="projects/emails/project_rejected.txt",
            reason=reason,
        )


def project_unpublish(*, project: Project, actor: Any, reason: str) -> None:
    """Staff withdraw a published project (reason required)."""
    check_moderator(actor)
    reason = require_reason(reason)
    with transaction.atomic():
        moderation_transition(
            obj=project,
            actor=actor,
            action="project.unpublish",
            from_states=[ModerationStatus.PUBLISHED],
            to_state=ModerationStatus.UNPUBLISHED,
            reason=reason,
        )
        _notify(
            project,
            subject=_("Votre projet a été retiré de l’annuaire"),
            template="projects/emails/project_unpublished.txt",
            reason=reason,
        )


def project_approve_changes(*, project: Project, actor: Any) -> dict[str, Any]:
    """Staff accept a published project's pending sensitive changes (its new title)."""
    check_moderator(actor)
    with transaction.atomic():
        changes = moderation_apply_changes(
            obj=project, actor=actor, action="project.approve_changes"
        )
        _notify(
            project,
            subject=_("Vos modifications sont publiées"),
            template="projects/emails/changes_approved.txt",
            changes=changes,
        )
    return changes


def project_reject_changes(*, project: Project, actor: Any, reason: str) -> None:
    """Staff refuse the pending changes; the published values stay."""
    check_moderator(actor)
    reason = require_reason(reason)
    with transaction.atomic():
        changes = moderation_discard_changes(
            obj=project, actor=actor, action="project.reject_changes", reason=reason
        )
        _notify(
            project,
            subject=_("Vos modifications n’ont pas été acceptées"),
            template="projects/emails/changes_rejected.txt",
            changes=changes,
            reason=reason,
        )
