"""Forms of the applicant's pages. They only shape the input and render the DSFR fields: the
services validate everything (answers, projects, deadlines, files)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project

from .enums import QuestionKind
from .models import Question

# Prefix of the answer fields ("q-<key>"), so that no question key can collide with the
# other fields of the page (projects, response, CSRF token).
ANSWER_PREFIX = "q"
# Posted with the whole application form: the submit and upload views then save the answers
# before acting, so that nothing typed is lost.
FORM_MARKER = "formulaire_complet"
# Choices shown as radio buttons up to this count, as a drop-down list beyond.
MAX_RADIOS = 6
ACCEPTED_TYPES = gettext_lazy("PDF, PNG, JPEG, ODT ou DOCX")
ACCEPT_ATTR = ".pdf,.png,.jpg,.jpeg,.odt,.docx"


def file_field_name(key: str) -> str:
    return f"fichier-{key}"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}".replace(".", ",")


class _RawChoiceField(forms.ChoiceField):
    """A choice rendered as radios or a list; whatever was posted is kept as typed (the
    service says when it is not one of the choices)."""

    def validate(self, value: Any) -> None:
        return None


class _RawMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value: Any) -> None:
        return None


def _number(value: Any) -> str:
    return number_format(
        value, decimal_pos=0 if value == value.to_integral() else 2, force_grouping=True
    )


def question_hint(question: Question) -> str:
    """The question's help text followed by its limits, in plain French."""
    parts = [question.help_text.strip()] if question.help_text.strip() else []
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        if question.min_length and question.max_length:
            parts.append(
                _("Entre %(min)d et %(max)d caractères.")
                % {"min": question.min_length, "max": question.max_length}
            )
        elif question.max_length:
            parts.append(_("%(max)d caractères au maximum.") % {"max": question.max_length})
        elif question.min_length:
            parts.append(_("%(min)d caractères au minimum.") % {"min": question.min_length})
    elif kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
        if kind == QuestionKind.MONEY:
            parts.append(_("Montant en euros, en chiffres (par exemple 520000)."))
        else:
            parts.append(_("En chiffres."))
        if question.min_value is not None and question.max_value is not None:
            parts.append(
                _("Entre %(min)s et %(max)s.")
                % {"min": _number(question.min_value), "max": _number(question.max_value)}
            )
        elif question.min_value is not None:
            parts.append(_("Au moins %(min)s.") % {"min": _number(question.min_value)})
        elif question.max_value is not None:
            parts.append(_("Au plus %(max)s.") % {"max": _number(question.max_value)})
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        if question.min_value is not None:
            parts.append(_("Au moins %(count)d réponses.") % {"count": int(question.min_value)})
        if question.max_value is not None:
            parts.append(_("Au plus %(count)d réponses.") % {"count": int(question.max_value)})
    elif kind == QuestionKind.DATE:
        parts.append(_("Format : jj/mm/aaaa."))
    return " ".join(parts)


