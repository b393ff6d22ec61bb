"""Writes of the organisations domain: registration, membership, edits, moderation, reports.

Views, admin actions and (later) registry imports call these functions, never the ORM. Each one
runs in a transaction and writes its audit entry there; a rejected input raises
ValidationError (with a French message the page shows) and writes nothing. State changes are
conditional updates (``filter(pk=…, status=…).update(…)`` and a count check), so that two people
deciding at once cannot both win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchimpact.accounts.roles import Role
from frenchimpact.audit.services import audit_record, audited_transition, snapshot
from frenchimpact.core.files import NewFiles
from frenchimpact.permissions import (
    can_decide_join_request,
    can_edit_organisation,
    can_moderate,
    is_organisation_admin,
)

from .enums import (
    JoinRequestStatus,
    MemberRole,
    ModerationStatus,
    OrganisationKind,
    ReportKind,
    ReportStatus,
    Source,
)
from .legal_forms import ess_family, legal_form_label
from .models import (
    PROVENANCE_MEMBER,
    REGISTRY_FIELDS,
    SENSITIVE_FIELDS,
    JoinRequest,
    Membership,
    Organisation,
    OrganisationReport,
)

# The fields members type in (creation and edit forms).
EDITABLE_FIELDS = (
    "name",
    "acronym",
    "kinds",
    "siren",
    "siret",
    "rna",
    "legal_form_code",
    "ess_flag",
    "creation_date",
    "size_band",
    "address_line",
    "postal_code",
    "commune_code",
    "department",
    "region",
    "website",
    "description",
    "logo",
    "contact_email",
)
# What the audit trail records of an organisation (the logo by its file name).
AUDITED_FIELDS = (*EDITABLE_FIELDS, "commune_name", "legal_form_label", "ess_family")

REPORT_RATE_LIMIT = 5
REPORT_RATE_WINDOW_SECONDS = 3600


# --- Shared helpers (projects reuse the moderation ones) ------------------------------------


def send_notification(
    *, recipients: Iterable[str], subject: str, template: str, context: Mapping[str, Any]
) -> int:
    """One French e-mail per recipient (addresses are not disclosed to each other). Sent
    through the task backend, so a rolled-back transaction sends nothing."""
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return 0
    body = render_to_string(
        template,
        {"platform_name": settings.PLATFORM_NAME, "site_url": settings.SITE_URL, **context},
    )
    full_subject = f"[{settings.PLATFORM_NAME}] {subject}"
    messages = [
        EmailMessage(
            subject=full_subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
        )
        for address in addresses
    ]
    return get_connection().send_messages(messages) or 0


def member_emails(*, organisation: Organisation, role: str | None = None) -> list[str]:
    memberships = Membership.objects.filter(organisation=organisation, user__is_active=True)
    if role:
        memberships = memberships.filter(role=role)
    return list(memberships.values_list("user__email", flat=True))


def check_moderator(actor: Any) -> None:
    if not can_moderate(actor):
        raise PermissionDenied(_("Seule l’équipe du programme peut modérer."))


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif de la décision."), code="reason_required")
    return reason


def search_reindex(obj: Any) -> None:
    """Conditional updates send no post_save: tell the search index explicitly (after commit).

    Re-indexing an organisation re-indexes its projects too (they show its status and badge).
    """
    from frenchimpact.projects.models import Project
    from frenchimpact.search.documents import ORGANISATION, PROJECT, schedule_sync

    schedule_sync(PROJECT if isinstance(obj, Project) else ORGANISATION, [obj.pk])


def moderation_transition(
    *,
    obj: Any,
    actor: Any,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Move a moderated record (Organisation or Project) from one of ``from_states`` to
    ``to_state`` with a conditional update; audit it. Returns the state it left.

    Call inside a transaction. Raises ValidationError when the record is not in an allowed
    state, including when someone else changed it in between.
    """
    left = audited_transition(
        obj=obj,
        actor=actor,
        action=action,
        from_states=from_states,
        to_state=to_state,
        states=ModerationStatus,
        invalid_message=_(
            "Cette décision n’est pas possible : la fiche est « %(state)s » (quelqu’un l’a "
            "peut-être traitée entre-temps)."
        ),
        concurrent_message=_(
            "La fiche a été modifiée entre-temps : rechargez la page et recommencez."
        ),
        reason=reason,
        extra={"moderation_reason": reason, **(extra or {})},
    )
    search_reindex(obj)
    return left


def moderation_apply_changes(
    *, obj: Any, actor: Any, action: str, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Apply a record's pending sensitive changes (approved by staff); audit before/after.
    Returns the changes applied. Call inside a transaction."""
    model = type(obj)
    fresh = model.objects.get(pk=obj.pk)
    if fresh.pending_changes_at is None:
        raise ValidationError(
            _("Aucune modification n’attend de décision sur cette fiche."), code="no_changes"
        )
    changes = dict(fresh.pending_changes)
    before = snapshot(fresh, changes)
    values = {
        **changes,
        **(extra or {}),
        "pending_changes": {},
        "pending_changes_at": None,
        "pending_changes_by": None,
        "updated_at": timezone.now(),
    }
    updated = model.objects.filter(pk=obj.pk, pending_changes_at=fresh.pending_changes_at).update(
        **values
    )
    if updated != 1:
        raise ValidationError(
            _("La fiche a été modifiée entre-temps : rechargez la page et recommencez."),
            code="concurrent_change",
        )
    obj.refresh_from_db()
    search_reindex(obj)
    audit_record(actor=actor, action=action, obj=obj, before=before, after=snapshot(obj, changes))
    return changes


def moderation_discard_changes(*, obj: Any, actor: Any, action: str, reason: str) -> dict[str, Any]:
    """Drop a record's pending sensitive changes (refused by staff); audit with the reason."""
    model = type(obj)
    fresh = model.objects.get(pk=obj.pk)
    if fresh.pending_changes_at is None:
        raise ValidationError(
            _("Aucune modification n’attend de décision sur cette fiche."), code="no_changes"
        )
    changes = dict(fresh.pending_changes)
    updated = model.objects.filter(pk=obj.pk, pending_changes_at=fresh.pending_changes_at).update(
        pending_changes={}, pending_changes_at=None, pending_changes_by=None
    )
    if updated != 1:
        raise ValidationError(
            _("La fiche a été modifiée entre-temps : rechargez la page et recommencez."),
            code="concurrent_change",
        )
    obj.refresh_from_db()
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        before={"modifications_proposees": changes},
        after={"modifications_proposees": {}},
        reason=reason,
    )
    return changes


