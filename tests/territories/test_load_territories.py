import io

import pytest
from django.core.management import call_command

from frenchimpact.territories.enums import TerritoryLevel
from frenchimpact.territories.models import Commune, Department, Region
from frenchimpact.territories.reference import UnknownRegion
from frenchimpact.territories.selectors import region_for_former, territory_get


def _load(command="load_territories"):
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_load_territories_creates_regions_departments_and_prefectures():
    output = _load()
    assert Region.objects.count() == 18
    assert Department.objects.count() == 101
    assert Commune.objects.filter(is_prefecture=True).count() == 101
    assert "regions : 18 créé(s), 0 mis à jour" in output
    assert Department.objects.filter(code__in=["2A", "2B"]).count() == 2
    assert not Department.objects.filter(code="20").exists()
    assert sorted(
        Department.objects.filter(code__startswith="97").values_list("code", flat=True)
    ) == [
        "971",
        "972",
        "973",
        "974",
        "976",
    ]


@pytest.mark.django_db
def test_every_loaded_department_has_its_region_and_its_prefecture(territories):
    departments = Department.objects.select_related("region")
    assert {d.code: d.region.code for d in departments if d.code in ("29", "53", "75", "2A")} == {
        "29": "53",
        "53": "52",
        "75": "11",
        "2A": "94",
    }
    for department in departments.prefetch_related("communes"):
        prefectures = [c for c in department.communes.all() if c.is_prefecture]
        assert len(prefectures) == 1, department
        assert prefectures[0].code.startswith(department.code)
    assert all(region.departments.exists() for region in Region.objects.all())


@pytest.mark.django_db
def test_load_territories_is_idempotent_and_restores_names(territories):
    Region.objects.filter(code="53").update(nom="Bretagne (ancien nom)")
    Department.objects.filter(code="2A").update(nom="Corse du Sud")
    Commune.objects.filter(code="75056").update(nom="Lutèce")
    before = list(Region.objects.order_by("code").values_list("pk", flat=True))

    output = _load()

    assert Region.objects.count() == 18
    assert Department.objects.count() == 101
    assert Commune.objects.count() == 101
    assert list(Region.objects.order_by("code").values_list("pk", flat=True)) == before
    assert Region.objects.get(code="53").nom == "Bretagne"
    assert Department.objects.get(code="2A").nom == "Corse-du-Sud"
    assert Commune.objects.get(code="75056").nom == "Paris"
    assert "regions : 0 créé(s), 1 mis à jour" in output
    assert "departements : 0 créé(s), 1 mis à jour" in output


@pytest.mark.django_db
def test_load_territories_unflags_a_commune_that_is_no_longer_a_prefecture(territories):
    department = Department.objects.get(code="75")
    Commune.objects.filter(code="75056").update(is_prefecture=False)
    Commune.objects.create(code="75101", nom="Paris 1er", department=department, is_prefecture=True)

    _load()

    assert list(department.communes.filter(is_prefecture=True).values_list("code", flat=True)) == [
        "75056"
    ]


@pytest.mark.django_db
def test_load_reference_data_loads_the_territories():
    _load("load_reference_data")
    _load("load_reference_data")
    assert Region.objects.count() == 18
    assert Department.objects.count() == 101


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "code", "nom"),
    [
        (TerritoryLevel.REGION, "53", "Bretagne"),
        (TerritoryLevel.DEPARTEMENT, "53", "Mayenne"),
        (TerritoryLevel.REGION, "75", "Nouvelle-Aquitaine"),
        (TerritoryLevel.DEPARTEMENT, "75", "Paris"),
        (TerritoryLevel.COMMUNE, "75056", "Paris"),
        ("departement", "2B", "Haute-Corse"),
    ],
)
def test_territory_get_takes_the_level_explicitly(territories, level, code, nom):
    assert territory_get(level=level, code=code).nom == nom


@pytest.mark.django_db
def test_territory_get_does_not_fall_back_to_another_level(territories):
    with pytest.raises(Region.DoesNotExist):
        territory_get(level=TerritoryLevel.REGION, code="2A")
    with pytest.raises(ValueError):
        territory_get(level="pays", code="53")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_region_for_former_returns_todays_region_in_one_query(
    territories, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert region_for_former("Midi-Pyrénées").code == "76"
    assert region_for_former("BOURGOGNE").nom == "Bourgogne-Franche-Comté"
    assert region_for_former("franche-comte").nom == "Bourgogne-Franche-Comté"
    assert region_for_former("Centre").nom == "Centre-Val de Loire"
    with pytest.raises(UnknownRegion):
        region_for_former("Mayenne")
