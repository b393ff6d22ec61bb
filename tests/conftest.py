"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(autouse=True)
def _emails_through_tasks(settings):
    # Django's test set-up swaps EMAIL_BACKEND for locmem; put the platform's task-based
    # backend back so every test exercises the real path (the task then delivers to locmem).
    settings.EMAIL_BACKEND = "frenchimpact.jobs.mail.TaskEmailBackend"