def split_sensitive_changes(
    *, obj: Any, values: Mapping[str, Any], sensitive: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(direct, held): on a published record, changed sensitive fields are held for moderation;
    everything else applies at once."""
    held: dict[str, Any] = {}
    direct: dict[str, Any] = {}
    sensitive = set(sensitive)
    for name, value in values.items():
        if name in sensitive and obj.status == ModerationStatus.PUBLISHED:
            if value != getattr(obj, name):
                held[name] = value
            elif name in obj.pending_changes:
                held[name] = value  # back to the published value: withdraws the proposal
        else:
            direct[name] = value
    return direct, held


# --- Registration --------------------------------------------------------------------------


def _commune_name(code: str) -> str:
    if not code:
        return ""
    from frenchimpact.territories.models import Commune

    return Commune.objects.filter(code=code).values_list("nom", flat=True).first() or ""


def _clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable by members: {sorted(unknown)}")
    cleaned = dict(values)
    for name in ("name", "acronym", "address_line", "description", "website", "contact_email"):
        if name in cleaned and isinstance(cleaned[name], str):
            cleaned[name] = cleaned[name].strip()
    for name in ("siren", "rna"):
        if name in cleaned:
            cleaned[name] = cleaned[name] or None
    if cleaned.get("department") is not None and cleaned.get("region") is None:
        cleaned["region"] = cleaned["department"].region
    return cleaned


def _derived_values(organisation: Organisation) -> None:
    organisation.legal_form_label = legal_form_label(organisation.legal_form_code)
    organisation.ess_family = ess_family(
        ess_flag=organisation.ess_flag, legal_form_code=organisation.legal_form_code
    )
    organisation.commune_name = _commune_name(organisation.commune_code)


# A member's edit of one of these removes the head-office position taken from SIRENE.
ADDRESS_FIELDS = ("address_line", "postal_code", "commune_code")


def _mark_member_provenance(organisation: Organisation, names: Iterable[str]) -> None:
    sources = dict(organisation.field_sources or {})
    for name in names:
        if name in REGISTRY_FIELDS:
            sources[name] = PROVENANCE_MEMBER
    if "commune_code" in names:
        sources["commune_name"] = PROVENANCE_MEMBER
    organisation.field_sources = sources


def _duplicate_error() -> ValidationError:
    return ValidationError(
        _(
            "Une structure avec ce SIREN ou ce numéro RNA existe déjà sur la plateforme : "
            "demandez à la rejoindre plutôt que de la créer une seconde fois."
        ),
        code="duplicate",
    )


def _grant_project_holder_role(*, organisation: Organisation, user: Any) -> None:
    # Members of project holders get the project-holder role (access to calls, impact…). The
    # system grants it (actor=None): the person did not choose it, their membership implies it.
    if OrganisationKind.PROJECT_HOLDER not in (organisation.kinds or []):
        return
    from frenchimpact.accounts.services import user_grant_role

    user_grant_role(
        user=user,
        role=Role.PROJECT_HOLDER,
        actor=None,
        reason=f"Membre de la structure n°{organisation.pk} (porteur de projet)",
    )


def _membership_create(
    *, organisation: Organisation, user: Any, role: str, actor: Any
) -> Membership:
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    audit_record(
        actor=actor,
        action="organisation.add_member",
        obj=organisation,
        after={"membre": user.pk, "role": role},
    )
    _grant_project_holder_role(organisation=organisation, user=user)
    return membership


def organisation_create(
    *, actor: Any, values: Mapping[str, Any], accept_charter: bool = False
) -> Organisation:
    """A signed-in person declares a new organisation: it is pending moderation, the person is
    its admin member, and the charter acceptance is recorded when given. All or nothing."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Connectez-vous pour déclarer une structure."))
    cleaned = _clean_values(values)
    if not cleaned.get("name"):
        raise ValidationError(_("Indiquez le nom de la structure."), code="required")
    if not cleaned.get("siren") and not cleaned.get("rna"):
        raise ValidationError(
            _("Indiquez le SIREN ou le numéro RNA de la structure."), code="identifier_required"
        )
    with NewFiles() as new_files, transaction.atomic():
        organisation = Organisation(
            **cleaned,
            source=Source.REGISTERED,
            status=ModerationStatus.PENDING,
            created_by=actor,
        )
        _derived_values(organisation)
        _mark_member_provenance(
            organisation, [n for n, v in cleaned.items() if v not in ("", None)]
        )
        if accept_charter:
            organisation.charter_accepted_at = timezone.now()
            organisation.charter_accepted_by = actor
        try:
            with transaction.atomic():
                organisation.save()
        except IntegrityError:
            raise _duplicate_error() from None
        new_files.track(organisation.logo)
        audit_record(
            actor=actor,
            action="organisation.create",
            obj=organisation,
            after=snapshot(organisation, AUDITED_FIELDS),
            to_state=ModerationStatus.PENDING,
        )
        if accept_charter:
            audit_record(actor=actor, action="organisation.accept_charter", obj=organisation)
        _membership_create(
            organisation=organisation, user=actor, role=MemberRole.ADMIN, actor=actor
        )
    return organisation


