"""Forms of the review pages (reviewers and staff). They parse input; the services in
``review`` check every rule again and give the messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from frenchimpact.organisations.models import Organisation

from .enums import ApplicationStatus, ConflictSource, ConflictStatus, LinkKind
from .models import Criterion, DeclaredLink, Score
from .review import COMMENT_MAX_LENGTH, MAX_PER_APPLICATION, LinkSpec

LINK_ROWS = 5


class LinksForm(forms.Form):
    """The links a jury member declares: up to a few rows (organisation, SIREN to find it in
    the directory, kind of link), or "no link" ticked explicitly."""

    no_link = forms.BooleanField(
        label=_("Je n’ai aucun lien à déclarer avec des structures"),
        required=False,
        help_text=_("Cochez seulement si vous ne remplissez aucune ligne."),
    )

    def __init__(self, *args: Any, existing: Sequence[DeclaredLink] = (), **kwargs: Any) -> None:
        self.rows = max(LINK_ROWS, len(existing) + 2)
        initial = kwargs.pop("initial", None) or {}
        for index, link in enumerate(existing, start=1):
            initial[f"nom_{index}"] = link.organisation_name
            initial[f"siren_{index}"] = link.organisation.siren if link.organisation else ""
            initial[f"lien_{index}"] = link.kind
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for index in range(1, self.rows + 1):
            self.fields[f"nom_{index}"] = forms.CharField(
                label=_("Nom de la structure"), max_length=255, required=False
            )
            self.fields[f"siren_{index}"] = forms.CharField(
                label=_("SIREN"),
                max_length=11,
                required=False,
                help_text=_("Pour la retrouver dans l’annuaire (9 chiffres)."),
            )
            self.fields[f"lien_{index}"] = forms.ChoiceField(
                label=_("Nature du lien"),
                choices=[("", "—"), *LinkKind.choices],
                required=False,
            )

    def row_fields(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [
            (index, [self[f"nom_{index}"], self[f"siren_{index}"], self[f"lien_{index}"]])
            for index in range(1, self.rows + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        links: list[LinkSpec] = []
        for index in range(1, self.rows + 1):
            name = (cleaned.get(f"nom_{index}") or "").strip()
            siren = "".join((cleaned.get(f"siren_{index}") or "").split())
            kind = cleaned.get(f"lien_{index}") or ""
            if not (name or siren or kind):
                continue
            organisation = None
            if siren:
                organisation = Organisation.objects.filter(siren=siren).first()
                if organisation is None:
                    self.add_error(
                        f"siren_{index}", _("Aucune structure de l’annuaire n’a ce SIREN.")
                    )
                    continue
            elif name:
                matches = list(Organisation.objects.filter(name__iexact=name)[:2])
                organisation = matches[0] if len(matches) == 1 else None
            if not (name or organisation):
                self.add_error(f"nom_{index}", _("Indiquez le nom de la structure."))
                continue
            if not kind:
                self.add_error(f"lien_{index}", _("Choisissez la nature du lien."))
                continue
            links.append((organisation, name or (organisation.name if organisation else ""), kind))
        if not self.errors:
            if links and cleaned.get("no_link"):
                self.add_error(
                    "no_link",
                    _("Vous avez déclaré des liens : décochez « aucun lien » ou videz les lignes."),
                )
            elif not links and not cleaned.get("no_link"):
                self.add_error(
                    "no_link",
                    _("Déclarez au moins un lien, ou cochez « aucun lien » pour le confirmer."),
                )
        cleaned["links"] = links
        return cleaned


class RecuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du déport"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Indiquez le motif de votre déport.")},
    )


class BlindDeclarationForm(forms.Form):
    organisations = forms.TypedMultipleChoiceField(
        label=_("Structures avec lesquelles vous êtes en conflit d’intérêts"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Laissez tout décoché si vous n’avez de conflit avec aucune."),
    )
    confirm = forms.BooleanField(
        label=_("J’ai lu toute la liste et ma déclaration est complète"),
        error_messages={"required": _("Confirmez avoir lu toute la liste.")},
    )

    def __init__(self, *args: Any, names: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisations"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = list(names)


class ScoreForm(forms.Form):
    """One note and one comment per criterion of the round's grid."""

    def __init__(
        self,
        *args: Any,
        criteria: Sequence[Criterion],
        scores: Iterable[Score] = (),
        **kwargs: Any,
    ) -> None:
        initial = kwargs.pop("initial", None) or {}
        for score in scores:
            initial[f"note_{score.criterion_id}"] = f"{score.value.normalize():f}".replace(".", ",")
            initial[f"commentaire_{score.criterion_id}"] = score.comment
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=_("Note de %(min)s à %(max)s")
                % {"min": criterion.scale_min, "max": criterion.scale_max},
                required=False,
                max_length=12,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                help_text=_("Deux décimales au plus (par exemple 3,5)."),
            )
            self.fields[f"commentaire_{criterion.pk}"] = forms.CharField(
                label=_("Commentaire"),
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"note_{c.pk}"], self[f"commentaire_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict[int, tuple[Any, str]]:
        return {
            c.pk: (
                self.cleaned_data.get(f"note_{c.pk}", ""),
                self.cleaned_data.get(f"commentaire_{c.pk}", ""),
            )
            for c in self.criteria
        }

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        for key, messages in message_dict.items():
            name = f"note_{key}"
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


# --- Staff ---------------------------------------------------------------------------------


class JuryAddForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail de l’évaluateur"),
        error_messages={"required": _("Indiquez l’adresse e-mail de l’évaluateur.")},
    )

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"].strip().lower()
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("Aucun compte actif n’utilise cette adresse e-mail."))
        self.user = user
        return email


class ConflictFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=_("Statut"), choices=[("", _("Tous")), *ConflictStatus.choices], required=False
    )
    origine = forms.ChoiceField(
        label=_("Origine"), choices=[("", _("Toutes")), *ConflictSource.choices], required=False
    )
    evaluateur = forms.TypedChoiceField(
        label=_("Évaluateur"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, reviewers: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["evaluateur"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Tous")), *reviewers]


class ConflictDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirmer", _("Confirmer")), ("ecarter", _("Écarter"))])
    reason = forms.CharField(required=False, max_length=2000)


ASSIGNABLE_FILTERS = [
    ("", _("Recevables et en évaluation")),
    (ApplicationStatus.ADMISSIBLE.value, ApplicationStatus.ADMISSIBLE.label),
    (ApplicationStatus.IN_REVIEW.value, ApplicationStatus.IN_REVIEW.label),
]


class AssignmentFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=_("Candidatures affichées"), choices=ASSIGNABLE_FILTERS, required=False
    )


class BulkAssignForm(forms.Form):
    MODE_PAIRS = "paires"
    MODE_PER_APPLICATION = "par_candidature"

    mode = forms.ChoiceField(
        label=_("Mode d’affectation"),
        choices=[
            (MODE_PAIRS, _("Chaque évaluateur choisi sur chaque candidature choisie")),
            (
                MODE_PER_APPLICATION,
                _("Un nombre d’évaluateurs par candidature, répartis selon leur charge"),
            ),
        ],
        widget=forms.RadioSelect,
        initial=MODE_PAIRS,
        error_messages={"required": _("Choisissez le mode d’affectation.")},
    )
    nombre = forms.IntegerField(
        label=_("Nombre d’évaluateurs par candidature"),
        min_value=1,
        max_value=MAX_PER_APPLICATION,
        required=False,
        help_text=_("Pour le second mode seulement."),
    )
    toutes = forms.BooleanField(label=_("Toutes les candidatures affichées"), required=False)
    candidatures = forms.TypedMultipleChoiceField(
        label=_("Candidatures"), coerce=int, required=False
    )
    evaluateurs = forms.TypedMultipleChoiceField(
        label=_("Évaluateurs"),
        coerce=int,
        required=False,
        help_text=_("Dans le second mode, sans choix, tout le jury est mis à contribution."),
    )

    def __init__(
        self,
        *args: Any,
        application_ids: Sequence[int],
        reviewer_ids: Sequence[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.application_ids = list(application_ids)
        self.reviewer_ids = list(reviewer_ids)
        applications = self.fields["candidatures"]
        reviewers = self.fields["evaluateurs"]
        assert isinstance(applications, forms.TypedMultipleChoiceField)
        assert isinstance(reviewers, forms.TypedMultipleChoiceField)
        applications.choices = [(pk, str(pk)) for pk in self.application_ids]
        reviewers.choices = [(pk, str(pk)) for pk in self.reviewer_ids]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode = cleaned.get("mode")
        if mode == self.MODE_PER_APPLICATION and not cleaned.get("nombre"):
            self.add_error("nombre", _("Indiquez le nombre d’évaluateurs par candidature."))
        if cleaned.get("toutes"):
            cleaned["candidatures"] = self.application_ids
        if not cleaned.get("candidatures"):
            self.add_error("candidatures", _("Choisissez au moins une candidature."))
        if not cleaned.get("evaluateurs"):
            if mode == self.MODE_PER_APPLICATION:
                cleaned["evaluateurs"] = self.reviewer_ids
            else:
                self.add_error("evaluateurs", _("Choisissez au moins un évaluateur."))
        return cleaned
