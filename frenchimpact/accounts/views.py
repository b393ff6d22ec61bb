"""Account pages of our own (allauth serves sign-up, login, e-mail and password pages)."""

from __future__ import annotations

import json
from typing import Any

from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import AccountDeleteForm, ProfileForm
from .models import User
from .selectors import user_personal_data, user_roles
from .services import user_delete, user_update_profile


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "accounts/profile.html", {"roles": user_roles(user=user)})


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=user, actor=user, **form.cleaned_data)
        messages.success(request, _("Vos informations ont été enregistrées."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def personal_data_export(request: HttpRequest) -> HttpResponse:
    data = user_personal_data(user=_user(request))
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-french-impact.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AccountDeleteForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        user_delete(user=user, actor=user)
        logout(request)
        messages.success(request, _("Votre compte et vos données personnelles ont été supprimés."))
        return redirect("pages:home")
    return render(request, "accounts/account_delete.html", {"form": form})


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation page, also when the link expires between display and click.

    allauth answers that late POST with a bare 404; this shows the "expired link" page, with
    the way to get a new link, as a GET of the same link does.
    """

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().post(*args, **kwargs)
        except Http404:
            self.object = None
            return self.render_to_response(self.get_context_data())


def admin_login(request: HttpRequest) -> HttpResponse:
    """Stands in for the Django admin's own login form (config/urls.py routes admin/login/ here).

    Everyone signs in through allauth, whose failed logins are throttled and which requires a
    confirmed address; a signed-in person who is not staff gets a 403, not a second login form.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    return redirect(next_url)