def organisation_publish_imported(
    *, values: Mapping[str, Any], source: str, actor: Any = None
) -> Organisation:
    """The entry point of registry imports (SIRENE, RNA): the record is published at once as
    an unclaimed organisation (no member), its source shown, every field's provenance kept.

    ``values`` holds fields of REGISTRY_FIELDS plus ``siren``; legal-form label and ESS family
    are derived here. The import issue adds the update-on-re-import path.
    """
    if source not in (Source.SIRENE, Source.RNA):
        raise ValueError(f"Not a registry source: {source}")
    unknown = set(values) - {*REGISTRY_FIELDS, "siren"}
    if unknown:
        raise ValueError(f"Not registry fields: {sorted(unknown)}")
    with transaction.atomic():
        organisation = Organisation(**values, source=source)
        organisation.legal_form_label = organisation.legal_form_label or legal_form_label(
            organisation.legal_form_code
        )
        organisation.ess_family = ess_family(
            ess_flag=organisation.ess_flag, legal_form_code=organisation.legal_form_code
        )
        organisation.field_sources = {name: source for name in values if name in REGISTRY_FIELDS}
        organisation.status = ModerationStatus.PUBLISHED
        organisation.published_at = timezone.now()
        organisation.save()
        audit_record(
            actor=actor,
            action="organisation.import",
            obj=organisation,
            after=snapshot(organisation, [*values]),
            to_state=ModerationStatus.PUBLISHED,
            reason=str(Source(source).label),
        )
    return organisation


