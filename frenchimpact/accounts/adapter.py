"""Hooks into allauth: French messages that tell the next step, and e-mail context."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter with the platform's wording.

    allauth ships a French translation, but some of its messages leave the user without a next
    step; the ones a person meets most often are rewritten here (French msgids).
    """

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_taken": _(
            "Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou, "
            "si vous avez oublié votre mot de passe, réinitialisez-le."
        ),
        "email_password_mismatch": _("L’adresse e-mail ou le mot de passe est incorrect."),
        "too_many_login_attempts": _(
            "Trop de tentatives de connexion ont échoué. Réessayez dans quelques minutes "
            "ou réinitialisez votre mot de passe."
        ),
        "unknown_email": _("Aucun compte n’est associé à cette adresse e-mail."),
        "enter_current_password": _("Saisissez votre mot de passe actuel."),
        "incorrect_password": _("Mot de passe incorrect."),
        "account_inactive": _("Ce compte est désactivé."),
        "rate_limited": _("Vous avez envoyé trop de demandes. Patientez un peu puis réessayez."),
        "same_as_current": _("La nouvelle valeur doit être différente de l’actuelle."),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # The e-mail templates sign with the platform's name, not the request's host name.
        context = {
            "platform_name": settings.PLATFORM_NAME,
            "site_url": settings.SITE_URL,
            "confirmation_expire_days": app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
            **context,
        }
        super().send_mail(template_prefix, email, context)
