"""Forms of the support domain: they parse and check the shape of input; services check the
rest (codes against the reference territories, states) and do the writing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.projects.models import Project

from .enums import ApplyMode, OfferType, Public, RequestStatus, Typology

CODE_RE = re.compile(r"^[0-9AB]{2,5}$")
DATE_ERRORS = {"invalid": _("Saisissez une date au format JJ/MM/AAAA.")}


class CodeListField(forms.CharField):
    """COG codes separated by commas or spaces (``35, 56``); the value is the list."""

    def __init__(self, *, max_length_code: int, **kwargs: Any) -> None:
        self.max_length_code = max_length_code
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        codes = [code.upper() for code in re.split(r"[\s,;]+", text) if code]
        wrong = [c for c in codes if not CODE_RE.match(c) or len(c) > self.max_length_code]
        if wrong:
            raise ValidationError(
                _("Code mal formé : %(codes)s (codes INSEE séparés par des virgules).")
                % {"codes": ", ".join(wrong)}
            )
        return list(dict.fromkeys(codes))


class SupportProfileForm(forms.Form):
    typology = forms.ChoiceField(
        label=_("Typologie"),
        choices=[("", _("Choisir une typologie")), *Typology.choices],
        error_messages={"required": _("Choisissez la typologie de la structure.")},
    )
    presentation = forms.CharField(
        label=_("Présentation de l’accompagnement"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=5000,
    )
    covers_france = forms.BooleanField(label=_("Intervient dans toute la France"), required=False)
    regions = CodeListField(
        label=_("Régions couvertes"),
        max_length_code=2,
        help_text=_("Codes INSEE séparés par des virgules, par exemple 53, 11."),
    )
    departments = CodeListField(
        label=_("Départements couverts"),
        max_length_code=3,
        help_text=_("Codes INSEE séparés par des virgules, par exemple 35, 2A, 974."),
    )
    supported_projects = forms.CharField(
        label=_("Projets accompagnés"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Adresses de fiches de l’annuaire (…/annuaire/projets/12/) ou numéros, séparés par "
            "des virgules ou des retours à la ligne."
        ),
    )
    contact_name = forms.CharField(label=_("Personne à contacter"), required=False, max_length=150)
    contact_email = forms.EmailField(
        label=_("E-mail pour les porteurs de projet"),
        required=False,
        help_text=_("Affiché publiquement sur la fiche de la structure."),
        error_messages={"invalid": _("Saisissez une adresse e-mail valide.")},
    )
    contact_phone = forms.RegexField(
        label=_("Téléphone"),
        regex=r"^[0-9 +().-]{6,30}$",
        required=False,
        error_messages={"invalid": _("Saisissez un numéro de téléphone (chiffres, espaces, +).")},
    )

    def clean_supported_projects(self) -> list[int]:
        ids: list[int] = []
        for token in re.split(r"[\s,;]+", self.cleaned_data.get("supported_projects") or ""):
            if not token:
                continue
            match = re.search(r"(?:^|/)(\d+)/?$", token)
            if match is None:
                raise ValidationError(
                    _("« %(value)s » n’est ni un numéro ni une adresse de projet de l’annuaire.")
                    % {"value": token[:100]}
                )
            ids.append(int(match.group(1)))
        return list(dict.fromkeys(ids))


class OfferForm(forms.Form):
    name = forms.CharField(label=_("Nom de l’offre"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )
    offer_type = forms.ChoiceField(
        label=_("Type d’offre"), choices=[("", _("Choisir un type")), *OfferType.choices]
    )
    stages = forms.MultipleChoiceField(
        label=_("Stades de projet accompagnés"),
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    challenges = forms.MultipleChoiceField(
        label=_("Défis"),
        choices=Challenge.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    publics = forms.MultipleChoiceField(
        label=_("Publics"),
        choices=Public.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    zone_france = forms.BooleanField(label=_("Zone d’éligibilité : France entière"), required=False)
    zone_regions = CodeListField(
        label=_("Ou régions (codes INSEE)"), max_length_code=2, help_text=_("Par exemple 53, 11.")
    )
    zone_departments = CodeListField(
        label=_("Ou départements (codes INSEE)"),
        max_length_code=3,
        help_text=_("Par exemple 35, 2A, 974."),
    )
    zone_communes = CodeListField(
        label=_("Ou communes (codes INSEE, pas le code postal)"),
        max_length_code=5,
        help_text=_("Par exemple 35238 pour Rennes."),
    )
    is_free = forms.BooleanField(label=_("Gratuit"), required=False, initial=True)
    price_details = forms.CharField(
        label=_("Conditions tarifaires"), required=False, max_length=500
    )
    on_site = forms.BooleanField(label=_("En présentiel"), required=False, initial=True)
    remote = forms.BooleanField(label=_("À distance"), required=False)
    capacity = forms.IntegerField(
        label=_("Capacité (nombre de places)"),
        required=False,
        min_value=1,
        error_messages={
            "invalid": _("La capacité est un nombre entier de places."),
            "min_value": _("La capacité est d’au moins 1 place."),
        },
    )
    rolling = forms.BooleanField(label=_("Entrées au fil de l’eau"), required=False, initial=True)
    next_cohort_start = forms.DateField(
        label=_("Début de la prochaine promotion"),
        required=False,
        help_text=_("Format attendu : JJ/MM/AAAA."),
        error_messages=DATE_ERRORS,
    )
    next_cohort_end = forms.DateField(
        label=_("Fin des candidatures"),
        required=False,
        help_text=_("Format attendu : JJ/MM/AAAA."),
        error_messages=DATE_ERRORS,
    )
    apply_mode = forms.ChoiceField(
        label=_("Comment candidater"), choices=ApplyMode.choices, widget=forms.RadioSelect
    )
    apply_url = forms.URLField(
        assume_scheme="https",
        label=_("Lien pour candidater"),
        required=False,
        max_length=500,
        error_messages={"invalid": _("Saisissez une adresse web complète (https://…).")},
    )
    apply_email = forms.EmailField(
        label=_("E-mail pour candidater"),
        required=False,
        error_messages={"invalid": _("Saisissez une adresse e-mail valide.")},
    )

    @staticmethod
    def initial_from(offer: Any) -> dict[str, Any]:
        initial = {
            name: getattr(offer, name) for name in OfferForm.base_fields if hasattr(offer, name)
        }
        initial["zone_regions"] = [r.code for r in offer.zone_regions.all()]
        initial["zone_departments"] = [d.code for d in offer.zone_departments.all()]
        initial["zone_communes"] = list(offer.zone_communes)
        return initial


class OfferSuspendForm(forms.Form):
    until = forms.DateField(
        label=_("Suspendue jusqu’au"),
        help_text=_("Format attendu : JJ/MM/AAAA."),
        error_messages={**DATE_ERRORS, "required": _("Indiquez la date de fin de suspension.")},
    )
    reason = forms.CharField(label=_("Motif"), required=False, max_length=500)


class OfferRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Votre message à la structure"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        error_messages={"required": _("Écrivez votre message à la structure.")},
    )
    organisation = forms.ModelChoiceField(
        label=_("Au nom de la structure"), queryset=Organisation.objects.none(), required=False
    )
    project = forms.ModelChoiceField(
        label=_("Pour le projet"), queryset=Project.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, organisations: Any = None, projects: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation_field: Any = self.fields["organisation"]
        project_field: Any = self.fields["project"]
        if organisations is not None:
            organisation_field.queryset = organisations
        if projects is not None:
            project_field.queryset = projects
        error = _("Choisissez une de vos structures ou un de vos projets dans la liste.")
        organisation_field.error_messages["invalid_choice"] = error
        project_field.error_messages["invalid_choice"] = error


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Votre réponse (envoyée par e-mail à la personne)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        error_messages={"required": _("Écrivez votre réponse.")},
    )


INBOX_FILTERS = [("", _("Toutes")), *RequestStatus.choices]