@dataclass
class RegistryUpsert:
    """What a batch of registry records became."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Organisations changed by someone else between this batch's read and its write: left as
    # they are (the next import compares them again).
    concurrent: int = 0
    unpublished: list[int] = field(default_factory=list)  # pks


def organisations_upsert_from_registry(
    *,
    records: Sequence[Mapping[str, Any]],
    source: str,
    key: str = "siren",
    withdrawn: Mapping[str, str] | None = None,
    actor: Any = None,
) -> RegistryUpsert:
    """Create or update, in bulk, the organisations a batch of registry rows describes.

    ``records`` are values of REGISTRY_FIELDS plus ``key`` (``siren`` or ``rna``), one per
    organisation, all giving the same fields. New ones are published at once as unclaimed
    records (as ``organisation_publish_imported``); existing ones get the registry's values
    only for the fields the registry owns (``field_sources``), so what members edited is never
    overwritten. ``withdrawn`` ({key value: reason}) are the units the registry no longer lets
    us show (not diffusible, purged): a published organisation with that key is unpublished.

    Built for national files: one query reads the compared columns of the batch's keys, the
    comparison is made on plain tuples, and each kind of write is one statement per batch
    (over a JSON array on PostgreSQL, a prepared statement run over the rows on SQLite) — no
    model instances. Only a row whose values change is written, with a new ``updated_at``
    (so re-importing a file writes nothing); that write applies only if ``updated_at`` has not
    moved since the read (``concurrent`` counts the rows left alone). The search index is told
    once per batch. Audit: the caller records one entry for the whole batch
    (registries.framework does, on its ImportRun, with the pks unpublished returned here)
    rather than one per row. Call inside a transaction.
    """
    from frenchimpact.search.documents import ORGANISATION, schedule_sync

    if source not in (Source.SIRENE, Source.RNA):
        raise ValueError(f"Not a registry source: {source}")
    if key not in ("siren", "rna"):
        raise ValueError(f"Not a registry key: {key}")
    withdrawn = withdrawn or {}
    by_key = {str(values[key]): values for values in records}
    first = next(iter(by_key.values()), {key: ""})
    unknown = set(first) - {*REGISTRY_FIELDS, key}
    if unknown:
        raise ValueError(f"Not registry fields: {sorted(unknown)}")
    if any(values.keys() != first.keys() for values in by_key.values()):
        raise ValueError("Every record must give the same fields.")
    rows = _RegistryRows(key=key, names=[name for name in first if name != key])
    existing = rows.read([*by_key, *withdrawn])
    result = RegistryUpsert()
    now = timezone.now()
    new: list[Mapping[str, Any]] = []
    changes: list[tuple[_StoredOrganisation, tuple[Any, ...], dict[str, str]]] = []
    for value, values in by_key.items():
        current = existing.get(value)
        if current is None:
            new.append(values)
            continue
        merged = rows.merge(current, values, source=source)
        if merged is None:
            result.unchanged += 1
        else:
            changes.append((current, *merged))
    touched: list[int] = []
    if new:
        created_ids = rows.insert(new, source=source, now=now)
        result.created = len(created_ids)
        touched += created_ids
    if changes:
        count, updated_ids = rows.update(changes, now=now)
        result.updated = count
        result.concurrent = len(changes) - count
        touched += updated_ids
    withdraw_ids = [
        existing[value].pk
        for value in withdrawn
        if value in existing and existing[value].status == ModerationStatus.PUBLISHED
    ]
    if withdraw_ids:
        # Conditional: a record a moderator changed in between keeps its state.
        Organisation.objects.filter(pk__in=withdraw_ids, status=ModerationStatus.PUBLISHED).update(
            status=ModerationStatus.UNPUBLISHED,
            moderation_reason=_("Retirée par l’import %(source)s : %(reasons)s")
            % {
                "source": source.upper(),
                "reasons": ", ".join(sorted(set(withdrawn.values()))),
            },
            updated_at=now,
        )
        result.unpublished = withdraw_ids
        touched += withdraw_ids
    if touched:
        schedule_sync(ORGANISATION, touched)
    return result


class _StoredOrganisation(NamedTuple):
    """What the registry upsert reads of an existing organisation."""

    pk: int
    stamp: Any  # updated_at as read, given back to guard the write
    status: str
    sources: dict[str, str] | str  # field_sources (JSON text on SQLite, decoded when needed)
    values: tuple[Any, ...]  # the fields read, in _RegistryRows.read_names order


class _RegistryRows:
    """The SQL and the row comparison of organisations_upsert_from_registry, for the project's
    two databases. Values are compared as plain tuples (foreign keys as ids) in the order of
    ``names``. A batch travels as one JSON parameter (keys to read; rows to write on
    PostgreSQL, where adapting one array per column costs more than the insert itself) or
    through one prepared statement run over the rows (writes on SQLite). The SQL is built
    from the model's quoted column names only; values always travel as parameters (hence the
    ``noqa: S608``)."""

    def __init__(self, *, key: str, names: Sequence[str]) -> None:
        meta = Organisation._meta
        self.fields = {f.name: f for f in meta.concrete_fields}
        self.key = key
        self.names = list(names)
        # Compared, then what the derived legal-form label and ESS family need.
        self.read_names = list(dict.fromkeys([*names, "legal_form_code", "ess_flag"]))
        self.postgresql = connection.vendor == "postgresql"
        self.table = connection.ops.quote_name(meta.db_table)
        self.relations = [
            index for index, name in enumerate(self.names) if self.fields[name].is_relation
        ]
        self.dates = [
            index
            for index, name in enumerate(self.names)
            if self.fields[name].get_internal_type() == "DateField"
        ]
        self.code_index = self.read_names.index("legal_form_code")
        self.flag_index = self.read_names.index("ess_flag")
        self._derived: dict[tuple[str, str], tuple[str, str]] = {}

    # --- Values ------------------------------------------------------------------------

    def comparable(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        row = tuple([values[name] for name in self.names])
        if self.relations:
            row = tuple(
                getattr(value, "pk", value) if index in self.relations else value
                for index, value in enumerate(row)
            )
        return row

    def params(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """Compared values as parameters (dates as ISO text, for SQLite and for JSON)."""
        if not self.dates:
            return tuple(row[: len(self.names)])
        converted = list(row[: len(self.names)])
        for index in self.dates:
            if converted[index] is not None:
                converted[index] = converted[index].isoformat()
        return tuple(converted)

    def derived(self, code: str, flag: str) -> tuple[str, str]:
        """(legal-form label, ESS family) of a legal form and ESS flag."""
        found = self._derived.get((code, flag))
        if found is None:
            found = self._derived[code, flag] = (
                legal_form_label(code),
                str(ess_family(ess_flag=flag, legal_form_code=code)),
            )
        return found

    def merge(
        self, current: _StoredOrganisation, values: Mapping[str, Any], *, source: str
    ) -> tuple[tuple[Any, ...], dict[str, str]] | None:
        """(values after, field_sources after) of an existing organisation, or None when the
        registry changes nothing. A field last set by a member (or by another registry) is
        theirs; a field nobody set is the registry's only while empty."""
        new = self.comparable(values)
        stored = current.values
        if stored[: len(new)] == new:
            return None  # what a re-import mostly finds
        sources = current.sources
        if isinstance(sources, str):
            sources = json.loads(sources)
        after = list(stored)
        changed = False
        for index, name in enumerate(self.names):
            old, value = stored[index], new[index]
            if old == value:
                continue
            provenance = sources.get(name)
            if provenance is None:
                if old not in ("", None):
                    continue
            elif provenance != source:
                continue
            if not changed:
                sources, changed = dict(sources), True
            after[index] = value
            sources[name] = source
        return (tuple(after), sources) if changed else None

    # --- SQL ---------------------------------------------------------------------------

    def _column(self, name: str) -> str:
        return connection.ops.quote_name(self.fields[name].column)

    def _keys_filter(self, keys: Sequence[str]) -> tuple[str, list[Any]]:
        # One parameter whatever the number of keys (no variable limit, one statement).
        column = self._column(self.key)
        if self.postgresql:
            return f"{column} IN (SELECT jsonb_array_elements_text(%s::jsonb))", [json.dumps(keys)]
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(keys)]  # noqa: S608

    def _sources(self, sources: dict[str, str]) -> Any:
        # Written as JSON text on SQLite; nested as is in PostgreSQL's JSON batch.
        return sources if self.postgresql else json.dumps(sources)

    def _extract(self, index: int, name: str) -> str:
        """PostgreSQL: field ``name`` from element ``e`` (a JSON array) of a JSON batch."""
        model_field = self.fields[name]
        if model_field.get_internal_type() == "JSONField":
            return f"(e->{index})"
        db_type = model_field.db_type(connection) or "text"
        if db_type.startswith("varchar") or db_type == "text":
            # Lengths are checked by the assignment to the column (a cast would cut).
            return f"(e->>{index})"
        return f"(e->>{index})::{db_type}"

    def read(self, keys: Sequence[str]) -> dict[str, _StoredOrganisation]:
        if not keys:
            return {}
        where, params = self._keys_filter(keys)
        # On SQLite the stored text of updated_at itself, so the guard compares like with like.
        stamp = "updated_at" if self.postgresql else "CAST(updated_at AS TEXT)"
        columns = ", ".join(self._column(name) for name in (self.key, *self.read_names))
        found: dict[str, _StoredOrganisation] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {stamp}, status, field_sources, {columns} "  # noqa: S608
                f"FROM {self.table} WHERE {where}",
                params,
            )
            for row in cursor.fetchall():
                found[row[4]] = _StoredOrganisation(row[0], row[1], row[2], row[3], row[5:])
        return found

    def insert(self, records: Sequence[Mapping[str, Any]], *, source: str, now: Any) -> list[int]:
        """Insert new organisations (published, unclaimed); returns their pks."""
        variable = [self.key, *self.names, "legal_form_label", "ess_family", "field_sources"]
        fixed = {
            "source": source,
            "status": ModerationStatus.PUBLISHED,
            "published_at": now,
            "created_at": now,
            "updated_at": now,
        }
        # Every other column gets its model default, whatever fields the model gains.
        constants = [
            (model_field, fixed.get(model_field.name, model_field.get_default()))
            for model_field in self.fields.values()
            if not model_field.primary_key and model_field.name not in variable
        ]
        constant_params = tuple(
            model_field.get_db_prep_save(value, connection) for model_field, value in constants
        )
        sources = self._sources(
            {name: source for name in (self.key, *self.names) if name in REGISTRY_FIELDS}
        )
        data = []
        for values in records:
            row = self.comparable(values)
            data.append(
                (
                    values[self.key],
                    *self.params(row),
                    *self.derived(values.get("legal_form_code", ""), values.get("ess_flag", "")),
                    sources,
                )
            )
        columns = ", ".join(
            self._column(name) for name in [*variable, *(f.name for f, _ in constants)]
        )
        with connection.cursor() as cursor:
            if self.postgresql:
                selected = [self._extract(i, name) for i, name in enumerate(variable)] + [
                    f"CAST(%s AS {f.db_type(connection)})" for f, _ in constants
                ]
                cursor.execute(
                    f"INSERT INTO {self.table} ({columns}) SELECT {', '.join(selected)} "  # noqa: S608
                    "FROM jsonb_array_elements(%s::jsonb) AS e RETURNING id",
                    [*constant_params, json.dumps(data)],
                )
                return [pk for (pk,) in cursor.fetchall()]
            placeholders = ", ".join(["%s"] * (len(variable) + len(constants)))
            cursor.executemany(
                f"INSERT INTO {self.table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                [row + constant_params for row in data],
            )
            where, params = self._keys_filter([str(row[0]) for row in data])
            cursor.execute(f"SELECT id FROM {self.table} WHERE {where}", params)  # noqa: S608
            return [pk for (pk,) in cursor.fetchall()]

    def update(
        self,
        changes: Sequence[tuple[_StoredOrganisation, tuple[Any, ...], dict[str, str]]],
        *,
        now: Any,
    ) -> tuple[int, list[int]]:
        """Write the changed organisations whose ``updated_at`` has not moved since the read;
        returns (how many, pks to re-index)."""
        written = [*self.names, "legal_form_label", "ess_family", "field_sources"]
        data = [
            (
                *self.params(after),
                *self.derived(after[self.code_index], after[self.flag_index]),
                self._sources(sources),
                current.pk,
                current.stamp.isoformat() if self.postgresql else current.stamp,
            )
            for current, after, sources in changes
        ]
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            if self.postgresql:
                count = len(written)
                selected = ", ".join(
                    f"{self._extract(i, name)} AS c{i}" for i, name in enumerate(written)
                )
                assignments = ", ".join(
                    f"{self._column(name)} = v.c{i}" for i, name in enumerate(written)
                )
                cursor.execute(
                    f"UPDATE {self.table} AS t SET {assignments}, updated_at = %s "  # noqa: S608
                    f"FROM (SELECT {selected}, (e->>{count})::bigint AS pk, "
                    f"(e->>{count + 1})::timestamptz AS stamp "
                    "FROM jsonb_array_elements(%s::jsonb) AS e) AS v "
                    "WHERE t.id = v.pk AND t.updated_at = v.stamp RETURNING t.id",
                    [stamp, json.dumps(data)],
                )
                pks = [pk for (pk,) in cursor.fetchall()]
                return len(pks), pks
            assignments = ", ".join(f"{self._column(name)} = %s" for name in written)
            cursor.executemany(
                f"UPDATE {self.table} SET {assignments}, updated_at = %s "  # noqa: S608
                "WHERE id = %s AND CAST(updated_at AS TEXT) = %s",
                [(*row[:-2], stamp, *row[-2:]) for row in data],
            )
            # SQLite sums the rows changed; its IMMEDIATE transactions (settings) leave no
            # room for another write between the read and this one anyway.
            return cursor.rowcount, [current.pk for current, _, _ in changes]


