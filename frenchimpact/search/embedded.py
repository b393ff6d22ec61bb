"""The embedded search backend: tantivy indexes on each node, following the database.

The database stays the source of truth. Writes (``index``, ``remove``, ``changed``) only
append rows to the change log (changelog.py) in the caller's transaction. Each node keeps its
own indexes in ``SEARCH_INDEX_DIR`` and applies the log in id order; the last id applied is
written to ``state.json`` after the indexes committed, so a crash during indexing replays the
log from an earlier id (applying a row twice gives the same index).

Before answering, a search reads the newest id of the log (one lookup on a primary key, at
most every SEARCH_SYNC_INTERVAL_MS) and, when its node is behind, applies up to
SEARCH_SYNC_MAX_ROWS rows. One process per folder writes at a time (a file lock); another
that cannot take the lock answers from what is committed and reloads at its next search.

Folder layout: ``CURRENT`` names the live generation ``gen-…``, which holds one tantivy
index per kind of document (``k-organisation``…) and ``state.json``. A rebuild fills a new
generation while the live one keeps answering, applies the log rows that arrived meanwhile,
then replaces ``CURRENT`` atomically; readers switch at their next search.

Index: words stemmed for French (plural and singular, ``chevaux``/``cheval``), folded
(case, accents, ligatures), split on anything that is not a letter or a digit (elisions:
``l'insertion``); the last word typed also matches as a prefix of the unstemmed words.
Facets: a term per value (``region=53``) for filters, and a dense single-valued fast column
per facet for counts, holding each record's set of values as one string
(``facets.region.set``: ``11\x1f53``), since multi-valued and sparse columns aggregate 10–30
times slower; the sets are counted, then split. Records with more than SET_MAX values are
named in ``many`` and counted value by value (``facets.region.n``, multi-valued) over those
records only; ``n`` is also the exact fallback when a facet has more than FACET_SETS sets.
Sort keys are fast fields that end with the object id, so that ties have a stable order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection

from . import changelog
from .engine import (
    BATCH_SIZE,
    MAX_QUERY_WORDS,
    SORT_NAME,
    SORT_RECENT,
    SORT_RELEVANCE,
    Document,
    Result,
    SearchUnavailable,
    all_documents,
    batches,
    document_count,
    load,
    normalise,
)

logger = logging.getLogger(__name__)

Action = changelog.Action
POINTER = "CURRENT"
STATE = "state.json"
LOCK = "writer.lock"
TITLE_BOOST = 10.0
EXACT_TITLE_BOOST = 50.0
PREFIX_BOOST = 0.5
# Shorter last words match whole words only: a 2-letter prefix expands to thousands of terms.
PREFIX_MIN_LENGTH = 3
FACET_SIZE = 10_000  # distinct values counted per facet (all of them in practice)
FACET_SETS = 10_000  # distinct sets of values counted at once, per facet
TIE_WINDOW_MAX = 10_000  # hits examined to order equal relevance scores by object id
REBUILD_HEAP = 400_000_000
REBUILD_THREADS = min(2, os.cpu_count() or 1)
UPDATE_HEAP = 50_000_000
QUERY_THREADS = 4
SET_MAX = 2  # values of a record counted through its set (2: < 6,000 sets of departments)
SEPARATOR = "\x1f"  # between the values of one record in a facet's column
_SAFE_KIND = re.compile(r"^[a-z0-9_]{1,40}$")


def _analyzers() -> tuple[tantivy.TextAnalyzer, tantivy.TextAnalyzer]:
    def folded() -> tantivy.TextAnalyzerBuilder:
        return (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(60))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
        )

    return folded().filter(tantivy.Filter.stemmer("french")).build(), folded().build()


STEMMED, FOLDED = _analyzers()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("object_id", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="fr_stem", index_option="freq")
    builder.add_text_field("text", tokenizer_name="fr_stem", index_option="freq")
    builder.add_text_field("words", tokenizer_name="fr_fold", index_option="basic")
    builder.add_text_field("exact", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("filter", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("many", tokenizer_name="raw", index_option="basic")
    builder.add_json_field("facets", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("published", fast=True)
    builder.add_text_field("name", fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


SCHEMA = _schema()
SCHEMA_VERSION = 3  # bump with any change of the fields or of what they hold


def _open_index(path: Path, *, create: bool = False) -> tantivy.Index:
    if create:
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(SCHEMA, path=str(path))
    else:
        index = tantivy.Index.open(str(path))
    index.register_tokenizer("fr_stem", STEMMED)
    index.register_tokenizer("fr_fold", FOLDED)
    index.config_reader(reload_policy="manual")
    return index


def _kind_folder(kind: str) -> str:
    if _SAFE_KIND.match(kind):
        return f"k-{kind}"
    return f"k-{hashlib.sha256(kind.encode()).hexdigest()[:24]}"


# --- Documents ------------------------------------------------------------------------------


def _published(published_at: dt.datetime | None) -> int:
    # Microseconds since 1970; undated records sort last (latest first).
    return int(published_at.timestamp() * 1_000_000) if published_at else -(1 << 62)


def _name_key(document: Document) -> str:
    # Sorted ascending: the name without accents, then the id.
    return f"{normalise(document.sort_key or document.title)[:255]}\x01{document.object_id:016x}"


def _valid_facet_name(name: str) -> bool:
    return bool(name) and len(name) <= 40 and name.replace("_", "").isalnum()


def _tantivy_document(document: Document) -> tantivy.Document:
    built = tantivy.Document()
    built.add_integer("object_id", document.object_id)
    built.add_text("title", document.title)
    built.add_text("text", document.text)
    built.add_text("words", f"{document.title}\n{document.text}")
    built.add_text("exact", " ".join(FOLDED.analyze(document.title)))
    columns: dict[str, dict[str, Any]] = {}
    for name, raw_values in document.facets.items():
        if not _valid_facet_name(name):
            continue
        values = sorted({str(value) for value in raw_values})
        for value in values:
            built.add_text("filter", f"{name}={value}")
        # One dense single-valued column: the record's set of values as one string, when it
        # has at most SET_MAX values (the sets stay few); the others are named in "many".
        columns[name] = {"set": SEPARATOR.join(values) if len(values) <= SET_MAX else ""}
        if len(values) > SET_MAX:
            built.add_text("many", name)
        if values:
            columns[name]["n"] = values  # value by value: records in "many", and the fallback
    if columns:
        built.add_json("facets", columns)
    built.add_integer("published", _published(document.published_at))
    built.add_text("name", _name_key(document))
    return built


def to_payload(document: Document) -> dict[str, Any]:
    return {
        "title": document.title,
        "text": document.text,
        "sort_key": document.sort_key,
        "published_at": document.published_at.isoformat() if document.published_at else None,
        "facets": {
            name: [str(value) for value in values] for name, values in document.facets.items()
        },
    }


def from_payload(kind: str, object_id: int, payload: Mapping[str, Any]) -> Document:
    published = payload.get("published_at")
    return Document(
        kind=kind,
        object_id=object_id,
        title=payload.get("title", ""),
        text=payload.get("text", ""),
        sort_key=payload.get("sort_key", ""),
        published_at=dt.datetime.fromisoformat(published) if published else None,
        facets=payload.get("facets", {}),
    )


# --- Writes: the change log -----------------------------------------------------------------


def index(documents: Iterable[Document], *, batch_size: int = BATCH_SIZE) -> int:
    """Append the documents to the change log (in the caller's transaction).

    Documents given here (rather than re-read from the source through ``changed``) live in
    the log only: a rebuild, or a node's first build, starts from the source."""
    _ensure_index()
    count = 0
    for batch in batches(documents, batch_size):
        count += changelog.append(
            (document.kind, document.object_id, Action.INDEX, to_payload(document))
            for document in batch
        )
    return count


def remove(kind: str, ids: Iterable[int]) -> None:
    _ensure_index()
    for batch in batches(ids, BATCH_SIZE):
        changelog.append((kind, pk, Action.REMOVE, None) for pk in batch)


def changed(kind: str, ids: Iterable[int]) -> None:
    for batch in batches(dict.fromkeys(ids), BATCH_SIZE):
        changelog.append(changelog.reload_rows(kind, batch))


# --- The node's indexes: folder, lock, generations ------------------------------------------


@dataclass
class _Opened:
    """One generation as this process sees it: its indexes and the log position they hold."""

    base: Path
    generation: str
    applied: int = 0
    changed_at: dict[str, int] = field(default_factory=dict)
    state_stamp: tuple[int, int] | None = None
    indexes: dict[str, tantivy.Index] = field(default_factory=dict)
    checked_at: float = -1e9

    @property
    def path(self) -> Path:
        return self.base / self.generation

    def refresh(self) -> None:
        """Reload the indexes when a writer committed (state.json replaced)."""
        stamp = _stamp(self.path / STATE)
        if stamp == self.state_stamp:
            return
        state = _read_state(self.path)
        self.applied, self.changed_at = state["applied"], state["changed"]
        self.state_stamp = stamp
        for index in self.indexes.values():
            index.reload()

    def searcher(self, kind: str) -> tantivy.Searcher | None:
        index = self.indexes.get(kind)
        if index is None:
            folder = self.path / _kind_folder(kind)
            if not (folder / "meta.json").exists():
                return None
            index = self.indexes[kind] = _open_index(folder)
        return index.searcher()


_process_lock = threading.RLock()
_opened: _Opened | None = None


def _base() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _replace_file(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with temporary.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads((path / STATE).read_text())
    except FileNotFoundError:
        return {"applied": 0, "changed": {}, "schema": None}
    return {
        "applied": int(state["applied"]),
        "changed": dict(state.get("changed", {})),
        "schema": state.get("schema"),
    }


def _write_state(path: Path, applied: int, changed_at: Mapping[str, int]) -> None:
    state = {"applied": applied, "changed": dict(changed_at), "schema": SCHEMA_VERSION}
    _replace_file(path / STATE, json.dumps(state))


def _usable(base: Path, generation: str | None) -> bool:
    """A live generation written with this version of the schema (a deployment that changes
    the schema rebuilds each node's index at its first search)."""
    return generation is not None and _read_state(base / generation)["schema"] == SCHEMA_VERSION


@contextlib.contextmanager
def _writer_lock(base: Path, *, blocking: bool) -> Iterator[bool]:
    """The folder's writer lock (one writing process per folder): yields whether it is held."""
    base.mkdir(parents=True, exist_ok=True)
    with _process_lock, (base / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pointer(base: Path) -> str | None:
    try:
        return (base / POINTER).read_text().strip() or None
    except FileNotFoundError:
        return None


def _clean_generations(base: Path, keep: str) -> None:
    """Delete old generations but the live one and the one before it (a process may still be
    answering from it until its next search)."""
    generations = sorted(path for path in base.glob("gen-*") if path.is_dir())
    for path in generations[:-2]:
        if path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


class _Writers:
    """One tantivy writer per kind of document, opened on demand."""

    def __init__(self, path: Path, *, heap: int, threads: int):
        self.path, self.heap, self.threads = path, heap, threads
        self.writers: dict[str, tantivy.IndexWriter] = {}

    def get(self, kind: str, *, create: bool = True) -> tantivy.IndexWriter | None:
        writer = self.writers.get(kind)
        if writer is None:
            folder = self.path / _kind_folder(kind)
            exists = (folder / "meta.json").exists()
            if not exists and not create:
                return None
            index = _open_index(folder, create=not exists)
            writer = self.writers[kind] = index.writer(
                heap_size=self.heap, num_threads=self.threads
            )
        return writer

    def commit(self) -> list[str]:
        for writer in self.writers.values():
            writer.commit()
        for writer in self.writers.values():
            writer.wait_merging_threads()
        return list(self.writers)

    def rollback(self) -> None:
        for writer in self.writers.values():
            with contextlib.suppress(Exception):
                writer.rollback()


def _build(base: Path, documents: Iterable[Document], applied: int) -> tuple[str, int]:
    """A new generation holding ``documents`` (each record once) and the log position they
    reflect."""
    base.mkdir(parents=True, exist_ok=True)
    generation = f"gen-{time.time_ns():020d}-{os.getpid()}"
    path = base / generation
    path.mkdir()
    writers = _Writers(path, heap=REBUILD_HEAP, threads=REBUILD_THREADS)
    count = 0
    try:
        for document in documents:
            writer = writers.get(document.kind)
            assert writer is not None
            writer.add_document(_tantivy_document(document))
            count += 1
        kinds = writers.commit()
    except BaseException:
        writers.rollback()
        shutil.rmtree(path, ignore_errors=True)
        raise
    now = _now_micros()
    _write_state(path, applied, dict.fromkeys(kinds, now))
    return generation, count


def _now_micros() -> int:
    return int(time.time() * 1_000_000)


def _may_build_inline() -> bool:
    """Small indexes are built by the first search that needs one (seconds); a large one
    only by `rebuild_search_index` or the background job, never inside a request."""
    return document_count() <= settings.SEARCH_INLINE_BUILD_MAX


def _in_real_transaction() -> bool:
    """Inside a transaction of the caller (not the test case's own): the log may hold rows of
    this very transaction, which must not reach a shared index before they commit."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _apply(path: Path, rows: list[tuple[int, str, int, str, Any]]) -> None:
    """Apply log rows to a generation: one commit per kind, then the new log position."""
    latest: dict[tuple[str, int], tuple[str, Any]] = {}
    for _pk, kind, object_id, action, document in rows:
        latest[(kind, object_id)] = (action, document)  # the last row of a record wins
    removed: dict[str, set[int]] = {}
    documents: dict[tuple[str, int], Document] = {}
    to_reload: dict[str, list[int]] = {}
    for (kind, object_id), (action, payload) in latest.items():
        if action == Action.RELOAD:
            to_reload.setdefault(kind, []).append(object_id)
        elif action == Action.INDEX:
            documents[(kind, object_id)] = from_payload(kind, object_id, payload or {})
        elif action == Action.REMOVE:
            removed.setdefault(kind, set()).add(object_id)
    for kind, ids in to_reload.items():
        for group_kind, considered, loaded in load(kind, ids):
            removed.setdefault(group_kind, set()).update(considered)
            documents |= {(d.kind, d.object_id): d for d in loaded}
    for kind, object_id in documents:
        removed.setdefault(kind, set()).add(object_id)
    adding = {kind for kind, _object_id in documents}
    writers = _Writers(path, heap=UPDATE_HEAP, threads=1)
    try:
        for kind, object_ids in removed.items():
            writer = writers.get(kind, create=kind in adding)
            if writer is None:
                continue
            for object_id in object_ids:
                writer.delete_documents_by_term("object_id", object_id)
        for document in documents.values():
            writer = writers.get(document.kind)
            assert writer is not None
            writer.add_document(_tantivy_document(document))
        kinds = writers.commit()
    except BaseException:
        writers.rollback()
        raise
    state = _read_state(path)
    now = _now_micros()
    _write_state(path, rows[-1][0], state["changed"] | dict.fromkeys(kinds, now))


def _apply_log(path: Path, applied: int, max_rows: int | None) -> int:
    """Apply the log after ``applied`` to a generation (lock held); returns the position."""
    done = 0
    while max_rows is None or done < max_rows:
        step = BATCH_SIZE if max_rows is None else min(BATCH_SIZE, max_rows - done)
        rows = changelog.rows_after(applied, step)
        if not rows:
            break
        _apply(path, rows)
        applied = rows[-1][0]
        done += len(rows)
    return applied


def _rebuild_locked(base: Path, documents: Iterable[Document]) -> int:
    """Build a new generation, bring it up to the log and switch to it (lock held)."""
    start = changelog.latest_id()
    generation, count = _build(base, documents, start)
    _apply_log(base / generation, start, None)
    _replace_file(base / POINTER, generation)
    _clean_generations(base, keep=generation)
    return count


def _catch_up(opened: _Opened, max_rows: int | None) -> bool:
    """Apply the log (under the folder's lock); returns False when another process holds it."""
    with _writer_lock(opened.base, blocking=max_rows is None) as held:
        if not held:
            return False
        if _pointer(opened.base) != opened.generation:
            return True  # a rebuild switched generations: the caller reopens
        applied = _read_state(opened.path)["applied"]
        first = changelog.first_row()
        if first and first[1] == Action.PRUNED and applied < first[0]:
            if max_rows is not None and not _may_build_inline():
                # A request does not rebuild a large index: it answers from the stale one
                # until `rebuild_search_index` (or `apply_search_changes`) runs.
                logger.error("Search index behind the pruned change log: run rebuild_search_index.")
                return True
            logger.error("Search index behind the pruned change log: rebuilding it.")
            _rebuild_locked(opened.base, all_documents())
            return True
        _apply_log(opened.path, applied, max_rows)
    return True


def _current() -> _Opened:
    """This node's live generation, opened and caught up with the log (within
    SEARCH_SYNC_MAX_ROWS); built from the source when the folder is empty."""
    global _opened
    base = _base()
    with _process_lock:
        generation = _pointer(base)
        if not _usable(base, generation):
            if _in_real_transaction() or not _may_build_inline():
                raise SearchUnavailable(base)
            with _writer_lock(base, blocking=True):
                if not _usable(base, _pointer(base)):
                    _rebuild_locked(base, all_documents())
            generation = _pointer(base)
        assert generation is not None
        opened = _opened
        if opened is None or opened.base != base or opened.generation != generation:
            opened = _opened = _Opened(base, generation)
        opened.refresh()
    now = time.monotonic()
    if (now - opened.checked_at) * 1000 < settings.SEARCH_SYNC_INTERVAL_MS:
        return opened
    opened.checked_at = now
    if changelog.latest_id() > opened.applied and not _in_real_transaction():
        try:
            _catch_up(opened, settings.SEARCH_SYNC_MAX_ROWS)
        except Exception:
            # Answer from what is committed; the next search retries from the same position.
            logger.exception("Could not apply the search change log.")
        with _process_lock:
            if _pointer(base) != opened.generation:
                opened = _opened = _Opened(base, _pointer(base) or opened.generation)
            opened.refresh()
    return opened


def _ensure_index() -> None:
    """Create this node's index before logging documents that only the log will hold."""
    if not _usable(_base(), _pointer(_base())) and not _in_real_transaction():
        _current()


def catch_up() -> int:
    """Apply the whole change log to this node's index now; returns the position reached."""
    opened = _current()
    _catch_up(opened, None)
    opened.refresh()
    return opened.applied


def rebuild(documents: Iterable[Document], *, batch_size: int = BATCH_SIZE) -> int:
    """A new generation from the stream, built while the live one answers, then switched to."""
    base = _base()
    start = changelog.latest_id()
    generation, count = _build(base, documents, start)
    with _writer_lock(base, blocking=True):
        _apply_log(base / generation, start, None)
        _replace_file(base / POINTER, generation)
        _clean_generations(base, keep=generation)
    reset()
    return count


def reset() -> None:
    """Forget the opened generation (tests switch folders)."""
    global _opened
    with _process_lock:
        _opened = None


# --- Reads ----------------------------------------------------------------------------------


def _terms(q: str) -> list[tuple[str, str]]:
    """(folded word, stem) of each word of the query: user text never reaches a parser. A
    word longer than any indexed word (``remove_long``) is kept: it matches nothing."""
    words = _QUERY_WORDS.analyze(_ELISION.sub(" ", q[:2000]))[:MAX_QUERY_WORDS]
    terms = []
    for word in words:
        stems = STEMMED.analyze(word)
        terms.append((word, stems[0] if stems else word))
    return terms


# French elided articles and pronouns ("l'insertion", "d'accueil", "jusqu'à"): typed in a query,
# they would require a one-letter word that the title may not contain.
_ELISION = re.compile(r"\b(?:[cdjlmnst]|\w*qu)['’]", re.IGNORECASE)

_QUERY_WORDS = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .build()
)


def _const(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


def _word_query(word: str, stem: str, *, last: bool) -> tantivy.Query:
    Query, Should = tantivy.Query, tantivy.Occur.Should
    clauses = [
        (Should, Query.boost_query(Query.term_query(SCHEMA, "title", stem), TITLE_BOOST)),
        (Should, Query.term_query(SCHEMA, "text", stem)),
    ]
    if last and PREFIX_MIN_LENGTH <= len(word) <= 40 and word.isalnum():
        # The word is letters and digits only (the tokenizer's output): no regex syntax.
        prefix = Query.regex_query(SCHEMA, "words", f"{word}.*")
        clauses.append((Should, Query.boost_query(_const(prefix), PREFIX_BOOST)))
    return Query.boolean_query(clauses)


class _Plan:
    """The queries of one search: the words (scope), with all, or all but one, filters."""

    def __init__(self, q: str, filters: Mapping[str, Sequence[str]]):
        Query, Must, Should = tantivy.Query, tantivy.Occur.Must, tantivy.Occur.Should
        self.terms = _terms(q)
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for position, (word, stem) in enumerate(self.terms):
            last = position == len(self.terms) - 1
            clauses.append((Must, _word_query(word, stem, last=last)))
        if self.terms:
            exact = Query.term_query(SCHEMA, "exact", " ".join(word for word, _ in self.terms))
            clauses.append((Should, Query.boost_query(exact, EXACT_TITLE_BOOST)))
        self.scope_clauses = clauses
        # An unknown facet name matches nothing (as an unknown value does).
        self.matches_nothing = any(not _valid_facet_name(name) for name in filters)
        self.filters = {
            name: _const(
                Query.term_set_query(SCHEMA, "filter", [f"{name}={value}" for value in values])
            )
            for name, values in filters.items()
            if _valid_facet_name(name)
        }

    def query(self, *, without: str | None = None, scope: bool = False) -> tantivy.Query:
        if self.matches_nothing and not scope:
            return tantivy.Query.empty_query()
        clauses = list(self.scope_clauses)
        if not scope:
            clauses += [
                (tantivy.Occur.Must, query)
                for name, query in self.filters.items()
                if name != without
            ]
        if not clauses:
            return tantivy.Query.all_query()
        if not any(occur == tantivy.Occur.Must for occur, _query in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)


def _count_facets(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    names: Sequence[str],
    counts: dict[str, dict[str, int]],
) -> None:
    """Counts of each value of these facets among the records matching ``query``.

    Each facet has one dense single-valued column holding each record's set of values (a
    multi-valued column aggregates 10–30 times slower): the sets are counted, then split. If
    a facet has more distinct sets than FACET_SETS, its values are counted one by one."""
    names = [name for name in names if _valid_facet_name(name)]
    if not names:
        return
    size = {"size": FACET_SIZE, "segment_size": FACET_SIZE}
    sets = {"size": FACET_SETS, "segment_size": FACET_SETS}
    by_set = searcher.aggregate(
        query, {name: {"terms": {"field": f"facets.{name}.set", **sets}} for name in names}
    )
    too_many = []
    for name in names:
        aggregated = by_set.get(name, {})
        if aggregated.get("sum_other_doc_count"):
            too_many.append(name)
            continue
        values: dict[str, int] = {}
        for bucket in aggregated.get("buckets", []):
            key, doc_count = str(bucket["key"]), int(bucket["doc_count"])
            for value in key.split(SEPARATOR) if key else ():
                values[value] = values.get(value, 0) + doc_count
        counts[name] = values
    several = [n for n in names if n not in too_many and searcher.doc_freq("many", n)]
    if several:  # the records with more than SET_MAX values, value by value
        Must = tantivy.Occur.Must
        subset = tantivy.Query.boolean_query(
            [(Must, query), (Must, tantivy.Query.term_set_query(SCHEMA, "many", several))]
        )
        by_value = searcher.aggregate(
            subset, {name: {"terms": {"field": f"facets.{name}.n", **size}} for name in several}
        )
        for name in several:
            for bucket in by_value.get(name, {}).get("buckets", []):
                value = str(bucket["key"])
                counts[name][value] = counts[name].get(value, 0) + int(bucket["doc_count"])
    if too_many:  # slower, exact
        by_value = searcher.aggregate(
            query, {name: {"terms": {"field": f"facets.{name}.n", **size}} for name in too_many}
        )
        for name in too_many:
            counts[name] = {
                str(bucket["key"]): int(bucket["doc_count"])
                for bucket in by_value.get(name, {}).get("buckets", [])
            }


def _count(result: tantivy.SearchResult) -> int:
    return int(result.count)  # type: ignore[attr-defined]  # missing from the stubs


def _top(
    searcher: tantivy.Searcher, query: tantivy.Query, offset: int, limit: int, **order: Any
) -> tuple[int, list[tuple[Any, int]]]:
    """(count, [(sort value, object id)…]) of the first offset + limit hits or more: enough
    to order the hits that tie with the page's last one by object id."""
    wanted = offset + limit
    fetch = wanted + 20
    while True:
        result = searcher.search(query, fetch, count=True, **order)
        hits = result.hits
        if len(hits) < fetch or fetch >= TIE_WINDOW_MAX or hits[-1][0] != hits[wanted - 1][0]:
            break
        fetch = min(fetch * 4, TIE_WINDOW_MAX)
    ids = searcher.fast_field_values("object_id", [address for _value, address in hits])
    return _count(result), [
        (value, int(pk or 0)) for (value, _address), pk in zip(hits, ids, strict=True)
    ]


def _page(
    searcher: tantivy.Searcher, query: tantivy.Query, sort: str, offset: int, limit: int
) -> tuple[int, list[int]]:
    """The page's object ids: ties (same score, same date) in object id order, so that every
    page and every node give the same order."""
    if sort == SORT_NAME:
        # The name key ends with the object id: no ties. Deep pages cost ~0.1 ms per record
        # skipped (string keys are looked up in the term dictionary).
        result = searcher.search(
            query, limit, count=True, order_by_field="name", order=tantivy.Order.Asc, offset=offset
        )
        ids = searcher.fast_field_values("object_id", [address for _key, address in result.hits])
        return _count(result), [int(pk or 0) for pk in ids]
    if sort == SORT_RELEVANCE:
        total, hits = _top(searcher, query, offset, limit)
    else:
        total, hits = _top(
            searcher, query, offset, limit, order_by_field="published", order=tantivy.Order.Desc
        )
    hits.sort(key=lambda hit: (-hit[0], hit[1]))
    return total, [pk for _value, pk in hits[offset : offset + limit]]


def query(
    kind: str,
    q: str,
    filters: Mapping[str, Sequence[str]],
    facets: Sequence[str],
    sort: str,
    offset: int,
    limit: int,
) -> Result:
    """See ``engine.query``."""
    opened = _current()
    with _process_lock:
        searcher = opened.searcher(kind)
    changed_at = opened.changed_at.get(kind)
    last_modified = (
        dt.datetime.fromtimestamp(changed_at / 1_000_000, tz=dt.UTC) if changed_at else None
    )
    if searcher is None:
        return Result([], 0, {name: {} for name in facets}, 0, last_modified)
    return search(searcher, q, filters, facets, sort, offset, limit, last_modified)


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """Threads of this process (created after a fork) running the phases of a search at once:
    tantivy releases the GIL while it searches and aggregates."""
    global _pool
    with _process_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=QUERY_THREADS))
        return _pool[1]


def search(
    searcher: tantivy.Searcher,
    q: str,
    filters: Mapping[str, Sequence[str]],
    facets: Sequence[str],
    sort: str,
    offset: int,
    limit: int,
    last_modified: dt.datetime | None = None,
) -> Result:
    """The search on one kind's index (benchmarks time it without the database).

    One search for the page and the count; one aggregation for the counts of the facets not
    filtered, one for each filtered facet without its own filter; a count of the scope when
    filters are given. They run at once, on QUERY_THREADS threads.
    Validators: the scope's size and the time the kind's index last changed on this node.
    """
    plan = _Plan(q, filters)
    if sort == SORT_RELEVANCE and not plan.terms:
        sort = SORT_RECENT
    matching = plan.query()

    def facet_counts(query: tantivy.Query, names: list[str]) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        _count_facets(searcher, query, names, counts)
        return counts

    pool = _executor()
    plain = [name for name in facets if name not in plan.filters]
    # The facets without a filter in two halves: a pass over the hits per half, side by side.
    halves = [plain[0::2], plain[1::2]]
    jobs = [pool.submit(facet_counts, matching, half) for half in halves if half]
    jobs += [
        pool.submit(facet_counts, plan.query(without=name), [name])
        for name in facets
        if name in plan.filters
    ]
    scope_job = (
        pool.submit(lambda: _count(searcher.search(plan.query(scope=True), 1, count=True)))
        if plan.filters or plan.matches_nothing
        else None
    )
    if limit > 0:
        total, ids = _page(searcher, matching, sort, offset, limit)
    else:
        total, ids = _count(searcher.search(matching, 1, count=True)), []
    if total <= offset:
        ids = []
    counts: dict[str, dict[str, int]] = {name: {} for name in facets}
    for job in jobs:
        counts |= job.result()
    return Result(
        ids=ids,
        total=total,
        facets=counts,
        scope_total=scope_job.result() if scope_job else total,
        last_modified=last_modified,
    )
