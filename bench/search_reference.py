"""The reference engine of `make bench-search`: a plain tantivy index of the same documents.

Built from the dataset's CSV files (not from the platform's index), with the documents the
platform indexes (``frenchimpact/search/documents.py``: title, text, facet values) and the
platform's text normalisation (lowercase, no accents, words only), then queried directly, in
process: every word required (title or text, title matches weighted higher), the last word as
a prefix, facet filters as term filters (OR within a facet, AND between facets), top-k of the
requested page plus the exact count. No facet counts: the reference is "top-k with count".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import search_dataset as dataset
import tantivy
from search_queries import Search

from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.territories import reference

ORGANISATION_FACETS = ("region", "departement", "famille_ess", "type", "membre_communaute")
PROJECT_FACETS = (
    "region",
    "departement",
    "defi",
    "odd",
    "stade",
    "famille_ess",
    "membre_communaute",
)
TITLE_BOOST = 10.0
WRITER_HEAP = 256_000_000


_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """The platform's normalisation (lowercase, no diacritics, words only), copied rather than
    imported so that the reference does not depend on the engine module it is compared with."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return " ".join(_WORD.findall(_COMBINING.sub("", decomposed)))


def _schema(facets: tuple[str, ...]) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=False, fast=True)
    builder.add_text_field("title", stored=False, tokenizer_name="default")
    builder.add_text_field("text", stored=False, tokenizer_name="default")
    builder.add_text_field("sort_key", stored=False, tokenizer_name="raw", fast=True)
    builder.add_integer_field("published", stored=False, indexed=False, fast=True)
    for facet in facets:
        builder.add_text_field(facet, stored=False, tokenizer_name="raw")
    return builder.build()


def _epoch(timestamp: str) -> int:
    return int(dt.datetime.fromisoformat(timestamp).replace(tzinfo=dt.UTC).timestamp())


@dataclass
class OrganisationFacts:
    """What a project document shows of its organisation."""

    name: str
    acronym: str
    family: str
    member: str
    region: str
    department: str


def _organisation_documents(folder: Path, facts: dict[int, OrganisationFacts]) -> Iterator[dict]:
    regions = {row.code: row.nom for row in reference.REGIONS}
    departments = {row.code: row.nom for row in reference.DEPARTMENTS}
    kind_labels = {kind.value: str(kind.label) for kind in OrganisationKind}
    for row in dataset.read_csv(folder / dataset.ORGANISATIONS_CSV):
        kinds = json.loads(row["kinds"])
        member = "oui" if row["charter_accepted_at"] else "non"
        facts[int(row["id"])] = OrganisationFacts(
            row["name"], row["acronym"], row["ess_family"], member, row["region"], row["department"]
        )
        yield {
            "id": int(row["id"]),
            "title": normalise(f"{row['name']} {row['acronym']}"),
            "text": normalise(
                " ".join(
                    [
                        row["description"],
                        row["legal_form_label"],
                        row["commune_name"],
                        departments[row["department"]],
                        regions[row["region"]],
                        row["siren"],
                        *(kind_labels[kind] for kind in kinds),
                    ]
                )
            ),
            "sort_key": normalise(row["name"])[:255],
            "published": _epoch(row["published_at"]),
            "region": [row["region"]],
            "departement": [row["department"]],
            "famille_ess": [row["ess_family"]],
            "type": kinds,
            "membre_communaute": [member],
        }


