"""Pick the settings module from DJANGO_ENV (development, test or production)."""

import os

_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()

if _ENV == "production":
    from .production import *  # noqa: F403
elif _ENV == "test":
    from .test import *  # noqa: F403
elif _ENV in ("development", "dev", ""):
    from .dev import *  # noqa: F403
else:
    from config.env import ConfigurationError

    raise ConfigurationError(
        f"DJANGO_ENV={_ENV!r} is unknown: use development, test or production."
    )
