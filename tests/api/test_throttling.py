"""Anonymous rate limits, counted in the shared cache; off elsewhere in the suite."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from frenchimpact.api.throttling import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db

THROTTLED = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_CLASSES": [
        "frenchimpact.api.throttling.AnonRateThrottle",
        "frenchimpact.api.throttling.UserRateThrottle",
    ],
}


@pytest.fixture
def throttled():
    cache.clear()
    with override_settings(REST_FRAMEWORK=THROTTLED, API_ANON_RATE="3/minute"):
        yield
    cache.clear()


def test_anonymous_clients_get_429_with_retry_after_and_the_error_body(
    client, territories, throttled
):
    for _ in range(3):
        assert client.get("/api/v1/regions/").status_code == 200

    response = client.get("/api/v1/regions/")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["erreur"] == "Trop de requêtes"
    assert body["parametre"] is None
    assert "Réessayez dans" in body["detail"]


def test_counters_live_in_the_shared_cache(client, territories, throttled):
    # Not process memory: the default cache is Redis or the database cache.
    assert settings.CACHES["default"]["BACKEND"] in (
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.db.DatabaseCache",
    )
    assert AnonRateThrottle().cache is cache
    client.get("/api/v1/regions/", REMOTE_ADDR="192.0.2.7")
    assert cache.get("throttle_anon_192.0.2.7")


def test_rates_are_read_from_settings_at_request_time():
    with override_settings(API_ANON_RATE="7/hour", API_USER_RATE="9/day"):
        assert AnonRateThrottle().get_rate() == "7/hour"
        assert UserRateThrottle().get_rate() == "9/day"


def test_throttling_is_off_in_the_rest_of_the_suite(client, territories):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == []
    for _ in range(5):
        assert client.get("/api/v1/regions/53/").status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, territories, throttled):
    # With no trusted proxy (TRUSTED_PROXY_COUNT=0) the socket's address counts, not the header.
    for n in range(3):
        response = client.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 200
    forged = client.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert forged.status_code == 429


def test_behind_one_trusted_proxy_the_forwarded_address_counts(client, territories, throttled):
    with override_settings(REST_FRAMEWORK={**THROTTLED, "NUM_PROXIES": 1}):
        for _ in range(3):
            assert (
                client.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
                == 200
            )
        assert (
            client.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
        )
        # another visitor behind the same proxy is not blocked by the first one
        assert (
            client.get("/api/v1/regions/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
        )
