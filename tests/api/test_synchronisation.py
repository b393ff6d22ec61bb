"""Synchronisation listings (/api/v1/synchronisation/…) and ``modifie_depuis`` everywhere."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from frenchimpact.accounts.roles import Role
from frenchimpact.api.filters import SYNC_OVERLAP, parse_modified_since
from frenchimpact.labels.models import Label
from frenchimpact.organisations import services as organisation_services
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.projects import services as project_services
from frenchimpact.projects.models import Project
from frenchimpact.support import services as support_services
from frenchimpact.support.enums import OfferStatus
from frenchimpact.support.models import Offer
from frenchimpact.territories.models import Department, Region
from tests.accounts.factories import user_with_role
from tests.organisations.factories import (
    OrganisationFactory,
    ProjectFactory,
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    member_of,
)
from tests.register import builders as label_builders
from tests.support.factories import OfferFactory, SupportStructureFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
ORGANISATIONS = "/api/v1/synchronisation/organisations/"
PROJECTS = "/api/v1/synchronisation/projets/"
OFFERS = "/api/v1/synchronisation/offres/"
PRIVATE_WORDS = ("contact", "email", "e-mail", "moderation", "pending", "motif", "attente")


def walk(client, path, **params):
    """Every item of a cursor listing, following ``next``; and the first page's header."""
    items, url, first_header = [], path, None
    params = {"taille_page": 2, **params}
    while url:
        response = client.get(url, params if url == path else None)
        assert response.status_code == 200, response.content
        first_header = first_header or response["Prochain-Modifie-Depuis"]
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        items += body["results"]
        url = body["next"]
    return items, first_header


def since(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).isoformat()


