"""Grant (or with --revoke, take back) a platform role: `manage.py grant_role EMAIL ROLE`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.accounts.services import user_grant_role, user_revoke_role


class Command(BaseCommand):
    help = "Grant a role to a user (the audit entry has no actor: the operator ran it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--revoke", action="store_true", help="Take the role back.")
        parser.add_argument("--reason", default="", help="Why, kept in the audit trail.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(email__iexact=options["email"].strip())
        except User.DoesNotExist as exc:
            raise CommandError(f"No user with the address {options['email']}.") from exc
        role = Role(options["role"])
        service = user_revoke_role if options["revoke"] else user_grant_role
        changed = service(user=user, role=role, actor=None, reason=options["reason"])
        verb = "revoked from" if options["revoke"] else "granted to"
        state = "" if changed else " (nothing to do)"
        self.stdout.write(f"Role {role.value} {verb} {user.email}{state}.")
