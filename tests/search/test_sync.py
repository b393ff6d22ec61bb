"""The index follows every change of organisations and projects, after commit."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project
from frenchimpact.search import documents, engine
from frenchimpact.search.documents import ORGANISATION, PROJECT
from frenchimpact.territories.models import Region

from . import builders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index_exists(search_engine):
    """Both engines; the node's index exists before the test (a node's first search builds it
    from the database as it is then, which would hide what these tests check)."""
    documents.rebuild()


def found(kind, q=""):
    return engine.query(kind, q, limit=100).ids


def facets(kind, **filters):
    return engine.query(
        kind, filters=filters, facets=("region", "departement", "membre_communaute", "famille_ess")
    ).facets


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on_commit callbacks of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_publishing_indexes_and_unpublishing_removes(territories, committed):
    with committed():
        organisation = builders.organisation(name="Atelier Vélo", status=ModerationStatus.PENDING)
    assert found(ORGANISATION, "velo") == []
    with committed():
        organisation.status = ModerationStatus.PUBLISHED
        organisation.published_at = timezone.now()
        organisation.save()
    assert found(ORGANISATION, "velo") == [organisation.pk]
    with committed():
        organisation.status = ModerationStatus.UNPUBLISHED
        organisation.save()
    assert found(ORGANISATION, "velo") == []


def test_an_edit_is_reindexed(territories, committed):
    with committed():
        organisation = builders.organisation(name="Atelier Vélo")
    with committed():
        organisation.name = "Repair Café"
        organisation.save()
    assert found(ORGANISATION, "velo") == []
    assert found(ORGANISATION, "repair") == [organisation.pk]


def test_deleting_removes(territories, committed):
    with committed():
        project = builders.project(title="Recyclerie")
    with committed():
        project.delete()
    assert found(PROJECT, "recyclerie") == []


def test_nothing_is_indexed_when_the_transaction_rolls_back(territories, committed):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        builders.organisation(name="Fantôme")
        raise RuntimeError
    assert found(ORGANISATION, "fantome") == []


def test_a_project_is_public_only_with_its_organisation(territories, committed):
    with committed():
        organisation = builders.organisation(name="Porteuse")
        project = builders.project(organisation_=organisation, title="Recyclerie")
        builders.project(
            organisation_=organisation, title="Brouillon", status=ModerationStatus.PENDING
        )
    assert found(PROJECT) == [project.pk]
    with committed():
        organisation.status = ModerationStatus.UNPUBLISHED
        organisation.save()
    assert found(PROJECT) == []
    with committed():
        organisation.status = ModerationStatus.PUBLISHED
        organisation.save()
    assert found(PROJECT) == [project.pk]


def test_organisation_changes_reach_its_projects_facets(territories, committed):
    with committed():
        organisation = builders.organisation(departement="29")
        project = builders.project(organisation_=organisation)
    # No territory of operation: the organisation's region and department.
    assert facets(PROJECT)["region"] == {"53": 1}
    assert facets(PROJECT)["departement"] == {"29": 1}
    assert facets(PROJECT)["membre_communaute"] == {"non": 1}
    with committed():
        organisation.charter_accepted_at = timezone.now()
        organisation.ess_family = "cooperative"
        organisation.save()
    assert facets(PROJECT)["membre_communaute"] == {"oui": 1}
    assert facets(PROJECT)["famille_ess"] == {"cooperative": 1}
    assert found(PROJECT) == [project.pk]


def test_territories_of_operation(territories, committed):
    with committed():
        project = builders.project(departements=["35"])
    # A department brings its region.
    assert facets(PROJECT)["region"] == {"53": 1}
    with committed():
        project.regions.add(Region.objects.get(code="11"))
    assert facets(PROJECT)["region"] == {"53": 1, "11": 1}
    with committed():
        project.departments.clear()
        project.is_national = True
        project.save()
    assert facets(PROJECT)["region"] == {"11": 1, "nationale": 1}
    assert facets(PROJECT)["departement"] == {"nationale": 1}


def test_updates_bypassing_signals_are_synced_explicitly(territories, committed):
    with committed():
        organisation = builders.organisation(name="Atelier", status=ModerationStatus.PENDING)
    assert found(ORGANISATION) == []
    Organisation.objects.filter(pk=organisation.pk).update(status=ModerationStatus.PUBLISHED)
    assert found(ORGANISATION) == []  # update() sends no signal
    with committed():
        documents.schedule_sync(ORGANISATION, [organisation.pk])
    assert found(ORGANISATION) == [organisation.pk]


def test_moderation_services_sync_the_index(territories, committed):
    """Services change states with conditional update() (no post_save): they re-index."""
    from frenchimpact.accounts.roles import Role
    from frenchimpact.organisations.services import organisation_approve, organisation_unpublish
    from tests.accounts.factories import user_with_role

    staff = user_with_role(Role.PROGRAMME_STAFF)
    with committed():
        organisation = builders.organisation(name="Atelier", status=ModerationStatus.PENDING)
    assert found(ORGANISATION) == []
    with committed():
        organisation_approve(organisation=organisation, actor=staff)
    assert found(ORGANISATION) == [organisation.pk]
    with committed():
        organisation_unpublish(organisation=organisation, actor=staff, reason="Doublon")
    assert found(ORGANISATION) == []


def test_deferred_sync_batches_many_saves(territories, committed, django_assert_max_num_queries):
    with committed(), documents.deferred_sync():
        organisations = [builders.organisation() for _ in range(5)]
        assert found(ORGANISATION) == []
    assert sorted(found(ORGANISATION)) == sorted(o.pk for o in organisations)


def test_bulk_sync_of_imported_records(territories):
    Organisation.objects.bulk_create(
        [Organisation(name=f"Import {n}", status=ModerationStatus.PUBLISHED) for n in range(30)]
    )
    ids = list(Organisation.objects.values_list("pk", flat=True))
    documents.sync_organisations(iter(ids), batch_size=7)
    assert engine.query(ORGANISATION).total == 30


def test_rebuild_command_indexes_only_published_records(territories):
    published = builders.organisation(name="Publiée")
    builders.organisation(name="Refusée", status=ModerationStatus.REJECTED)
    project = builders.project(organisation_=published)
    hidden = builders.organisation(name="En attente", status=ModerationStatus.PENDING)
    builders.project(organisation_=hidden)  # published project of an unpublished organisation
    engine.index([engine.Document(kind=ORGANISATION, object_id=999, title="Périmée")])
    out = io.StringIO()
    call_command("rebuild_search_index", "--batch-size", "2", stdout=out)
    assert "2 documents indexés" in out.getvalue()
    assert found(ORGANISATION) == [published.pk]
    assert found(PROJECT) == [project.pk]
    assert Project.objects.count() == 2


def test_rebuild_streams_in_batches(territories, django_assert_max_num_queries):
    for _ in range(6):
        builders.project()
    # Queries grow with the number of batches, not of records.
    with django_assert_max_num_queries(60):
        documents.rebuild(batch_size=100)
    assert engine.query(PROJECT).total == 6