def _project_documents(folder: Path, facts: dict[int, OrganisationFacts]) -> Iterator[dict]:
    region_names = {row.code: row.nom for row in reference.REGIONS}
    departments = {row.code: row for row in reference.DEPARTMENTS}
    regions_of: dict[int, list[str]] = {}
    for row in dataset.read_csv(folder / dataset.PROJECT_REGIONS_CSV):
        regions_of.setdefault(int(row["project_id"]), []).append(row["region"])
    departments_of: dict[int, list[str]] = {}
    for row in dataset.read_csv(folder / dataset.PROJECT_DEPARTMENTS_CSV):
        departments_of.setdefault(int(row["project_id"]), []).append(row["department"])
    for row in dataset.read_csv(folder / dataset.PROJECTS_CSV):
        pk = int(row["id"])
        organisation = facts[int(row["organisation_id"])]
        department_codes = departments_of.get(pk, [])
        region_codes = list(
            dict.fromkeys(
                [*regions_of.get(pk, []), *(departments[code].region for code in department_codes)]
            )
        )
        region_values, department_values = list(region_codes), list(department_codes)
        if row["is_national"] == "1":
            region_values.append("nationale")
            department_values.append("nationale")
        elif not region_values:
            region_values.append(organisation.region)
            department_values.append(organisation.department)
        yield {
            "id": pk,
            "title": normalise(row["title"]),
            "text": normalise(
                " ".join(
                    [
                        row["summary"],
                        row["description"],
                        organisation.name,
                        organisation.acronym,
                        row["beneficiaries_unit"],
                        *(region_names[code] for code in region_codes),
                        *(departments[code].nom for code in department_codes),
                    ]
                )
            ),
            "sort_key": normalise(row["title"])[:255],
            "published": _epoch(row["published_at"]),
            "region": region_values,
            "departement": department_values,
            "defi": json.loads(row["challenges"]),
            "odd": [str(number) for number in json.loads(row["sdgs"])],
            "stade": [row["stage"]],
            "famille_ess": [organisation.family],
            "membre_communaute": [organisation.member],
        }


class Reference:
    """Two tantivy indexes (organisations, projects) in ``folder``, built once and cached."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.build_s: float | None = None  # None: loaded from the cache
        self.indexes: dict[str, tantivy.Index] = {}
        self.searchers: dict[str, tantivy.Searcher] = {}

    def open_or_build(self, data: Path) -> None:
        complete = self.folder / "reference.complete"
        schemas = {
            "organisations": _schema(ORGANISATION_FACETS),
            "projets": _schema(PROJECT_FACETS),
        }
        if not complete.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
            start = time.perf_counter()
            facts: dict[int, OrganisationFacts] = {}
            sources = {
                "organisations": lambda: _organisation_documents(data, facts),
                "projets": lambda: _project_documents(data, facts),
            }
            for name, schema in schemas.items():
                path = self.folder / name
                path.mkdir(parents=True)
                index = tantivy.Index(schema, path=str(path))
                writer = index.writer(heap_size=WRITER_HEAP, num_threads=2)
                for fields in sources[name]():
                    writer.add_document(tantivy.Document(**fields))
                writer.commit()
                writer.wait_merging_threads()
            self.build_s = time.perf_counter() - start
            complete.write_text(f"{self.build_s:.1f}\n")
        for name, schema in schemas.items():
            self.indexes[name] = tantivy.Index(schema, path=str(self.folder / name))
            self.indexes[name].reload()
            self.searchers[name] = self.indexes[name].searcher()

    def search(self, search: Search) -> tuple[int, list[int]]:
        """(exact count, ids of the requested page)."""
        index = self.indexes[search.endpoint]
        schema = index.schema
        searcher = self.searchers[search.endpoint]
        words = normalise(search.q).split()[:12]
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for position, word in enumerate(words):
            if position == len(words) - 1:  # prefix
                title = tantivy.Query.regex_query(schema, "title", f"{word}.*")
                text = tantivy.Query.regex_query(schema, "text", f"{word}.*")
            else:
                title = tantivy.Query.term_query(schema, "title", word)
                text = tantivy.Query.term_query(schema, "text", word)
            either = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, tantivy.Query.boost_query(title, TITLE_BOOST)),
                    (tantivy.Occur.Should, text),
                ]
            )
            clauses.append((tantivy.Occur.Must, either))
        for facet, values in search.filters.items():
            any_value = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, tantivy.Query.term_query(schema, facet, value))
                    for value in values
                ]
            )
            clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(any_value, 0.0)))
        query = tantivy.Query.boolean_query(clauses) if clauses else tantivy.Query.all_query()
        offset = (search.page - 1) * search.page_size
        sort = search.sort or ("pertinence" if words else "recent")
        if sort == "pertinence" and words:
            result = searcher.search(query, limit=search.page_size, offset=offset, count=True)
        elif sort == "nom":
            result = searcher.search(
                query,
                limit=search.page_size,
                offset=offset,
                count=True,
                order_by_field="sort_key",
                order=tantivy.Order.Asc,
            )
        else:
            result = searcher.search(
                query,
                limit=search.page_size,
                offset=offset,
                count=True,
                order_by_field="published",
                order=tantivy.Order.Desc,
            )
        ids = [searcher.doc(address)["id"][0] for _score, address in result.hits]
        return int(getattr(result, "count", 0) or 0), ids