def organisation_update(
    *, organisation: Organisation, actor: Any, values: Mapping[str, Any]
) -> dict[str, Any]:
    """A member edits the record. On a published organisation, changes of SENSITIVE_FIELDS wait
    for moderation (pending_changes) while the published values stay; everything else applies
    at once. Returns the changes held for moderation ({} when none)."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied(_("Seuls les membres de la structure peuvent la modifier."))
    cleaned = _clean_values(values)
    logo = cleaned.pop("logo", None)
    with NewFiles() as new_files, transaction.atomic():
        current = Organisation.objects.get(pk=organisation.pk)
        for name in ("siren", "rna"):
            value = cleaned.get(name)
            if (
                value
                and Organisation.objects.filter(**{name: value}).exclude(pk=current.pk).exists()
            ):
                raise _duplicate_error()
        before = snapshot(current, AUDITED_FIELDS)
        direct, held = split_sensitive_changes(
            obj=current, values=cleaned, sensitive=SENSITIVE_FIELDS
        )
        changed = [name for name, value in direct.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, direct[name])
        if logo is False:  # "remove the logo" ticked
            current.logo = ""
            changed.append("logo")
        elif isinstance(logo, UploadedFile):
            current.logo = logo
            changed.append("logo")
        _derived_values(current)
        if current.latitude is not None and set(changed) & set(ADDRESS_FIELDS):
            # The SIRENE position described the registry's address, not the members' one.
            current.latitude = current.longitude = None
            update_fields_extra = ["latitude", "longitude"]
        else:
            update_fields_extra = []
        _mark_member_provenance(current, changed)
        update_fields = [
            *changed,
            *update_fields_extra,
            "legal_form_label",
            "ess_family",
            "commune_name",
            "field_sources",
            "updated_at",
        ]
        proposal: dict[str, Any] = {}
        if held:
            proposal = {**current.pending_changes, **held}
            # A field set back to its published value is no longer a proposal.
            proposal = {k: v for k, v in proposal.items() if v != getattr(current, k)}
            current.pending_changes = proposal
            current.pending_changes_at = timezone.now() if proposal else None
            current.pending_changes_by = actor if proposal else None
            update_fields += ["pending_changes", "pending_changes_at", "pending_changes_by"]
        if not changed and not held:
            return {}
        try:
            with transaction.atomic():
                current.save(update_fields=update_fields)
        except IntegrityError:
            raise _duplicate_error() from None
        if isinstance(logo, UploadedFile):
            new_files.track(current.logo)
        audit_record(
            actor=actor,
            action="organisation.update",
            obj=current,
            before=before,
            after=snapshot(current, AUDITED_FIELDS),
        )
        if held:
            audit_record(
                actor=actor,
                action="organisation.propose_changes",
                obj=current,
                before={"modifications_proposees": {}},
                after={"modifications_proposees": proposal},
            )
        if current.status == ModerationStatus.REJECTED:
            # Corrected after a refusal: back in the moderation queue.
            moderation_transition(
                obj=current,
                actor=actor,
                action="organisation.resubmit",
                from_states=[ModerationStatus.REJECTED],
                to_state=ModerationStatus.PENDING,
            )
    organisation.refresh_from_db()
    return proposal


def organisation_accept_charter(*, organisation: Organisation, actor: Any) -> bool:
    """A member accepts the French IMPACT charter for the organisation (date and person
    recorded; shown as the community badge). False when it was already accepted."""
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied(_("Seuls les membres de la structure peuvent accepter la charte."))
    with transaction.atomic():
        now = timezone.now()
        updated = Organisation.objects.filter(
            pk=organisation.pk, charter_accepted_at__isnull=True
        ).update(charter_accepted_at=now, charter_accepted_by=actor, updated_at=now)
        if not updated:
            return False
        organisation.refresh_from_db()
        search_reindex(organisation)
        audit_record(
            actor=actor,
            action="organisation.accept_charter",
            obj=organisation,
            after={"charter_accepted_at": now.isoformat()},
        )
    return True


# --- Moderation of organisations -----------------------------------------------------------


def _notify_members(
    *, organisation: Organisation, subject: str, template: str, **context: Any
) -> None:
    send_notification(
        recipients=member_emails(organisation=organisation),
        subject=subject,
        template=template,
        context={"organisation": organisation, **context},
    )


def organisation_approve(*, organisation: Organisation, actor: Any) -> None:
    """Staff publish a pending (or unpublished) organisation; members are told by e-mail."""
    check_moderator(actor)
    with transaction.atomic():
        moderation_transition(
            obj=organisation,
            actor=actor,
            action="organisation.approve",
            from_states=[ModerationStatus.PENDING, ModerationStatus.UNPUBLISHED],
            to_state=ModerationStatus.PUBLISHED,
            extra={"published_at": timezone.now()},
        )
        _notify_members(
            organisation=organisation,
            subject=_("Votre structure est publiée"),
            template="organisations/emails/organisation_approved.txt",
        )


def organisation_reject(*, organisation: Organisation, actor: Any, reason: str) -> None:
    """Staff refuse a pending organisation, with a reason the members receive by e-mail."""
    check_moderator(actor)
    reason = require_reason(reason)
    with transaction.atomic():
        moderation_transition(
            obj=organisation,
            actor=actor,
            action="organisation.reject",
            from_states=[ModerationStatus.PENDING],
            to_state=ModerationStatus.REJECTED,
            reason=reason,
        )
        _notify_members(
            organisation=organisation,
            subject=_("Votre structure n’a pas été publiée"),
            template="organisations/emails/organisation_rejected.txt",
            reason=reason,
        )


def organisation_unpublish(*, organisation: Organisation, actor: Any, reason: str) -> None:
    """Staff withdraw a published organisation from the public directory (reason required)."""
    check_moderator(actor)
    reason = require_reason(reason)
    with transaction.atomic():
        moderation_transition(
            obj=organisation,
            actor=actor,
            action="organisation.unpublish",
            from_states=[ModerationStatus.PUBLISHED],
            to_state=ModerationStatus.UNPUBLISHED,
            reason=reason,
        )
        _notify_members(
            organisation=organisation,
            subject=_("Votre structure a été retirée de l’annuaire"),
            template="organisations/emails/organisation_unpublished.txt",
            reason=reason,
        )


def organisation_approve_changes(*, organisation: Organisation, actor: Any) -> dict[str, Any]:
    """Staff accept the pending sensitive changes: they replace the published values."""
    check_moderator(actor)
    with transaction.atomic():
        pending = Organisation.objects.get(pk=organisation.pk).pending_changes
        siren = pending.get("siren")
        if siren and Organisation.objects.filter(siren=siren).exclude(pk=organisation.pk).exists():
            raise ValidationError(
                _("Ce SIREN est déjà celui d’une autre structure : refusez la modification."),
                code="duplicate",
            )
        sources = dict(Organisation.objects.get(pk=organisation.pk).field_sources or {})
        for name in pending:
            if name in REGISTRY_FIELDS:
                sources[name] = PROVENANCE_MEMBER
        changes = moderation_apply_changes(
            obj=organisation,
            actor=actor,
            action="organisation.approve_changes",
            extra={"field_sources": sources},
        )
        _notify_members(
            organisation=organisation,
            subject=_("Vos modifications sont publiées"),
            template="organisations/emails/changes_approved.txt",
            changes=changes,
        )
    return changes


def organisation_reject_changes(*, organisation: Organisation, actor: Any, reason: str) -> None:
    """Staff refuse the pending sensitive changes; the published values stay."""
    check_moderator(actor)
    reason = require_reason(reason)
    with transaction.atomic():
        changes = moderation_discard_changes(
            obj=organisation, actor=actor, action="organisation.reject_changes", reason=reason
        )
        _notify_members(
            organisation=organisation,
            subject=_("Vos modifications n’ont pas été acceptées"),
            template="organisations/emails/changes_rejected.txt",
            changes=changes,
            reason=reason,
        )


# --- Membership ---------------------------------------------------------------------------


def join_request_create(*, organisation: Organisation, user: Any, message: str = "") -> JoinRequest:
    """A signed-in person asks to join an organisation. Its admins are told by e-mail; when it
    has none (an unclaimed import), the request lands in the staff moderation queue."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Connectez-vous pour demander à rejoindre une structure."))
    if organisation.status == ModerationStatus.REJECTED:
        raise ValidationError(_("Cette structure n’est pas ouverte aux demandes."), code="closed")
    with transaction.atomic():
        if Membership.objects.filter(organisation=organisation, user=user).exists():
            raise ValidationError(_("Vous êtes déjà membre de cette structure."), code="member")
        try:
            with transaction.atomic():
                join_request = JoinRequest.objects.create(
                    organisation=organisation, user=user, message=(message or "").strip()
                )
        except IntegrityError:
            raise ValidationError(
                _("Vous avez déjà une demande en attente pour cette structure."), code="pending"
            ) from None
        audit_record(
            actor=user,
            action="join_request.create",
            obj=join_request,
            to_state=JoinRequestStatus.PENDING,
        )
        send_notification(
            recipients=member_emails(organisation=organisation, role=MemberRole.ADMIN),
            subject=_("Nouvelle demande pour rejoindre %(name)s") % {"name": organisation.name},
            template="organisations/emails/join_request_new.txt",
            context={
                "organisation": organisation,
                "join_request": join_request,
                "requester": user,
                "url": reverse("organisations:join_request", args=[join_request.pk]),
            },
        )
    return join_request


