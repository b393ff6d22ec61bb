"""Planner statistics of the embedded database.

Without statistics, SQLite's planner assumes that an equality on an indexed column is
selective: "status = 'publie' AND id IN (…20 ids…)" then scans the million published rows
through the status index instead of fetching 20 rows by primary key (≈110 ms instead of
≈0.1 ms at a million organisations, measured by `make bench-search`). ANALYZE, bounded by
`analysis_limit`, gathers them in under a second even on a multi-gigabyte file. PostgreSQL's autovacuum keeps its own statistics.

Run after migrations, at the end of bulk writes (registry imports, demo data) and daily.
"""

from __future__ import annotations

from django.db import connection

ANALYSIS_LIMIT = 1000  # rows sampled per index: enough to tell selective from unselective


def refresh_statistics() -> bool:
    """Refresh the planner statistics where they are stale; True if the database has any
    to refresh (SQLite)."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        # A plain ANALYZE, bounded by the limit: `PRAGMA optimize` of the SQLite of Debian 12
        # (3.40) only analyses tables this connection queried, so it would miss most of them.
        cursor.execute("ANALYZE")
    return True
