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
