import pytest

from frenchimpact.accounts.roles import Role

from ..accounts.factories import UserFactory, user_with_role
from ..organisations.factories import department, member_of, region
from .factories import LabelApplicationFactory


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
def draft(db):
    return LabelApplicationFactory.create()


@pytest.fixture
def member(draft):
    return member_of(draft.organisation)