def _decide_join_request(
    *, join_request: JoinRequest, actor: Any, to_state: str, reason: str
) -> tuple[bool, str]:
    """Check the decider and move the request; returns (organisation had an admin, from)."""
    organisation = join_request.organisation
    has_admin = organisation.memberships.filter(role=MemberRole.ADMIN).exists()
    if not can_decide_join_request(actor, join_request, has_admin=has_admin):
        raise PermissionDenied(
            _("Seul un administrateur de la structure peut décider de cette demande.")
            if has_admin
            else _(
                "L’équipe du programme décide des demandes sur les structures sans administrateur."
            )
        )
    now = timezone.now()
    updated = JoinRequest.objects.filter(
        pk=join_request.pk, status=JoinRequestStatus.PENDING
    ).update(status=to_state, decided_by=actor, decided_at=now, decision_reason=reason)
    if updated != 1:
        raise ValidationError(_("Cette demande a déjà été traitée."), code="already_decided")
    join_request.refresh_from_db()
    audit_record(
        actor=actor,
        action=f"join_request.{'accept' if to_state == JoinRequestStatus.ACCEPTED else 'refuse'}",
        obj=join_request,
        from_state=JoinRequestStatus.PENDING,
        to_state=to_state,
        reason=reason,
    )
    return has_admin, JoinRequestStatus.PENDING


