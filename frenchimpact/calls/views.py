"""Public call pages (/appels/…) and the applicant's pages (/appels/candidatures/…).

Public: the published calls and, once the results are published, their laureates. Applicant:
create a draft for one of my organisations, fill it (saved by a button and automatically),
attach files, check the eligibility rules, submit (a receipt for each submission), answer a
correction request, follow the status and, after publication, read the decision and the
per-criterion feedback. Every write goes through ``services``; decisions stay under embargo
(``selectors.applicant_status``) until the results are published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.views import add_service_error, form_status, posted_data
from frenchimpact.permissions import (
    can_apply_to_call,
    can_view_call_application,
)

from . import answers as answer_rules
from . import eligibility, review, selectors, services
from .enums import (
    DECISION_STATES,
    WITHDRAWABLE_STATES,
    ApplicationStatus,
    EligibilityRuleKind,
    QuestionKind,
)
from .forms import (
    ACCEPT_ATTR,
    ACCEPTED_TYPES,
    FORM_MARKER,
    AnswersForm,
    ApplicationCreateForm,
    ProjectsForm,
    ResponseForm,
    WithdrawForm,
    file_field_name,
    megabytes,
)
from .models import (
    ApplicationFile,
    AuditionSlot,
    Call,
    CallApplication,
    EligibilityRule,
    Question,
    Submission,
)

# --- Helpers ---------------------------------------------------------------------------------


def call_state(call: Call, now: dt.datetime) -> tuple[str, str]:
    """(code, French label) of a published call as the public reads it."""
    if selectors.results_published(call):
        return "resultats", _("Résultats publiés")
    if now < call.opens_at:
        return "a_venir", _("À venir")
    if services.is_accepting(call, now):
        return "ouvert", _("Ouvert")
    return "clos", _("Clos")


def rule_sentence(rule: EligibilityRule, call: Call) -> str:
    """An eligibility rule in plain French, for the public page."""
    if rule.kind == EligibilityRuleKind.MIN_EXISTENCE_YEARS:
        return _(
            "Plus de %(years)d ans d’existence au %(closing)s, date de clôture de l’appel "
            "(d’après la date de création au répertoire SIRENE, ou celle du répertoire national "
            "des associations (RNA) si elle est antérieure)."
        ) % {
            "years": int(rule.threshold),
            "closing": date_format(eligibility.closing_day(call), "j F Y"),
        }
    if rule.kind == EligibilityRuleKind.MIN_ANNUAL_BUDGET:
        threshold = (
            number_format(rule.threshold.quantize(Decimal(1)), decimal_pos=0, force_grouping=True)
            + " €"
        )
        if rule.evidence_question_key:
            return _(
                "Un budget annuel du dernier exercice clos supérieur à %(threshold)s, déclaré "
                "dans le formulaire, comptes de l’exercice joints."
            ) % {"threshold": threshold}
        return _(
            "Un budget annuel du dernier exercice clos supérieur à %(threshold)s, déclaré dans "
            "le formulaire."
        ) % {"threshold": threshold}
    return str(rule)


def _public_call(slug: str) -> Call:
    return get_object_or_404(selectors.public_calls(), slug=slug)


def _applications_of_user(user: Any) -> QuerySet[CallApplication]:
    """Applications of the organisations the user is a member of."""
    return CallApplication.objects.filter(organisation__memberships__user=user)


def _application(request: HttpRequest, pk: int, *, staff_too: bool = False) -> CallApplication:
    """The application, for its organisation's members (and programme staff if
    ``staff_too``); PermissionDenied for anyone else."""
    application = get_object_or_404(
        CallApplication.objects.select_related("call", "organisation", "form"), pk=pk
    )
    allowed = (
        can_view_call_application(request.user, application)
        if staff_too
        else can_apply_to_call(request.user, application.organisation)
    )
    if not allowed:
        raise PermissionDenied
    return application


def _applicant_messages(application: CallApplication, found: Iterable[str]) -> list[str]:
    """The messages of a refused action, as the applicant may read them. Under embargo (the
    real status differs from the one the applicant is shown), a service message could name
    the decision ("la candidature est « Lauréate »"): a neutral one replaces it. The status
    is read afresh: the refusal may come from a change made meanwhile."""
    found = [str(message) for message in found]
    fresh = CallApplication.objects.select_related("call").filter(pk=application.pk).first()
    if fresh is None:
        return found
    code, label = selectors.applicant_status(fresh)
    if code == fresh.status:
        return found
    return [
        _("Cette action n’est plus possible : votre candidature est « %(state)s ».")
        % {"state": label}
    ]


def _now_paris() -> str:
    return timezone.localtime(timezone.now()).strftime("%H:%M")


def display_answer(
    question: Question, value: Any, files: dict[int, ApplicationFile]
) -> tuple[str, ApplicationFile | None]:
    """(text, file) of an answer for reading (receipt): the file by its original name."""
    if answer_rules.is_blank(value):
        return "", None
    kind = question.kind
    if kind == QuestionKind.FILE:
        try:
            attachment = files.get(int(value))
        except (TypeError, ValueError):
            attachment = None
        return (attachment.original_name if attachment else _("Fichier introuvable")), attachment
    if kind == QuestionKind.MULTIPLE_CHOICE:
        items = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(str(item) for item in items), None
    if kind in (QuestionKind.NUMBER, QuestionKind.MONEY):
        number = answer_rules.parse_decimal(value)
        if number is not None:
            text = number_format(
                number,
                decimal_pos=0 if number == number.to_integral() else 2,
                force_grouping=True,
            )
            return (text + " €" if kind == QuestionKind.MONEY else text), None
    if kind == QuestionKind.DATE:
        try:
            return date_format(dt.date.fromisoformat(str(value)), "j F Y"), None
        except ValueError:
            pass
    return str(value), None


# --- Public pages ----------------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = []
    for call in selectors.public_calls():
        code, label = call_state(call, now)
        rows.append(
            {
                "call": call,
                "state": code,
                "state_label": label,
                "opens": services.paris(call.opens_at),
                "closes": services.paris(call.closes_at),
            }
        )
    return render(request, "calls/public/list.html", {"rows": rows})


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _public_call(slug)
    now = timezone.now()
    code, label = call_state(call, now)
    laureates = []
    for application in selectors.laureates(call):
        organisation = application.organisation
        published = organisation.status == ModerationStatus.PUBLISHED
        laureates.append(
            {
                "name": organisation.name,
                "url": reverse("directory:organisation", args=[organisation.pk])
                if published
                else "",
                "region": organisation.region.nom if organisation.region else "",
                "projects": [
                    {
                        "title": project.title,
                        "url": reverse("directory:project", args=[project.pk])
                        if published and project.status == ModerationStatus.PUBLISHED
                        else "",
                    }
                    for project in sorted(application.projects.all(), key=lambda p: p.title)
                ],
            }
        )
    mine: list[CallApplication] = []
    if request.user.is_authenticated:
        mine = list(
            _applications_of_user(request.user)
            .filter(call=call)
            .exclude(status=ApplicationStatus.WITHDRAWN)
            .select_related("organisation")
        )
    return render(
        request,
        "calls/public/detail.html",
        {
            "call": call,
            "state": code,
            "state_label": label,
            "opens": services.paris(call.opens_at),
            "closes": services.paris(call.closes_at),
            "accepting": services.is_accepting(call, now),
            "copilots": call.copilots.select_related("organisation"),
            "rules": [rule_sentence(rule, call) for rule in call.eligibility_rules.all()],
            "results_published": selectors.results_published(call),
            "laureates": laureates,
            "mine": mine,
        },
    )


# --- Applicant: creation and list ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, slug: str) -> HttpResponse:
    call = _public_call(slug)
    if request.method == "GET" and not services.is_accepting(call):
        try:
            services.check_deadline(call, timezone.now())
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("calls:call_detail", slug=call.slug)
    form = ApplicationCreateForm(posted_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                call=call,
                organisation=form.cleaned_data["organisation"],
                actor=request.user,
                projects=form.cleaned_data["projects"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Brouillon créé : complétez la candidature, elle est enregistrée au fur et à "
                    "mesure. Vous la déposerez quand elle sera complète."
                ),
            )
            return redirect("calls:application_edit", pk=application.pk)
    existing = list(
        _applications_of_user(request.user)
        .filter(call=call)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("organisation")
    )
    return render(
        request,
        "calls/applicant/create.html",
        {
            "call": call,
            "form": form,
            "closes": services.paris(call.closes_at),
            "has_organisation": bool(form.organisations),
            "has_project": form.fields["projects"].queryset.exists(),  # type: ignore[attr-defined]
            "organisations": form.organisations,
            "existing": existing,
        },
        status=form_status(request, form),
    )


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    applications = (
        _applications_of_user(request.user)
        .select_related("call", "organisation", "audition")
        .order_by("-created_at", "-pk")
    )
    rows = []
    for application in applications:
        __, label = selectors.applicant_status(application)
        rows.append(
            {
                "application": application,
                "status_label": label,
                "editable": application.status in services.EDITABLE_STATES,
            }
        )
    return render(request, "calls/applicant/list.html", {"rows": rows})


# --- Applicant: the draft ----------------------------------------------------------------------


@dataclass
class Posted:
    """The outcome of saving the posted application form."""

    form: AnswersForm
    projects_form: ProjectsForm | None
    response_form: ResponseForm | None
    errors: dict[str, str] = field(default_factory=dict)  # question key → French message
    attached: dict[str, ApplicationFile] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # the service refused: nothing saved


def _questions(application: CallApplication) -> list[Question]:
    return list(application.form.questions.all())


def _save_posted(
    request: HttpRequest,
    application: CallApplication,
    *,
    with_files: bool = True,
) -> Posted:
    """Save what the application form posted: the answers as typed (and the projects of a
    draft), then the files chosen, each through its service."""
    questions = _questions(application)
    posted = Posted(
        form=AnswersForm(request.POST, questions=questions),
        projects_form=(
            ProjectsForm(request.POST, organisation=application.organisation)
            if application.status == ApplicationStatus.DRAFT
            else None
        ),
        response_form=(
            ResponseForm(request.POST)
            if application.status == ApplicationStatus.AWAITING_COMPLETION
            else None
        ),
    )
    projects = posted.projects_form.chosen() if posted.projects_form else None
    try:
        posted.errors = services.application_save_draft(
            application=application,
            actor=request.user,
            answers=posted.form.raw_answers(),
            projects=projects,
        )
    except ValidationError as error:
        posted.refused = _applicant_messages(application, error.messages)
        return posted
    if with_files:
        for question in questions:
            upload = request.FILES.get(file_field_name(question.key))
            if question.kind != QuestionKind.FILE or upload is None:
                continue
            posted.errors.pop(question.key, None)
            try:
                posted.attached[question.key] = services.application_attach(
                    application=application,
                    actor=request.user,
                    question_key=question.key,
                    upload=upload,
                )
            except ValidationError as error:
                posted.errors[question.key] = " ".join(
                    _applicant_messages(application, error.messages)
                )
    posted.form.add_service_errors(posted.errors)
    return posted


def _edit_page(
    request: HttpRequest,
    application: CallApplication,
    *,
    posted: Posted | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The edit page: the generated form (bound to what was posted, or holding the stored
    raw answers), its errors, the eligibility preview and what is missing to submit."""
    questions = _questions(application)
    by_key = {q.key: q for q in questions}
    files = {f.pk: f for f in application.files.all()}
    if posted is not None:
        form = posted.form
        file_errors = {
            k: v for k, v in posted.errors.items() if by_key[k].kind == QuestionKind.FILE
        }
        projects_form = posted.projects_form
        response_form = posted.response_form
    else:
        form = AnswersForm(questions=questions, answers=application.answers)
        __, stored_errors = answer_rules.validate_answers(
            questions,
            application.answers,
            file_ids=services.file_ids(application),
            required=False,
        )
        form.add_service_errors(stored_errors)
        file_errors = {
            k: v for k, v in stored_errors.items() if by_key[k].kind == QuestionKind.FILE
        }
        projects_form = (
            ProjectsForm(
                initial={"projets": [p.pk for p in application.projects.all()]},
                organisation=application.organisation,
            )
            if application.status == ApplicationStatus.DRAFT
            else None
        )
        response_form = (
            ResponseForm() if application.status == ApplicationStatus.AWAITING_COMPLETION else None
        )
    rows = []
    for question in questions:
        file = None
        if question.kind == QuestionKind.FILE:
            raw = application.answers.get(question.key)
            file = files.get(raw) if isinstance(raw, int) else None
        rows.append(
            {
                "question": question,
                "field": form[question.key] if question.key in form.fields else None,
                "file": file,
                "file_input": file_field_name(question.key),
                "error": file_errors.get(question.key, ""),
            }
        )
    error_links = []
    for question in questions:
        message = _field_error(form, file_errors, question)
        if message:
            error_links.append(
                {"anchor": _anchor(question), "label": question.label, "message": message}
            )
    check_errors, results = services.application_check(application)
    missing = [
        {
            "anchor": _anchor(q),
            "label": q.label,
            "message": check_errors[q.key],
        }
        for q in questions
        if q.key in check_errors
    ]
    call = application.call
    closed_message = ""
    if application.status == ApplicationStatus.DRAFT and not services.is_accepting(call):
        try:
            services.check_deadline(call, timezone.now())
        except ValidationError as error:
            closed_message = " ".join(error.messages)
    elif (
        application.status == ApplicationStatus.AWAITING_COMPLETION
        and application.correction_deadline
        and timezone.now() >= application.correction_deadline
    ):
        closed_message = _(
            "Le délai pour compléter le dossier a expiré le %(when)s (heure de Paris)."
        ) % {"when": services.paris(application.correction_deadline)}
    return render(
        request,
        "calls/applicant/edit.html",
        {
            "application": application,
            "call": call,
            "form": form,
            "rows": rows,
            "projects_form": projects_form,
            "response_form": response_form,
            "answering": application.status == ApplicationStatus.AWAITING_COMPLETION,
            "correction_deadline": (
                services.paris(application.correction_deadline)
                if application.correction_deadline
                else ""
            ),
            "closes": services.paris(call.closes_at),
            "closed_message": closed_message,
            "problems": problems or [],
            "refused": posted.refused if posted else [],
            "error_links": error_links,
            "missing": missing,
            "eligibility": results,
            "accepted_types": ACCEPTED_TYPES,
            "accept_attr": ACCEPT_ATTR,
            "max_size": megabytes(services.call_attachment_max_bytes()),
            "form_marker": FORM_MARKER,
        },
        status=status,
    )


