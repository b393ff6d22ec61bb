"""The reference data written in the repository, checked without a database."""

import re
from collections import Counter

import pytest

from frenchimpact.territories import reference
from frenchimpact.territories.reference import UnknownRegion, current_region_code

REGIONS = {r.code: r.nom for r in reference.REGIONS}
DEPARTMENTS = {d.code: d for d in reference.DEPARTMENTS}


def test_eighteen_regions_with_their_official_names():
    assert REGIONS == {
        "01": "Guadeloupe",
        "02": "Martinique",
        "03": "Guyane",
        "04": "La Réunion",
        "06": "Mayotte",
        "11": "Île-de-France",
        "24": "Centre-Val de Loire",
        "27": "Bourgogne-Franche-Comté",
        "28": "Normandie",
        "32": "Hauts-de-France",
        "44": "Grand Est",
        "52": "Pays de la Loire",
        "53": "Bretagne",
        "75": "Nouvelle-Aquitaine",
        "76": "Occitanie",
        "84": "Auvergne-Rhône-Alpes",
        "93": "Provence-Alpes-Côte d'Azur",
        "94": "Corse",
    }


def test_hundred_and_one_departments_with_unique_codes():
    assert len(reference.DEPARTMENTS) == 101
    assert len(DEPARTMENTS) == 101
    expected = {f"{n:02d}" for n in range(1, 96)} - {"20"} | {"2A", "2B"}
    expected |= {"971", "972", "973", "974", "976"}
    assert set(DEPARTMENTS) == expected


def test_corsica_is_2a_and_2b_never_20_and_there_is_no_975():
    assert {"2A", "2B"} <= set(DEPARTMENTS)
    assert "20" not in DEPARTMENTS
    assert "975" not in DEPARTMENTS
    assert [code for code in DEPARTMENTS if code.startswith("97")] == [
        "971",
        "972",
        "973",
        "974",
        "976",
    ]


@pytest.mark.parametrize(
    ("department", "nom", "region"),
    [
        ("01", "Ain", "84"),
        ("2A", "Corse-du-Sud", "94"),
        ("2B", "Haute-Corse", "94"),
        ("21", "Côte-d'Or", "27"),
        ("29", "Finistère", "53"),
        ("33", "Gironde", "75"),
        ("53", "Mayenne", "52"),
        ("59", "Nord", "32"),
        ("67", "Bas-Rhin", "44"),
        ("75", "Paris", "11"),
        ("76", "Seine-Maritime", "28"),
        ("90", "Territoire de Belfort", "27"),
        ("95", "Val-d'Oise", "11"),
        ("971", "Guadeloupe", "01"),
        ("974", "La Réunion", "04"),
        ("976", "Mayotte", "06"),
    ],
)
def test_sample_of_departments_and_their_region(department, nom, region):
    assert DEPARTMENTS[department].nom == nom
    assert DEPARTMENTS[department].region == region


def test_every_department_belongs_to_an_existing_region_and_counts_per_region():
    assert all(d.region in REGIONS for d in reference.DEPARTMENTS)
    assert Counter(d.region for d in reference.DEPARTMENTS) == {
        "01": 1,
        "02": 1,
        "03": 1,
        "04": 1,
        "06": 1,
        "11": 8,
        "24": 6,
        "27": 8,
        "28": 5,
        "32": 5,
        "44": 10,
        "52": 5,
        "53": 4,
        "75": 12,
        "76": 13,
        "84": 12,
        "93": 6,
        "94": 2,
    }


def test_codes_match_their_formats():
    assert all(re.match(reference.REGION_CODE_PATTERN, code) for code in REGIONS)
    assert all(re.match(reference.DEPARTMENT_CODE_PATTERN, code) for code in DEPARTMENTS)
    assert not re.match(reference.DEPARTMENT_CODE_PATTERN, "20")
    assert not re.match(reference.DEPARTMENT_CODE_PATTERN, "975")


def test_one_prefecture_per_department_in_that_department():
    assert len(reference.PREFECTURES) == 101
    assert len({c.code for c in reference.PREFECTURES}) == 101
    assert {c.department for c in reference.PREFECTURES} == set(DEPARTMENTS)
    for commune in reference.PREFECTURES:
        assert re.match(reference.COMMUNE_CODE_PATTERN, commune.code), commune
        assert commune.code.startswith(commune.department), commune
    prefectures = {c.department: (c.code, c.nom) for c in reference.PREFECTURES}
    assert prefectures["75"] == ("75056", "Paris")
    assert prefectures["2A"] == ("2A004", "Ajaccio")
    assert prefectures["69"] == ("69123", "Lyon")
    assert prefectures["976"] == ("97611", "Mamoudzou")


def test_the_27_former_regions_map_to_existing_regions():
    assert len(reference.FORMER_REGIONS) == 27
    assert len({r.code for r in reference.FORMER_REGIONS}) == 27
    assert all(r.region in REGIONS for r in reference.FORMER_REGIONS)
    # Every current region is the image of at least one former region.
    assert {r.region for r in reference.FORMER_REGIONS} == set(REGIONS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bourgogne", "27"),
        ("26", "27"),
        ("Franche-Comté", "27"),
        ("FRANCHE COMTE", "27"),
        ("43", "27"),
        ("Midi-Pyrénées", "76"),
        ("midi pyrenees", "76"),
        ("Languedoc-Roussillon", "76"),
        ("91", "76"),
        ("Centre", "24"),
        ("Nord-Pas-de-Calais", "32"),
        ("Picardie", "32"),
        ("22", "32"),
        ("Alsace", "44"),
        ("Lorraine", "44"),
        ("Champagne-Ardenne", "44"),
        ("Aquitaine", "75"),
        ("Limousin", "75"),
        ("Poitou-Charentes", "75"),
        ("Auvergne", "84"),
        ("Rhône-Alpes", "84"),
        ("rhone alpes", "84"),
        ("Basse-Normandie", "28"),
        ("Haute-Normandie", "28"),
        ("  provence-alpes-côte d’azur ", "93"),
        ("Bretagne", "53"),
        ("53", "53"),
        ("6", "06"),
        # Current names and codes are understood too.
        ("Nouvelle-Aquitaine", "75"),
        ("75", "75"),
        ("OCCITANIE", "76"),
        ("Île-de-France", "11"),
        ("ile de france", "11"),
    ],
)
def test_current_region_code_resolves_former_and_current_regions(value, expected):
    assert current_region_code(value) == expected


@pytest.mark.parametrize("value", ["", "Mayenne", "Paris", "2A", "971", "99", "Atlantis"])
def test_current_region_code_rejects_what_is_not_a_region(value):
    with pytest.raises(UnknownRegion):
        current_region_code(value)
