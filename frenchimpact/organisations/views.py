"""Member-side pages of organisations: declaration, joining, member space, edits, reports.

Views are thin: they check access (frenchimpact.permissions), validate a form and call a
service; a ValidationError from a service is shown on the form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frenchimpact.accounts.models import User
from frenchimpact.permissions import (
    can_decide_join_request,
    can_edit_organisation,
    is_organisation_admin,
)
from frenchimpact.projects.selectors import projects_of_user

from . import selectors, services
from .enums import JoinRequestStatus, MemberRole, ModerationStatus, Source
from .forms import (
    CharterForm,
    IdentifierDeclareForm,
    JoinDecisionForm,
    JoinRequestForm,
    MemberActionForm,
    OrganisationCreateForm,
    OrganisationForm,
    ReportForm,
)
from .models import JoinRequest, Membership, Organisation
from .validators import validate_rna, validate_siren, validate_siret


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def posted_data(request: HttpRequest) -> Any:
    """The POST data of a POST (even empty, so that the form is bound and shows its errors)."""
    return request.POST if request.method == "POST" else None


def add_service_error(form: BaseForm, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _member_organisation(request: HttpRequest, pk: int) -> Organisation:
    organisation = get_object_or_404(selectors.organisation_for_member_page(pk=pk))
    if not can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    return organisation


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The member space: my organisations (status, what waits), my projects, requests."""
    return render(
        request,
        "organisations/dashboard.html",
        {
            "memberships": selectors.organisations_of_user(user=request.user),
            "projects": projects_of_user(user=request.user),
            "to_decide": selectors.join_requests_to_decide(user=request.user),
            "my_requests": selectors.join_requests_of_user(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """Step 1: the identifier. An organisation already on the platform leads to the join
    request (no duplicate); otherwise to the creation form."""
    form = IdentifierDeclareForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        identifiers = form.cleaned_data["identifier"]
        existing = selectors.organisation_find_by_identifier(
            siren=identifiers["siren"], rna=identifiers["rna"]
        )
        if existing is not None:
            if Membership.objects.filter(organisation=existing, user=_user(request)).exists():
                messages.info(request, _("Vous êtes déjà membre de cette structure."))
                return redirect("organisations:detail", pk=existing.pk)
            if existing.status != ModerationStatus.PUBLISHED:
                # Not public: neither its name nor a join page, but a way forward.
                form.add_error(
                    "identifier",
                    _(
                        "Une fiche existe déjà avec ce numéro mais elle n’est pas publiée (en "
                        "cours de validation, refusée ou retirée). Si cette structure est la "
                        "vôtre, écrivez-nous par la page Contact en indiquant ce numéro : "
                        "l’équipe du programme vous mettra en relation ou rouvrira la fiche."
                    ),
                )
                return render(request, "organisations/declare.html", {"form": form}, status=409)
            messages.info(
                request,
                _(
                    "La structure « %(name)s » est déjà présente sur la plateforme avec ce "
                    "numéro : pour éviter un doublon, demandez à la rejoindre."
                )
                % {"name": existing.name},
            )
            return redirect("organisations:join", pk=existing.pk)
        query = urlencode({k: v for k, v in identifiers.items() if v})
        return redirect(f"{reverse('organisations:create')}?{query}")
    return render(
        request, "organisations/declare.html", {"form": form}, status=form_status(request, form)
    )


def form_status(request: HttpRequest, form: BaseForm) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _initial_identifiers(request: HttpRequest) -> dict[str, Any]:
    """Identifiers carried from step 1 (checked again: the query string is user input)."""
    initial: dict[str, Any] = {}
    for name, validate in (
        ("siren", validate_siren),
        ("siret", validate_siret),
        ("rna", validate_rna),
    ):
        value = request.GET.get(name, "")
        if value:
            try:
                initial[name] = validate(value)
            except ValidationError:
                continue
    if initial.get("siren"):
        initial = {
            **selectors.organisation_prefill_from_registry(siren=initial["siren"]),
            **initial,
        }
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Step 2: the creation form (pending moderation; the creator becomes its admin)."""
    form = OrganisationCreateForm(
        posted_data(request),
        request.FILES if request.method == "POST" else None,
        initial=_initial_identifiers(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=request.user,
                values=form.service_values(),
                accept_charter=form.cleaned_data.get("accept_charter", False),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "La structure est enregistrée. Elle sera visible dans l’annuaire dès que "
                    "l’équipe du programme l’aura validée."
                ),
            )
            return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request, "organisations/create.html", {"form": form}, status=form_status(request, form)
    )


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, pk: int) -> HttpResponse:
    # Only published records can be joined: a pending or withdrawn one is nobody's to show.
    organisation = get_object_or_404(Organisation.objects.published(), pk=pk)
    if Membership.objects.filter(organisation=organisation, user=_user(request)).exists():
        messages.info(request, _("Vous êtes déjà membre de cette structure."))
        return redirect("organisations:detail", pk=organisation.pk)
    pending = JoinRequest.objects.filter(
        organisation=organisation, user=_user(request), status=JoinRequestStatus.PENDING
    ).first()
    form = JoinRequestForm(posted_data(request))
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            services.join_request_create(
                organisation=organisation, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Votre demande a été envoyée."))
            return redirect("organisations:dashboard")
    has_admin = selectors.organisation_has_admin(organisation=organisation)
    return render(
        request,
        "organisations/join.html",
        {
            "organisation": organisation,
            "form": form,
            "pending": pending,
            "has_admin": has_admin,
            "is_import": organisation.source != Source.REGISTERED,
        },
        status=form_status(request, form),
    )


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone may report an error, or "this is not my structure", on a published record."""
    organisation = get_object_or_404(Organisation.objects.published(), pk=pk)
    form = ReportForm(posted_data(request))
    status = form_status(request, form)
    if request.method == "POST" and form.is_valid():
        client_ip = get_adapter(request).get_client_ip(request)
        if services.organisation_report_rate_limit_consume(client_ip=client_ip):
            services.organisation_report_create(
                organisation=organisation,
                kind=form.cleaned_data["kind"],
                message=form.cleaned_data["message"],
                reporter=request.user,
                reporter_email=form.cleaned_data["reporter_email"],
            )
            messages.success(
                request,
                _("Merci : votre signalement a été transmis à l’équipe du programme."),
            )
            return redirect("organisations:report", pk=organisation.pk)
        form.add_error(
            None,
            _(
                "Votre signalement n’a pas été envoyé : trop de signalements ont été envoyés "
                "depuis votre connexion. Réessayez dans une heure."
            ),
        )
        status = 429
    return render(
        request,
        "organisations/report.html",
        {"organisation": organisation, "form": form},
        status=status,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The member page of one organisation."""
    organisation = _member_organisation(request, pk)
    is_admin = is_organisation_admin(request.user, organisation)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "is_admin": is_admin,
            "members": organisation.memberships.all(),
            "projects": organisation.projects.order_by("title", "pk"),
            "join_requests": organisation.join_requests.filter(status=JoinRequestStatus.PENDING)
            .select_related("user")
            .order_by("created_at")
            if is_admin
            else [],
            "pending_changes": changes_rows(organisation, OrganisationForm),
        },
    )


def changes_rows(obj: Any, form_class: Any) -> list[dict[str, Any]]:
    """[{label, current, proposed}] of a record's pending changes (side by side)."""
    rows = []
    for name, proposed in (obj.pending_changes or {}).items():
        field = form_class.base_fields.get(name)
        label = field.label if field is not None else obj._meta.get_field(name).verbose_name
        rows.append({"label": label, "current": getattr(obj, name), "proposed": proposed})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _member_organisation(request, pk)
    form = OrganisationForm(
        posted_data(request),
        request.FILES if request.method == "POST" else None,
        instance=Organisation.objects.get(pk=organisation.pk),  # the form's copy, not the service's
        # A proposal waiting for moderation is shown (and kept by a later edit), not the
        # published value it would replace.
        initial=dict(organisation.pending_changes),
    )
    if request.method == "POST" and form.is_valid():
        try:
            held = services.organisation_update(
                organisation=organisation, actor=request.user, values=form.service_values()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if held:
                messages.info(
                    request,
                    _(
                        "Modifications enregistrées. Le changement de nom ou de SIREN sera "
                        "publié après validation par l’équipe du programme ; la fiche publiée "
                        "reste inchangée d’ici là."
                    ),
                )
            else:
                messages.success(request, _("Modifications enregistrées."))
            return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request,
        "organisations/edit.html",
        {
            "organisation": organisation,
            "form": form,
            "pending_changes": changes_rows(organisation, OrganisationForm),
        },
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def charter(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _member_organisation(request, pk)
    form = CharterForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        services.organisation_accept_charter(organisation=organisation, actor=request.user)
        messages.success(request, _("La structure a rejoint la communauté French IMPACT."))
        return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request,
        "organisations/charter.html",
        {"organisation": organisation, "form": form},
        status=form_status(request, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, pk: int) -> HttpResponse:
    """Members list; admins change roles and remove members; anyone may leave."""
    organisation = _member_organisation(request, pk)
    is_admin = is_organisation_admin(request.user, organisation)
    if request.method == "POST":
        form = MemberActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Action inconnue."))
            return redirect("organisations:members", pk=organisation.pk)
        membership = get_object_or_404(
            Membership, pk=form.cleaned_data["membership"], organisation=organisation
        )
        action = form.cleaned_data["action"]
        is_self = membership.user_id == request.user.pk
        if not is_admin and not (is_self and action == "retirer"):
            raise PermissionDenied
        try:
            if action == "retirer":
                services.membership_remove(membership=membership, actor=request.user)
            else:
                services.membership_change_role(
                    membership=membership, actor=request.user, role=action
                )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if action == "retirer" and is_self:
                messages.success(request, _("Vous avez quitté la structure."))
                return redirect("organisations:dashboard")
            messages.success(request, _("Les membres ont été mis à jour."))
        return redirect("organisations:members", pk=organisation.pk)
    return render(
        request,
        "organisations/members.html",
        {
            "organisation": organisation,
            "is_admin": is_admin,
            "members": organisation.memberships.all(),
            "roles": MemberRole,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_request(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin of the organisation decides a join request (staff decide claims on admin-less
    organisations from the moderation queue)."""
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("organisation", "user"), pk=pk
    )
    has_admin = selectors.organisation_has_admin(organisation=join_request.organisation)
    if not has_admin or not can_decide_join_request(request.user, join_request, has_admin=True):
        raise PermissionDenied
    form = JoinDecisionForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accepter":
                services.join_request_accept(
                    join_request=join_request,
                    actor=request.user,
                    role=form.cleaned_data.get("role") or MemberRole.EDITOR,
                )
                messages.success(request, _("La personne a rejoint la structure."))
            else:
                services.join_request_refuse(
                    join_request=join_request,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("La demande a été refusée ; la personne est prévenue."))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect("organisations:detail", pk=join_request.organisation_id)
    return render(
        request,
        "organisations/join_request.html",
        {"join_request": join_request, "form": form},
        status=form_status(request, form),
    )
