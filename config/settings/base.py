"""Settings shared by every environment. Deploy-time values come from the environment."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import ConfigurationError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env_str("DJANGO_ENV", "development").strip().lower()
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The host printed on certificates (QR codes) and in the API's verification links.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", SITE_URL).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # third parties
    "dsfr",
    "widget_tweaks",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    # before allauth, so that its template overrides (templates/account, templates/allauth) win
    "frenchimpact.accounts",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    # domain apps
    "frenchimpact.core",
    "frenchimpact.audit",
    "frenchimpact.jobs",
    "frenchimpact.territories",
    "frenchimpact.organisations",
    "frenchimpact.projects",
    "frenchimpact.support",
    "frenchimpact.labels",
    "frenchimpact.calls",
    "frenchimpact.registries",
    "frenchimpact.opendata",
    "frenchimpact.search",
    "frenchimpact.directory",
    "frenchimpact.api",
    "frenchimpact.pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "frenchimpact.search.middleware.SearchUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frenchimpact" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frenchimpact.core.context_processors.platform",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ is the embedded default; DATABASE_URL selects another database.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'frenchimpact.sqlite3'}")
try:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    }
except ValueError as error:
    raise ConfigurationError(f"DATABASE_URL is malformed ({error}).") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so concurrent writers wait (up to "timeout") instead of failing mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared state: cache, files ---------------------------------------------------------------
# Never process memory: several web processes on several hosts must behave as one.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "frenchimpact",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "frenchimpact_cache",
        }
    }

MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "frenchimpact" / "static"]

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Size cap of uploaded logos and project images (organisations.validators).
IMAGE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760

# --- Search (frenchimpact.search, docs/search.md) ----------------------------------------------
# "tantivy": an embedded index per node (folder below), following the database's change log;
# "database": SQLite FTS5 / PostgreSQL full text in the database (small deployments).
SEARCH_ENGINE = env_str("SEARCH_ENGINE", "tantivy").strip().lower()
if SEARCH_ENGINE not in ("tantivy", "database"):
    raise ConfigurationError(f"SEARCH_ENGINE={SEARCH_ENGINE!r}: use tantivy or database.")
SEARCH_INDEX_DIR = Path(env_str("SEARCH_INDEX_DIR", str(VAR_DIR / "search-index")))
# A search checks the change log at most this often (0: at every search, one indexed query).
SEARCH_SYNC_INTERVAL_MS = env_int("SEARCH_SYNC_INTERVAL_MS", 0)
# Change-log rows a search applies at most before answering; the rest at the next searches
# (or by `manage.py apply_search_changes`).
SEARCH_SYNC_MAX_ROWS = env_int("SEARCH_SYNC_MAX_ROWS", 2000)
SEARCH_CHANGE_RETENTION_DAYS = env_int("SEARCH_CHANGE_RETENTION_DAYS", 7)
# A node without a usable index builds it at its first search only below this many documents
# (seconds); above, searches answer 503 until `rebuild_search_index` has run on that node.
SEARCH_INLINE_BUILD_MAX = env_int("SEARCH_INLINE_BUILD_MAX", 50_000)

# --- Labels (frenchimpact.labels) --------------------------------------------------------------
LABEL_VALIDITY_YEARS = env_int("LABEL_VALIDITY_YEARS", 3)
LABEL_RENEWAL_WINDOW_DAYS = env_int("LABEL_RENEWAL_WINDOW_DAYS", 90)
_reminder_days = env_list("LABEL_REMINDER_DAYS", ["90", "30", "7"])
if not all(days.isdigit() for days in _reminder_days):
    raise ConfigurationError(f"LABEL_REMINDER_DAYS={_reminder_days!r}: comma-separated day counts.")
LABEL_REMINDER_DAYS = sorted({int(days) for days in _reminder_days}, reverse=True)
LABEL_ATTACHMENT_MAX_BYTES = env_int("LABEL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CALL_ATTACHMENT_MAX_BYTES = env_int("CALL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
OPENDATA_SNAPSHOT_DAYS = env_int("OPENDATA_SNAPSHOT_DAYS", 30)

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "pages:home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell the owner when the password or the address changes
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[French IMPACT] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_ADAPTER = "frenchimpact.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "frenchimpact.accounts.forms.SignupForm"}
ACCOUNT_RATE_LIMITS = {
    # Failed logins are throttled per IP and per account (counters live in the shared cache).
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_email": "1/m/user",
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "frenchimpact" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- E-mail -----------------------------------------------------------------------------------
# Every e-mail goes through a background task; EMAIL_DELIVERY_BACKEND is what the task uses.
EMAIL_BACKEND = "frenchimpact.jobs.mail.TaskEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_DELIVERY_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "French IMPACT <ne-pas-repondre@frenchimpact.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background jobs --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "emails"],
    }
}

# --- Client addresses behind reverse proxies ------------------------------------------------
# How many trusted proxies append to X-Forwarded-For in front of the platform. Throttles (login,
# sign-up, contact form, API) count per client address: read it that many hops from the right,
# never trust a header a client can forge (0: the socket's address, no proxy).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- API --------------------------------------------------------------------------------------
API_ANON_RATE = env_str("API_ANON_RATE", "120/minute")
API_USER_RATE = env_str("API_USER_RATE", "600/minute")
API_MAX_PAGE = env_int("API_MAX_PAGE", 100)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "frenchimpact.api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "frenchimpact.api.throttling.AnonRateThrottle",
        "frenchimpact.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": API_ANON_RATE, "user": API_USER_RATE},
    "DEFAULT_PAGINATION_CLASS": "frenchimpact.api.pagination.SearchPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "frenchimpact.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "frenchimpact.api.negotiation.ContentNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API French IMPACT",
    "DESCRIPTION": (
        "API publique de la plateforme French IMPACT. Données sous Licence Ouverte / Etalab 2.0."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No call to validator.swagger.io: the documentation works without internet.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per shared choice set (the stages appear in projects and offers).
    "ENUM_NAME_OVERRIDES": {"StadeEnum": "frenchimpact.projects.enums.Stage"},
    "LICENSE": {
        "name": "Licence Ouverte / Etalab 2.0",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    },
}
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Prochain-Modifie-Depuis"]
CORS_ALLOW_CREDENTIALS = False

# --- Security (tightened further in production) ----------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

PLATFORM_NAME = "French IMPACT"
PLATFORM_CONTACT_EMAIL = env_str("PLATFORM_CONTACT_EMAIL", "contact@frenchimpact.example")
# Legal notice (mentions légales): who publishes and who hosts this deployment.
PLATFORM_PUBLISHER = env_str("PLATFORM_PUBLISHER")
PLATFORM_PUBLICATION_DIRECTOR = env_str("PLATFORM_PUBLICATION_DIRECTOR")
PLATFORM_HOSTING_PROVIDER = env_str("PLATFORM_HOSTING_PROVIDER")