def later(**delta: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


@pytest.fixture
def moderator():
    return user_with_role(Role.PROGRAMME_STAFF)


@pytest.fixture
def directory(territories):
    published = PublishedOrganisationFactory.create_batch(3)
    never = OrganisationFactory.create(name="Jamais publiée")  # pending, never public
    projects = [
        PublishedProjectFactory.create(organisation=published[0]),
        PublishedProjectFactory.create(organisation=published[0]),
        PublishedProjectFactory.create(organisation=published[1]),
    ]
    ProjectFactory.create(organisation=published[2])  # pending, never public
    # A published project of a never-published organisation was never visible.
    PublishedProjectFactory.create(organisation=never)
    return {"organisations": published, "never": never, "projects": projects}


# --- Full walk ------------------------------------------------------------------------------


def test_full_walk_of_organisations_is_the_public_set_in_id_order(client, directory):
    items, _header = walk(client, ORGANISATIONS)
    expected = list(
        Organisation.objects.filter(status=ModerationStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert [item["id"] for item in items] == expected
    assert len(expected) == 3
    # Same representation as the detail endpoint.
    detail = client.get(f"/api/v1/organisations/{expected[0]}/").json()
    assert items[0] == detail


def test_full_walk_of_projects_is_the_public_set(client, directory):
    items, _header = walk(client, PROJECTS)
    assert [item["id"] for item in items] == sorted(p.pk for p in directory["projects"])
    detail = client.get(f"/api/v1/projets/{items[-1]['id']}/").json()
    assert items[-1] == detail


def test_full_walk_of_offers_is_the_public_set(client, territories):
    offers = OfferFactory.create_batch(3)
    OfferFactory.create(status=OfferStatus.ARCHIVED)
    OfferFactory.create(
        provider=SupportStructureFactory(status=ModerationStatus.PENDING, published_at=None)
    )
    items, _header = walk(client, OFFERS)
    assert [item["id"] for item in items] == sorted(o.pk for o in offers)
    assert items[0] == client.get(f"/api/v1/offres/{items[0]['id']}/").json()


def test_no_private_field_in_any_item(client, directory, moderator):
    organisation = directory["organisations"][0]
    organisation_services.organisation_unpublish(
        organisation=organisation, actor=moderator, reason="Motif confidentiel"
    )
    pending = {"pending_changes": {"name": "Nom en attente"}, "pending_changes_at": later()}
    Organisation.objects.filter(pk=directory["organisations"][1].pk).update(**pending)
    Project.objects.filter(pk=directory["projects"][2].pk).update(
        pending_changes={"title": "Titre en attente"}, pending_changes_at=later()
    )
    start = since(timezone.now() - dt.timedelta(hours=1))
    for path in (ORGANISATIONS, PROJECTS):
        for params in ({}, {"modifie_depuis": start}):
            items, _header = walk(client, path, **params)
            assert items
            for item in items:
                keys = " ".join(item).lower()
                assert not any(word in keys for word in PRIVATE_WORDS), item
            text = str(items)
            assert "Motif confidentiel" not in text
            assert "en attente" not in text
            assert "@structure.fr" not in text


# --- Incremental sync and tombstones --------------------------------------------------------


def test_incremental_sync_returns_the_edit_and_the_tombstone(client, directory, moderator):
    edited, unpublished, untouched = directory["organisations"]
    # Created well before the first synchronisation and its overlap.
    Organisation.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))
    _items, header = walk(client, ORGANISATIONS)
    marker = parse_modified_since(header)
    assert timezone.now() - SYNC_OVERLAP - dt.timedelta(seconds=5) < marker <= timezone.now()

    # Later changes (after the marker, whatever the overlap).
    Organisation.objects.filter(pk=edited.pk).update(
        name="Nouveau nom", updated_at=later(seconds=1)
    )
    organisation_services.organisation_unpublish(
        organisation=unpublished, actor=moderator, reason="Doublon"
    )
    Organisation.objects.filter(pk=directory["never"].pk).update(
        status=ModerationStatus.REJECTED, updated_at=later(seconds=1)
    )

    items, _header = walk(client, ORGANISATIONS, modifie_depuis=header)
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == {edited.pk, unpublished.pk}
    assert by_id[edited.pk]["nom"] == "Nouveau nom"
    tombstone = by_id[unpublished.pk]
    assert set(tombstone) == {"id", "retire", "modifie_le"}
    assert tombstone["retire"] is True
    unpublished.refresh_from_db()
    assert dt.datetime.fromisoformat(tombstone["modifie_le"]) == unpublished.updated_at
    assert untouched.pk not in by_id


def test_a_project_counts_as_modified_when_its_organisation_is_unpublished(
    client, directory, moderator
):
    start = timezone.now()
    organisation = directory["organisations"][0]
    organisation_services.organisation_unpublish(
        organisation=organisation, actor=moderator, reason="Fermée"
    )
    items, _header = walk(client, PROJECTS, modifie_depuis=since(start))
    first, second = directory["projects"][:2]
    assert items == [
        {
            "id": first.pk,
            "retire": True,
            "modifie_le": timezone.localtime(
                Organisation.objects.get(pk=organisation.pk).updated_at
            ).isoformat(),
        },
        {
            "id": second.pk,
            "retire": True,
            "modifie_le": timezone.localtime(
                Organisation.objects.get(pk=organisation.pk).updated_at
            ).isoformat(),
        },
    ]


def test_a_renamed_organisation_brings_its_projects_back(client, directory):
    start = timezone.now()
    organisation = directory["organisations"][1]
    Organisation.objects.filter(pk=organisation.pk).update(name="Renommée", updated_at=later())
    items, _header = walk(client, PROJECTS, modifie_depuis=since(start))
    assert [(item["id"], item["structure"]["nom"]) for item in items] == [
        (directory["projects"][2].pk, "Renommée")
    ]


def test_project_unpublished_is_a_tombstone_and_never_public_ones_never_show(
    client, directory, moderator
):
    start = timezone.now()
    project = directory["projects"][2]
    project_services.project_unpublish(project=project, actor=moderator, reason="Hors sujet")
    # Never public: edits of the pending project and of the project of a pending organisation.
    Project.objects.exclude(status=ModerationStatus.PUBLISHED).update(updated_at=later())
    Project.objects.filter(organisation=directory["never"]).update(updated_at=later())
    items, _header = walk(client, PROJECTS, modifie_depuis=since(start))
    assert [(item["id"], item.get("retire")) for item in items] == [(project.pk, True)]


def test_offer_archived_or_provider_unpublished_is_a_tombstone(client, territories, moderator):
    kept, archived, orphan = OfferFactory.create_batch(3)
    never = OfferFactory.create(
        provider=SupportStructureFactory(status=ModerationStatus.PENDING, published_at=None)
    )
    start = timezone.now()
    manager = member_of(archived.provider)
    support_services.offer_archive(offer=archived, actor=manager)
    organisation_services.organisation_unpublish(
        organisation=orphan.provider, actor=moderator, reason="Fermée"
    )
    Offer.objects.filter(pk=never.pk).update(name="Modifiée", updated_at=later())

    items, _header = walk(client, OFFERS, modifie_depuis=since(start))
    assert [(item["id"], item.get("retire")) for item in items] == [
        (archived.pk, True),
        (orphan.pk, True),
    ]
    assert kept.pk not in [item["id"] for item in items]


def test_offer_modified_when_its_provider_gets_a_label_or_a_suspension_ends(client, territories):
    labelled, suspended, _unchanged = OfferFactory.create_batch(3)
    today = timezone.localdate()
    Offer.objects.filter(pk=suspended.pk).update(
        status=OfferStatus.SUSPENDED, suspended_until=today - dt.timedelta(days=1)
    )
    Offer.objects.update(updated_at=timezone.now() - dt.timedelta(days=3))
    Organisation.objects.update(updated_at=timezone.now() - dt.timedelta(days=3))
    yesterday = timezone.now() - dt.timedelta(days=1)
    label_builders.label(holder=labelled.provider)
    items, _header = walk(client, OFFERS, modifie_depuis=since(yesterday))
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == {labelled.pk, suspended.pk}
    assert by_id[labelled.pk]["labellise"] is True
    assert by_id[suspended.pk]["statut"] == "active"


def test_without_modifie_depuis_there_is_no_tombstone(client, directory, moderator):
    organisation_services.organisation_unpublish(
        organisation=directory["organisations"][0], actor=moderator, reason="Doublon"
    )
    items, _header = walk(client, ORGANISATIONS)
    assert all("retire" not in item for item in items)
    assert len(items) == 2


# --- modifie_depuis values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-31", dt.datetime(2026, 1, 30, 23, 0, tzinfo=dt.UTC)),
        ("2026-07-01T12:00:00", dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)),  # Paris, CEST
        ("2026-07-01T12:00", dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)),
        ("2026-07-01T12:00:00Z", dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)),
        ("2026-07-01T12:00:00.5+02:00", dt.datetime(2026, 7, 1, 10, 0, 0, 500000, dt.UTC)),
        ("2026-07-01T12:00:00-03:30", dt.datetime(2026, 7, 1, 15, 30, tzinfo=dt.UTC)),
        ("0001-01-01", dt.datetime.min.replace(tzinfo=dt.UTC)),  # clamped, not an error
    ],
)
def test_modifie_depuis_values(raw, expected):
    assert parse_modified_since(raw) == expected


