import pytest

from frenchimpact.accounts.roles import Role

from ..accounts.factories import UserFactory, user_with_role
from ..organisations.factories import department, region
from .factories import make_call


@pytest.fixture(autouse=True)
def _territories(db):
    region("53", "Bretagne")
    department("35", "Ille-et-Vilaine", "53")


@pytest.fixture
def staff(db):
    return user_with_role(Role.PROGRAMME_STAFF)


@pytest.fixture
def stranger(db):
    return UserFactory.create()


@pytest.fixture
def call(db):
    return make_call()
