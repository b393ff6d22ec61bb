"""Relevance of the default engine (tantivy): the records a query must bring into the top 5.

French plural and singular, elisions, accents and case, the last word as a prefix, exact
titles first, and an order that stays the same from page to page.
"""

import datetime as dt

import pytest

from frenchimpact.search import engine
from frenchimpact.search.engine import Document

pytestmark = pytest.mark.django_db

KIND = "essai"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

RECORDS = {
    1: ("Les Chevaux du Vercors", "centre équestre et randonnées"),
    2: ("Association des parents d’élèves", "école primaire"),
    3: ("L'Insertion par l'activité économique", "réseau régional"),
    4: ("Éducation populaire en Bretagne", "ateliers et veillées"),
    5: ("Jardins de Cocagne", "chantier d'insertion en maraîchage biologique"),
    6: ("Cheval et handicap", "équithérapie"),
    7: ("Associations sportives du Nord", "football, basket"),
    8: ("Les Restos du Cœur", "aide alimentaire"),
    9: ("Solidarité Paysans", "agriculteurs en difficulté"),
    10: ("Maison de l’éducation", "soutien scolaire"),
    11: ("Insertion", "structure d'insertion"),
    12: ("Économie sociale et solidaire", "pôle territorial de coopération"),
}
# Noise: records that mention the same words in their text only, more recent and more numerous.
NOISE = {
    100 + n: (f"Structure {n}", "insertion éducation association cheval économie solidaire")
    for n in range(40)
}

# query → records that must be among the first five results
RELEVANCE = [
    ("cheval", {1, 6}),
    ("chevaux", {1, 6}),
    ("association", {2, 7}),
    ("associations", {2, 7}),
    ("insertion", {3, 11, 5}),
    ("l'insertion", {3, 11}),  # the elided article typed is not required ("Insertion")
    ("l’insertion", {3, 11}),
    ("parents d'eleves", {2}),
    ("educ", {4, 10}),
    ("EDUCATION", {4, 10}),
    ("éducation", {4, 10}),
    ("coeur", {8}),
    ("Cœur", {8}),
    ("restos du coeur", {8}),
    ("solidarite paysans", {9}),
    ("solidaires", {12}),
    ("paysan", {9}),
    ("economie sociale", {12}),
    ("jardins de cocagne", {5}),
    ("jardin cocagne", {5}),
    ("equitherapie", {6}),
]


@pytest.fixture
def corpus(search_engine):
    assert search_engine  # the default engine's relevance: see the parametrised fixture below
    engine.index(
        Document(
            kind=KIND,
            object_id=pk,
            title=title,
            text=text,
            published_at=T0 + dt.timedelta(days=pk),
        )
        for pk, (title, text) in {**RECORDS, **NOISE}.items()
    )


@pytest.fixture(params=["tantivy"])
def search_engine(request, settings):
    settings.SEARCH_ENGINE = request.param
    return request.param


@pytest.mark.parametrize(("q", "expected"), RELEVANCE)
def test_relevance_set(corpus, q, expected):
    top = engine.query(KIND, q, limit=5).ids
    assert expected <= set(top), f"{q!r}: {top}"


def test_exact_title_first(corpus):
    assert engine.query(KIND, "insertion", limit=3).ids[0] == 11
    assert engine.query(KIND, "Jardins de Cocagne", limit=3).ids[0] == 5
    assert engine.query(KIND, "les restos du coeur", limit=3).ids[0] == 8


def test_title_matches_rank_above_text_matches(corpus):
    # The noise mentions "cheval" in its text and is more recent: titles still come first.
    assert set(engine.query(KIND, "cheval", limit=2).ids) == {1, 6}


def test_prefix_applies_to_the_last_word_only(corpus):
    assert 5 in engine.query(KIND, "jardins coca").ids
    assert engine.query(KIND, "jard cocagne").ids == []


def test_every_word_is_required(corpus):
    assert engine.query(KIND, "cheval vercors").ids == [1]
    assert engine.query(KIND, "cheval football").ids == []


@pytest.mark.parametrize("sort", [engine.SORT_RELEVANCE, engine.SORT_RECENT, engine.SORT_NAME])
def test_pages_keep_one_order_when_everything_ties(search_engine, sort):
    # Same title, text and date: the object id decides, on every page.
    engine.index(
        Document(kind=KIND, object_id=pk, title="Ressourcerie", text="réemploi", published_at=T0)
        for pk in (17, 3, 42, 8, 25, 1, 33, 12, 5, 29, 40)
    )
    pages = [
        engine.query(KIND, "ressourcerie", sort=sort, offset=o, limit=3).ids
        for o in range(0, 12, 3)
    ]
    assert [pk for page in pages for pk in page] == [1, 3, 5, 8, 12, 17, 25, 29, 33, 40, 42]


def test_accents_case_and_punctuation_do_not_matter_in_facet_free_queries(corpus):
    assert engine.query(KIND, "  ÉCONOMIE,   sociale!! ").ids[:1] == [12]