@pytest.mark.parametrize(
    "path",
    [
        ORGANISATIONS,
        PROJECTS,
        OFFERS,
        "/api/v1/regions/",
        "/api/v1/departements/",
        "/api/v1/labels/",
        "/api/v1/appels/",
    ],
)
@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("hier", "n’est pas une date"),
        ("2026-02-30", "n’est pas une date"),
        ("2026-01-31T25:00", "n’est pas une date"),
        ("31/01/2026", "n’est pas une date"),
        ("2026-01-31T10:00:00 01:00", "%2B"),
        ("", "n’est pas une date"),
    ],
)
def test_bad_modifie_depuis_answers_400_naming_it(client, territories, path, raw, fragment):
    response = client.get(path, {"modifie_depuis": raw})
    assert response.status_code == 400
    body = response.json()
    assert body["erreur"] == "Requête invalide"
    assert body["parametre"] == "modifie_depuis"
    assert fragment in body["detail"]


def test_repeated_modifie_depuis_is_a_400(client, territories):
    response = client.get(ORGANISATIONS + "?modifie_depuis=2026-01-01&modifie_depuis=2026-01-02")
    assert response.status_code == 400
    assert response.json()["parametre"] == "modifie_depuis"


def test_territories_labels_and_calls_filter_on_modifie_depuis(client, territories):
    start = timezone.now()
    Region.objects.filter(code="53").update(updated_at=later())
    Department.objects.filter(code__in=["35", "2A"]).update(updated_at=later())
    regions = client.get("/api/v1/regions/", {"modifie_depuis": since(start)})
    assert [r["code"] for r in regions.json()["results"]] == ["53"]
    assert "Prochain-Modifie-Depuis" in regions
    departments = client.get("/api/v1/departements/", {"modifie_depuis": since(start)})
    assert [d["code"] for d in departments.json()["results"]] == ["2A", "35"]
    departments = client.get(
        "/api/v1/departements/", {"modifie_depuis": since(start), "region": "94"}
    )
    assert [d["code"] for d in departments.json()["results"]] == ["2A"]


