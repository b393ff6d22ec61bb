from tests.territories.conftest import territories  # noqa: F401  (shared fixture)
