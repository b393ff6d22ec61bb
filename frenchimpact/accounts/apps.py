from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "frenchimpact.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals

        # Not limited to sender=self: each app's permissions exist only after its own signal.
        post_migrate.connect(
            signals.give_administrators_every_permission, dispatch_uid="accounts_admin_perms"
        )
