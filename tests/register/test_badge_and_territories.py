"""The "Labellisé French IMPACT" badge in the directory, and the territory pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from frenchimpact.labels.enums import LabelKind, LabelStatus, TerritoryLevel
from frenchimpact.search import documents
from frenchimpact.support.enums import ApplyMode, OfferStatus, OfferType
from frenchimpact.support.models import Offer
from frenchimpact.territories.models import Department

from ..search import builders as search_builders
from .builders import label

pytestmark = pytest.mark.usefixtures("territories")
BADGE = "Labellisé French IMPACT"
DAY = dt.timedelta(days=1)


def test_badge_on_the_organisation_page_only_while_valid(client):
    valid = label().holder
    expired = label(
        valid_from=timezone.localdate() - 900 * DAY, valid_until=timezone.localdate()
    ).holder
    revoked = label(status=LabelStatus.REVOKED).holder
    never = search_builders.organisation()

    def page(org):
        return client.get(reverse("directory:organisation", args=[org.pk])).content.decode()

    assert BADGE in page(valid)
    for org in (expired, revoked, never):
        assert BADGE not in page(org)


def test_badge_in_directory_results_without_n_plus_one(client, django_assert_num_queries):
    for _ in range(3):
        label()
    search_builders.organisation()
    documents.rebuild()
    url = reverse("directory:organisation_list")
    html = client.get(url).content.decode()
    assert html.count(BADGE) == 3
    for _ in range(3):
        label()
    documents.rebuild()
    with django_assert_num_queries(_count(client, url)):
        assert client.get(url).content.decode().count(BADGE) == 6


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def _offer(provider, name, *, france=False, departments=()):
    offer = Offer.objects.create(
        provider=provider,
        name=name,
        description="…",
        offer_type=OfferType.TRAINING,
        apply_mode=ApplyMode.PLATFORM,
        zone_france=france,
    )
    offer.covered_departments.set(Department.objects.filter(code__in=departments))
    return offer


def test_region_and_department_pages(client):
    rennes = label(holder=search_builders.organisation(name="Incubateur Rennais", departement="35"))
    label(holder=search_builders.organisation(name="Ruche de Brest", departement="29"))
    label(
        holder=search_builders.organisation(name="Expirée", departement="35"),
        status=LabelStatus.EXPIRED,
    )
    label(holder=search_builders.organisation(name="Parisienne", departement="75"))
    label(
        holder=search_builders.organisation(name="Conseil régional", departement="35"),
        kind=LabelKind.TERRITORY,
        typology="",
        territory_level=TerritoryLevel.REGION,
        territory_code="53",
        territory_name="Bretagne",
        is_pilot_territory=True,
    )
    provider = rennes.holder
    _offer(provider, "Offre nationale", france=True)
    _offer(provider, "Offre en Ille-et-Vilaine", departments=["35"])
    _offer(provider, "Offre à Paris", departments=["75"])
    archived = _offer(provider, "Offre archivée", departments=["35"])
    Offer.objects.filter(pk=archived.pk).update(status=OfferStatus.ARCHIVED)
    search_builders.project(title="Jardins de Rennes", departements=["35"], regions=["53"])
    documents.rebuild()

    region = client.get(reverse("territories:region", args=["53"]))
    html = region.content.decode()
    assert region.status_code == 200
    assert "2 structures d’accompagnement labellisées" in html
    assert "Incubateur Rennais" in html and "Ruche de Brest" in html
    assert "Expirée" not in html and "Parisienne" not in html
    assert "2 offres d’accompagnement couvrant ce territoire" in html
    assert "Offre à Paris" not in html and "Offre archivée" not in html
    assert "1 projet de l’annuaire agit ici" in html and "Jardins de Rennes" in html
    assert "Territoire labellisé French IMPACT" in html and "Territoire pilote" in html

    html = client.get(reverse("territories:department", args=["29"])).content.decode()
    assert "1 structure d’accompagnement labellisée" in html and "Ruche de Brest" in html
    assert "1 offre d’accompagnement couvrant ce territoire" in html
    assert "Territoire labellisé" not in html
    assert client.get(reverse("territories:department", args=["99"])).status_code == 404
    assert client.get(reverse("territories:region", args=["35"])).status_code == 404


def test_territory_page_query_count_is_fixed(client, django_assert_max_num_queries):
    for _ in range(5):
        label(holder=search_builders.organisation(departement="35"))
    documents.rebuild()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("territories:region", args=["53"])).status_code == 200
