"""Caches, counters and files live outside the web process, so several processes act as one."""

import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

import pytest
from django.conf import settings

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def shell(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_ENV": "development", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def redis_answers() -> bool:
    url = urlparse(REDIS_TEST_URL)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((url.hostname or "127.0.0.1", url.port or 6379)) == 0


def test_default_cache_is_the_database_not_process_memory():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_default_storage_is_a_local_folder_and_s3_by_settings(tmp_path):
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    assert shell(code, VAR_DIR=str(tmp_path)) == "django.core.files.storage.FileSystemStorage"
    assert (
        shell(code, VAR_DIR=str(tmp_path), AWS_STORAGE_BUCKET_NAME="frenchimpact-fichiers")
        == "storages.backends.s3.S3Storage"
    )


def test_database_cache_is_shared_between_processes(tmp_path):
    # A database of its own: two processes share it, as two web processes share production's.
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/partage.sqlite3"}
    shell(
        "from django.core.management import call_command; call_command('migrate', verbosity=0); call_command('createcachetable')",
        **env,
    )
    shell(
        "from django.core.cache import cache; cache.set('compteur', 41); cache.incr('compteur')",
        **env,
    )
    assert shell("from django.core.cache import cache; print(cache.get('compteur'))", **env) == "42"


def test_redis_cache_is_used_and_shared_when_redis_url_is_set():
    if not redis_answers():
        pytest.skip(f"no Redis answers at {REDIS_TEST_URL} (set REDIS_TEST_URL to test it)")
    env = {"REDIS_URL": REDIS_TEST_URL}
    backend = shell(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])", **env
    )
    assert backend == "django.core.cache.backends.redis.RedisCache"
    shell("from django.core.cache import cache; cache.set('partage', 'oui', 60)", **env)
    assert shell("from django.core.cache import cache; print(cache.get('partage'))", **env) == "oui"
