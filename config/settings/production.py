"""Production: secrets from the environment, HTTPS everywhere, hashed static files."""

from config.env import ConfigurationError, env_bool, env_int, env_str

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ConfigurationError(
        "SECRET_KEY must be set in production (DJANGO_ENV=production): "
        "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
    )
if not env_str("ALLOWED_HOSTS"):
    raise ConfigurationError(
        "ALLOWED_HOSTS must be set in production (comma-separated host names)."
    )
if not env_str("DATABASE_URL"):
    raise ConfigurationError(
        "DATABASE_URL must be set in production (e.g. postgres://user@host/db)."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# /healthz answers probes over plain HTTP from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
