"""Rate limits counted in Django's cache (Redis or the database cache, shared by every process).

Rates come from settings.API_ANON_RATE / API_USER_RATE, read at request time so that a
settings override takes effect (DRF reads its rates once, at import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Anonymous clients, keyed by IP address."""

    def get_rate(self) -> str:
        return settings.API_ANON_RATE


class UserRateThrottle(throttling.UserRateThrottle):
    """Signed-in users, keyed by user id; anonymous clients are left to AnonRateThrottle."""

    def get_rate(self) -> str:
        return settings.API_USER_RATE

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