def join_request_accept(
    *, join_request: JoinRequest, actor: Any, role: str | None = None
) -> Membership:
    """Accept a join request: the person becomes an editor (by default) — or the admin, when
    programme staff accept a claim on an organisation that has no admin."""
    with transaction.atomic():
        has_admin, _from = _decide_join_request(
            join_request=join_request, actor=actor, to_state=JoinRequestStatus.ACCEPTED, reason=""
        )
        if role is None:
            role = MemberRole.EDITOR if has_admin else MemberRole.ADMIN
        if role not in MemberRole.values:
            raise ValueError(f"Unknown role {role}")
        membership = _membership_create(
            organisation=join_request.organisation, user=join_request.user, role=role, actor=actor
        )
        send_notification(
            recipients=[join_request.user.email],
            subject=_("Vous avez rejoint %(name)s") % {"name": join_request.organisation.name},
            template="organisations/emails/join_request_accepted.txt",
            context={
                "organisation": join_request.organisation,
                "role": MemberRole(role).label,
                "url": reverse("organisations:detail", args=[join_request.organisation_id]),
            },
        )
    return membership


def join_request_refuse(*, join_request: JoinRequest, actor: Any, reason: str) -> None:
    """Refuse a join request; the reason is required and sent to the person."""
    reason = require_reason(reason)
    with transaction.atomic():
        _decide_join_request(
            join_request=join_request,
            actor=actor,
            to_state=JoinRequestStatus.REFUSED,
            reason=reason,
        )
        send_notification(
            recipients=[join_request.user.email],
            subject=_("Votre demande pour rejoindre %(name)s")
            % {"name": join_request.organisation.name},
            template="organisations/emails/join_request_refused.txt",
            context={"organisation": join_request.organisation, "reason": reason},
        )


