"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(autouse=True)
def _emails_through_tasks(settings):
    # Django's test set-up swaps EMAIL_BACKEND for locmem; put the platform's task-based
    # backend back so every test exercises the real path (the task then delivers to locmem).
    settings.EMAIL_BACKEND = "frenchimpact.jobs.mail.TaskEmailBackend"


@pytest.fixture(autouse=True)
def _role_groups_after_flush(request):
    # Transactional tests (live server, real worker) flush the database after each test, which
    # also removes the role groups that a data migration created: put them back for the next.
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    from django.contrib.auth.models import Group

    from frenchimpact.accounts.roles import Role

    request.getfixturevalue("transactional_db")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    yield


@pytest.fixture(autouse=True)
def _fresh_search_index(settings, tmp_path_factory):
    # The embedded index lives outside the database transaction that each test rolls back:
    # every test gets an empty folder (created on demand by its first search).
    from frenchimpact.search import embedded

    settings.SEARCH_INDEX_DIR = tmp_path_factory.mktemp("search-index")
    embedded.reset()
    yield
    embedded.reset()
