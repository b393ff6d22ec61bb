import re

import pytest
from django.urls import reverse

from frenchimpact.territories.models import Commune, Department


@pytest.mark.django_db
def test_territories_page_lists_regions_with_their_departments(client, territories):
    response = client.get(reverse("territories:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<section class="fr-mb-4w" aria-labelledby="region-') == 18
    assert '<h2 id="region-53">Bretagne' in html
    assert "Départements de la région Provence-Alpes-Côte d&#x27;Azur" in html
    # Mayenne (department 53) sits under Pays de la Loire (region 52), not under Bretagne.
    pays_de_la_loire = html.split('id="region-52"')[1].split('id="region-53"')[0]
    assert '<th scope="row">Mayenne</th>' in pays_de_la_loire
    bretagne = html.split('id="region-53"')[1].split('id="region-75"')[0]
    assert "Mayenne" not in bretagne
    assert re.search(r"<td>2A</td>\s*<th scope=\"row\">Corse-du-Sud</th>\s*<td>Ajaccio</td>", html)
    assert len(re.findall(r"<th scope=\"row\">", html)) == 101
    assert html.count("<caption>") == 18
    assert 'href="/api/v1/docs/"' in html


@pytest.mark.django_db
def test_territories_page_runs_a_fixed_number_of_queries(
    client, territories, django_assert_max_num_queries
):
    # More communes must not mean more queries.
    paris = Department.objects.get(code="75")
    Commune.objects.bulk_create(
        Commune(code=f"751{n:02d}", nom=f"Paris {n}", department=paris) for n in range(1, 21)
    )
    with django_assert_max_num_queries(3):
        response = client.get(reverse("territories:index"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_territories_page_without_data_says_so(client):
    response = client.get(reverse("territories:index"))
    assert "Aucun territoire n’est encore chargé." in response.content.decode()


@pytest.mark.django_db
def test_territories_page_refuses_post(client):
    assert client.post(reverse("territories:index")).status_code == 405
