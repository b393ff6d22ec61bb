"""The one way to write the audit trail."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .models import AuditEntry


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_jsonable(v) for v in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Values of the given concrete fields, ready to be passed as before/after."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = _jsonable(getattr(obj, getattr(field, "attname", name)))
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the keys whose value changed, as {field: {"avant": ..., "apres": ...}}."""
    keys = list(dict.fromkeys([*before, *after]))
    return {
        key: {"avant": _jsonable(before.get(key)), "apres": _jsonable(after.get(key))}
        for key in keys
        if _jsonable(before.get(key)) != _jsonable(after.get(key))
    }


def audit_label(obj: models.Model) -> str:
    """How an entry names its object: ``obj.audit_label`` when the model defines one (so that,
    e.g., a person is named by an account number rather than by their e-mail), else str(obj)."""
    label = getattr(obj, "audit_label", None)
    return str(label if label is not None else obj)[:255]


def audit_erase_personal_data(*, obj: models.Model) -> int:
    """Blank the recorded values and labels of every entry about ``obj`` (RGPD erasure).

    The one exception to append-only: when a person's account is erased, the entries about it
    keep who did what and when, but lose the values that described the person. Call it in the
    transaction that deletes the object, next to the audit entry recording the deletion.
    """
    entries = AuditEntry.objects.for_object(obj)
    return models.QuerySet.update(
        entries,
        object_repr=f"{obj._meta.verbose_name} n°{obj.pk} (supprimé)",
        changes={},
        reason="",
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``obj``.

    Call it inside the transaction of the change it describes: if that transaction rolls
    back, the entry goes with it. ``actor`` may be None (system jobs) or an anonymous user.
    """
    if obj.pk is None:
        raise ValueError("Cannot audit an unsaved object.")
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes = diff(before or {}, after or {}) if (before is not None or after is not None) else {}
    with transaction.atomic():
        return AuditEntry.objects.create(
            actor=user,
            action=action,
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=audit_label(obj),
            from_state=from_state,
            to_state=to_state,
            changes=changes,
            reason=reason,
        )


def audited_transition(
    *,
    obj: models.Model,
    actor: Any,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    states: Any,
    invalid_message: str,
    concurrent_message: str,
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Move ``obj`` (a model with a ``status`` and an ``updated_at``) from one of
    ``from_states`` to ``to_state`` and audit it; return the state it left.

    A conditional update (``filter(pk, status=current).update``), correct on SQLite and
    PostgreSQL alike: when two people act at once, the second gets ``concurrent_message``.
    ``invalid_message`` (with ``%(state)s``, the label from the ``states`` choices) is raised
    when the record is not in an allowed state. Call inside a transaction.
    """
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    model = type(obj)
    current = model._default_manager.filter(pk=obj.pk).values_list("status", flat=True).first()
    if current not in set(from_states):
        raise ValidationError(
            invalid_message % {"state": states(current).label if current else "?"},
            code="invalid_state",
        )
    values = {"status": to_state, "updated_at": timezone.now(), **(extra or {})}
    if model._default_manager.filter(pk=obj.pk, status=current).update(**values) != 1:
        raise ValidationError(concurrent_message, code="concurrent_change")
    for name, value in values.items():
        setattr(obj, name, value)
    audit_record(
        actor=actor, action=action, obj=obj, from_state=current, to_state=to_state, reason=reason
    )
    return str(current)
