"""The database search backend: SQLite FTS5 or PostgreSQL full text, in the platform's tables.

Selected with ``SEARCH_ENGINE=database``. Every query runs a fixed number of SQL statements
(count, page, facet counts) whatever the size of the tables; nothing is filtered, counted or
ranked in Python. Measured at a million organisations it answers common words in 0.5–4 s
(docs/architecture.md): fine for small deployments, the embedded index is the default.
Writes go straight to the tables, so the database itself is the shared state of every node.
"""

# The SQL below is assembled from constants only (table names, fixed clauses, "%s"
# placeholders); every value travels as a query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .engine import (
    BATCH_SIZE,
    SORT_NAME,
    SORT_RELEVANCE,
    Document,
    Result,
    batches,
    load,
    normalise,
    query_words,
)
from .models import SearchEntry, SearchFacet

_ENTRIES = SearchEntry._meta.db_table
_FACETS = SearchFacet._meta.db_table
_FTS = "search_fts"  # SQLite only (migration 0002)


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


# --- Writes ---------------------------------------------------------------------------------


def _delete_entries(where: str, params: Sequence[Any]) -> None:
    """Delete the entries matching ``where`` (on the entries table), their facets and FTS rows."""
    with connection.cursor() as cursor:
        if _is_sqlite():
            # External-content FTS5: a row is removed by replaying its indexed values.
            cursor.execute(
                f"INSERT INTO {_FTS} ({_FTS}, rowid, title, text) "
                f"SELECT 'delete', id, title, text FROM {_ENTRIES} WHERE {where}",
                params,
            )
        cursor.execute(
            f"DELETE FROM {_FACETS} WHERE entry_id IN (SELECT id FROM {_ENTRIES} WHERE {where})",
            params,
        )
        cursor.execute(f"DELETE FROM {_ENTRIES} WHERE {where}", params)


def _write_batch(kind: str, documents: list[Document], now: dt.datetime) -> None:
    ids = [document.object_id for document in documents]
    _delete_entries(f"kind = %s AND object_id IN ({_placeholders(ids)})", [kind, *ids])
    # Plain multi-row statements rather than bulk_create: building hundreds of thousands of
    # model instances costs more than the database writes themselves.
    adapt = connection.ops.adapt_datetimefield_value
    indexed_at = adapt(now)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_ENTRIES} (kind, object_id, title, text, sort_key, published_at, "
            "indexed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    kind,
                    document.object_id,
                    normalise(document.title),
                    normalise(document.text),
                    normalise(document.sort_key or document.title)[:255],
                    adapt(document.published_at),
                    indexed_at,
                )
                for document in documents
            ],
        )
        cursor.execute(
            f"SELECT object_id, id FROM {_ENTRIES} WHERE kind = %s "
            f"AND object_id IN ({_placeholders(ids)})",
            [kind, *ids],
        )
        entry_of = dict(cursor.fetchall())
        cursor.executemany(
            f"INSERT INTO {_FACETS} (entry_id, kind, facet, value) VALUES (%s, %s, %s, %s)",
            [
                (entry_of[document.object_id], kind, facet, str(value))
                for document in documents
                for facet, values in document.facets.items()
                for value in dict.fromkeys(values)  # unique, in order
            ],
        )
    if _is_sqlite():
        entry_ids = list(entry_of.values())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_FTS} (rowid, title, text) SELECT id, title, text "
                f"FROM {_ENTRIES} WHERE id IN ({_placeholders(entry_ids)})",
                entry_ids,
            )


def index(documents: Iterable[Document], *, batch_size: int = BATCH_SIZE) -> int:
    """Add or replace documents, in batches of multi-row inserts; returns how many."""
    count = 0
    now = timezone.now()
    with transaction.atomic():
        for batch in batches(documents, batch_size):
            by_kind: dict[str, dict[int, Document]] = {}
            for document in batch:
                by_kind.setdefault(document.kind, {})[document.object_id] = document
            for kind, documents_of_kind in by_kind.items():
                _write_batch(kind, list(documents_of_kind.values()), now)
                count += len(documents_of_kind)
    return count


def remove(kind: str, ids: Iterable[int]) -> None:
    """Take these documents out of the index (absent ones are ignored)."""
    with transaction.atomic():
        for batch in batches(ids, BATCH_SIZE):
            _delete_entries(f"kind = %s AND object_id IN ({_placeholders(batch)})", [kind, *batch])


