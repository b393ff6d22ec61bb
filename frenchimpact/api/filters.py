"""The ``modifie_depuis`` filter of every full listing (incremental synchronisation).

Accepted values, and only these (the OpenAPI schema describes exactly this set):

* a date, ``2026-01-31``: from 00:00 that day, Paris time;
* a date-time with its offset (RFC 3339), ``2026-01-31T18:00:00+01:00`` or ``…Z``;
* a date-time without offset, ``2026-01-31T18:00:00``: Paris time.

The bound is inclusive (``updated_at >= modifie_depuis``): a reuser may receive a row twice,
never miss one. Each listing answers with ``Prochain-Modifie-Depuis``, the value to pass next
time: the server time at which the listing was computed, minus ``SYNC_OVERLAP`` (a write whose
transaction began just before and committed just after the listing still shows next time).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MODIFIED_SINCE = "modifie_depuis"
NEXT_SINCE_HEADER = "Prochain-Modifie-Depuis"
SYNC_OVERLAP = dt.timedelta(minutes=5)
PARIS = ZoneInfo("Europe/Paris")

_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
# Days valid in every year (29 February is accepted by the parser but left out of the
# pattern, which cannot tell leap years).
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
# The naive date-time form, as documented in the schema.
NAIVE_PATTERN = rf"^{_YEAR}-{_MONTH_DAY}T{_TIME}$"

_PARSE = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?)?$"
)

SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "pattern": NAIVE_PATTERN},
    ],
    "example": "2026-01-31T18:00:00+01:00",
}


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a bound outside the representable range is clamped to it (year 1
    with a positive offset, year 9999 with a negative one): it filters the same."""
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return (
            dt.datetime.min.replace(tzinfo=dt.UTC)
            if value.year == 1
            else dt.datetime.max.replace(tzinfo=dt.UTC)
        )


def parse_modified_since(raw: str) -> dt.datetime:
    """The aware UTC instant that ``raw`` designates; ValueError with a French message."""
    if " " in raw.strip() and re.search(r"[0-9] [0-9]{2}:[0-9]{2}$", raw):
        raise ValueError(
            _(
                "« %(value)s » : le signe « + » du décalage horaire doit être encodé « %%2B » "
                "dans l’adresse (un « + » non encodé se lit comme une espace)."
            )
            % {"value": raw}
        )
    match = _PARSE.match(raw)
    invalid = _(
        "« %(value)s » n’est pas une date (AAAA-MM-JJ) ni une date et heure ISO 8601 "
        "(AAAA-MM-JJTHH:MM:SS, avec ou sans décalage ; sans décalage : heure de Paris)."
    ) % {"value": raw}
    if match is None:
        raise ValueError(invalid)
    try:
        day = dt.date.fromisoformat(match["date"])
        if match["hour"] is None:
            return _utc(dt.datetime.combine(day, dt.time(), tzinfo=PARIS))
        second = int(match["second"] or 0)
        fraction = (match["fraction"] or "")[:6].ljust(6, "0")
        value = dt.datetime.combine(
            day,
            # A leap second (:60, allowed by RFC 3339) is read as :59.
            dt.time(int(match["hour"]), int(match["minute"]), min(second, 59), int(fraction)),
        )
    except ValueError:
        raise ValueError(invalid) from None
    offset = match["offset"]
    if offset is None:
        return _utc(value.replace(tzinfo=PARIS))
    if offset in ("Z", "z"):
        return _utc(value.replace(tzinfo=dt.UTC))
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(invalid)
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return _utc(value.replace(tzinfo=dt.timezone(-delta if offset[0] == "-" else delta)))


@extend_schema_field(SCHEMA)
class ModifiedSinceField(serializers.Field):
    default_error_messages = {"invalid": gettext_lazy("Valeur invalide.")}

    def to_internal_value(self, data: Any) -> dt.datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return parse_modified_since(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class FiltresModifieDepuis(serializers.Serializer):
    """Base of the filters of every full listing: the listings' filter classes derive from it."""

    modifie_depuis = ModifiedSinceField(
        required=False,
        help_text=gettext_lazy(
            "Synchronisation incrémentale : seulement ce qui a changé depuis cet instant "
            "(inclus). Une date (AAAA-MM-JJ, dès 0 h à Paris) ou une date et heure ISO 8601, "
            "avec décalage (encodez « + » en %2B) ou sans (heure de Paris). Passez la valeur "
            "de l’en-tête Prochain-Modifie-Depuis de la première page de votre synchronisation "
            "précédente."
        ),
    )


def has_modified_since(serializer_class: type[serializers.Serializer] | None) -> bool:
    return serializer_class is not None and MODIFIED_SINCE in serializer_class._declared_fields


def next_since(now: dt.datetime) -> str:
    """The value of Prochain-Modifie-Depuis for a listing computed at ``now``."""
    return (now - SYNC_OVERLAP).astimezone(PARIS).isoformat(timespec="seconds")


def paris_day(instant: dt.datetime) -> dt.date:
    """The calendar day, in Paris, of an instant (clamped bounds included)."""
    try:
        return instant.astimezone(PARIS).date()
    except OverflowError:
        return dt.date.min if instant.year == 1 else dt.date.max