def _anchor(question: Question) -> str:
    """The id of the input answering ``question`` (for the links of the error summaries)."""
    if question.kind == QuestionKind.FILE:
        return f"id_{file_field_name(question.key)}"
    return f"id_q-{question.key}"


def _field_error(form: AnswersForm, file_errors: dict[str, str], question: Question) -> str:
    if question.key in file_errors:
        return file_errors[question.key]
    if question.key in form.fields and form.errors.get(question.key):
        return " ".join(str(error) for error in form.errors[question.key])
    return ""


def _saved_message(errors: dict[str, str]) -> str:
    message = _("Brouillon enregistré à %(time)s.") % {"time": _now_paris()}
    if errors:
        message += " " + ngettext(
            "%(count)d réponse à corriger.", "%(count)d réponses à corriger.", len(errors)
        ) % {"count": len(errors)}
    return message


def _not_editable(request: HttpRequest, application: CallApplication) -> HttpResponse | None:
    """Back to the application page when the applicant no longer has the hand."""
    if application.status in services.EDITABLE_STATES:
        return None
    messages.info(
        request,
        _("La candidature est « %(state)s » : elle ne se modifie plus.")
        % {"state": selectors.applicant_status(application)[1]},
    )
    return redirect("calls:application_detail", pk=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The application form. POST ("Enregistrer le brouillon") saves the answers as typed and
    any file chosen; the page then shows what to correct."""
    application = _application(request, pk)
    back = _not_editable(request, application)
    if back is not None:
        return back
    if request.method == "GET":
        return _edit_page(request, application)
    posted = _save_posted(request, application)
    if posted.refused:
        for message in posted.refused:
            messages.error(request, message)
        return _edit_page(request, application, posted=posted, status=400)
    for attachment in posted.attached.values():
        messages.success(
            request, _("« %(name)s » est joint au dossier.") % {"name": attachment.original_name}
        )
    keep_response = bool(posted.response_form and request.POST.get("reponse", "").strip())
    invalid = bool(posted.errors or (posted.projects_form and posted.projects_form.errors))
    if invalid or keep_response:
        messages.warning(request, _saved_message(posted.errors))
        # Rendered, not redirected: the per-field errors and the response to a correction
        # request (kept only at the submission: the model has no draft of it) stay on the page.
        return _edit_page(request, application, posted=posted, status=400 if invalid else 200)
    messages.success(request, _saved_message({}))
    return redirect("calls:application_edit", pk=application.pk)


@login_required
@require_POST
def application_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """The automatic save of a draft (JSON): the answers as typed (files come through the
    upload), and the problems found, per question."""
    application = _application(request, pk)
    posted = _save_posted(request, application, with_files=False)
    if posted.refused:
        return JsonResponse({"erreur": " ".join(posted.refused)}, status=400)
    body: dict[str, Any] = {
        "enregistre": True,
        "erreurs": posted.errors,
        "heure": _now_paris(),
        "message": _saved_message(posted.errors),
    }
    if posted.projects_form is not None and posted.projects_form.errors:
        body["erreur_projets"] = " ".join(
            str(error) for error in posted.projects_form.errors.get("projets", [])
        )
    return JsonResponse(body)


@login_required
@require_POST
def application_upload(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Attach the file answering question ``key``. Posted from the whole form (its "Joindre"
    button), the answers typed are saved first."""
    application = _application(request, pk)
    if FORM_MARKER in request.POST:
        posted = _save_posted(request, application)
        for message in posted.refused:
            messages.error(request, message)
        if not posted.refused:
            if key in posted.attached:
                messages.success(
                    request,
                    _("« %(name)s » est joint au dossier.")
                    % {"name": posted.attached[key].original_name},
                )
            elif request.FILES.get(file_field_name(key)) is not None and key in posted.errors:
                messages.error(request, posted.errors[key])
            else:
                messages.error(request, _("Choisissez le fichier à joindre."))
    else:
        upload = request.FILES.get(file_field_name(key)) or request.FILES.get("fichier")
        if upload is None:
            messages.error(request, _("Choisissez le fichier à joindre."))
        else:
            try:
                attachment = services.application_attach(
                    application=application, actor=request.user, question_key=key, upload=upload
                )
            except ValidationError as error:
                for message in _applicant_messages(application, error.messages):
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("« %(name)s » est joint au dossier.") % {"name": attachment.original_name},
                )
    return redirect(reverse("calls:application_edit", args=[application.pk]) + f"#question-{key}")


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit (or answer the correction request). Posted from the whole form, the answers
    and files are saved first; a refusal lists every problem on the edit page."""
    application = _application(request, pk)
    back = _not_editable(request, application)
    if back is not None:
        return back
    posted = None
    if FORM_MARKER in request.POST:
        posted = _save_posted(request, application)
        if posted.refused:
            return _edit_page(
                request, application, posted=posted, problems=posted.refused, status=400
            )
    try:
        submission = services.application_submit(
            application=application,
            actor=request.user,
            response=request.POST.get("reponse", ""),
        )
    except ValidationError as error:
        return _edit_page(
            request,
            application,
            posted=posted,
            problems=_applicant_messages(application, error.messages),
            status=400,
        )
    messages.success(
        request,
        _(
            "Candidature déposée le %(when)s (heure de Paris). Numéro d’accusé de réception : "
            "%(receipt)s. Un e-mail de confirmation a été envoyé aux membres de la structure."
        )
        % {"when": services.paris(submission.submitted_at), "receipt": submission.receipt_code},
    )
    return redirect("calls:application_receipt", pk=application.pk, number=submission.number)


# --- Applicant: following the application -----------------------------------------------------


@login_required
def application_receipt(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    application = _application(request, pk, staff_too=True)
    submission = get_object_or_404(Submission, application=application, number=number)
    files = {f.pk: f for f in application.files.all()}
    answers = []
    for question in _questions(application):
        text, attachment = display_answer(question, submission.answers.get(question.key), files)
        answers.append({"question": question, "text": text, "file": attachment})
    return render(
        request,
        "calls/applicant/receipt.html",
        {
            "application": application,
            "submission": submission,
            "submitted_at": date_format(
                timezone.localtime(submission.submitted_at), "j F Y \\à H:i:s"
            ),
            "projects": submission.projects
            or [{"titre": p.title} for p in application.projects.order_by("title", "pk")],
            "answers": answers,
        },
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, staff_too=True)
    code, label = selectors.applicant_status(application)
    published = selectors.decision_published(application)
    is_member = can_apply_to_call(request.user, application.organisation)
    try:
        audition: AuditionSlot | None = application.audition
    except AuditionSlot.DoesNotExist:
        audition = None
    submissions = [
        {"submission": s, "when": services.paris(s.submitted_at)}
        for s in application.submissions.order_by("number")
    ]
    return render(
        request,
        "calls/applicant/detail.html",
        {
            "application": application,
            "call": application.call,
            "status_code": code,
            "status_label": label,
            "published": published,
            "decision": published and application.status in DECISION_STATES,
            "feedback": selectors.feedback(application) if published else [],
            "submissions": submissions,
            "projects": application.projects.order_by("title", "pk"),
            "audition": audition,
            "audition_day": (
                date_format(timezone.localtime(audition.starts_at), "l j F Y") if audition else ""
            ),
            "audition_start": (
                timezone.localtime(audition.starts_at).strftime("%H:%M") if audition else ""
            ),
            "audition_end": (
                timezone.localtime(audition.ends_at).strftime("%H:%M") if audition else ""
            ),
            "awaiting": application.status == ApplicationStatus.AWAITING_COMPLETION,
            "correction_deadline": (
                services.paris(application.correction_deadline)
                if application.correction_deadline
                else ""
            ),
            "is_member": is_member,
            "editable": is_member and application.status in services.EDITABLE_STATES,
            # From the status shown: under embargo the form stays as it was, so that its
            # disappearing does not tell a decision was taken.
            "can_withdraw": is_member and code in WITHDRAWABLE_STATES,
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("reason", []):
            messages.error(request, str(message))
        return redirect("calls:application_detail", pk=application.pk)
    try:
        services.application_withdraw(
            application=application, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in _applicant_messages(application, error.messages):
            messages.error(request, message)
    else:
        messages.success(request, _("Candidature retirée."))
    return redirect("calls:application_detail", pk=application.pk)


@login_required
def application_file(request: HttpRequest, pk: int) -> FileResponse:
    """Stream an application's file (never reachable through a public media URL)."""
    attachment = get_object_or_404(
        ApplicationFile.objects.select_related(
            "application__organisation", "application__call", "application__form"
        ),
        pk=pk,
    )
    # Reviewers: the one rule of ``review`` (files of the latest submission only; none in
    # the written rounds of a blind call, whose files may name the organisation).
    if not can_view_call_application(
        request.user, attachment.application
    ) and not review.reviewer_may_see_file(request.user, attachment):
        raise PermissionDenied
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
