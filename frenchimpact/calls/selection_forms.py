"""Forms of the selection pages (ranking, auditions, deliberation, sign-off, publication,
reopening). They parse input only; the services check every rule again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from frenchimpact.accounts.roles import Role

from .enums import DECISION_STATES, ApplicationStatus, SignOffPosition
from .models import AuditionPanel, AuditionSlot, CallApplication, CallCopilot

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} — {obj.organisation.name}"


class ApplicationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference} — {obj.organisation.name}"


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        start = timezone.localtime(obj.starts_at)
        return f"{obj.panel.name} — {date_format(start, 'l j F Y, H:i')}–{date_format(timezone.localtime(obj.ends_at), 'H:i')}"


class RankingActionForm(forms.Form):
    """Shortlist or not select the checked applications of a round (all or nothing)."""

    action = forms.ChoiceField(
        label=_("Action sur les candidatures cochées"),
        choices=[
            ("preselectionner", _("Présélectionner (pour l’audition)")),
            ("ne_pas_retenir", _("Ne pas retenir")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une action.")},
    )
    candidatures = forms.TypedMultipleChoiceField(
        label=_("Candidatures cochées"),
        coerce=int,
        error_messages={
            "required": _("Cochez au moins une candidature."),
            "invalid_choice": _(
                "Une candidature cochée n’est plus en évaluation : rechargez la page."
            ),
        },
    )
    reason = forms.CharField(
        label=_("Motif de la non-sélection"),
        help_text=_("Obligatoire pour ne pas retenir ; conservé par l’équipe, non envoyé."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["candidatures"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "ne_pas_retenir" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez le motif de la non-sélection."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif.")},
    )

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["reason"].label = label


def reviewers() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.REVIEWER.value)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


class PanelForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du panel"),
        max_length=200,
        error_messages={"required": _("Donnez un nom au panel.")},
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Membres du panel"),
        help_text=_("Évaluateurs et membres de jury."),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un membre du panel.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "panel"
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = reviewers()


class SlotForm(forms.Form):
    panel = forms.ModelChoiceField(
        label=_("Panel"),
        queryset=AuditionPanel.objects.none(),
        error_messages={"required": _("Choisissez le panel.")},
    )
    starts_at = forms.DateTimeField(
        label=_("Début (heure de Paris)"),
        help_text=_("Format : jj/mm/aaaa hh:mm."),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Indiquez le début du créneau."),
            "invalid": _("Saisissez une date et une heure valides (jj/mm/aaaa hh:mm)."),
        },
    )
    ends_at = forms.DateTimeField(
        label=_("Fin (heure de Paris)"),
        help_text=_("Format : jj/mm/aaaa hh:mm."),
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Indiquez la fin du créneau."),
            "invalid": _("Saisissez une date et une heure valides (jj/mm/aaaa hh:mm)."),
        },
    )
    location = forms.CharField(
        label=_("Lieu ou lien de visioconférence"),
        max_length=300,
        error_messages={"required": _("Indiquez le lieu ou le lien de visioconférence.")},
    )

    def __init__(self, *args: Any, panels: QuerySet[AuditionPanel], **kwargs: Any) -> None:
        kwargs["prefix"] = "creneau"
        super().__init__(*args, **kwargs)
        field = self.fields["panel"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = panels


class ScheduleForm(forms.Form):
    slot = SlotChoiceField(
        label=_("Créneau libre"),
        queryset=AuditionSlot.objects.none(),
        error_messages={"required": _("Choisissez un créneau libre.")},
    )
    application = ApplicationChoiceField(
        label=_("Candidature présélectionnée"),
        queryset=CallApplication.objects.none(),
        error_messages={"required": _("Choisissez une candidature présélectionnée.")},
    )

    def __init__(
        self,
        *args: Any,
        slots: QuerySet[AuditionSlot],
        applications: QuerySet[CallApplication],
        **kwargs: Any,
    ) -> None:
        kwargs["prefix"] = "programmer"
        super().__init__(*args, **kwargs)
        slot = self.fields["slot"]
        application = self.fields["application"]
        assert isinstance(slot, forms.ModelChoiceField)
        assert isinstance(application, forms.ModelChoiceField)
        slot.queryset = slots
        application.queryset = applications


class OpenDeliberationForm(forms.Form):
    applications = ApplicationMultipleChoiceField(
        label=_("Candidatures auditionnées à mettre en délibération"),
        queryset=CallApplication.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une candidature.")},
    )

    def __init__(self, *args: Any, applications: QuerySet[CallApplication], **kwargs: Any) -> None:
        kwargs["prefix"] = "deliberation"
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = applications


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(s.value, s.label) for s in DECISION_STATES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une décision.")},
    )
    waiting_list_rank = forms.IntegerField(
        label=_("Rang sur la liste d’attente"),
        help_text=_("Pour une inscription sur liste d’attente (1 = première place)."),
        min_value=1,
        required=False,
        error_messages={"min_value": _("Le rang commence à 1.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        help_text=_("Obligatoire pour ne pas retenir ; conservé par l’équipe, non envoyé."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, application: CallApplication, **kwargs: Any) -> None:
        kwargs["prefix"] = f"decision-{application.pk}"
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision == ApplicationStatus.WAITING_LIST and not cleaned.get("waiting_list_rank"):
            self.add_error("waiting_list_rank", _("Indiquez le rang sur la liste d’attente."))
        if decision == ApplicationStatus.NOT_SELECTED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez le motif de la non-sélection."))
        return cleaned


class SignOffForm(forms.Form):
    copilot = forms.ModelChoiceField(
        label=_("Au nom de"),
        queryset=CallCopilot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choisissez le co-pilote au nom duquel vous visez.")},
    )
    position = forms.ChoiceField(
        label=_("Position"),
        choices=SignOffPosition.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez votre position.")},
    )
    dissent = forms.CharField(
        label=_("Réserves ou désaccord"),
        help_text=_("Obligatoire pour approuver avec réserves ou pour refuser."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    decisions_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, copilots: QuerySet[CallCopilot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["copilot"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = copilots

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("position")
            in (SignOffPosition.APPROVE_WITH_DISSENT, SignOffPosition.REFUSE)
            and not (cleaned.get("dissent") or "").strip()
        ):
            self.add_error("dissent", _("Exposez vos réserves ou votre désaccord."))
        return cleaned


class ReopenRequestForm(forms.Form):
    application = ApplicationChoiceField(
        label=_("Décision à rouvrir"),
        queryset=CallApplication.objects.none(),
        error_messages={"required": _("Choisissez la candidature.")},
    )
    reason = forms.CharField(
        label=_("Motif de la demande"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez pourquoi la décision doit être rouverte.")},
    )

    def __init__(self, *args: Any, applications: QuerySet[CallApplication], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["application"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = applications

        def label(obj: Any) -> str:
            return f"{obj.reference} — {obj.organisation.name} ({obj.get_status_display()})"

        field.label_from_instance = label  # type: ignore[method-assign]


class ReopenAnswerForm(forms.Form):
    copilot = forms.ModelChoiceField(
        label=_("Au nom de"),
        queryset=CallCopilot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choisissez le co-pilote au nom duquel vous répondez.")},
    )
    agrees = forms.TypedChoiceField(
        label=_("Réponse"),
        choices=[("oui", _("J’accepte la réouverture")), ("non", _("Je refuse la réouverture"))],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez votre réponse.")},
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        help_text=_("Obligatoire en cas de refus."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, copilots: QuerySet[CallCopilot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["copilot"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = copilots

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("agrees") is False and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Expliquez votre désaccord."))
        return cleaned
