import pytest

from ..accounts.factories import UserFactory
from ..organisations.factories import MembershipFactory, department, region
from .factories import SupportStructureFactory


@pytest.fixture
def territories(db):
    """Île-de-France (Paris, Essonne) and Bretagne (Ille-et-Vilaine, Morbihan)."""
    return {
        "idf": region("11", "Île-de-France"),
        "bretagne": region("53", "Bretagne"),
        "paris": department("75", "Paris", "11"),
        "essonne": department("91", "Essonne", "11"),
        "ille": department("35", "Ille-et-Vilaine", "53"),
        "morbihan": department("56", "Morbihan", "53"),
    }


@pytest.fixture
def structure(db):
    return SupportStructureFactory.create(name="Ruche Bretonne")


@pytest.fixture
def member(structure):
    return MembershipFactory.create(organisation=structure, user__email="membre@ruche.fr").user


@pytest.fixture
def outsider(db):
    return UserFactory.create(email="autre@exemple.fr")
