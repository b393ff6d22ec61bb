from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _single_line(value: str) -> None:
    # The subject becomes an e-mail header: a line break there would be header injection.
    if "\n" in value or "\r" in value:
        raise ValidationError(_("Ce champ doit tenir sur une seule ligne."))


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        validators=[_single_line],
        error_messages={
            "required": _("Indiquez votre nom."),
            "max_length": _("Votre nom ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Format attendu : nom@domaine.fr. Nous vous répondrons à cette adresse."),
        max_length=254,
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Saisissez une adresse électronique valide, au format nom@domaine.fr."),
            "max_length": _(
                "L’adresse électronique ne doit pas dépasser %(limit_value)d caractères."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    subject = forms.CharField(
        label=_("Objet"),
        max_length=200,
        validators=[_single_line],
        error_messages={
            "required": _("Indiquez l’objet de votre message."),
            "max_length": _("L’objet ne doit pas dépasser %(limit_value)d caractères."),
        },
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=5000,
        error_messages={
            "required": _("Écrivez votre message."),
            "max_length": _("Votre message ne doit pas dépasser %(limit_value)d caractères."),
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # Honeypot: hidden from people by CSS, filled in by naive robots.
    website = forms.CharField(
        label=_("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    visible_field_names = ("name", "email", "subject", "message")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            # A form-wide error: the honeypot itself is invisible, its message must not be.
            raise ValidationError(
                _(
                    "Votre message n’a pas été envoyé : un champ destiné à détecter les envois "
                    "automatiques a été rempli. Si vous utilisez un remplissage automatique, "
                    "désactivez-le pour ce formulaire."
                ),
                code="honeypot",
            )
        return cleaned

    def visible_fields_in_order(self) -> list[forms.BoundField]:
        return [self[name] for name in self.visible_field_names]