class AnswersForm(forms.Form):
    """The application form generated from the questions of its FormVersion (file questions
    are rendered apart: see ``file_field_name``).

    It never validates by itself: ``full_clean`` keeps the raw input and the view adds the
    errors returned by the service, so a draft keeps exactly what was typed."""

    use_required_attribute = False

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        questions: Iterable[Question],
        answers: Mapping[str, Any] | None = None,
    ) -> None:
        self.questions = [q for q in questions if q.kind != QuestionKind.FILE]
        initial = {q.key: (answers or {}).get(q.key) for q in self.questions}
        super().__init__(data, initial=initial, prefix=ANSWER_PREFIX)
        for question in self.questions:
            self.fields[question.key] = self._field(question)

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common: dict[str, Any] = {
            "label": question.label,
            "required": question.required,  # shown ("facultatif"), never enforced here
            "help_text": question_hint(question),
        }
        kind = question.kind
        counter = {"data-compteur": str(question.max_length)} if question.max_length else {}
        if kind == QuestionKind.SHORT_TEXT:
            return forms.CharField(strip=False, widget=forms.TextInput(attrs=counter), **common)
        if kind == QuestionKind.LONG_TEXT:
            return forms.CharField(
                strip=False, widget=forms.Textarea(attrs={"rows": 8, **counter}), **common
            )
        if kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
            # Text, not type="number": "1 234,50" is accepted and nothing typed is wiped.
            return forms.CharField(
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                **common,
            )
        if kind == QuestionKind.DATE:
            return forms.CharField(widget=forms.TextInput(attrs={"type": "date"}), **common)
        choices = [(str(choice), str(choice)) for choice in question.choices]
        if kind == QuestionKind.CHOICE:
            if len(choices) <= MAX_RADIOS:
                return _RawChoiceField(choices=choices, widget=forms.RadioSelect, **common)
            return _RawChoiceField(choices=[("", _("Choisissez une réponse")), *choices], **common)
        if kind == QuestionKind.MULTIPLE_CHOICE:
            return _RawMultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        raise ValueError(f"Unknown question kind {kind!r}")

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def raw_answers(self) -> dict[str, Any]:
        """What was posted for every (non-file) question, as typed: the service stores it."""
        answers: dict[str, Any] = {}
        for question in self.questions:
            value = self[question.key].data
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                answers[question.key] = list(value or [])
            else:
                answers[question.key] = "" if value is None else value
        return answers

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        for key, message in errors.items():
            if key in self.fields:
                self.add_error(key, message)


def _organisations_of(user: Any) -> Any:
    return Organisation.objects.filter(memberships__user=user).order_by("name", "pk")


class ProjectsField(forms.ModelMultipleChoiceField):
    """Projects by title; with the organisation's name when several organisations are offered."""

    with_organisation = False

    def label_from_instance(self, obj: Any) -> str:
        if self.with_organisation:
            return f"{obj.title} — {obj.organisation.name}"
        return str(obj.title)


class ApplicationCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Structure candidate"),
        queryset=Organisation.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": gettext_lazy("Choisissez la structure candidate.")},
    )
    projects = ProjectsField(
        label=gettext_lazy("Projets présentés"),
        help_text=gettext_lazy("Un ou plusieurs projets de la structure candidate."),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un projet.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = list(_organisations_of(user))
        self.organisations = organisations
        organisation_field = self.fields["organisation"]
        projects_field = self.fields["projects"]
        assert isinstance(organisation_field, forms.ModelChoiceField)
        assert isinstance(projects_field, ProjectsField)
        organisation_field.queryset = _organisations_of(user)
        projects = (
            Project.objects.filter(organisation__in=[o.pk for o in organisations])
            .exclude(status__in=[ModerationStatus.REJECTED, ModerationStatus.UNPUBLISHED])
            .select_related("organisation")
            .order_by("organisation__name", "title", "pk")
        )
        projects_field.queryset = projects
        if len(organisations) == 1:
            self.initial.setdefault("organisation", organisations[0].pk)
        else:
            projects_field.with_organisation = True


class ProjectsForm(forms.Form):
    """The projects carried by a draft (changeable while it is a draft)."""

    projets = ProjectsField(
        label=gettext_lazy("Projets présentés"),
        help_text=gettext_lazy("Un ou plusieurs projets de la structure candidate."),
        queryset=Project.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un projet de la structure.")},
    )
    use_required_attribute = False

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["projets"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = (
            Project.objects.filter(organisation=organisation)
            .exclude(status__in=[ModerationStatus.REJECTED, ModerationStatus.UNPUBLISHED])
            .order_by("title", "pk")
        )

    def chosen(self) -> list[Project] | None:
        """The chosen projects, or None (and an error on the field) when none is valid."""
        if not self.is_valid():
            return None
        return list(self.cleaned_data["projets"])


class ResponseForm(forms.Form):
    reponse = forms.CharField(
        label=gettext_lazy("Votre réponse à la demande de complément"),
        help_text=gettext_lazy(
            "Expliquez ce que vous avez complété ou corrigé ; obligatoire pour déposer."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=True,
        strip=False,
    )
    use_required_attribute = False

    def full_clean(self) -> None:  # the service checks it at submission
        self._errors = ErrorDict()
        self.cleaned_data = {}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Pourquoi retirez-vous la candidature ?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
