"""Eligibility rules of a call, evaluated at submission (and shown to the applicant before).

Each rule gives {"rule", "label", "passed", "message"}: the applicant sees which rule fails and why;
programme staff confirm admissibility afterwards (with a reason when they override)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from frenchimpact.core.dates import add_years
from frenchimpact.organisations.models import Organisation

from .answers import parse_decimal
from .enums import EligibilityRuleKind
from .models import Call, EligibilityRule


def existence_start(organisation: Organisation) -> tuple[dt.date | None, str]:
    """The date the organisation exists from, and its source: the SIRENE creation date, or
    the RNA creation date of an association when it is earlier."""
    sirene, rna = organisation.creation_date, organisation.rna_creation_date
    if rna and (sirene is None or rna < sirene):
        return rna, "RNA"
    if sirene:
        return sirene, "SIRENE"
    return None, ""


def closing_day(call: Call) -> dt.date:
    """The call's closing date, in Europe/Paris."""
    return timezone.localtime(call.closes_at).date()


def _euros(value: Decimal) -> str:
    return number_format(value.quantize(Decimal(1)), decimal_pos=0, force_grouping=True) + " €"


def _check_existence(
    rule: EligibilityRule, call: Call, organisation: Organisation
) -> dict[str, Any]:
    years = int(rule.threshold)
    start, source = existence_start(organisation)
    closing = closing_day(call)
    if start is None:
        return {
            "passed": False,
            "message": _(
                "Date de création inconnue : rattachez votre structure à son SIREN ou à son "
                "numéro RNA pour que l’ancienneté (%(years)d ans au %(closing)s) soit vérifiée."
            )
            % {"years": years, "closing": date_format(closing, "j F Y")},
        }
    # "More than N years of existence" at the closing date: created on or before the day
    # N years before it.
    limit = add_years(closing, -years)
    passed = start <= limit
    values = {
        "start": date_format(start, "j F Y"),
        "source": source,
        "years": years,
        "closing": date_format(closing, "j F Y"),
        "limit": date_format(limit, "j F Y"),
    }
    if passed:
        message = (
            _("Créée le %(start)s (%(source)s) : plus de %(years)d ans d’existence au %(closing)s.")
            % values
        )
    else:
        message = (
            _(
                "Créée le %(start)s (%(source)s) : il faut avoir été créée au plus tard le "
                "%(limit)s pour compter %(years)d ans d’existence au %(closing)s."
            )
            % values
        )
    return {"passed": passed, "message": message}


def _check_budget(
    rule: EligibilityRule, answers: Mapping[str, Any], has_evidence: bool
) -> dict[str, Any]:
    budget = parse_decimal(answers.get(rule.question_key))
    threshold = _euros(rule.threshold)
    if budget is None:
        return {
            "passed": False,
            "message": _(
                "Indiquez le budget annuel du dernier exercice clos (il doit dépasser %(threshold)s)."
            )
            % {"threshold": threshold},
        }
    if budget <= rule.threshold:
        return {
            "passed": False,
            "message": _("Budget déclaré de %(budget)s : il doit dépasser %(threshold)s.")
            % {"budget": _euros(budget), "threshold": threshold},
        }
    if rule.evidence_question_key and not has_evidence:
        return {
            "passed": False,
            "message": _(
                "Budget déclaré de %(budget)s : joignez les comptes du dernier exercice clos."
            )
            % {"budget": _euros(budget)},
        }
    return {
        "passed": True,
        "message": _("Budget déclaré de %(budget)s, supérieur à %(threshold)s.")
        % {"budget": _euros(budget), "threshold": threshold},
    }


def evaluate(
    call: Call,
    organisation: Organisation,
    answers: Mapping[str, Any],
    *,
    answered_files: set[str] | None = None,
) -> list[dict[str, Any]]:
    """The result of each of the call's rules (``answered_files``: the keys of the file
    questions answered with a file that exists)."""
    results = []
    for rule in call.eligibility_rules.all():
        if rule.kind == EligibilityRuleKind.MIN_EXISTENCE_YEARS:
            result = _check_existence(rule, call, organisation)
        elif rule.kind == EligibilityRuleKind.MIN_ANNUAL_BUDGET:
            result = _check_budget(
                rule, answers, rule.evidence_question_key in (answered_files or set())
            )
        else:  # pragma: no cover - guarded by the choices
            continue
        results.append({"rule": rule.kind, "label": str(rule.get_kind_display()), **result})
    return results


def all_passed(results: list[dict[str, Any]]) -> bool:
    return all(result["passed"] for result in results)
