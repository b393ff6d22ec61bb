"""Forms of the organisations domain: they validate input; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from frenchimpact.territories.models import Department, Region
from frenchimpact.territories.reference import COMMUNE_CODE_PATTERN

from .enums import MemberRole, OrganisationKind, ReportKind
from .models import Organisation
from .services import EDITABLE_FIELDS
from .validators import (
    normalise_identifier,
    validate_image_upload,
    validate_rna,
    validate_siren,
    validate_siret,
)


class IdentifierDeclareForm(forms.Form):
    """First step of a declaration: the SIRET, SIREN (or RNA number) of the organisation."""

    identifier = forms.CharField(
        label=_("SIRET, SIREN ou numéro RNA de la structure"),
        help_text=_(
            "SIREN : 9 chiffres ; SIRET : 14 chiffres ; numéro RNA d’une association : W suivi "
            "de 9 caractères. Les espaces sont acceptés."
        ),
        max_length=40,
        error_messages={"required": _("Indiquez le SIRET, le SIREN ou le numéro RNA.")},
    )

    def clean_identifier(self) -> dict[str, str]:
        number = normalise_identifier(self.cleaned_data["identifier"])
        if number.startswith("W"):
            return {"rna": validate_rna(number), "siren": "", "siret": ""}
        if not number.isdigit():
            raise ValidationError(
                _(
                    "Un SIREN ou un SIRET ne contient que des chiffres (un numéro RNA commence "
                    "par W)."
                ),
                code="characters",
            )
        if len(number) == 14:
            siret = validate_siret(number)
            return {"siren": siret[:9], "siret": siret, "rna": ""}
        if len(number) == 9:
            return {"siren": validate_siren(number), "siret": "", "rna": ""}
        raise ValidationError(
            _(
                "Un SIREN comporte 9 chiffres et un SIRET 14 chiffres : vous en avez saisi "
                "%(count)d."
            )
            % {"count": len(number)},
            code="length",
        )


class ImageUploadField(forms.FileField):
    """A logo or image: its type is sniffed from the content (validators.validate_image_upload)."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("validators", [validate_image_upload])
        super().__init__(**kwargs)


