"""Bad input never reaches a query syntax: a clear 400 or an ordinary (possibly empty)
result, never a 500 (engine, API and pages)."""

import pytest

from frenchimpact.search import documents, engine
from frenchimpact.search.documents import ORGANISATION

from . import builders

pytestmark = pytest.mark.django_db

OPERATORS = [
    '"',
    '""',
    "*",
    "AND",
    "OR",
    "NOT",
    "-",
    "+",
    "(",
    ")",
    "()",
    "(((",
    'a" OR "b',
    "title:x",
    "object_id:[1 TO 9]",
    "a*",
    "/.*/",
    "\\",
    "~2",
    "^10",
    "{}[]",
    "\x00",
    "' OR 1=1 --",
]


@pytest.fixture
def world(territories, search_engine):
    builders.organisation(name="Atelier Vélo", departement="29")
    builders.organisation(name="Épicerie AND Solidaire", departement="75")
    documents.rebuild()


@pytest.mark.parametrize("q", OPERATORS)
def test_operators_and_punctuation_are_plain_text(world, q):
    result = engine.query(ORGANISATION, q, facets=("region",))
    # Punctuation alone means no words: every record; a word ("and", "title") must match.
    assert result.total in (0, 1, 2)
    if not engine.query_words(q):
        assert result.total == 2


def test_and_is_a_word_not_an_operator(world):
    assert engine.query(ORGANISATION, "AND").total == 1


def test_empty_and_huge_queries(world):
    assert engine.query(ORGANISATION, "").total == 2
    assert engine.query(ORGANISATION, "   ").total == 2
    assert engine.query(ORGANISATION, "velo " * 2000).total == 1
    assert engine.query(ORGANISATION, "x" * 10_000).total == 0


def test_unknown_facets_and_values_match_nothing(world):
    assert engine.query(ORGANISATION, filters={"region": ["99"]}).total == 0
    assert engine.query(ORGANISATION, filters={"inconnue": ["1"]}).total == 0
    assert engine.query(ORGANISATION, filters={"région=53 OR": ["x"]}).total == 0
    counts = engine.query(ORGANISATION, facets=("inconnue", "region")).facets
    assert counts == {"inconnue": {}, "region": {"53": 1, "11": 1}}


def test_page_beyond_the_end_is_empty(world):
    result = engine.query(ORGANISATION, offset=500, limit=20)
    assert result.ids == [] and result.total == 2
    assert engine.query(ORGANISATION, offset=-5, limit=-1).ids == []


# --- Through HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize("q", ['"', "*", "AND", "-", "()", "a:*", "NEAR(x y)"])
def test_api_answers_operators_with_ordinary_results(client, world, q):
    response = client.get("/api/v1/organisations/", {"q": q})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == engine.query(ORGANISATION, q).total
    if not engine.query_words(q):
        assert data["count"] == 2
    assert set(data["facets"]) >= {"region", "departement"}


def test_api_rejects_a_10000_character_query_with_a_clear_400(client, world):
    response = client.get("/api/v1/organisations/", {"q": "a" * 10_000})
    assert response.status_code == 400
    body = response.json()
    assert body["parametre"] == "q"
    assert "200" in body["detail"]


def test_api_unknown_facet_value_is_a_400_naming_it(client, world):
    body = client.get("/api/v1/organisations/", {"region": "99"}).json()
    assert body["parametre"] == "region" and "99" in body["detail"]


def test_api_page_beyond_the_end_names_the_page(client, world):
    response = client.get("/api/v1/organisations/", {"page": 7})
    assert response.status_code == 404
    assert response.json()["parametre"] == "page"


@pytest.mark.parametrize("q", ['"', "*", "AND", "-", "(", "x" * 10_000])
def test_directory_pages_answer(client, world, q):
    response = client.get("/annuaire/structures/", {"q": q, "region": "99"})
    assert response.status_code == 200
