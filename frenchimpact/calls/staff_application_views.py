"""Staff pages of the calls (/gestion/appels/): the list of calls, a call's dashboard and its
publication, the applications (list with filters, detail), admissibility and completion
requests, and the exports.

Programme staff only (``permissions.can_manage_calls``): anonymous visitors go to the login
page, everyone else gets a 403. Every write is a POST calling a service; a refusal from the
service is shown in French on the page and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from frenchimpact.permissions import can_manage_calls, check_required

from . import exports, services
from .enums import ApplicationStatus, CallStatus, QuestionKind
from .models import ApplicationFile, Call, CallApplication, Submission
from .staff_forms import (
    AdmissibilityForm,
    ApplicationFilterForm,
    CloseIncompleteForm,
    CompletionRequestForm,
)

PAGE_SIZE = 50
ADMISSIBILITY_PREFIX = "recevabilite"
CLOSE_PREFIX = "cloture"
COMPLETION_PREFIX = "complement"

# The other staff pages of a call (review and selection parts), linked from the dashboard
# when their URL exists: (name in the "calls_staff" namespace, French label). The co-pilots'
# sign-off page is for signatories, not linked here.
CALL_PAGES: tuple[tuple[str, Any], ...] = (
    ("jury", gettext_lazy("Jury et liens déclarés")),
    ("conflicts", gettext_lazy("Conflits d’intérêts")),
    ("recusals", gettext_lazy("Déports")),
    ("auditions", gettext_lazy("Auditions")),
    ("deliberation", gettext_lazy("Délibération")),
    ("publication", gettext_lazy("Publication des résultats")),
    ("reopen_list", gettext_lazy("Demandes de réouverture")),
)
# Pages of each round: (name, French label with %(name)s, the round's name).
ROUND_PAGES: tuple[tuple[str, Any], ...] = (
    ("assignments", gettext_lazy("Affectations — %(name)s")),
    ("round_ranking", gettext_lazy("Consolidation et classement — %(name)s")),
)
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "XLSX"))


calls_staff_required = check_required(can_manage_calls)


def _status_counts(queryset: QuerySet[CallApplication]) -> dict[str, int]:
    return dict(
        queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )


def call_pages(call: Call, rounds: list[Any] | None = None) -> list[tuple[str, str]]:
    """(French label, URL) of the other staff pages of the call (and of its rounds) whose URL
    exists."""
    links: list[tuple[str, str]] = []
    for name, label in CALL_PAGES:
        try:
            links.append((str(label), reverse(f"calls_staff:{name}", args=[call.slug])))
        except NoReverseMatch:
            continue
    for review_round in rounds or []:
        for name, label in ROUND_PAGES:
            try:
                url = reverse(f"calls_staff:{name}", args=[call.slug, review_round.number])
            except NoReverseMatch:
                continue
            links.append((str(label) % {"name": review_round.name}, url))
    return links


def _export_links(call: Call) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (
            str(spec.title),
            [
                (
                    label,
                    reverse(
                        "calls_staff:export",
                        kwargs={"slug": call.slug, "dataset": dataset, "fmt": fmt},
                    ),
                )
                for fmt, label in EXPORT_FORMATS
            ],
        )
        for dataset, spec in exports.DATASETS.items()
    ]


# --- Calls ----------------------------------------------------------------------------------


@calls_staff_required
@require_safe
def call_list(request: HttpRequest) -> HttpResponse:
    """Every call with its applications counted per state (one aggregate query)."""
    calls = list(Call.objects.order_by("-opens_at", "-pk"))
    counts: dict[int, dict[str, int]] = {}
    for call_id, status, number in (
        CallApplication.objects.order_by()
        .values_list("call_id", "status")
        .annotate(n=Count("pk"))
        .values_list("call_id", "status", "n")
    ):
        counts.setdefault(call_id, {})[status] = number
    rows = [
        (
            call,
            sum(counts.get(call.pk, {}).values()),
            [
                (label, counts[call.pk][value])
                for value, label in ApplicationStatus.choices
                if counts.get(call.pk, {}).get(value)
            ],
        )
        for call in calls
    ]
    return render(request, "calls/staff/applications/call_list.html", {"rows": rows})


@calls_staff_required
@require_safe
def call_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call, slug=slug)
    counts = _status_counts(CallApplication.objects.filter(call=call))
    rounds = list(call.rounds.order_by("number"))
    return render(
        request,
        "calls/staff/applications/call_dashboard.html",
        {
            "call": call,
            "counts": [
                (value, label, counts.get(value, 0)) for value, label in ApplicationStatus.choices
            ],
            "total": sum(counts.values()),
            "problems": services.call_problems(call) if call.status == CallStatus.DRAFT else [],
            "pages": call_pages(call, rounds),
            "exports": _export_links(call),
            "rounds": rounds,
            "copilots": list(
                call.copilots.select_related("organisation").prefetch_related("signatories")
            ),
        },
    )


@calls_staff_required
@require_POST
def call_publish(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call, slug=slug)
    try:
        services.call_publish(call=call, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "L’appel est publié : le formulaire et les grilles sont figés ; les candidatures "
                "sont reçues du %(opens)s au %(closes)s (heure de Paris)."
            )
            % {"opens": services.paris(call.opens_at), "closes": services.paris(call.closes_at)},
        )
    return redirect("calls_staff:call_dashboard", slug=call.slug)


# --- Applications ---------------------------------------------------------------------------


def filtered_applications(call: Call, filters: dict[str, Any]) -> QuerySet[CallApplication]:
    """The call's applications matching the list's filters, ready for the page (a fixed
    number of queries)."""
    queryset = CallApplication.objects.filter(call=call)
    if filters.get("statut"):
        queryset = queryset.filter(status=filters["statut"])
    if filters.get("eligibilite") == "respectee":
        queryset = queryset.filter(eligible=True)
    elif filters.get("eligibilite") == "non_respectee":
        queryset = queryset.filter(eligible=False)
    if filters.get("region"):
        queryset = queryset.filter(organisation__region__code=filters["region"])
    text = (filters.get("q") or "").strip()
    if text:
        queryset = queryset.filter(
            Q(reference__icontains=text)
            | Q(organisation__name__icontains=text)
            | Q(organisation__siren=text)
        )
    return (
        queryset.select_related("organisation", "organisation__region")
        .prefetch_related(Prefetch("projects", to_attr="project_list"))
        .order_by("reference", "pk")
    )


@calls_staff_required
@require_safe
def application_list(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call, slug=slug)
    form = ApplicationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(filtered_applications(call, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = _status_counts(CallApplication.objects.filter(call=call))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "calls/staff/applications/application_list.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "status": filters.get("statut", ""),
            "counts": [
                (value, label, counts[value])
                for value, label in ApplicationStatus.choices
                if counts.get(value)
            ],
            "query": query.urlencode(),
        },
    )


def _answer_rows(
    application: CallApplication, submission: Submission | None
) -> list[tuple[str, str, list[ApplicationFile]]]:
    """(question, answer as text, files) of the submission, in the form's order."""
    if submission is None:
        return []
    files = {f.pk: f for f in application.files.all()}
    rows = []
    for question in application.form.questions.all():
        raw = submission.answers.get(question.key)
        if question.kind == QuestionKind.FILE:
            attached = [files[raw]] if isinstance(raw, int) and raw in files else []
            rows.append((question.label, "" if attached else "—", attached))
        elif isinstance(raw, list):
            rows.append((question.label, ", ".join(map(str, raw)) or "—", []))
        else:
            text = str(raw).strip() if raw not in (None, "") else "—"
            if question.kind == QuestionKind.MONEY and text != "—":
                text = f"{text} €"
            rows.append((question.label, text, []))
    return rows


