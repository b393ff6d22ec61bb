import io

import pytest
from django.core.management import call_command


@pytest.fixture
def territories(db):
    """The reference territories (18 regions, 101 departments, their prefectures)."""
    call_command("load_territories", stdout=io.StringIO())
