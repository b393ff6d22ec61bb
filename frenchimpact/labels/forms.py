"""Forms of the label pages (applicants and staff). The services re-check everything."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation
from frenchimpact.support.enums import Typology

from .enums import ApplicationStatus, LabelKind, LabelStatus, TerritoryLevel
from .models import ApplicationRevision, LabelApplication


class ApplicationCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Structure candidate"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Choisissez la structure candidate.")},
    )
    kind = forms.ChoiceField(
        label=_("Label demandé"),
        choices=LabelKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le label demandé.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(memberships__user=user).order_by("name")


class RevisionForm(forms.ModelForm[ApplicationRevision]):
    """The applicant's content. Territory fields for territory labels, typology for support
    structures; a renewal asks only the programme update and results."""

    typology = forms.ChoiceField(
        label=_("Typologie de la structure"),
        choices=[("", "—"), *Typology.choices],
        required=False,
    )
    territory_level = forms.ChoiceField(
        label=_("Niveau du territoire"),
        choices=[("", "—"), *TerritoryLevel.choices],
        required=False,
    )
    territory_code = forms.CharField(
        label=_("Code COG du territoire"),
        required=False,
        max_length=9,
        help_text=_(
            "Région : 2 chiffres ; département : 2 ou 3 caractères ; EPCI : SIREN à 9 chiffres ; "
            "commune : code INSEE à 5 caractères."
        ),
    )
    commitments_accepted = forms.BooleanField(
        label=_("J’accepte les engagements de la charte French IMPACT"),
        required=False,
        help_text=_("Obligatoire pour déposer la candidature."),
    )
    attachment = forms.FileField(
        label=_("Ajouter une pièce jointe"),
        required=False,
        help_text=_("PDF, PNG, JPEG, ODT ou DOCX, 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.odt,.docx"}),
    )

    class Meta:
        model = ApplicationRevision
        fields = [
            "typology",
            "territory_level",
            "territory_code",
            "programme",
            "references",
            "anchoring",
            "commitments_accepted",
        ]
        labels = {
            "programme": _("Programme d’innovation sociale"),
            "references": _("Références et résultats"),
            "anchoring": _("Ancrage territorial"),
        }

    def __init__(self, *args: Any, application: LabelApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if application.kind == LabelKind.SUPPORT_STRUCTURE:
            del self.fields["territory_level"], self.fields["territory_code"]
        else:
            del self.fields["typology"]
        if application.renewal_of_id is not None:
            for name in ("typology", "territory_level", "territory_code", "anchoring"):
                self.fields.pop(name, None)
            self.fields["programme"].label = _("Évolution du programme depuis le label")
            self.fields["references"].label = _("Résultats obtenus")

    def service_values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name != "attachment" and name in self.cleaned_data
        }


class SubmitForm(forms.Form):
    response = forms.CharField(
        label=_("Votre réponse aux modifications demandées"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi retirez-vous la candidature ?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class QueueFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=_("Statut"), choices=[("", _("Tous")), *ApplicationStatus.choices], required=False
    )
    type = forms.ChoiceField(
        label=_("Label"), choices=[("", _("Tous")), *LabelKind.choices], required=False
    )
    q = forms.CharField(label=_("Structure"), required=False, max_length=100)


# Staff actions on an application, by state: {state: [(action, label)]}.
APPLICATION_ACTIONS: dict[str, list[tuple[str, Any]]] = {
    ApplicationStatus.SUBMITTED: [("instruire", _("Commencer l’instruction"))],
    ApplicationStatus.UNDER_REVIEW: [
        ("demander_modifications", _("Demander des modifications")),
        ("comite", _("Envoyer en comité")),
    ],
    ApplicationStatus.COMMITTEE: [
        ("accorder", _("Accorder le label (décision du comité)")),
        ("refuser", _("Refuser (décision du comité)")),
    ],
}
LABEL_ACTIONS: dict[str, list[tuple[str, Any]]] = {
    LabelStatus.ACTIVE: [("suspendre", _("Suspendre")), ("retirer", _("Retirer (révoquer)"))],
    LabelStatus.RENEWAL_OPEN: [
        ("suspendre", _("Suspendre")),
        ("retirer", _("Retirer (révoquer)")),
    ],
    LabelStatus.SUSPENDED: [
        ("retablir", _("Rétablir")),
        ("retirer", _("Retirer (révoquer)")),
    ],
}


class ApplicationDecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une action.")},
    )
    text = forms.CharField(
        label=_("Motif, ou modifications demandées"),
        help_text=_(
            "Obligatoire pour demander des modifications et pour un refus ; envoyé à la structure."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    committee_date = forms.DateField(
        label=_("Date du comité"),
        help_text=_("Pour une décision du comité. Format : jj/mm/aaaa."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Saisissez une date valide (jj/mm/aaaa).")},
    )
    is_pilot_territory = forms.BooleanField(label=_("Territoire pilote"), required=False)

    def __init__(self, *args: Any, application: LabelApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = APPLICATION_ACTIONS.get(application.status, [])
        if application.status != ApplicationStatus.COMMITTEE:
            del self.fields["committee_date"], self.fields["is_pilot_territory"]
        elif application.kind != LabelKind.TERRITORY:
            del self.fields["is_pilot_territory"]


class LabelActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une action.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        help_text=_("Obligatoire pour suspendre ou retirer ; envoyé au titulaire."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = LABEL_ACTIONS.get(status, [])
