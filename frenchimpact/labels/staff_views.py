"""Staff pages of the label (/gestion/labels/): the queue of applications, an application with
its revisions, files, history and the actions its state allows, and a label's actions.

Programme staff and administrators only: anonymous visitors go to the login page, everyone else
gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frenchimpact.accounts.roles import Role
from frenchimpact.organisations.views import add_service_error, posted_data
from frenchimpact.permissions import role_required

from . import selectors, services
from .enums import ApplicationStatus
from .forms import ApplicationDecisionForm, LabelActionForm, QueueFilterForm
from .models import Label
from .views import REVISION_FIELDS_SHOWN, revision_rows

PAGE_SIZE = 25
staff_required = role_required(Role.PROGRAMME_STAFF)


def _history_args(obj: Any) -> tuple[int, Any]:
    return ContentType.objects.get_for_model(obj).pk, obj.pk


def revision_diff(previous: Any, current: Any) -> list[tuple[str, Any, Any]]:
    """(field, previous value, current value) for each field that differs, side by side."""
    before = dict(revision_rows(previous))
    after = dict(revision_rows(current))
    rows = []
    for name in REVISION_FIELDS_SHOWN:
        label = str(current._meta.get_field(name).verbose_name).capitalize()
        if before.get(label) != after.get(label):
            rows.append((label, before.get(label, "—"), after.get(label, "—")))
    previous_files = sorted(a.original_name for a in previous.attachments.all())
    current_files = sorted(a.original_name for a in current.attachments.all())
    if previous_files != current_files:
        rows.append(
            (_("Pièces jointes"), ", ".join(previous_files) or "—", ", ".join(current_files) or "—")
        )
    return rows


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Applications filtered by state, kind and organisation name, with counts per state;
    paginated, a fixed number of queries."""
    form = QueueFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    status = cleaned.get("statut", "")
    kind = cleaned.get("type", "")
    text = (cleaned.get("q") or "").strip()
    page = Paginator(
        selectors.staff_queue(status=status, kind=kind, text=text), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = selectors.staff_status_counts(kind=kind)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "labels/staff/queue.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "kind": kind,
            "counts": [(value, label, counts[value]) for value, label in ApplicationStatus.choices],
            "query": query.urlencode(),
        },
    )


def _decide(request: HttpRequest, application: Any, form: ApplicationDecisionForm) -> str:
    action = form.cleaned_data["action"]
    text = form.cleaned_data.get("text", "")
    actor = request.user
    if action == "instruire":
        services.application_start_review(application=application, actor=actor)
        return _("Instruction commencée ; la structure est prévenue.")
    if action == "demander_modifications":
        services.application_request_changes(application=application, actor=actor, changes=text)
        return _("Modifications demandées ; la structure est prévenue.")
    if action == "comite":
        services.application_send_to_committee(application=application, actor=actor)
        return _("Candidature envoyée en comité.")
    if action == "accorder":
        label = services.label_grant(
            application=application,
            actor=actor,
            committee_date=form.cleaned_data.get("committee_date"),
            reason=text,
            is_pilot_territory=form.cleaned_data.get("is_pilot_territory", False),
        )
        return _("Label n° %(number)s accordé ; la structure est prévenue.") % {
            "number": label.number
        }
    services.application_refuse(
        application=application,
        actor=actor,
        committee_date=form.cleaned_data.get("committee_date"),
        reason=text,
    )
    return _("Refus enregistré ; la structure est prévenue.")


@staff_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.application_for_page(pk=pk)
    if obj is None:
        raise Http404
    form = ApplicationDecisionForm(posted_data(request), application=obj)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                message = _decide(request, obj, form)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, message)
                return redirect(request.path)
        status = 400
    revisions = list(obj.revisions.all())
    submitted = [revision for revision in revisions if revision.submitted_at]
    diff = revision_diff(submitted[-2], submitted[-1]) if len(submitted) >= 2 else None
    label = Label.objects.filter(application=obj).first()
    return render(
        request,
        "labels/staff/application.html",
        {
            "application": obj,
            "revisions": [(revision, revision_rows(revision)) for revision in revisions],
            "diff": diff,
            "diff_numbers": (submitted[-2].number, submitted[-1].number)
            if diff is not None
            else (),
            "form": form if form.fields["action"].choices else None,  # type: ignore[attr-defined]
            "label": label,
            "history_args": _history_args(obj),
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def label(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(
        Label.objects.select_related("holder", "application", "renewed_by", "region"), pk=pk
    )
    form = LabelActionForm(posted_data(request), status=obj.status)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            action = form.cleaned_data["action"]
            reason = form.cleaned_data["reason"]
            try:
                if action == "suspendre":
                    services.label_suspend(label=obj, actor=request.user, reason=reason)
                elif action == "retablir":
                    services.label_reinstate(label=obj, actor=request.user, reason=reason)
                else:
                    services.label_revoke(label=obj, actor=request.user, reason=reason)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Décision enregistrée ; le titulaire est prévenu."))
                return redirect(request.path)
        status = 400
    return render(
        request,
        "labels/staff/label.html",
        {
            "label": obj,
            "form": form if form.fields["action"].choices else None,  # type: ignore[attr-defined]
            "history_args": _history_args(obj),
        },
        status=status,
    )
