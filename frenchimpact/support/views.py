"""Pages of the support domain: members manage their profile, offers and inbox; visitors
search offers and send requests through the platform.

Views are thin: they check access (frenchimpact.permissions), validate a form and call a
service or a selector; a ValidationError from a service is shown on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.organisations.models import Organisation
from frenchimpact.organisations.views import add_service_error, posted_data
from frenchimpact.permissions import can_manage_offers
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.territories.models import Department

from . import selectors, services
from .enums import OfferType, RequestStatus
from .forms import (
    AnswerForm,
    OfferForm,
    OfferRequestForm,
    OfferSuspendForm,
    SupportProfileForm,
)
from .models import Offer, OfferRequest

PAGE_SIZE = 20


def _managed_organisation(request: HttpRequest, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can_manage_offers(request.user, organisation):
        raise PermissionDenied
    return organisation


def _managed_offer(request: HttpRequest, pk: int) -> Offer:
    offer = get_object_or_404(Offer.objects.select_related("provider"), pk=pk)
    if not can_manage_offers(request.user, offer.provider):
        raise PermissionDenied
    return offer


# --- Support profile ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Members of a support structure edit its support profile."""
    organisation = _managed_organisation(request, pk)
    if OrganisationKind.SUPPORT_STRUCTURE not in organisation.kinds:
        messages.error(
            request,
            _(
                "Seule une structure d’accompagnement a un profil d’accompagnateur : ajoutez ce "
                "type d’acteur à la fiche de la structure."
            ),
        )
        return redirect("organisations:detail", pk=organisation.pk)
    profile = selectors.support_profile_for_display(organisation=organisation)
    initial: dict[str, Any] = {}
    if profile is not None:
        initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
        initial["regions"] = [r.code for r in profile.regions.all()]
        initial["departments"] = [d.code for d in profile.departments.all()]
        initial["supported_projects"] = ", ".join(
            str(p.pk) for p in profile.supported_projects.all()
        )
    form = SupportProfileForm(posted_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.support_profile_save(
                organisation=organisation,
                actor=request.user,
                values={name: data[name] for name in services.PROFILE_FIELDS},
                region_codes=data["regions"],
                department_codes=data["departments"],
                project_ids=data["supported_projects"],
            )
        except ValidationError as error:
            add_service_error(
                form,
                _rename_zone_errors(
                    error,
                    {
                        "zone_regions": "regions",
                        "zone_departments": "departments",
                        "zone_france": "covers_france",
                    },
                ),
            )
        else:
            messages.success(request, _("Le profil d’accompagnateur est enregistré."))
            return redirect("support:offers_manage", pk=organisation.pk)
    return render(
        request,
        "support/profile_edit.html",
        {"organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )


def _rename_zone_errors(error: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(key, key): value for key, value in error.error_dict.items()})


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Field errors on their field when the form has it, the others at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        add_service_error(form, error)


# --- Offers: member side --------------------------------------------------------------------


@login_required
@require_safe
def offers_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's offers, profile and inbox entry points."""
    organisation = _managed_organisation(request, pk)
    return render(
        request,
        "support/offers_manage.html",
        {
            "organisation": organisation,
            "offers": selectors.offers_of_provider(organisation=organisation),
            "is_support_structure": OrganisationKind.SUPPORT_STRUCTURE in organisation.kinds,
            "new_requests": selectors.inbox(
                organisation=organisation, status=RequestStatus.NEW
            ).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _managed_organisation(request, pk)
    form = OfferForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(
                provider=organisation, actor=request.user, values=form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("L’offre « %(name)s » est publiée.") % {"name": offer.name})
            return redirect("support:offers_manage", pk=organisation.pk)
    return render(
        request,
        "support/offer_form.html",
        {"organisation": organisation, "form": form, "offer": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _managed_offer(request, pk)
    form = OfferForm(posted_data(request), initial=OfferForm.initial_from(offer))
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, actor=request.user, values=form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("L’offre est enregistrée."))
            return redirect("support:offers_manage", pk=offer.provider_id)
    return render(
        request,
        "support/offer_form.html",
        {"organisation": offer.provider, "form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _managed_offer(request, pk)
    form = OfferSuspendForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_suspend(
                offer=offer,
                actor=request.user,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("L’offre est suspendue."))
            return redirect("support:offers_manage", pk=offer.provider_id)
    return render(
        request,
        "support/offer_suspend.html",
        {"organisation": offer.provider, "form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


def _offer_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    offer = _managed_offer(request, pk)
    try:
        action(offer=offer, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("support:offers_manage", pk=offer.provider_id)


@login_required
@require_POST
def offer_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _offer_action(request, pk, services.offer_reactivate, _("L’offre est réactivée."))


@login_required
@require_POST
def offer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _offer_action(request, pk, services.offer_archive, _("L’offre est archivée."))


# --- Offers: public side --------------------------------------------------------------------


class OfferSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Mots recherchés"), required=False, max_length=200)
    type = forms.ChoiceField(
        label=gettext_lazy("Type d’offre"),
        required=False,
        choices=[("", gettext_lazy("Tous les types")), *OfferType.choices],
    )
    departement = forms.ModelChoiceField(
        label=gettext_lazy("Ouverte dans le département"),
        required=False,
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        empty_label=gettext_lazy("Tous les départements"),
    )
    stade = forms.ChoiceField(
        label=gettext_lazy("Stade du projet"),
        required=False,
        choices=[("", gettext_lazy("Tous les stades")), *Stage.choices],
    )
    defi = forms.ChoiceField(
        label=gettext_lazy("Défi"),
        required=False,
        choices=[("", gettext_lazy("Tous les défis")), *Challenge.choices],
    )
    labellise = forms.ChoiceField(
        label=gettext_lazy("Structure labellisée French IMPACT"),
        required=False,
        choices=[
            ("", gettext_lazy("Indifférent")),
            ("oui", gettext_lazy("Oui")),
            ("non", gettext_lazy("Non")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _(
                "Valeur inconnue pour le filtre « %(filter)s »."
            ) % {"filter": field.label}


@require_safe
def offers(request: HttpRequest) -> HttpResponse:
    """Public search of the offers: filters, pagination."""
    form = OfferSearchForm(request.GET)
    queryset = selectors.offers_for_display()
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        labelled = {"oui": True, "non": False}.get(data["labellise"])
        queryset = selectors.offers_filter(
            queryset,
            types=[data["type"]] if data["type"] else [],
            department=data["departement"].code if data["departement"] else "",
            stages=[data["stade"]] if data["stade"] else [],
            challenges=[data["defi"]] if data["defi"] else [],
            labelled=labelled,
            q=data["q"].strip(),
        )
    else:
        status = 400
        queryset = queryset.none()
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "support/offers.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_safe
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(selectors.offers_for_display(), pk=pk)
    return render(
        request,
        "support/offer_detail.html",
        {
            "offer": offer,
            "suspended": services.offer_is_suspended(offer),
            "can_manage": can_manage_offers(request.user, offer.provider),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_request(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in person sends a request to an offer that takes requests on the platform."""
    offer = get_object_or_404(selectors.offers_for_display(), pk=pk)
    organisations, projects = selectors.requester_choices(user=request.user)
    form = OfferRequestForm(posted_data(request), organisations=organisations, projects=projects)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_request_create(
                offer=offer,
                requester=request.user,
                message=form.cleaned_data["message"],
                organisation=form.cleaned_data["organisation"],
                project=form.cleaned_data["project"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Votre demande est envoyée : la structure vous répondra par e-mail.")
            )
            return redirect("support:offer", pk=offer.pk)
    return render(
        request,
        "support/offer_request.html",
        {"offer": offer, "form": form, "suspended": services.offer_is_suspended(offer)},
        status=400 if form.errors else 200,
    )


# --- Inbox ----------------------------------------------------------------------------------


@login_required
@require_safe
def inbox(request: HttpRequest, pk: int) -> HttpResponse:
    """Requests received by the organisation's offers, filtered by status."""
    organisation = _managed_organisation(request, pk)
    status = request.GET.get("statut", "")
    if status and status not in RequestStatus.values:
        status = ""
    paginator = Paginator(selectors.inbox(organisation=organisation, status=status), PAGE_SIZE)
    return render(
        request,
        "support/inbox.html",
        {
            "organisation": organisation,
            "page": paginator.get_page(request.GET.get("page")),
            "status": status,
            "statuses": RequestStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: answer it (e-mailed to the requester) or mark it handled."""
    offer_request = get_object_or_404(
        OfferRequest.objects.select_related(
            "offer", "offer__provider", "requester", "organisation", "project"
        ),
        pk=pk,
    )
    if not can_manage_offers(request.user, offer_request.offer.provider):
        raise PermissionDenied
    action = request.POST.get("action") if request.method == "POST" else None
    form = AnswerForm(request.POST if action == "answer" else None)
    if action == "handled":
        try:
            services.offer_request_mark_handled(offer_request=offer_request, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("La demande est marquée comme traitée."))
        return redirect("support:inbox", pk=offer_request.offer.provider_id)
    if action == "answer" and form.is_valid():
        try:
            services.offer_request_answer(
                offer_request=offer_request, actor=request.user, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Votre réponse est envoyée par e-mail."))
            return redirect("support:inbox", pk=offer_request.offer.provider_id)
    return render(
        request,
        "support/request_detail.html",
        {
            "offer_request": offer_request,
            "organisation": offer_request.offer.provider,
            "form": form,
            "closed": offer_request.status == RequestStatus.HANDLED,
        },
        status=400 if form.errors else 200,
    )
