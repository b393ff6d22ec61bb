"""Labels for the register's tests, written directly (the grant itself is tested with the
labels services): a granted application, its revision, and the label."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from frenchimpact.labels.enums import ApplicationStatus, LabelKind, LabelStatus
from frenchimpact.labels.models import ApplicationRevision, Label, LabelApplication
from frenchimpact.organisations.models import Organisation
from frenchimpact.support.enums import Typology

from ..search import builders as search_builders

_numbers = itertools.count(1)


def label(
    *,
    holder: Organisation | None = None,
    kind: str = LabelKind.SUPPORT_STRUCTURE,
    status: str = LabelStatus.ACTIVE,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    **fields: Any,
) -> Label:
    today = timezone.localdate()
    valid_from = valid_from or today - dt.timedelta(days=100)
    valid_until = valid_until or valid_from + dt.timedelta(days=1000)
    holder = holder or search_builders.organisation(departement="35", kinds=["accompagnateur"])
    application = LabelApplication.objects.create(
        organisation=holder, kind=kind, status=ApplicationStatus.GRANTED
    )
    ApplicationRevision.objects.create(application=application, number=1)
    fields.setdefault("typology", Typology.INCUBATOR if kind == LabelKind.SUPPORT_STRUCTURE else "")
    fields.setdefault("region", holder.region)
    return Label.objects.create(
        holder=holder,
        kind=kind,
        application=application,
        number=fields.pop("number", f"FI-ACC-2026-{next(_numbers):06d}"),
        valid_from=valid_from,
        valid_until=valid_until,
        status=status,
        **fields,
    )