def join_request_cancel(*, join_request: JoinRequest, actor: Any) -> None:
    """The requester withdraws their pending request."""
    if getattr(actor, "pk", None) != join_request.user_id:
        raise PermissionDenied
    with transaction.atomic():
        updated = JoinRequest.objects.filter(
            pk=join_request.pk, status=JoinRequestStatus.PENDING
        ).update(status=JoinRequestStatus.CANCELLED, decided_at=timezone.now())
        if updated != 1:
            raise ValidationError(_("Cette demande a déjà été traitée."), code="already_decided")
        join_request.refresh_from_db()
        audit_record(
            actor=actor,
            action="join_request.cancel",
            obj=join_request,
            from_state=JoinRequestStatus.PENDING,
            to_state=JoinRequestStatus.CANCELLED,
        )


def _lock_organisation(organisation_id: int) -> None:
    # Serialises membership changes of one organisation on PostgreSQL (two admins demoting each
    # other at once); on SQLite the IMMEDIATE transaction already serialises writers.
    list(Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk"))


def _ensure_an_admin_remains(organisation_id: int) -> None:
    if not Membership.objects.filter(
        organisation_id=organisation_id, role=MemberRole.ADMIN
    ).exists():
        raise ValidationError(
            _(
                "La structure doit garder au moins un administrateur : nommez d’abord un autre "
                "membre administrateur, puis recommencez."
            ),
            code="last_admin",
        )


def membership_change_role(*, membership: Membership, actor: Any, role: str) -> Membership:
    """An admin of the organisation changes a member's role; the last admin cannot be demoted."""
    if role not in MemberRole.values:
        raise ValidationError(_("Ce rôle n’existe pas."), code="invalid_role")
    if not is_organisation_admin(actor, membership.organisation):
        raise PermissionDenied(_("Seul un administrateur de la structure gère ses membres."))
    with transaction.atomic():
        _lock_organisation(membership.organisation_id)
        current = Membership.objects.get(pk=membership.pk)
        if current.role == role:
            return current
        Membership.objects.filter(pk=current.pk).update(role=role)
        _ensure_an_admin_remains(current.organisation_id)
        audit_record(
            actor=actor,
            action="organisation.change_member_role",
            obj=current.organisation,
            before={"membre": current.user_id, "role": current.role},
            after={"membre": current.user_id, "role": role},
        )
    membership.refresh_from_db()
    return membership


def membership_remove(*, membership: Membership, actor: Any) -> None:
    """An admin removes a member, or a member leaves; the last admin cannot leave without
    handing over to another admin first."""
    is_self = getattr(actor, "pk", None) == membership.user_id
    if not is_self and not is_organisation_admin(actor, membership.organisation):
        raise PermissionDenied(_("Seul un administrateur de la structure gère ses membres."))
    with transaction.atomic():
        _lock_organisation(membership.organisation_id)
        current = Membership.objects.select_related("organisation").get(pk=membership.pk)
        current.delete()
        _ensure_an_admin_remains(current.organisation_id)
        audit_record(
            actor=actor,
            action="organisation.leave" if is_self else "organisation.remove_member",
            obj=current.organisation,
            before={"membre": current.user_id, "role": current.role},
            after={},
        )


# --- Reports -------------------------------------------------------------------------------


def organisation_report_rate_limit_consume(*, client_ip: str) -> bool:
    """Count one report from this address; False once the hourly quota is spent (shared cache)."""
    key = f"organisations:report:{client_ip}"
    cache.add(key, 0, timeout=REPORT_RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=REPORT_RATE_WINDOW_SECONDS)
        count = 1
    return count <= REPORT_RATE_LIMIT


def organisation_report_create(
    *,
    organisation: Organisation,
    kind: str,
    message: str,
    reporter: Any = None,
    reporter_email: str = "",
) -> OrganisationReport:
    """Anyone reports an error, or "this is not my structure", on a published organisation."""
    if organisation.status != ModerationStatus.PUBLISHED:
        raise ValidationError(_("Seules les fiches publiées peuvent être signalées."))
    if kind not in ReportKind.values:
        raise ValidationError(_("Choisissez le type de signalement."), code="invalid_kind")
    message = (message or "").strip()
    if not message:
        raise ValidationError(_("Décrivez le problème."), code="required")
    user = reporter if getattr(reporter, "is_authenticated", False) else None
    with transaction.atomic():
        report = OrganisationReport.objects.create(
            organisation=organisation,
            kind=kind,
            message=message,
            reporter=user,
            reporter_email=reporter_email or (user.email if user else ""),
        )
        audit_record(
            actor=user, action="organisation_report.create", obj=report, to_state=ReportStatus.OPEN
        )
    return report


def organisation_report_handle(*, report: OrganisationReport, actor: Any, resolution: str) -> None:
    """Staff close a report with the resolution (what was done)."""
    check_moderator(actor)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(_("Indiquez la suite donnée au signalement."), code="required")
    with transaction.atomic():
        now = timezone.now()
        updated = OrganisationReport.objects.filter(pk=report.pk, status=ReportStatus.OPEN).update(
            status=ReportStatus.HANDLED, handled_by=actor, handled_at=now, resolution=resolution
        )
        if updated != 1:
            raise ValidationError(_("Ce signalement a déjà été traité."), code="already_handled")
        report.refresh_from_db()
        audit_record(
            actor=actor,
            action="organisation_report.handle",
            obj=report,
            from_state=ReportStatus.OPEN,
            to_state=ReportStatus.HANDLED,
            reason=resolution,
        )
