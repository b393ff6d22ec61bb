"""Render a form field's widget with the DSFR classes and the ARIA links to its hint and errors."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_CHOICE_WIDGETS = {"checkbox", "radio", "radioselect", "checkboxselectmultiple"}


@register.simple_tag
def dsfr_widget(field: BoundField) -> SafeString:
    attrs: dict[str, str | bool] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if field.errors:
        described_by.append(f"{field.auto_id}-desc-error")
        attrs["aria-invalid"] = "true"
    if field.widget_type not in _CHOICE_WIDGETS:
        attrs["class"] = "fr-input fr-input--error" if field.errors else "fr-input"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def help_is_block(field: BoundField) -> bool:
    """Django's password help text is an HTML list: it cannot sit inside the label."""
    return "<ul" in str(field.help_text)
