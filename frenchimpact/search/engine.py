"""The search engine: full-text search with disjunctive facets, behind one small interface.

The whole platform talks to search through this module, so that the engine can change without
touching callers:

* ``index(documents)``: add or replace documents;
* ``remove(kind, ids)``: take documents out;
* ``changed(kind, ids)``: these records changed, re-read them through the registered source;
* ``query(kind, q, filters, facets, sort, offset, limit)`` → ``Result(ids, total, facets,
  scope_total, last_modified)``;
* ``rebuild(documents)``: replace the whole index with a stream of documents.

Two backends, chosen by the ``SEARCH_ENGINE`` setting:

* ``tantivy`` (default, ``embedded.py``): an embedded tantivy index in a folder of each node,
  kept in step with the database by a change log table that writes append to in the caller's
  transaction and that every node applies in order;
* ``database`` (``database.py``): SQLite FTS5 or PostgreSQL full text in the platform's tables.

Both ignore case and accents, require every word and take the last one as a prefix, rank title
matches first, count facets disjunctively, and never let user text reach a query syntax.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from types import ModuleType
from typing import Any

from django.conf import settings

SORT_RELEVANCE = "pertinence"
SORT_RECENT = "recent"
SORT_NAME = "nom"
SORTS = (SORT_RELEVANCE, SORT_RECENT, SORT_NAME)

TANTIVY, DATABASE = "tantivy", "database"
ENGINES = (TANTIVY, DATABASE)

BATCH_SIZE = 1000
MAX_QUERY_WORDS = 12

_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
# Combining marks left by NFKD decomposition (accents, cedillas…): removed in C, not per char.
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True)
class Document:
    """What the index knows of one record: text to match, keys to sort, facet values."""

    kind: str
    object_id: int
    title: str
    text: str = ""
    sort_key: str = ""
    published_at: dt.datetime | None = None
    facets: Mapping[str, Iterable[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    ids: list[int]  # object ids of the requested page, in order
    total: int
    facets: dict[str, dict[str, int]]  # facet → value → count (only non-zero counts)
    # Validators of the whole result (page, total and facet counts): the number of entries
    # matching the words whatever the filters, and their latest indexing time.
    scope_total: int
    last_modified: dt.datetime | None


def normalise(text: str) -> str:
    """Lowercase, without diacritics or punctuation: the form both indexing and queries use."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return " ".join(_WORD.findall(_COMBINING.sub("", decomposed)))


def query_words(q: str) -> list[str]:
    return normalise(q).split()[:MAX_QUERY_WORDS]


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# --- The source of documents (registered by documents.py) ------------------------------------

# load(kind, ids) yields (kind, ids considered, documents of the indexable ones among them):
# the considered ids without a document leave the index. A kind may bring others (an
# organisation's projects show its name and status).
Loader = Callable[[str, list[int]], Iterator[tuple[str, list[int], list[Document]]]]
AllDocuments = Callable[[], Iterator[Document]]


class SearchUnavailable(Exception):
    """This node has no usable index and building one here would take too long (or would read
    a transaction's uncommitted rows): the request answers 503, `rebuild_search_index` or the
    background job builds it."""


@dataclass
class _Source:
    load: Loader | None = None
    all_documents: AllDocuments | None = None
    count: Callable[[], int] | None = None


source = _Source()


def register_source(*, load: Loader, all_documents: AllDocuments, count: Callable[[], int]) -> None:
    """Tell the engine how to re-read changed records, stream every document and count them."""
    source.load = load
    source.all_documents = all_documents
    source.count = count


def document_count() -> int:
    if source.count is None:
        raise RuntimeError("No search source registered (frenchimpact.search.documents).")
    return source.count()


def load(kind: str, ids: list[int]) -> Iterator[tuple[str, list[int], list[Document]]]:
    if source.load is None:
        raise RuntimeError("No search source registered (frenchimpact.search.documents).")
    return source.load(kind, ids)


def all_documents() -> Iterator[Document]:
    if source.all_documents is None:
        raise RuntimeError("No search source registered (frenchimpact.search.documents).")
    return source.all_documents()


# --- Dispatch -------------------------------------------------------------------------------


def backend_name() -> str:
    return settings.SEARCH_ENGINE


def _backend() -> ModuleType:
    if settings.SEARCH_ENGINE == DATABASE:
        from . import database

        return database
    from . import embedded

    return embedded


def uses_change_log() -> bool:
    """True when writes append to the change log (in the caller's transaction) rather than
    writing the index after commit."""
    return settings.SEARCH_ENGINE != DATABASE


def index(documents: Iterable[Document], *, batch_size: int = BATCH_SIZE) -> int:
    """Add or replace documents; returns how many."""
    return _backend().index(documents, batch_size=batch_size)


def remove(kind: str, ids: Iterable[int]) -> None:
    """Take these documents out of the index (absent ones are ignored)."""
    _backend().remove(kind, ids)


def changed(kind: str, ids: Iterable[int]) -> None:
    """These records changed (or were deleted): re-read them through the registered source.

    tantivy: one change-log row per record, in the caller's transaction (a rollback leaves no
    trace), applied by every node from the committed state. database: re-read and written now.
    """
    _backend().changed(kind, ids)


def rebuild(documents: Iterable[Document], *, batch_size: int = BATCH_SIZE) -> int:
    """Replace the whole index with ``documents`` (a stream); returns how many."""
    return _backend().rebuild(documents, batch_size=batch_size)


def clear() -> None:
    rebuild([])


def query(
    kind: str,
    q: str = "",
    filters: Mapping[str, Sequence[str]] | None = None,
    facets: Sequence[str] = (),
    sort: str = SORT_RELEVANCE,
    offset: int = 0,
    limit: int = 20,
) -> Result:
    """Search one kind of document.

    ``q``: words, all required (AND), the last one also as a prefix; case and accents ignored.
    ``filters``: facet → accepted values (OR within a facet, AND between facets); unknown
    facets or values match nothing. ``facets``: the facets to count (disjunctively: each with
    every filter but its own). ``sort``: SORT_RELEVANCE (falls back to SORT_RECENT without
    words), SORT_RECENT (latest published first) or SORT_NAME; ties by object id.
    """
    filters = {name: list(values) for name, values in (filters or {}).items() if values}
    return _backend().query(kind, q, filters, tuple(facets), sort, max(0, offset), max(0, limit))
