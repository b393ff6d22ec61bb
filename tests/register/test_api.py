"""GET /api/v1/labels/ and /api/v1/labels/<numero>/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from frenchimpact.labels.enums import LabelKind, LabelStatus, TerritoryLevel

from ..search import builders as search_builders
from .builders import label

pytestmark = pytest.mark.usefixtures("territories")
URL = "/api/v1/labels/"
DAY = dt.timedelta(days=1)


def test_list_fields_in_french(client, settings):
    settings.PUBLIC_BASE_URL = "https://public.example.fr"
    holder = search_builders.organisation(name="Ruche Armor", departement="35")
    obj = label(holder=holder)
    data = client.get(URL).json()
    assert data["next"] is None
    (item,) = data["results"]
    assert item == {
        "numero": obj.number,
        "type": "accompagnateur",
        "titulaire": {
            "id": holder.pk,
            "nom": "Ruche Armor",
            "url": f"http://testserver/annuaire/structures/{holder.pk}/",
        },
        "typologie": "incubateur",
        "territoire": None,
        "territoire_pilote": False,
        "region": "53",
        "valide_du": obj.valid_from.isoformat(),
        # The last valid day, inclusive, as the verification page says it.
        "valide_jusqu_au": (obj.valid_until - dt.timedelta(days=1)).isoformat(),
        "statut": "valide",
        "url_verification": f"https://public.example.fr/labels/verifier/{obj.verification_token}/",
    }


def test_status_is_the_one_of_today_and_filters_use_it(client):
    today = timezone.localdate()
    label(number="A-1")
    label(number="A-2", valid_from=today - 900 * DAY, valid_until=today)  # stored "actif"
    label(number="A-3", status=LabelStatus.SUSPENDED)
    statuses = {item["numero"]: item["statut"] for item in client.get(URL).json()["results"]}
    assert statuses == {"A-1": "valide", "A-2": "expire", "A-3": "suspendu"}
    numbers = [item["numero"] for item in client.get(URL, {"statut": "expire"}).json()["results"]]
    assert numbers == ["A-2"]


def test_filters_by_kind_typology_region(client):
    label(number="B-1", holder=search_builders.organisation(departement="75"))
    label(
        number="B-2",
        kind=LabelKind.TERRITORY,
        typology="",
        territory_level=TerritoryLevel.DEPARTMENT,
        territory_code="35",
        territory_name="Ille-et-Vilaine",
        is_pilot_territory=True,
    )

    def numbers(**params):
        return [item["numero"] for item in client.get(URL, params).json()["results"]]

    assert numbers(type="territoire") == ["B-2"]
    assert numbers(typologie="incubateur") == ["B-1"]
    assert numbers(region="11") == ["B-1"]
    territory = client.get(URL, {"type": "territoire"}).json()["results"][0]
    assert territory["territoire"] == {
        "niveau": "departement",
        "code": "35",
        "nom": "Ille-et-Vilaine",
    }
    assert territory["territoire_pilote"] is True


@pytest.mark.parametrize(
    ("param", "value", "accepted"),
    [
        ("statut", "actif", "valide, a_venir, expire, suspendu, revoque"),
        ("type", "structure", "accompagnateur, territoire"),
        ("region", "99", "01, 02"),
        ("typologie", "x", "incubateur"),
    ],
)
def test_unknown_values_are_400_naming_the_parameter_and_accepted_values(
    client, param, value, accepted
):
    response = client.get(URL, {param: value})
    assert response.status_code == 400
    body = response.json()
    assert body["parametre"] == param
    assert f"« {value} »" in body["detail"] and accepted in body["detail"]


def test_detail_by_number(client):
    obj = label(number="FI-ACC-2026-000042")
    response = client.get(f"{URL}FI-ACC-2026-000042/")
    assert response.status_code == 200
    assert response.json()["numero"] == obj.number
    assert client.get(f"{URL}FI-ACC-2026-999999/").status_code == 404


def test_query_counts_do_not_grow(client, django_assert_max_num_queries):
    for _ in range(15):
        label()
    with django_assert_max_num_queries(3):
        assert len(client.get(URL).json()["results"]) == 15
    label(number="C-1")
    with django_assert_max_num_queries(2):
        assert client.get(f"{URL}C-1/").status_code == 200


def test_etag_depends_on_the_day(client, monkeypatch):
    label()
    etag = client.get(URL)["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    from frenchimpact.labels import register_api

    monkeypatch.setattr(
        register_api, "paris_today", lambda: timezone.localdate() + dt.timedelta(days=1)
    )
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
