"""Configuration of calls beyond the Django admin's plain edits: duplicating a call so that
the engine (form, grids, eligibility rules, co-pilots) is reused for the next one.

The admin itself edits draft configuration directly (admin.py makes frozen versions and the
form and grids of published calls read-only); these functions are the writes that span
several rows and need an audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record

from .enums import CallStatus, GridKind
from .models import (
    RESERVED_SLUGS,
    Call,
    CallCopilot,
    Criterion,
    EligibilityRule,
    FormVersion,
    Grid,
    Question,
    validate_call_slug,
)
from .services import check_staff, current_grid, require_text

QUESTION_FIELDS = (
    "key",
    "label",
    "help_text",
    "kind",
    "required",
    "min_length",
    "max_length",
    "min_value",
    "max_value",
    "choices",
    "identifying",
    "order",
)
CRITERION_FIELDS = (
    "key",
    "label",
    "description",
    "weight",
    "scale_min",
    "scale_max",
    "order",
)


def free_slug(base: str) -> str:
    """``base`` (slugified), or ``base-2``, ``base-3``… whichever no call uses yet."""
    base = (slugify(base) or "appel")[:70]
    if base in RESERVED_SLUGS:
        base = f"{base}-appel"

    taken = set(Call.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def call_duplicate(*, call: Call, actor: Any, slug: str, title: str) -> Call:
    """A new draft call copying ``call``'s texts, dates, targets, co-pilots (with their
    signatories), eligibility rules, and the current form and grids as their version 1 (not
    frozen: staff adjust them before publishing). Applications, rounds, juries and results
    are not copied."""
    check_staff(actor)
    title = require_text(title, _("Indiquez le titre du nouvel appel."))
    slug = (slug or "").strip()
    if slug in RESERVED_SLUGS:
        validate_call_slug(slug)
    if not slug or slugify(slug) != slug:
        raise ValidationError(
            _(
                "L’identifiant « %(slug)s » n’est pas valable : lettres minuscules, chiffres "
                "et tirets seulement."
            )
            % {"slug": slug},
            code="invalid_slug",
        )
    with transaction.atomic():
        if Call.objects.filter(slug=slug).exists():
            raise ValidationError(
                _("Un appel utilise déjà l’identifiant « %(slug)s ».") % {"slug": slug},
                code="duplicate_slug",
            )
        new = Call.objects.create(
            slug=slug,
            title=title[:200],
            summary=call.summary,
            description=call.description,
            rules_document=call.rules_document.name or "",
            opens_at=call.opens_at,
            closes_at=call.closes_at,
            status=CallStatus.DRAFT,
            target_laureates_min=call.target_laureates_min,
            target_laureates_max=call.target_laureates_max,
            blind_review=call.blind_review,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        source_form = call.form_versions.order_by("-number").first()
        form = FormVersion.objects.create(call=new, number=1)
        if source_form is not None:
            Question.objects.bulk_create(
                Question(form=form, **{name: getattr(q, name) for name in QUESTION_FIELDS})
                for q in source_form.questions.all()
            )
        grids = {}
        for kind in GridKind.values:
            source_grid = current_grid(call, kind)
            if source_grid is None:
                continue
            grid = Grid.objects.create(call=new, kind=kind, number=1)
            Criterion.objects.bulk_create(
                Criterion(grid=grid, **{name: getattr(c, name) for name in CRITERION_FIELDS})
                for c in source_grid.criteria.all()
            )
            grids[kind] = source_grid.number
        EligibilityRule.objects.bulk_create(
            EligibilityRule(
                call=new,
                kind=rule.kind,
                threshold=rule.threshold,
                question_key=rule.question_key,
                evidence_question_key=rule.evidence_question_key,
            )
            for rule in call.eligibility_rules.all()
        )
        for copilot in call.copilots.prefetch_related("signatories"):
            copy = CallCopilot.objects.create(
                call=new, organisation_id=copilot.organisation_id, order=copilot.order
            )
            copy.signatories.set(copilot.signatories.all())
        audit_record(
            actor=actor,
            action="call.duplicate",
            obj=new,
            to_state=CallStatus.DRAFT,
            after={
                "copie_de": call.slug,
                "formulaire": source_form.number if source_form else None,
                "grilles": grids,
            },
        )
    return new
