import pytest

from tests.territories.conftest import territories  # noqa: F401  (shared fixture)


@pytest.fixture(params=["tantivy", "database"])
def search_engine(request, settings):
    """Run a test on both search engines (the embedded index and the database's full text)."""
    settings.SEARCH_ENGINE = request.param
    return request.param
