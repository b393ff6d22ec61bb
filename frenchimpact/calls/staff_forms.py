"""Forms of the staff pages of a call's applications (list filters, admissibility,
completion request). The services re-check everything."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frenchimpact.territories.models import Region

from .enums import ApplicationStatus

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ELIGIBILITY_FILTERS = [
    ("", _("Toutes")),
    ("respectee", _("Règles respectées")),
    ("non_respectee", _("Au moins une règle non respectée")),
]


class ApplicationFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=_("Statut"), choices=[("", _("Tous")), *ApplicationStatus.choices], required=False
    )
    eligibilite = forms.ChoiceField(
        label=_("Éligibilité"), choices=ELIGIBILITY_FILTERS, required=False
    )
    region = forms.ChoiceField(label=_("Région"), choices=[("", _("Toutes"))], required=False)
    q = forms.CharField(label=_("Numéro ou structure"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("Toutes")),
            *Region.objects.order_by("code").values_list("code", "nom"),
        ]


class AdmissibilityForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Recevabilité"),
        choices=[("recevable", _("Recevable")), ("irrecevable", _("Irrecevable"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez si la candidature est recevable.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        help_text=_(
            "Obligatoire pour déclarer la candidature irrecevable, et pour décider autrement "
            "que les règles d’éligibilité ; envoyé à la structure en cas d’irrecevabilité."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )

    @property
    def admissible(self) -> bool:
        return self.cleaned_data["decision"] == "recevable"


class CompletionRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Ce que la structure doit compléter"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Indiquez ce que le candidat doit compléter.")},
    )
    deadline = forms.DateTimeField(
        label=_("À compléter avant le (heure de Paris)"),
        help_text=_("Format : jj/mm/aaaa hh:mm."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={
            "required": _("Indiquez la date limite."),
            "invalid": _("Saisissez une date et une heure valides (jj/mm/aaaa hh:mm)."),
        },
    )

    def clean_deadline(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["deadline"]
        # The form field already reads it in the current time zone; make it Paris explicitly
        # (the business time zone), whatever the request's active zone.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=PARIS)


class CloseIncompleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l’irrecevabilité"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Indiquez le motif de l’irrecevabilité.")},
    )
