"""The search engine: matching, ranking, sorting, disjunctive facets, fixed query counts.

Every test runs on both engines (the embedded tantivy index and the database's full text),
and CI runs the suite on SQLite and PostgreSQL.
"""

import datetime as dt

import pytest
from django.db import connection

from frenchimpact.search import engine
from frenchimpact.search.engine import Document

pytestmark = pytest.mark.django_db

KIND = "essai"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def doc(pk, title, text="", *, days=0, **facets):
    return Document(
        kind=KIND,
        object_id=pk,
        title=title,
        text=text,
        published_at=T0 + dt.timedelta(days=days),
        facets=facets,
    )


@pytest.fixture(autouse=True)
def both_engines(search_engine):
    return search_engine


@pytest.fixture
def corpus():
    engine.index(
        [
            doc(
                1,
                "Économie solidaire de Bretagne",
                "insertion",
                days=1,
                region=["53"],
                stade=["emergence"],
            ),
            doc(
                2,
                "Jardins de Cocagne",
                "maraîchage solidaire",
                days=2,
                region=["11"],
                stade=["amorcage"],
            ),
            doc(3, "Cœur de village", "épicerie", days=3, region=["53", "11"], stade=["emergence"]),
            doc(
                4,
                "ÉLAN Numérique",
                "inclusion numérique",
                days=4,
                region=["76"],
                stade=["essaimage"],
            ),
            doc(
                5, "Dune et Frêne", "economie circulaire", days=5, region=["53"], stade=["amorcage"]
            ),
        ]
    )


def ids(q="", **kwargs):
    return engine.query(KIND, q, **kwargs).ids


def test_case_and_accents_are_ignored_both_ways(corpus):
    assert ids("ECONOMIE", sort=engine.SORT_NAME) == [5, 1]
    assert ids("économie", sort=engine.SORT_NAME) == [5, 1]
    assert ids("elan") == [4]
    assert ids("MARAICHAGE") == [2]


def test_ligatures_are_spelled_out(corpus):
    assert ids("coeur") == [3]
    assert ids("Cœur") == [3]


def test_the_last_word_matches_as_a_prefix(corpus):
    assert set(ids("solid")) == {1, 2}
    assert ids("jardins coc") == [2]
    # Only the last word is a prefix: the others are whole words.
    assert ids("jard cocagne") == []


def test_all_words_are_required(corpus):
    assert ids("solidaire bretagne") == [1]
    assert ids("solidaire numerique") == []


def test_title_matches_rank_above_text_matches(corpus):
    # "solidaire" is in the title of 1, in the text of 2 (which is more recent).
    assert ids("solidaire") == [1, 2]
    assert ids("economie") == [1, 5]


@pytest.mark.parametrize("q", ['"', 'a" OR "b', "NEAR(x y)", "*", "a:*", "!&|()", "'--", "\x00"])
def test_query_syntax_cannot_get_through(corpus, q):
    result = engine.query(KIND, q)
    assert result.total >= 0  # no SQL or FTS syntax error


def test_no_words_means_every_document(corpus):
    assert engine.query(KIND, "  ").total == 5
    assert engine.query(KIND, "?!").total == 5


def test_sorts(corpus):
    assert ids(sort=engine.SORT_RECENT) == [5, 4, 3, 2, 1]
    # Accents do not push "Élan" after "Z": names are compared without them.
    assert ids(sort=engine.SORT_NAME) == [3, 5, 1, 4, 2]
    # Relevance without words falls back to the latest first.
    assert ids(sort=engine.SORT_RELEVANCE) == [5, 4, 3, 2, 1]


def test_offset_and_limit(corpus):
    assert ids(sort=engine.SORT_RECENT, offset=2, limit=2) == [3, 2]
    result = engine.query(KIND, sort=engine.SORT_RECENT, offset=10, limit=2)
    assert result.ids == [] and result.total == 5


def test_filters_or_within_a_facet_and_between_facets(corpus):
    assert set(ids(filters={"region": ["76", "11"]})) == {2, 3, 4}
    assert set(ids(filters={"region": ["53"], "stade": ["emergence"]})) == {1, 3}
    assert ids("solidaire", filters={"region": ["11"]}) == [2]


def test_facet_counts_are_disjunctive(corpus):
    result = engine.query(
        KIND, filters={"region": ["53"]}, facets=["region", "stade"], sort=engine.SORT_RECENT
    )
    assert result.total == 3
    # The region facet ignores its own filter: other regions keep their counts.
    assert result.facets["region"] == {"53": 3, "11": 2, "76": 1}
    # The other facets are counted within region 53.
    assert result.facets["stade"] == {"emergence": 2, "amorcage": 1}


def test_single_valued_facet_adds_up_to_the_total(corpus):
    result = engine.query(KIND, "solidaire", facets=["stade"])
    assert sum(result.facets["stade"].values()) == result.total == 2


def test_fixed_number_of_statements(corpus, search_engine, django_assert_num_queries):
    def run():
        return engine.query(
            KIND,
            "solidaire",
            filters={"region": ["53", "11"], "stade": ["emergence", "amorcage"]},
            facets=["region", "stade"],
            sort=engine.SORT_RELEVANCE,
        )

    run()  # the embedded index applies the corpus' change-log rows at its first search
    # database: count, page, facet counts; tantivy: the newest id of the change log.
    with django_assert_num_queries(3 if search_engine == "database" else 1):
        assert run().ids == [1, 2]


def test_index_replaces_and_remove_takes_out(corpus):
    engine.index([doc(2, "Potagers partagés", region=["94"])])
    assert ids("cocagne") == []
    assert ids("potager") == [2]
    assert engine.query(KIND, facets=["region"]).facets["region"]["94"] == 1
    engine.remove(KIND, [2, 999])
    assert ids("potager") == []
    assert engine.query(KIND).total == 4
    assert "94" not in engine.query(KIND, facets=["region"]).facets["region"]


def test_kinds_are_separate(corpus):
    engine.index([Document(kind="autre", object_id=1, title="Économie")])
    assert ids("economie") == [1, 5]
    assert engine.query("autre", "economie").ids == [1]


def test_rebuild_replaces_everything(corpus):
    assert engine.rebuild(iter([doc(9, "Seul document")])) == 1
    assert engine.query(KIND).total == 1
    assert ids("economie") == []
    assert ids("seul") == [9]


def test_validators_change_with_any_entry_in_scope(corpus):
    before = engine.query(KIND, filters={"region": ["53"]})
    engine.index([doc(4, "ÉLAN Numérique", region=["76"], days=4)])  # outside the filter
    after = engine.query(KIND, filters={"region": ["53"]})
    assert after.total == before.total
    # Entry 4 feeds the region facet counts: the result's validators must change.
    assert after.last_modified is not None and before.last_modified is not None
    assert after.last_modified > before.last_modified


def test_full_text_structures_exist_for_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'search_fts'")
            assert cursor.fetchone() is not None
        else:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_entry_document'")
            assert cursor.fetchone() is not None
