"""A real worker process picks up an e-mail queued by the web process and sends it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "emails"]}
}


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_real_worker_sends_a_queued_email(tmp_path: Path):
    send_mail(
        "Confirmez votre adresse", "Bonjour", None, ["nouvelle@example.org"], fail_silently=False
    )
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "TEST_TASKS_BACKEND": "database",
        "TEST_EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--batch", "--no-scheduler"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr

    sent = list(tmp_path.iterdir())
    assert len(sent) == 1
    content = sent[0].read_text()
    assert "nouvelle@example.org" in content
    assert "Confirmez votre adresse" in content
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
