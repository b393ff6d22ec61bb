"""Settings of the `make bench-search` server: the configured settings, API throttling off.

The anonymous API limit (``API_ANON_RATE``) would answer 429 within seconds, and even a huge
rate still reads and writes a throttling counter in the shared cache (a database table without
Redis) on every request, which is not search. The benchmark server alone switches the throttle
classes off, as the test settings do.
"""

from config.settings import *  # noqa: F403
from config.settings import REST_FRAMEWORK

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
