"""Property-based tests of every API operation against the OpenAPI schema.

Every endpoint added later is covered as soon as it appears in the schema. All default
checks run (server errors, status codes, content types, headers, response schemas,
positive/negative data handling), on a bounded, derandomized number of examples.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from config.wsgi import application
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.search import documents
from tests.register import builders as label_builders
from tests.search import builders
from tests.support.factories import OfferFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: the WSGI handler would close the connection around each
    # request, and with it the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def directory_records(territories):
    """A few published organisations and projects, indexed, for the directory endpoints."""
    first = builders.organisation(name="Économie solidaire", departement="35", kinds=["financeur"])
    second = builders.organisation(name="Jardins de Cocagne", region="11", website="https://a.fr")
    builders.project(organisation_=first, title="Cœur solidaire", regions=["53"], sdgs=[1, 3])
    builders.project(organisation_=second, title="Potagers", is_national=True, departements=["75"])
    label_builders.label(holder=first, number="FI-ACC-2026-000001")  # /api/v1/labels/
    OfferFactory.create(provider=first)  # /api/v1/offres/, /api/v1/synchronisation/offres/
    # Withdrawn after publication: tombstones in the synchronisation listings with
    # modifie_depuis (organisation, its project, its offer).
    withdrawn = builders.organisation(name="Retirée", status=ModerationStatus.UNPUBLISHED)
    withdrawn.published_at = withdrawn.updated_at
    withdrawn.save(update_fields=["published_at"])
    builders.project(organisation_=withdrawn, title="Projet retiré")
    OfferFactory.create(provider=withdrawn)
    documents.rebuild()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    # The territories and directory fixtures are read-only for these GET requests: sharing it between
    # examples is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, territories, directory_records):
    case.call_and_validate()
