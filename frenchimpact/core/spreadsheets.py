"""Text that a spreadsheet opening a CSV or XLSX file must not run as a formula."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is read as a formula by spreadsheet software.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula: a leading =, +, -, @, tab or
    carriage return gets an apostrophe in front. Other values (numbers, dates, None) are
    returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
