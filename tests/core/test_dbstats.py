"""Planner statistics: fetching a page of search results by id must not scan the table."""

import pytest
from django.db import connection

from frenchimpact.core.dbstats import refresh_statistics
from frenchimpact.jobs.scheduler import REGISTRY
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(row) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL analyses by itself")
def test_a_page_of_ids_is_fetched_by_primary_key_once_statistics_exist():
    Organisation.objects.bulk_create(
        Organisation(name=f"Structure {n}", status=ModerationStatus.PUBLISHED) for n in range(3000)
    )
    ids = list(Organisation.objects.values_list("pk", flat=True)[:20])
    page = Organisation.objects.published().filter(pk__in=ids)
    assert refresh_statistics() is True
    plan = _plan(page)
    assert "PRIMARY KEY" in plan, plan
    assert "org_status_published" not in plan, plan


def test_the_daily_refresh_is_registered():
    assert "frenchimpact.core.tasks.refresh_database_statistics" in REGISTRY


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL analyses by itself")
def test_statistics_are_gathered_after_every_migrate():
    from django.core.management.sql import emit_post_migrate_signal

    Organisation.objects.bulk_create(Organisation(name=f"S {n}") for n in range(50))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'organisations_organisation'")
        assert cursor.fetchone()[0] > 0
