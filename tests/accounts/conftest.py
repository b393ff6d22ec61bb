import pytest

from .factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory.create(email="camille@exemple.fr", first_name="Camille", last_name="Martin")


@pytest.fixture
def logged_client(client, user):
    client.force_login(user)
    return client
