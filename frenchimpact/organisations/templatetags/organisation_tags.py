"""Template helpers of the organisation and moderation pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def dsfr_widget_as(field: BoundField, css_class: str) -> SafeString:
    """The widget with a DSFR class of our choice (fr-select, fr-upload) and the ARIA links to
    its hint and errors (same ids as accounts/includes/field.html)."""
    attrs: dict[str, str | bool] = {"class": css_class}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-desc-error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def public_url(kind: str, pk: Any) -> str:
    """The public page of a record in the directory ("organisation" or "project"), or "" while
    the directory app does not serve it yet."""
    try:
        return reverse(f"directory:{kind}", args=[pk])
    except NoReverseMatch:
        return ""
