from __future__ import annotations

import datetime
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .forms import ContactForm
from .services import contact_message_send, contact_rate_limit_consume

# Update with each new statement (after an audit, or a substantial change of the platform).
ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 11, 26)


class LegalPageView(TemplateView):
    """A legal page that names who publishes and hosts this deployment (from the settings)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            site_url=settings.SITE_URL,
            publisher=settings.PLATFORM_PUBLISHER,
            publication_director=settings.PLATFORM_PUBLICATION_DIRECTOR,
            hosting_provider=settings.PLATFORM_HOSTING_PROVIDER,
            statement_date=date_format(ACCESSIBILITY_STATEMENT_DATE, "j F Y"),
            **kwargs,
        )


class CookiesView(TemplateView):
    """Lists the cookies from the settings that name them, so the page cannot drift."""

    template_name = "pages/cookies.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            session_cookie_name=settings.SESSION_COOKIE_NAME,
            session_cookie_days=settings.SESSION_COOKIE_AGE // 86400,
            csrf_cookie_name=settings.CSRF_COOKIE_NAME,
            csrf_cookie_days=settings.CSRF_COOKIE_AGE // 86400,
            **kwargs,
        )


def contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        client_ip = get_adapter(request).get_client_ip(request)
        if contact_rate_limit_consume(client_ip=client_ip):
            contact_message_send(
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
            )
            messages.success(
                request,
                _("Votre message a bien été envoyé. Nous vous répondrons par courriel."),
            )
            return redirect("pages:contact")
        form.add_error(
            None,
            _(
                "Votre message n’a pas été envoyé : trop de messages ont été envoyés depuis "
                "votre connexion. Réessayez dans une heure, ou écrivez directement à %(email)s."
            )
            % {"email": settings.PLATFORM_CONTACT_EMAIL},
        )
        status = 429
    elif request.method == "POST":
        status = 400
    return render(request, "pages/contact.html", {"form": form}, status=status)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /comptes/",
        "Disallow: /gestion/",
        # The host that was asked (validated by ALLOWED_HOSTS), like sitemap.xml's own links.
        f"Sitemap: {request.build_absolute_uri(reverse('pages:sitemap_xml'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