def rebuild(documents: Iterable[Document], *, batch_size: int = BATCH_SIZE) -> int:
    """Empty the whole index and fill it again from ``documents`` (a stream), atomically."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_FACETS}")
            cursor.execute(f"DELETE FROM {_ENTRIES}")
            if _is_sqlite():
                cursor.execute(f"INSERT INTO {_FTS} ({_FTS}) VALUES ('delete-all')")
        return index(documents, batch_size=batch_size)


def clear() -> None:
    rebuild([])


def changed(kind: str, ids: Iterable[int]) -> None:
    """Re-read these records through the source and write their entries now."""
    for chunk in batches(dict.fromkeys(ids), BATCH_SIZE):
        for group_kind, considered, documents in load(kind, chunk):
            present = {document.object_id for document in documents}
            remove(group_kind, [pk for pk in considered if pk not in present])
            index(documents)


# --- Reads ----------------------------------------------------------------------------------


class _Query:
    """SQL of one search: the conditions on the entries, with and without each facet filter."""

    def __init__(self, kind: str, words: list[str], filters: Mapping[str, Sequence[str]]):
        self.kind = kind
        self.words = words
        self.filters = {facet: list(values) for facet, values in filters.items() if values}

    def match_expression(self) -> str:
        if _is_sqlite():
            # Quoted words (no FTS5 syntax can get through), implicit AND, last one a prefix.
            return " ".join(f'"{word}"' for word in self.words) + "*"
        return " & ".join(self.words) + ":*"

    def scope(self, *, fts_joined: bool = False) -> tuple[list[str], list[Any]]:
        """Conditions of the kind and the words (no facet filter)."""
        clauses = ["e.kind = %s"]
        params: list[Any] = [self.kind]
        if self.words:
            if fts_joined:  # SQLite, with the FTS table joined in the FROM clause
                clauses.append(f"{_FTS} MATCH %s")
            elif _is_sqlite():
                clauses.append(f"e.id IN (SELECT rowid FROM {_FTS} WHERE {_FTS} MATCH %s)")
            else:
                clauses.append("e.search_document @@ to_tsquery('simple', %s)")
            params.append(self.match_expression())
        return clauses, params

    def filter_conditions(self, *, without: str | None = None) -> tuple[list[str], list[Any]]:
        """Conditions of the facet filters (all of them, or all but one)."""
        clauses: list[str] = []
        params: list[Any] = []
        for facet, values in self.filters.items():
            if facet == without:
                continue
            clauses.append(
                f"e.id IN (SELECT entry_id FROM {_FACETS} WHERE kind = %s AND facet = %s "
                f"AND value IN ({_placeholders(values)}))"
            )
            params += [self.kind, facet, *values]
        return clauses, params

    def conditions(
        self, *, without: str | None = None, fts_joined: bool = False
    ) -> tuple[list[str], list[Any]]:
        scope_clauses, scope_params = self.scope(fts_joined=fts_joined)
        filter_clauses, filter_params = self.filter_conditions(without=without)
        return scope_clauses + filter_clauses, scope_params + filter_params

    def count(self) -> tuple[int, int, dt.datetime | None]:
        """(matching entries, entries in scope, latest indexed_at in scope).

        The scope is every entry matching the words whatever the filters: it holds all the
        entries the facet counts read, so its (count, latest change) validates the result.
        """
        scope_clauses, scope_params = self.scope()
        filter_clauses, filter_params = self.filter_conditions()
        matching = (
            f"SUM(CASE WHEN {' AND '.join(filter_clauses)} THEN 1 ELSE 0 END)"
            if filter_clauses
            else "COUNT(*)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {matching}, COUNT(*), MAX(e.indexed_at) FROM {_ENTRIES} e "
                f"WHERE {' AND '.join(scope_clauses)}",
                [*filter_params, *scope_params],
            )
            total, scope_total, last = cursor.fetchone()
        if isinstance(last, str):  # SQLite returns the raw text of an aggregate
            last = dt.datetime.fromisoformat(last)
        if last is not None and timezone.is_naive(last):
            last = timezone.make_aware(last, dt.UTC)
        return total or 0, scope_total, last

    def page(self, sort: str, offset: int, limit: int) -> list[int]:
        clauses, params = self.conditions()
        source = f"{_ENTRIES} e"
        if sort == SORT_RELEVANCE and self.words:
            if _is_sqlite():
                # bm25 needs the MATCH on the FTS table itself: join it instead of IN.
                clauses, params = self.conditions(fts_joined=True)
                source = f"{_FTS} JOIN {_ENTRIES} e ON e.id = {_FTS}.rowid"
                order = f"bm25({_FTS}, 10.0, 1.0), e.id"
            else:
                order = "ts_rank(e.search_document, to_tsquery('simple', %s)) DESC, e.id"
                params = [*params, self.match_expression()]
        elif sort == SORT_NAME:
            order = "e.sort_key, e.id"
        else:
            order = "e.published_at DESC NULLS LAST, e.id"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.object_id FROM {source} WHERE {' AND '.join(clauses)} "
                f"ORDER BY {order} LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]

    def facet_counts(self, facets: Sequence[str]) -> dict[str, dict[str, int]]:
        """One statement: each facet counted with every filter except its own (disjunctive)."""
        parts: list[str] = []
        params: list[Any] = []
        for facet in facets:
            clauses, condition_params = self.conditions(without=facet)
            if len(clauses) == 1:  # the whole kind: count facet rows directly (index only)
                parts.append(
                    f"SELECT facet, value, COUNT(*) FROM {_FACETS} "
                    "WHERE kind = %s AND facet = %s GROUP BY facet, value"
                )
                params += [self.kind, facet]
            else:
                parts.append(
                    f"SELECT f.facet, f.value, COUNT(*) FROM {_FACETS} f "
                    f"WHERE f.kind = %s AND f.facet = %s AND f.entry_id IN "
                    f"(SELECT e.id FROM {_ENTRIES} e WHERE {' AND '.join(clauses)}) "
                    "GROUP BY f.facet, f.value"
                )
                params += [self.kind, facet, *condition_params]
        counts: dict[str, dict[str, int]] = {facet: {} for facet in facets}
        if not parts:
            return counts
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for facet, value, count in cursor.fetchall():
                counts[facet][value] = count
        return counts


def query(
    kind: str,
    q: str,
    filters: Mapping[str, Sequence[str]],
    facets: Sequence[str],
    sort: str,
    offset: int,
    limit: int,
) -> Result:
    """See ``engine.query``. Runs three statements at most (count, page, facet counts)."""
    search = _Query(kind, query_words(q), filters)
    total, scope_total, last_modified = search.count()
    ids = search.page(sort, offset, limit) if total > offset and limit > 0 else []
    return Result(
        ids=ids,
        total=total,
        facets=search.facet_counts(facets),
        scope_total=scope_total,
        last_modified=last_modified,
    )
