"""The public register of labels: the status true today, and the register's reads.

A label's stored ``status`` moves by transitions (grant, suspend, revoke, renew) and a daily
job expires the labels past their end date. What a visitor is told must not wait for that
job: ``effective_status`` computes the status of a label *on a given day* from the stored
status and the validity dates, and every public surface (register, verification page,
certificate, API, directory badge) goes through it or through its SQL twin
``effective_status_expression``, which the tests keep in step with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation
from frenchimpact.support.enums import Typology
from frenchimpact.territories import reference

from .enums import LabelKind, LabelStatus
from .models import Label


class EffectiveStatus:
    """The status of a label on a given day, as the public reads it (API codes)."""

    VALID = "valide"
    NOT_YET_VALID = "a_venir"
    EXPIRED = "expire"
    SUSPENDED = "suspendu"
    REVOKED = "revoque"

    choices: tuple[tuple[str, Any], ...] = (
        (VALID, _("Valide")),
        (NOT_YET_VALID, _("Pas encore valide")),
        (EXPIRED, _("Expiré")),
        (SUSPENDED, _("Suspendu")),
        (REVOKED, _("Révoqué")),
    )
    values: tuple[str, ...] = tuple(value for value, _label in choices)
    labels: dict[str, Any] = dict(choices)


def paris_today() -> dt.date:
    """Today in the business time zone (Europe/Paris)."""
    return timezone.localdate()


def last_valid_day(label: Label) -> dt.date:
    """The last day a label is valid: validity is [valid_from, valid_until) (see the model),
    so that a renewal starts on the day its predecessor ends; people read the last day."""
    return label.valid_until - dt.timedelta(days=1)


def effective_status(label: Label, today: dt.date) -> str:
    """The status of ``label`` on ``today``, whatever the daily job has or has not done yet.

    Revoked wins over the dates; past its end date a label is expired (a suspension does not
    outlive the label); a suspension stands until lifted; before its start date (a renewal
    granted ahead) it is not yet valid; otherwise it is valid (active, renewal open, or
    renewed but not yet replaced).
    """
    if label.status == LabelStatus.REVOKED:
        return EffectiveStatus.REVOKED
    if label.status == LabelStatus.EXPIRED or today >= label.valid_until:
        return EffectiveStatus.EXPIRED
    if label.status == LabelStatus.SUSPENDED:
        return EffectiveStatus.SUSPENDED
    if today < label.valid_from:
        return EffectiveStatus.NOT_YET_VALID
    return EffectiveStatus.VALID


def effective_status_expression(today: dt.date) -> Case:
    """``effective_status`` as an SQL expression, to filter and count in the database."""
    return Case(
        When(status=LabelStatus.REVOKED, then=Value(EffectiveStatus.REVOKED)),
        When(
            Q(status=LabelStatus.EXPIRED) | Q(valid_until__lte=today),
            then=Value(EffectiveStatus.EXPIRED),
        ),
        When(status=LabelStatus.SUSPENDED, then=Value(EffectiveStatus.SUSPENDED)),
        When(valid_from__gt=today, then=Value(EffectiveStatus.NOT_YET_VALID)),
        default=Value(EffectiveStatus.VALID),
        output_field=CharField(),
    )


def valid_on(today: dt.date) -> Q:
    """The labels whose effective status on ``today`` is "valide" (same rules as above)."""
    return (
        ~Q(status__in=[LabelStatus.REVOKED, LabelStatus.SUSPENDED, LabelStatus.EXPIRED])
        & Q(valid_from__lte=today)
        & Q(valid_until__gt=today)
    )


def has_valid_label(today: dt.date, *, kind: str | None = None) -> Exists:
    """For an Organisation queryset: does it hold a label valid today (one subquery)."""
    labels = Label.objects.filter(valid_on(today), holder=OuterRef("pk"))
    if kind:
        labels = labels.filter(kind=kind)
    return Exists(labels)


def with_label_badge(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Annotate ``is_labelled`` (a label valid today) on organisations, without N+1."""
    return queryset.annotate(is_labelled=has_valid_label(paris_today()))


def verification_path(label: Label) -> str:
    return reverse("label_register:verify", args=[label.verification_token])


def verification_url(label: Label) -> str:
    """The absolute, stable link printed on certificates: PUBLIC_BASE_URL, never the request's
    host (a certificate printed from a preview server must still point to production)."""
    return settings.PUBLIC_BASE_URL + verification_path(label)


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline SVG element (no XML declaration, scalable)."""
    return qr_code(url).svg_inline(scale=4, border=2, dark="#000", light="#fff")


# --- Selectors ------------------------------------------------------------------------------


def labels_for_register(today: dt.date) -> QuerySet[Label]:
    """Every label with what the register shows, and its effective status as ``statut``."""
    return Label.objects.select_related("holder", "region").annotate(
        statut=effective_status_expression(today)
    )


def register_filters() -> dict[str, tuple[tuple[str, Any], ...]]:
    """The register's filters (query parameter → accepted values), shared by page and API."""
    return {
        "type": tuple(LabelKind.choices),
        "typologie": tuple(Typology.choices),
        "region": tuple((region.code, region.nom) for region in reference.REGIONS),
        "statut": EffectiveStatus.choices,
    }


def apply_register_filters(queryset: QuerySet[Label], filters: dict[str, str]) -> QuerySet[Label]:
    lookups = {"type": "kind", "typologie": "typology", "region": "region__code"}
    for name, value in filters.items():
        if name == "statut":
            # "statut" is the annotation of labels_for_register (the status of the day).
            queryset = queryset.filter(**{"statut": value})
        elif name in lookups:
            queryset = queryset.filter(**{lookups[name]: value})
    return queryset


def status_counts(queryset: QuerySet[Label]) -> dict[str, int]:
    """Labels per effective status of a (filtered) queryset, in one aggregate query."""
    return queryset.order_by().aggregate(
        **{code: Count("pk", filter=Q(statut=code)) for code in EffectiveStatus.values}
    )
