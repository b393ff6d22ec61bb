import pytest

from frenchimpact.accounts.roles import Role

from ..accounts.factories import UserFactory, user_with_role
from .factories import MembershipFactory, OrganisationFactory, department, region


@pytest.fixture
def territories(db):
    """Two regions and three departments (Paris and Essonne in Île-de-France, Ille-et-Vilaine in
    Bretagne)."""
    return {
        "idf": region("11", "Île-de-France"),
        "bretagne": region("53", "Bretagne"),
        "paris": department("75", "Paris", "11"),
        "essonne": department("91", "Essonne", "11"),
        "ille": department("35", "Ille-et-Vilaine", "53"),
    }


@pytest.fixture
def user(db):
    return UserFactory.create(email="camille@exemple.fr")


@pytest.fixture
def staff(db):
    return user_with_role(Role.PROGRAMME_STAFF, email="equipe@frenchimpact.fr")


@pytest.fixture
def organisation(db):
    return OrganisationFactory.create(name="Les Jardins Partagés")


@pytest.fixture
def admin_member(organisation):
    return MembershipFactory.create(organisation=organisation, user__email="admin@jardins.fr").user