def _errors_as_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _application_page(
    request: HttpRequest,
    application: CallApplication,
    *,
    admissibility: AdmissibilityForm | None = None,
    completion: CompletionRequestForm | None = None,
    close: CloseIncompleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    submissions = list(application.submissions.select_related("submitted_by").order_by("number"))
    latest = submissions[-1] if submissions else None
    # A form is offered only in the state it acts on; the refusal of a form that no longer
    # applies (someone acted first) is shown as a message instead.
    if application.status == ApplicationStatus.SUBMITTED:
        admissibility = admissibility or AdmissibilityForm(prefix=ADMISSIBILITY_PREFIX)
    elif admissibility is not None:
        _errors_as_messages(request, admissibility)
        admissibility = None
    if application.status == ApplicationStatus.ADMISSIBLE:
        completion = completion or CompletionRequestForm(prefix=COMPLETION_PREFIX)
    elif completion is not None:
        _errors_as_messages(request, completion)
        completion = None
    if application.status == ApplicationStatus.AWAITING_COMPLETION:
        close = close or CloseIncompleteForm(prefix=CLOSE_PREFIX)
    elif close is not None:
        _errors_as_messages(request, close)
        close = None
    return render(
        request,
        "calls/staff/applications/application_detail.html",
        {
            "application": application,
            "call": application.call,
            "projects": list(application.projects.all()),
            "submissions": submissions,
            "latest": latest,
            "answers": _answer_rows(application, latest),
            "eligibility": application.eligibility or [],
            "admissibility_form": admissibility,
            "completion_form": completion,
            "close_form": close,
            "history_args": (
                ContentType.objects.get_for_model(application).pk,
                application.pk,
            ),
        },
        status=status,
    )


def _application(pk: int) -> CallApplication:
    return get_object_or_404(
        CallApplication.objects.select_related(
            "call", "organisation", "organisation__region", "form"
        ),
        pk=pk,
    )


@calls_staff_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, _application(pk))


