"""Production settings: refuse to start without secrets, and pass `check --deploy`."""

import os
import subprocess
import sys

from django.conf import settings

PROD_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 20 + "-production-test-secret-0123456789-abcdefghijklmnopqrstuv",
    "ALLOWED_HOSTS": "frenchimpact.example",
    "DATABASE_URL": "sqlite:////tmp/frenchimpact-check-deploy.sqlite3",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never does.
    dropped = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", *PROD_ENV)
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {**PROD_ENV}
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode == 2
    assert "SECRET_KEY must be set in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {**PROD_ENV, "ALLOWED_HOSTS": ""}
    result = run_manage("check", env=env)
    assert result.returncode == 2
    assert "ALLOWED_HOSTS" in result.stderr


def test_unknown_environment_name_is_refused():
    result = run_manage("check", env={"DJANGO_ENV": "prod"})
    assert result.returncode == 2
    assert "DJANGO_ENV='prod' is unknown" in result.stderr


def test_malformed_boolean_is_refused():
    result = run_manage("check", env={"DJANGO_ENV": "development", "DEBUG": "peut-être"})
    assert result.returncode == 2
    assert "DEBUG='peut-être' is not a boolean" in result.stderr


def test_malformed_database_url_is_refused():
    result = run_manage("check", env={"DJANGO_ENV": "development", "DATABASE_URL": "mysqlx://nope"})
    assert result.returncode == 2
    assert "DATABASE_URL is malformed" in result.stderr
