"""effective_status: the status true on a given day, and its SQL twin that filters the register."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from frenchimpact.labels.enums import LabelStatus
from frenchimpact.labels.models import Label
from frenchimpact.labels.register_selectors import (
    EffectiveStatus,
    effective_status,
    effective_status_expression,
    valid_on,
)

START = dt.date(2026, 1, 1)
END = dt.date(2029, 1, 1)  # validity is [START, END): the renewal starts on END


def make(status: str = LabelStatus.ACTIVE) -> Label:
    return Label(status=status, valid_from=START, valid_until=END)


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        (LabelStatus.ACTIVE, START, EffectiveStatus.VALID),
        (LabelStatus.ACTIVE, END - dt.timedelta(days=1), EffectiveStatus.VALID),
        # Past its end, before the daily job has changed the stored status: expired already.
        (LabelStatus.ACTIVE, END, EffectiveStatus.EXPIRED),
        (LabelStatus.RENEWAL_OPEN, END + dt.timedelta(days=3), EffectiveStatus.EXPIRED),
        (LabelStatus.RENEWAL_OPEN, START, EffectiveStatus.VALID),
        (LabelStatus.RENEWED, START, EffectiveStatus.VALID),
        (LabelStatus.RENEWED, END, EffectiveStatus.EXPIRED),
        # A renewal granted ahead: not valid yet.
        (LabelStatus.ACTIVE, START - dt.timedelta(days=1), EffectiveStatus.NOT_YET_VALID),
        (LabelStatus.EXPIRED, START, EffectiveStatus.EXPIRED),
        (LabelStatus.SUSPENDED, START, EffectiveStatus.SUSPENDED),
        # a suspension does not outlive the label: past its end it is expired
        (LabelStatus.SUSPENDED, END, EffectiveStatus.EXPIRED),
        (LabelStatus.REVOKED, START, EffectiveStatus.REVOKED),
        (LabelStatus.REVOKED, END + dt.timedelta(days=400), EffectiveStatus.REVOKED),
    ],
)
def test_effective_status(status, today, expected):
    assert effective_status(make(status), today) == expected


@pytest.mark.django_db
def test_sql_expression_and_valid_on_agree_with_the_function(territories):
    from .builders import label

    days = [START - dt.timedelta(days=1), START, END - dt.timedelta(days=1), END]
    created = []
    for index, status in enumerate(LabelStatus.values):
        created.append(label(status=status, valid_from=START, valid_until=END, number=f"N-{index}"))
    for today, obj in itertools.product(days, created):
        annotated = (
            Label.objects.annotate(statut=effective_status_expression(today))
            .values_list("statut", flat=True)
            .get(pk=obj.pk)
        )
        expected = effective_status(obj, today)
        assert annotated == expected, (obj.status, today)
        assert Label.objects.filter(valid_on(today), pk=obj.pk).exists() == (
            expected == EffectiveStatus.VALID
        )