class OrganisationForm(forms.ModelForm[Organisation]):
    """Creation and edit of an organisation by its members."""

    kinds = forms.MultipleChoiceField(
        label=_("Types d’acteur"),
        help_text=_("Cochez tout ce qui décrit la structure."),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un type d’acteur.")},
    )
    siren = forms.CharField(
        label=_("SIREN"),
        required=False,
        max_length=20,
        help_text=_("9 chiffres. Obligatoire sauf pour une association qui n’a qu’un numéro RNA."),
    )
    siret = forms.CharField(
        label=_("SIRET du siège"), required=False, max_length=30, help_text=_("14 chiffres.")
    )
    rna = forms.CharField(
        label=_("Numéro RNA"),
        required=False,
        max_length=20,
        help_text=_("Pour une association : W suivi de 9 caractères."),
    )
    legal_form_code = forms.RegexField(
        label=_("Catégorie juridique (code INSEE à 4 chiffres)"),
        regex=r"^[0-9]{4}$",
        required=False,
        help_text=_("Par exemple 9220 pour une association déclarée, 5710 pour une SAS."),
        error_messages={"invalid": _("Le code de catégorie juridique comporte 4 chiffres.")},
    )
    ess_flag = forms.ChoiceField(
        label=_("La structure appartient-elle à l’économie sociale et solidaire (ESS) ?"),
        required=False,
        choices=[("", _("Je ne sais pas")), ("O", _("Oui")), ("N", _("Non"))],
        widget=forms.RadioSelect,
    )
    creation_date = forms.DateField(
        label=_("Date de création"),
        required=False,
        help_text=_("Format attendu : JJ/MM/AAAA."),
        error_messages={"invalid": _("Saisissez une date au format JJ/MM/AAAA.")},
    )
    postal_code = forms.RegexField(
        label=_("Code postal"),
        regex=r"^[0-9]{5}$",
        required=False,
        error_messages={"invalid": _("Le code postal comporte 5 chiffres.")},
    )
    commune_code = forms.RegexField(
        label=_("Code INSEE de la commune"),
        regex=COMMUNE_CODE_PATTERN,
        required=False,
        help_text=_("5 caractères, par exemple 75056 pour Paris (différent du code postal)."),
        error_messages={
            "invalid": _("Le code INSEE de la commune comporte 5 caractères (ex. 75056, 2A004).")
        },
    )
    region = forms.ModelChoiceField(
        label=_("Région"), queryset=Region.objects.order_by("nom"), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Department.objects.select_related("region").order_by("code"),
        required=False,
    )
    website = forms.URLField(
        label=_("Site web"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Adresse commençant par https://"),
        error_messages={"invalid": _("Saisissez une adresse web valide (https://…).")},
    )
    contact_email = forms.EmailField(
        label=_("E-mail de contact (non publié)"),
        required=False,
        help_text=_("Format attendu : nom@domaine.fr. Visible de l’équipe du programme seulement."),
        error_messages={"invalid": _("Saisissez une adresse e-mail valide (nom@domaine.fr).")},
    )
    logo = ImageUploadField(
        label=_("Logo"),
        help_text=_("PNG, JPEG ou WebP, 2 Mo au plus."),
    )

    class Meta:
        model = Organisation
        fields = list(EDITABLE_FIELDS)
        labels = {
            "name": _("Nom de la structure"),
            "acronym": _("Sigle"),
            "size_band": _("Tranche d’effectifs"),
            "address_line": _("Adresse"),
            "description": _("Présentation"),
        }
        error_messages = {"name": {"required": _("Indiquez le nom de la structure.")}}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["size_band"].help_text = _("Salariés, selon les tranches de l’INSEE.")
        if self.instance.pk and self.instance.is_published:
            note = _("Une modification sera publiée après validation par l’équipe du programme.")
            for name in ("name", "siren"):
                self.fields[name].help_text = f"{self.fields[name].help_text} {note}".strip()

    # Empty identifiers are NULL (the unique constraints and check constraints ignore them).
    def clean_siren(self) -> str | None:
        value = self.cleaned_data.get("siren") or ""
        return validate_siren(value) if value.strip() else None

    def clean_siret(self) -> str:
        value = self.cleaned_data.get("siret") or ""
        return validate_siret(value) if value.strip() else ""

    def clean_rna(self) -> str | None:
        value = self.cleaned_data.get("rna") or ""
        return validate_rna(value) if value.strip() else None

    def clean_logo(self) -> UploadedFile | bool | None:
        logo = self.cleaned_data.get("logo")
        if logo is False or isinstance(logo, UploadedFile):
            return logo
        return None  # unchanged

    def _duplicate(self, name: str, value: str) -> bool:
        others = Organisation.objects.filter(**{name: value})
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        return others.exists()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        siren, siret, rna = cleaned.get("siren"), cleaned.get("siret"), cleaned.get("rna")
        if "siren" in cleaned and "rna" in cleaned and not siren and not rna:
            self.add_error("siren", _("Indiquez le SIREN, ou le numéro RNA pour une association."))
        if siren and siret and not siret.startswith(siren):
            self.add_error(
                "siret",
                _(
                    "Le SIRET doit commencer par le SIREN de la structure (ses 9 premiers chiffres)."
                ),
            )
        if siret and not siren and "siren" in cleaned:
            cleaned["siren"] = siret[:9]
        for name, value in (("siren", cleaned.get("siren")), ("rna", rna)):
            if value and self._duplicate(name, value):
                self.add_error(
                    name,
                    _(
                        "Une structure avec ce numéro existe déjà sur la plateforme : demandez à "
                        "la rejoindre au lieu de la créer une seconde fois."
                    ),
                )
        region, department = cleaned.get("region"), cleaned.get("department")
        if region and department and department.region_id != region.pk:
            self.add_error(
                "department",
                _("Le département %(department)s n’appartient pas à la région %(region)s.")
                % {"department": department.nom, "region": region.nom},
            )
        commune = cleaned.get("commune_code")
        if commune and department and not commune.startswith(department.code):
            self.add_error(
                "commune_code",
                _("Le code de la commune doit commencer par celui du département (%(code)s).")
                % {"code": department.code},
            )
        return cleaned

    def service_values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data
        }