def test_labels_modified_by_edit_holder_or_date(client, territories):
    today = timezone.localdate()
    old = label_builders.label(number="FI-ACC-2020-000001")
    expired_today = label_builders.label(
        number="FI-ACC-2020-000002",
        valid_from=today - dt.timedelta(days=900),
        valid_until=today,
    )
    renamed = label_builders.label(number="FI-ACC-2020-000003")
    edited = label_builders.label(number="FI-ACC-2020-000004")
    Label.objects.update(updated_at=timezone.now() - dt.timedelta(days=3))
    Organisation.objects.update(updated_at=timezone.now() - dt.timedelta(days=3))
    start = timezone.now() - dt.timedelta(days=1)
    Organisation.objects.filter(pk=renamed.holder_id).update(name="Renommée", updated_at=later())
    Label.objects.filter(pk=edited.pk).update(updated_at=later())
    response = client.get("/api/v1/labels/", {"modifie_depuis": since(start)})
    assert [(label["numero"], label["statut"]) for label in response.json()["results"]] == [
        (expired_today.number, "expire"),
        (renamed.number, "valide"),
        (edited.number, "valide"),
    ]
    assert old.number not in str(response.json())


# --- Conditional requests and query counts -------------------------------------------------


@pytest.mark.parametrize("path", [ORGANISATIONS, PROJECTS, OFFERS])
def test_conditional_requests(client, directory, path):
    OfferFactory.create_batch(2)
    for params in ({}, {"modifie_depuis": "2020-01-01"}):
        first = client.get(path, params)
        assert first.status_code == 200
        etag, last_modified = first["ETag"], first["Last-Modified"]
        again = client.get(path, params, headers={"if-none-match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again["Prochain-Modifie-Depuis"]
        assert (
            client.get(path, params, headers={"if-modified-since": last_modified}).status_code
            == 304
        )
    Organisation.objects.update(updated_at=later(seconds=2))
    assert client.get(path, headers={"if-none-match": etag}).status_code == 200


@pytest.mark.parametrize(("path", "queries"), [(ORGANISATIONS, 1), (PROJECTS, 3), (OFFERS, 3)])
def test_queries_do_not_grow_with_the_page(
    client, territories, django_assert_num_queries, path, queries
):
    def build(count):
        for _ in range(count):
            project = PublishedProjectFactory.create()
            project.departments.set(Department.objects.filter(code__in=["35", "29"]))
            OfferFactory.create()

    build(2)
    # The page (its validators come from its rows) and its prefetches; no aggregate over the
    # whole listing, on both shapes of listing, for a 200 and for a 304.
    for params in ({}, {"modifie_depuis": "2020-01-01"}):
        with django_assert_num_queries(queries):
            response = client.get(path, params)
        with django_assert_num_queries(queries):
            assert (
                client.get(path, params, headers={"if-none-match": response["ETag"]}).status_code
                == 304
            )
    build(8)
    for params in ({}, {"modifie_depuis": "2020-01-01"}):
        with django_assert_num_queries(queries):
            response = client.get(path, {**params, "taille_page": 100})
        assert len(response.json()["results"]) >= 10


def test_page_etag_follows_its_rows_the_next_page_and_computed_values(client, territories):
    offers = OfferFactory.create_batch(3)
    page = client.get(OFFERS, {"taille_page": 2})
    etag = page["ETag"]

    def unchanged():
        response = client.get(OFFERS, {"taille_page": 2}, headers={"if-none-match": etag})
        return response.status_code == 304

    assert unchanged()
    Offer.objects.filter(pk=offers[2].pk).update(name="Hors de la page", updated_at=later())
    assert unchanged()  # not on the first page, which still has a next page
    label_builders.label(holder=offers[0].provider)  # "labellise" without any updated_at
    assert not unchanged()
    etag = client.get(OFFERS, {"taille_page": 2})["ETag"]
    Offer.objects.filter(pk=offers[2].pk).update(status=OfferStatus.ARCHIVED)
    assert not unchanged()  # no next page any more
    etag = client.get(OFFERS, {"taille_page": 2})["ETag"]
    Organisation.objects.filter(pk=offers[1].provider_id).update(name="X", updated_at=later())
    assert not unchanged()
