"""Forms of the accounts app (allauth's forms are configured in settings.ACCOUNT_FORMS)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, telling the template when the address is already taken."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail")
        self.fields["email"].help_text = _("Format attendu : nom@domaine.fr")
        self.fields["password1"].label = _("Mot de passe")
        self.fields["password1"].help_text = _(
            "Au moins 12 caractères. Évitez un mot de passe courant, uniquement composé de "
            "chiffres ou proche de votre adresse e-mail."
        )
        self.fields["password2"].label = _("Confirmation du mot de passe")
        for name in ("email", "password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)

    @property
    def email_taken(self) -> bool:
        return any(error.code == "email_taken" for error in self.errors.as_data().get("email", []))


class ProfileForm(forms.ModelForm[User]):
    """Name and notification preferences; saved through services.user_update_profile."""

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "notify_activity",
            "notify_calls",
            "notify_platform_news",
        ]
        labels = {"first_name": _("Prénom"), "last_name": _("Nom")}


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for the password, so that an open session is not enough."""

    password = forms.CharField(
        label=_("Mot de passe"),
        help_text=_("Saisissez votre mot de passe pour confirmer la suppression."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("Mot de passe incorrect : votre compte n’a pas été supprimé."),
                code="incorrect_password",
            )
        return password
