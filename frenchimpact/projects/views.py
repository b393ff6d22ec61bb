"""Member pages of projects: create (for one of my organisations) and edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frenchimpact.organisations.models import Organisation
from frenchimpact.organisations.selectors import organisations_of_user
from frenchimpact.organisations.views import (
    add_service_error,
    changes_rows,
    form_status,
    posted_data,
)
from frenchimpact.permissions import can_edit_organisation, can_edit_project

from . import services
from .forms import ProjectForm
from .models import Project


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """/projets/nouveau/?structure=<pk>: without a valid organisation, choose one of mine."""
    organisation = None
    raw = request.GET.get("structure", "")
    if raw.isdigit():
        organisation = Organisation.objects.filter(pk=int(raw)).first()
    if organisation is None:
        return render(
            request,
            "projects/choose_organisation.html",
            {"memberships": organisations_of_user(user=request.user)},
        )
    if not can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    form = ProjectForm(posted_data(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_create(
                organisation=organisation,
                actor=request.user,
                values=form.service_values(),
                regions=form.cleaned_data["regions"],
                departments=form.cleaned_data["departments"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Le projet est enregistré. Il sera visible dans l’annuaire dès que l’équipe "
                    "du programme l’aura validé."
                ),
            )
            return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "organisation": organisation, "project": None},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.select_related("organisation"), pk=pk)
    if not can_edit_project(request.user, project):
        raise PermissionDenied
    form = ProjectForm(
        posted_data(request),
        request.FILES if request.method == "POST" else None,
        instance=Project.objects.select_related("organisation").get(pk=pk),
        initial=dict(project.pending_changes),  # a proposal waiting for moderation is kept
    )
    if request.method == "POST" and form.is_valid():
        try:
            held = services.project_update(
                project=project,
                actor=request.user,
                values=form.service_values(),
                regions=form.cleaned_data["regions"],
                departments=form.cleaned_data["departments"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if held:
                messages.info(
                    request,
                    _(
                        "Modifications enregistrées. Le nouveau titre sera publié après "
                        "validation par l’équipe du programme."
                    ),
                )
            else:
                messages.success(request, _("Modifications enregistrées."))
            return redirect("organisations:detail", pk=project.organisation_id)
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "organisation": project.organisation,
            "project": project,
            "pending_changes": changes_rows(project, ProjectForm),
        },
        status=form_status(request, form),
    )
