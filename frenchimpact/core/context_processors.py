from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    """Values every page needs; no database query here (it runs on every page)."""
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PLATFORM_CONTACT_EMAIL": settings.PLATFORM_CONTACT_EMAIL,
    }
