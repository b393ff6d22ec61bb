"""Test settings: fast hashing, e-mails in memory, tasks run at once, throttling off."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env_str

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run at once and e-mails land in django.core.mail.outbox, unless a test starts a real
# worker process: it sets TEST_TASKS_BACKEND=database and a file-based delivery backend.
EMAIL_DELIVERY_BACKEND = env_str(
    "TEST_EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "test-emails"))
if env_str("TEST_TASKS_BACKEND") != "database":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "emails"],
        }
    }
ALLOWED_HOSTS = ["*"]
# Throttling is switched off except in the tests that test it (they re-enable it).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the apps' folders (no collectstatic in tests).
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A file (not memory) so that a real worker process started by a test sees the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-frenchimpact.sqlite3")}