@calls_staff_required
@require_POST
def application_admissibility(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    form = AdmissibilityForm(request.POST, prefix=ADMISSIBILITY_PREFIX)
    if form.is_valid():
        try:
            services.application_confirm_admissibility(
                application=application,
                actor=request.user,
                admissible=form.admissible,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Candidature déclarée recevable.")
                if form.admissible
                else _("Candidature déclarée irrecevable ; la structure est prévenue."),
            )
            return redirect("calls_staff:application_detail", pk=application.pk)
    application.refresh_from_db()
    return _application_page(request, application, admissibility=form, status=400)


@calls_staff_required
@require_POST
def application_request_completion(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    form = CompletionRequestForm(request.POST, prefix=COMPLETION_PREFIX)
    if form.is_valid():
        try:
            services.application_request_completion(
                application=application,
                actor=request.user,
                message=form.cleaned_data["message"],
                deadline=form.cleaned_data["deadline"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Demande de complément envoyée ; la structure est prévenue.")
            )
            return redirect("calls_staff:application_detail", pk=application.pk)
    application.refresh_from_db()
    return _application_page(request, application, completion=form, status=400)


@calls_staff_required
@require_POST
def application_close_incomplete(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    form = CloseIncompleteForm(request.POST, prefix=CLOSE_PREFIX)
    if form.is_valid():
        try:
            services.application_close_incomplete(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Candidature déclarée irrecevable ; la structure est prévenue.")
            )
            return redirect("calls_staff:application_detail", pk=application.pk)
    application.refresh_from_db()
    return _application_page(request, application, close=form, status=400)


# --- Exports --------------------------------------------------------------------------------


@calls_staff_required
@require_safe
def export(request: HttpRequest, slug: str, dataset: str, fmt: str) -> HttpResponseBase:
    call = get_object_or_404(Call, slug=slug)
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        return render(
            request,
            "calls/staff/applications/export_unknown.html",
            {
                "call": call,
                "dataset": dataset,
                "fmt": fmt,
                "datasets": ", ".join(exports.DATASETS),
                "formats": ", ".join(exports.FORMATS),
            },
            status=404,
        )
    return exports.export_response(call, dataset, fmt)
