"""The map of France by region: 18 linked regions, a choropleth, its table alternative."""

import json
import re

import pytest

from frenchimpact.directory import selectors
from frenchimpact.search import documents
from frenchimpact.territories import reference
from tests.search import builders

pytestmark = pytest.mark.django_db


def test_map_data_is_committed_small_and_complete():
    assert selectors.MAP_DATA.stat().st_size < 150 * 1024
    data = json.loads(selectors.MAP_DATA.read_text(encoding="utf-8"))
    assert set(data["regions"]) == {region.code for region in reference.REGIONS}
    assert {inset["code"] for inset in data["encarts"]} == {"01", "02", "03", "04", "06"}
    assert all(shape["d"].startswith("M") for shape in data["regions"].values())
    assert "IGN GEOFLA 2016" in data["attribution"]


@pytest.fixture
def counts(territories):
    organisation = builders.organisation(departement="75")
    for _ in range(3):
        builders.project(organisation_=organisation, regions=["53"])
    builders.project(organisation_=organisation, departements=["971"])
    builders.project(organisation_=organisation, is_national=True)
    documents.rebuild()


def test_every_region_is_a_link_with_its_count(client, counts):
    page = client.get("/annuaire/carte/").content.decode()
    links = re.findall(
        r'<a href="(/annuaire/\?region=\w+)" aria-label="([^"]+)" class="fi-map__region">', page
    )
    assert len(links) == 18
    assert ("/annuaire/?region=53", "Bretagne : 3 projets") in links
    assert ("/annuaire/?region=01", "Guadeloupe : 1 projet") in links
    assert ("/annuaire/?region=11", "Île-de-France : aucun projet") in links
    assert page.count("<path ") == 18
    assert "Contours : IGN GEOFLA 2016, INSEE COG — Licence Ouverte / Etalab" in page


def test_choropleth_colours_follow_the_counts(client, counts):
    page = client.get("/annuaire/carte/").content.decode()
    fill = dict(
        re.findall(
            r'aria-label="([^":]+) :[^"]*" class="fi-map__region">\s*<title>[^<]*</title>\s*<path d="[^"]+" fill="(#[0-9a-f]+)"',
            page,
        )
    )
    assert len(fill) == 18
    assert fill["Bretagne"] != fill["Île-de-France"] != fill["Guadeloupe"]
    assert fill["Île-de-France"] == fill["Corse"]  # both zero
    assert "Légende" in page


def test_table_alternative(client, counts):
    page = client.get("/annuaire/carte/").content.decode()
    table = page[page.index('<table id="tableau-regions">') : page.index("</table>")]
    rows = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>(\d+)</td>', table)
    assert len(rows) == 19  # 18 regions and the national actions
    assert ("/annuaire/?region=53", "Bretagne", "3") in rows
    assert ("/annuaire/?region=nationale", "Action nationale", "1") in rows


def test_map_of_organisations(client, counts, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        page = client.get("/annuaire/carte/", {"objet": "structures"}).content.decode()
    assert 'href="/annuaire/structures/?region=11" aria-label="Île-de-France : 1 structure"' in page
