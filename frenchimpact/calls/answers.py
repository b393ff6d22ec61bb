"""Server-side validation of the answers to a call's application form.

Drafts keep what the applicant typed (``CallApplication.answers``, raw values), so nothing
typed is ever lost; each answer is validated here against its question whenever the draft is
saved (the applicant sees the problems at once) and again, with the required ones, at
submission (anything invalid is then refused)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .enums import QuestionKind
from .models import Question

# No raw answer is stored longer than this, whatever the question says (abuse guard).
RAW_TEXT_CAP = 20_000
MONEY_LIMIT = Decimal("999999999999.99")


def parse_decimal(raw: Any) -> Decimal | None:
    """A French or international decimal ("1 234,50", "1234.5", "500 000 €"); None if not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, Decimal)):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw))
    text = str(raw or "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.removesuffix("€").removesuffix("EUR").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, (list, tuple)):
        return not any(str(item).strip() for item in raw)
    return not str(raw).strip()


def _fmt(value: Decimal) -> str:
    return number_format(
        value, decimal_pos=0 if value == value.to_integral() else 2, force_grouping=True
    )


def clean_raw(question: Question, raw: Any) -> Any:
    """What a draft stores for ``raw``: trimmed text (capped), a list for multiple choices,
    a file id for files."""
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        items = raw if isinstance(raw, (list, tuple)) else ([raw] if raw not in (None, "") else [])
        return [str(item)[:500] for item in items][:100]
    if question.kind == QuestionKind.FILE:
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None
    return str(raw if raw is not None else "").strip()[:RAW_TEXT_CAP]


def validate_answer(question: Question, raw: Any, *, required: bool) -> tuple[Any, str | None]:
    """(typed value, French error or None). A blank answer is an error only when ``required``
    and the question is mandatory; its value is then None."""
    if is_blank(raw):
        if required and question.required:
            return None, _("Cette question est obligatoire.")
        return None, None
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        text = str(raw).strip()
        limit = question.max_length or (300 if kind == QuestionKind.SHORT_TEXT else 10_000)
        if len(text) > limit:
            return None, _("%(count)d caractères : le maximum est de %(limit)d.") % {
                "count": len(text),
                "limit": limit,
            }
        if question.min_length and len(text) < question.min_length:
            return None, _("%(count)d caractères : le minimum est de %(limit)d.") % {
                "count": len(text),
                "limit": question.min_length,
            }
        return text, None
    if kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
        value = parse_decimal(raw)
        if value is None:
            return None, (
                _("Indiquez un montant en euros, en chiffres (par exemple 520000).")
                if kind == QuestionKind.MONEY
                else _("Indiquez un nombre, en chiffres.")
            )
        if kind == QuestionKind.MONEY:
            if value < 0:
                return None, _("Un montant ne peut pas être négatif.")
            if abs(value) > MONEY_LIMIT or value != value.quantize(Decimal("0.01")):
                return None, _("Indiquez un montant en euros, avec au plus deux décimales.")
        if question.min_value is not None and value < question.min_value:
            return None, _("La valeur minimale est %(limit)s.") % {
                "limit": _fmt(question.min_value)
            }
        if question.max_value is not None and value > question.max_value:
            return None, _("La valeur maximale est %(limit)s.") % {
                "limit": _fmt(question.max_value)
            }
        return value, None
    if kind == QuestionKind.CHOICE:
        text = str(raw).strip()
        if text not in question.choices:
            return None, _("Choisissez l’une des réponses proposées.")
        return text, None
    if kind == QuestionKind.MULTIPLE_CHOICE:
        items = [str(item).strip() for item in (raw if isinstance(raw, (list, tuple)) else [raw])]
        items = [item for item in items if item]
        unknown = [item for item in items if item not in question.choices]
        if unknown:
            return None, _("Choisissez parmi les réponses proposées.")
        if question.min_value is not None and len(items) < question.min_value:
            return None, _("Choisissez au moins %(count)d réponses.") % {
                "count": int(question.min_value)
            }
        if question.max_value is not None and len(items) > question.max_value:
            return None, _("Choisissez au plus %(count)d réponses.") % {
                "count": int(question.max_value)
            }
        return list(dict.fromkeys(items)), None
    if kind == QuestionKind.DATE:
        text = str(raw).strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):  # the date input sends ISO; typed: French
            try:
                return dt.datetime.strptime(text, pattern).date(), None
            except ValueError:
                continue
        return None, _("Indiquez une date valide (jj/mm/aaaa).")
    if kind == QuestionKind.FILE:
        # The id must name a file of this application for this question: see validate_answers.
        return raw, None
    return None, _("Type de question inconnu.")


def validate_answers(
    questions: Iterable[Question],
    answers: Mapping[str, Any],
    *,
    file_ids: Mapping[str, set[int]] | None = None,
    required: bool,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate every answer: ({key: typed value}, {key: French error}). ``file_ids`` maps a
    question key to the ids of the files uploaded for it on this application."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        raw = answers.get(question.key)
        value, error = validate_answer(question, raw, required=required)
        known = (file_ids or {}).get(question.key, set())
        if (
            error is None
            and question.kind == QuestionKind.FILE
            and value is not None
            and int(value) not in known
        ):
            value, error = None, _("Le fichier joint est introuvable : joignez-le à nouveau.")
        if error:
            errors[question.key] = error
        else:
            values[question.key] = value
    return values, errors