class OrganisationCreateForm(OrganisationForm):
    accept_charter = forms.BooleanField(
        label=_("Au nom de la structure, j’adhère à la charte de la communauté French IMPACT."),
        help_text=_("Facultatif : vous pourrez aussi l’accepter plus tard."),
        required=False,
    )


class CharterForm(forms.Form):
    accept_charter = forms.BooleanField(
        label=_("Au nom de la structure, j’adhère à la charte de la communauté French IMPACT."),
        error_messages={"required": _("Cochez la case pour adhérer à la charte.")},
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message aux administrateurs de la structure"),
        help_text=_("Présentez-vous : votre fonction dans la structure, par exemple."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _("Le message ne doit pas dépasser %(limit_value)d caractères.")
        },
    )


class JoinDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("accepter", _("Accepter")), ("refuser", _("Refuser"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez d’accepter ou de refuser la demande.")},
    )
    role = forms.ChoiceField(
        label=_("Rôle donné en cas d’acceptation"),
        choices=MemberRole.choices,
        initial=MemberRole.EDITOR,
        required=False,
    )
    reason = forms.CharField(
        label=_("Motif (obligatoire pour refuser)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "refuser" and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason", _("Indiquez le motif du refus : il sera envoyé à la personne.")
            )
        return cleaned


class MemberActionForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[("admin", ""), ("editeur", ""), ("retirer", "")], widget=forms.HiddenInput
    )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Objet du signalement"),
        choices=ReportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez l’objet du signalement.")},
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Décrivez l’erreur, ou pourquoi cette structure n’est pas la vôtre."),
        error_messages={
            "required": _("Décrivez le problème."),
            "max_length": _("Le message ne doit pas dépasser %(limit_value)d caractères."),
        },
    )
    reporter_email = forms.EmailField(
        label=_("Votre adresse e-mail pour vous répondre"),
        required=False,
        help_text=_("Format attendu : nom@domaine.fr."),
        error_messages={"invalid": _("Saisissez une adresse e-mail valide (nom@domaine.fr).")},
    )
    # Honeypot: hidden from people by CSS, filled in by naive robots.
    website = forms.CharField(
        label=_("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise ValidationError(
                _(
                    "Votre signalement n’a pas été envoyé : un champ destiné à détecter les envois "
                    "automatiques a été rempli."
                ),
                code="honeypot",
            )
        return cleaned


# --- Moderation ------------------------------------------------------------------------------

REASON_REQUIRED = {"refuser", "depublier", "refuser_modifications"}


class ModerationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            ("publier", _("Publier")),
            ("refuser", _("Refuser")),
            ("depublier", _("Dépublier")),
            ("publier_modifications", _("Accepter les modifications")),
            ("refuser_modifications", _("Refuser les modifications")),
        ],
        error_messages={"required": _("Choisissez une décision.")},
    )
    reason = forms.CharField(
        label=_("Motif (envoyé aux membres ; obligatoire pour refuser ou dépublier)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") in REASON_REQUIRED and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason", _("Indiquez le motif de la décision : il sera envoyé aux membres.")
            )
        return cleaned


class ReportHandleForm(forms.Form):
    resolution = forms.CharField(
        label=_("Suite donnée"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez la suite donnée au signalement.")},
    )


class QueueFilterForm(forms.Form):
    TYPE_CHOICES = [
        ("structure", _("Structures")),
        ("projet", _("Projets")),
        ("modification_structure", _("Modifications de structures")),
        ("modification_projet", _("Modifications de projets")),
        ("revendication", _("Demandes sur des structures sans administrateur")),
        ("signalement", _("Signalements")),
    ]
    type = forms.ChoiceField(label=_("Type"), choices=TYPE_CHOICES, required=False)
    statut = forms.CharField(label=_("Statut"), required=False, max_length=20)
    region = forms.ModelChoiceField(
        label=_("Région"),
        queryset=Region.objects.order_by("nom"),
        to_field_name="code",
        required=False,
        empty_label=_("Toutes les régions"),
    )
    q = forms.CharField(label=_("Nom contient"), required=False, max_length=100)
