"""Users for tests: `UserFactory.create()` is a confirmed account; `user_with_role(Role.X)` adds a role."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.accounts.services import user_grant_role

PASSWORD = "Innovation-sociale-2018!"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """An active user whose e-mail address is confirmed (allauth's EmailAddress row)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Pass verified=False for an account whose address is not confirmed yet."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


def user_with_role(role: Role, **kwargs: Any) -> User:
    """A confirmed user holding ``role``, granted through the service (as an operator would)."""
    user = UserFactory.create(**kwargs)
    user_grant_role(user=user, role=role, actor=None)
    return user


def superuser(**kwargs: Any) -> User:
    return UserFactory.create(is_superuser=True, is_staff=True, **kwargs)
