"""The staff moderation area (/gestion/moderation/): queue, decisions, claims, reports.

Programme staff and administrators only (administrators hold every role): anonymous visitors go
to the login page, everyone else gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frenchimpact.accounts.roles import Role
from frenchimpact.permissions import role_required
from frenchimpact.projects import selectors as project_selectors
from frenchimpact.projects import services as project_services
from frenchimpact.projects.forms import ProjectForm
from frenchimpact.projects.models import Project

from . import selectors, services
from .enums import JoinRequestStatus, MemberRole, ModerationStatus, ReportStatus
from .forms import (
    JoinDecisionForm,
    ModerationDecisionForm,
    OrganisationForm,
    QueueFilterForm,
    ReportHandleForm,
)
from .models import JoinRequest, Organisation, OrganisationReport
from .views import add_service_error, changes_rows, posted_data

PAGE_SIZE = 25
staff_required = role_required(Role.PROGRAMME_STAFF)

STATUS_CHOICES: dict[str, list[tuple[str, Any]]] = {
    selectors.QUEUE_ORGANISATIONS: list(ModerationStatus.choices),
    selectors.QUEUE_PROJECTS: list(ModerationStatus.choices),
    selectors.QUEUE_CLAIMS: list(JoinRequestStatus.choices),
    selectors.QUEUE_REPORTS: list(ReportStatus.choices),
    selectors.QUEUE_ORGANISATION_CHANGES: [],
    selectors.QUEUE_PROJECT_CHANGES: [],
}
DEFAULT_STATUS = {
    selectors.QUEUE_ORGANISATIONS: ModerationStatus.PENDING,
    selectors.QUEUE_PROJECTS: ModerationStatus.PENDING,
    selectors.QUEUE_CLAIMS: JoinRequestStatus.PENDING,
    selectors.QUEUE_REPORTS: ReportStatus.OPEN,
}
ALL = "tous"


def _queue_queryset(kind: str, status: str, region: str, text: str) -> Any:
    if kind == selectors.QUEUE_PROJECTS:
        return project_selectors.moderation_projects(status=status, region=region, text=text)
    if kind == selectors.QUEUE_ORGANISATION_CHANGES:
        return selectors.moderation_organisation_changes(region=region, text=text)
    if kind == selectors.QUEUE_PROJECT_CHANGES:
        return project_selectors.moderation_project_changes(region=region, text=text)
    if kind == selectors.QUEUE_CLAIMS:
        return selectors.moderation_claims(status=status, region=region, text=text)
    if kind == selectors.QUEUE_REPORTS:
        return selectors.moderation_reports(status=status, region=region, text=text)
    return selectors.moderation_organisations(status=status, region=region, text=text)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """One list per type of item (filters: type, status, region, text), paginated: the number
    of queries does not grow with the number of rows."""
    form = QueueFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    kind = cleaned.get("type") or selectors.QUEUE_ORGANISATIONS
    choices = STATUS_CHOICES[kind]
    status = cleaned.get("statut") or DEFAULT_STATUS.get(kind, "")
    if status == ALL or status not in {value for value, _label in choices}:
        status = "" if status == ALL or not choices else DEFAULT_STATUS.get(kind, "")
    region = cleaned["region"].code if cleaned.get("region") else ""
    text = (cleaned.get("q") or "").strip()
    page = Paginator(_queue_queryset(kind, status, region, text), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/queue.html",
        {
            "form": form,
            "kind": kind,
            "kinds": QueueFilterForm.TYPE_CHOICES,
            "status": status or ALL,
            "status_choices": choices,
            "page": page,
            "query": query.urlencode(),
        },
    )


def _history_url_args(obj: Model) -> tuple[int, Any]:
    return ContentType.objects.get_for_model(obj).pk, obj.pk


def _decide(request: HttpRequest, obj: Any, form: ModerationDecisionForm) -> None:
    decision = form.cleaned_data["decision"]
    reason = form.cleaned_data["reason"]
    actor = request.user
    if isinstance(obj, Organisation):
        actions: dict[str, Any] = {
            "publier": lambda: services.organisation_approve(organisation=obj, actor=actor),
            "refuser": lambda: services.organisation_reject(
                organisation=obj, actor=actor, reason=reason
            ),
            "depublier": lambda: services.organisation_unpublish(
                organisation=obj, actor=actor, reason=reason
            ),
            "publier_modifications": lambda: services.organisation_approve_changes(
                organisation=obj, actor=actor
            ),
            "refuser_modifications": lambda: services.organisation_reject_changes(
                organisation=obj, actor=actor, reason=reason
            ),
        }
    else:
        actions = {
            "publier": lambda: project_services.project_approve(project=obj, actor=actor),
            "refuser": lambda: project_services.project_reject(
                project=obj, actor=actor, reason=reason
            ),
            "depublier": lambda: project_services.project_unpublish(
                project=obj, actor=actor, reason=reason
            ),
            "publier_modifications": lambda: project_services.project_approve_changes(
                project=obj, actor=actor
            ),
            "refuser_modifications": lambda: project_services.project_reject_changes(
                project=obj, actor=actor, reason=reason
            ),
        }
    actions[decision]()


def _moderation_page(
    request: HttpRequest, obj: Any, template: str, form_class: Any, **context: Any
) -> HttpResponse:
    form = ModerationDecisionForm(posted_data(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _decide(request, obj, form)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Décision enregistrée ; les membres sont prévenus."))
                return redirect(request.path)
        status = 400
    content_type_id, object_id = _history_url_args(obj)
    return render(
        request,
        template,
        {
            "object": obj,
            "form": form,
            "changes": changes_rows(obj, form_class),
            "history_args": (content_type_id, object_id),
            **context,
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Organisation.objects.select_related("region", "department"), pk=pk)
    return _moderation_page(
        request,
        obj,
        "moderation/organisation.html",
        OrganisationForm,
        members=obj.memberships.select_related("user").order_by("role", "pk"),
        reports=obj.reports.order_by("-created_at")[:20],
    )


@staff_required
@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(
        Project.objects.select_related("organisation").prefetch_related("regions", "departments"),
        pk=pk,
    )
    return _moderation_page(request, obj, "moderation/project.html", ProjectForm)


@staff_required
@require_http_methods(["GET", "POST"])
def join_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim: a request to join an organisation with no admin (staff decide)."""
    obj = get_object_or_404(JoinRequest.objects.select_related("organisation", "user"), pk=pk)
    has_admin = selectors.organisation_has_admin(organisation=obj.organisation)
    form = JoinDecisionForm(posted_data(request), initial={"role": MemberRole.ADMIN})
    status = 200
    if request.method == "POST":
        if has_admin:
            form.is_valid()
            form.add_error(
                None,
                _("Cette structure a un administrateur : c’est à lui de décider de la demande."),
            )
        elif form.is_valid():
            try:
                if form.cleaned_data["decision"] == "accepter":
                    services.join_request_accept(
                        join_request=obj,
                        actor=request.user,
                        role=form.cleaned_data.get("role") or MemberRole.ADMIN,
                    )
                else:
                    services.join_request_refuse(
                        join_request=obj, actor=request.user, reason=form.cleaned_data["reason"]
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Décision enregistrée ; la personne est prévenue."))
                return redirect(request.path)
        status = 400
    return render(
        request,
        "moderation/join_request.html",
        {
            "object": obj,
            "form": form,
            "has_admin": has_admin,
            "history_args": _history_url_args(obj),
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(
        OrganisationReport.objects.select_related("organisation", "reporter", "handled_by"), pk=pk
    )
    form = ReportHandleForm(posted_data(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organisation_report_handle(
                    report=obj, actor=request.user, resolution=form.cleaned_data["resolution"]
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Signalement traité."))
                return redirect(request.path)
        status = 400
    return render(
        request,
        "moderation/report.html",
        {"object": obj, "form": form, "history_args": _history_url_args(obj)},
        status=status,
    )
