"""Forms of the projects domain (validation only; services write)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.forms import ImageUploadField
from frenchimpact.territories.models import Department, Region

from .enums import Challenge, Need, Sdg
from .models import Project

MAX_LINKS = 10


class ProjectForm(forms.ModelForm[Project]):
    challenges = forms.MultipleChoiceField(
        label=_("Défis de société"),
        choices=Challenge.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un défi.")},
    )
    sdgs = forms.TypedMultipleChoiceField(
        label=_("Objectifs de développement durable"),
        choices=Sdg.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs = forms.MultipleChoiceField(
        label=_("Besoins"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Régions d’action"),
        queryset=Region.objects.order_by("nom"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Départements d’action"),
        queryset=Department.objects.order_by("code"),
        required=False,
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )
    start_year = forms.IntegerField(
        label=_("Année de lancement"),
        required=False,
        min_value=1900,
        error_messages={
            "invalid": _("Saisissez une année en chiffres, par exemple 2016."),
            "min_value": _("L’année de lancement ne peut pas être antérieure à %(limit_value)s."),
        },
    )
    team_size = forms.IntegerField(
        label=_("Taille de l’équipe (personnes)"),
        required=False,
        min_value=0,
        error_messages={
            "invalid": _("Saisissez un nombre entier."),
            "min_value": _("Le nombre ne peut pas être négatif."),
        },
    )
    beneficiaries_count = forms.IntegerField(
        label=_("Nombre de bénéficiaires touchés"),
        required=False,
        min_value=0,
        error_messages={
            "invalid": _("Saisissez un nombre entier."),
            "min_value": _("Le nombre ne peut pas être négatif."),
        },
    )
    links = forms.CharField(
        label=_("Liens"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une adresse par ligne, commençant par https:// ou http:// (10 au plus)."),
    )
    image = ImageUploadField(label=_("Image"), help_text=_("PNG, JPEG ou WebP, 2 Mo au plus."))

    class Meta:
        model = Project
        fields = [
            "title",
            "summary",
            "description",
            "challenges",
            "sdgs",
            "stage",
            "is_national",
            "regions",
            "departments",
            "start_year",
            "budget_band",
            "team_size",
            "beneficiaries_count",
            "beneficiaries_unit",
            "needs",
            "links",
            "image",
        ]
        labels = {
            "title": _("Titre du projet"),
            "summary": _("Résumé en une phrase"),
            "description": _("Description"),
            "stage": _("Stade du projet"),
            "is_national": _("Le projet agit dans toute la France"),
            "budget_band": _("Budget annuel"),
            "beneficiaries_unit": _("Unité (personnes, familles, repas…)"),
        }
        error_messages = {
            "title": {"required": _("Indiquez le titre du projet.")},
            "summary": {
                "required": _("Résumez le projet en une phrase."),
                "max_length": _("Le résumé ne doit pas dépasser %(limit_value)d caractères."),
            },
            "stage": {"required": _("Choisissez le stade du projet.")},
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["links"] = "\n".join(self.instance.links or [])
            if self.instance.status == "publie":
                self.fields["title"].help_text = _(
                    "Une modification sera publiée après validation par l’équipe du programme."
                )

    def clean_start_year(self) -> int | None:
        year = self.cleaned_data.get("start_year")
        if year is not None and year > datetime.date.today().year + 1:
            raise ValidationError(_("L’année de lancement ne peut pas être dans plus d’un an."))
        return year

    def clean_links(self) -> list[str]:
        lines = [line.strip() for line in (self.cleaned_data.get("links") or "").splitlines()]
        links = [line for line in lines if line]
        if len(links) > MAX_LINKS:
            raise ValidationError(
                _("Indiquez %(max)d liens au plus.") % {"max": MAX_LINKS}, code="too_many"
            )
        validate = URLValidator(schemes=["http", "https"])
        for link in links:
            try:
                validate(link)
            except ValidationError:
                raise ValidationError(
                    _("« %(link)s » n’est pas une adresse web commençant par https:// ou http://.")
                    % {"link": link[:100]},
                    code="invalid_link",
                ) from None
        return links

    def clean_image(self) -> UploadedFile | bool | None:
        image = self.cleaned_data.get("image")
        if image is False or isinstance(image, UploadedFile):
            return image
        return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not cleaned.get("is_national")
            and not cleaned.get("regions")
            and not cleaned.get("departments")
            and "regions" not in self.errors
        ):
            self.add_error(
                "regions",
                _(
                    "Choisissez au moins une région ou un département, ou cochez « toute la France »."
                ),
            )
        return cleaned

    def service_values(self) -> dict[str, Any]:
        skip = {"regions", "departments"}
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in skip and name in self.cleaned_data
        }
