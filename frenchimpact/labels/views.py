"""Applicant pages of the label (/labels/candidatures/…): list, creation, the application
page (edit the open revision, attach files, submit or answer), withdrawal, file download.

The public register pages (/labels/…) live beside these, owned by the register's views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frenchimpact.organisations.views import add_service_error, form_status, posted_data
from frenchimpact.permissions import can_apply_for_label, can_view_label_application

from . import selectors, services
from .enums import ApplicationStatus
from .forms import ApplicationCreateForm, RevisionForm, SubmitForm, WithdrawForm
from .models import ApplicationAttachment, Label, LabelApplication

REVISION_FIELDS_SHOWN = (
    "typology",
    "territory_level",
    "territory_code",
    "territory_name",
    "programme",
    "references",
    "anchoring",
    "commitments_accepted",
    "response",
)


def revision_rows(revision: Any) -> list[tuple[str, Any]]:
    """(label, shown value) of a revision's filled fields, for read-only display."""
    rows = []
    for name in REVISION_FIELDS_SHOWN:
        field = revision._meta.get_field(name)
        value = getattr(revision, name)
        if value in ("", None):
            continue
        if field.choices:
            value = getattr(revision, f"get_{name}_display")()
        if name == "typology":
            from frenchimpact.support.enums import Typology

            value = Typology(value).label if value in Typology.values else value
        if isinstance(value, bool):
            value = _("Oui") if value else _("Non")
        rows.append((str(field.verbose_name).capitalize(), value))
    return rows


def _application(request: HttpRequest, pk: int) -> LabelApplication:
    application = selectors.application_for_page(pk=pk)
    if application is None:
        raise Http404
    if not can_apply_for_label(request.user, application.organisation):
        raise PermissionDenied
    return application


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "labels/applicant/list.html",
        {"applications": selectors.applications_of_user(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    """A new application; ``?renouvellement=<label>`` opens the renewal of that label."""
    renewal_of = None
    if request.GET.get("renouvellement", "").isdigit():
        renewal_of = get_object_or_404(
            Label.objects.select_related("holder"), pk=request.GET["renouvellement"]
        )
        if not can_apply_for_label(request.user, renewal_of.holder):
            raise PermissionDenied
    initial = (
        {"organisation": renewal_of.holder_id, "kind": renewal_of.kind} if renewal_of else None
    )
    form = ApplicationCreateForm(posted_data(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        kind = form.cleaned_data["kind"]
        try:
            application = services.application_create(
                organisation=organisation,
                kind=kind,
                actor=request.user,
                renewal_of=renewal_of,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Brouillon créé : complétez votre candidature."))
            return redirect("labels:application_detail", pk=application.pk)
    return render(
        request,
        "labels/applicant/create.html",
        {"form": form, "renewal_of": renewal_of},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The application: its state, what staff asked, the frozen revisions, and — while the
    applicant has the hand — the form of the open revision ("enregistrer" or "deposer")."""
    application = _application(request, pk)
    revisions = list(application.revisions.all())
    current = revisions[-1]
    editable = application.status in services.EDITABLE_STATES and current.submitted_at is None
    form = submit_form = None
    status = 200
    if editable:
        data = posted_data(request)
        form = RevisionForm(
            data,
            request.FILES if request.method == "POST" else None,
            instance=current,
            application=application,
        )
        submit_form = SubmitForm(data)
        if request.method == "POST":
            status = 400
            if form.is_valid() and submit_form.is_valid():
                try:
                    # The content and the file together, or neither (the file is removed if
                    # the transaction fails: NewFiles in application_attach).
                    with transaction.atomic():
                        services.application_update(
                            application=application,
                            actor=request.user,
                            values=form.service_values(),
                        )
                        upload = form.cleaned_data.get("attachment")
                        if upload:
                            try:
                                services.application_attach(
                                    application=application, actor=request.user, upload=upload
                                )
                            except ValidationError as error:
                                for message in error.messages:
                                    form.add_error("attachment", message)
                                raise
                except ValidationError as error:
                    if not form.has_error("attachment"):
                        add_service_error(form, error)
                else:
                    if request.POST.get("action") != "deposer":
                        messages.success(request, _("Brouillon enregistré."))
                        return redirect("labels:application_detail", pk=application.pk)
                    try:
                        services.application_submit(
                            application=application,
                            actor=request.user,
                            response=submit_form.cleaned_data["response"],
                        )
                    except ValidationError as error:
                        # The draft is saved; only the submission is refused.
                        form.add_error(
                            None, _("Le brouillon est enregistré mais n’a pas été déposé :")
                        )
                        add_service_error(form, error)
                    else:
                        messages.success(
                            request, _("Candidature déposée ; l’équipe du programme est prévenue.")
                        )
                        return redirect("labels:application_detail", pk=application.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "labels/applicant/detail.html",
        {
            "application": application,
            "revisions": [(revision, revision_rows(revision)) for revision in revisions],
            "current": current,
            "editable": editable,
            "form": form,
            "submit_form": submit_form,
            "withdraw_form": WithdrawForm(),
            "can_withdraw": application.status in services.WITHDRAWABLE_STATES,
            "answering": application.status == ApplicationStatus.CHANGES_REQUESTED,
            "missing": services.application_missing(application, current) if editable else [],
        },
        status=status,
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.application_withdraw(
            application=application,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Candidature retirée."))
    return redirect("labels:application_detail", pk=application.pk)


@login_required
@require_POST
def application_attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        ApplicationAttachment.objects.select_related("revision__application__organisation"),
        pk=pk,
    )
    application = attachment.revision.application
    if not can_apply_for_label(request.user, application.organisation):
        raise PermissionDenied
    try:
        services.application_detach(attachment=attachment, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Pièce jointe retirée."))
    return redirect("labels:application_detail", pk=application.pk)


@login_required
def application_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Stream an attachment to the applicant's members and programme staff only (files are
    never reachable through a public media URL)."""
    attachment = get_object_or_404(
        ApplicationAttachment.objects.select_related("revision__application__organisation"),
        pk=pk,
    )
    if not can_view_label_application(request.user, attachment.revision.application):
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
