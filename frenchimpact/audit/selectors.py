from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry, AuditEntryQuerySet


def audit_history(*, content_type: ContentType, object_id: str) -> AuditEntryQuerySet:
    """Entries of one object, newest first, with their actor in the same query."""
    return (
        AuditEntry.objects.filter(content_type=content_type, object_id=object_id)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
