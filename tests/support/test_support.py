"""Support profiles, offers, requests through the platform, public search and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from frenchimpact.audit.models import AuditEntry
from frenchimpact.labels.enums import LabelKind, LabelStatus
from frenchimpact.labels.models import Label, LabelApplication
from frenchimpact.support import services
from frenchimpact.support.enums import ApplyMode, OfferStatus, RequestStatus
from frenchimpact.support.models import Offer, OfferRequest, SupportProfile

from ..organisations.factories import PublishedOrganisationFactory, PublishedProjectFactory
from .factories import OfferFactory, SupportProfileFactory, SupportStructureFactory, set_offer_zone

pytestmark = pytest.mark.django_db


def offer_values(**overrides):
    values = {
        "name": "Incubateur rural",
        "description": "Accompagnement de projets ruraux.",
        "offer_type": "incubation_acceleration",
        "stages": ["emergence"],
        "challenges": ["equite_territoriale"],
        "publics": ["associations"],
        "zone_france": False,
        "zone_regions": [],
        "zone_departments": [],
        "zone_communes": [],
        "is_free": True,
        "price_details": "",
        "on_site": True,
        "remote": False,
        "capacity": 10,
        "rolling": True,
        "next_cohort_start": None,
        "next_cohort_end": None,
        "apply_mode": ApplyMode.PLATFORM,
        "apply_url": "",
        "apply_email": "",
    }
    values.update(overrides)
    return values


def grant_label(organisation, *, status=LabelStatus.ACTIVE, valid_until=None):
    application = LabelApplication.objects.create(
        organisation=organisation, kind=LabelKind.SUPPORT_STRUCTURE
    )
    today = timezone.localdate()
    return Label.objects.create(
        holder=organisation,
        kind=LabelKind.SUPPORT_STRUCTURE,
        application=application,
        number=f"FI-{application.pk}",
        valid_from=today - dt.timedelta(days=30),
        valid_until=valid_until or today + dt.timedelta(days=300),
        status=status,
    )


# --- Services -------------------------------------------------------------------------------


def test_offer_create_derives_covered_departments(territories, structure, member):
    offer = services.offer_create(
        provider=structure,
        actor=member,
        values=offer_values(zone_regions=["11"], zone_departments=["35"], zone_communes=["56260"]),
    )
    assert sorted(d.code for d in offer.covered_departments.all()) == ["35", "56", "75", "91"]
    assert offer.zone_communes == ["56260"]
    assert AuditEntry.objects.filter(action="offer_create").count() == 1


def test_offer_update_follows_the_zone(territories, structure, member):
    offer = services.offer_create(
        provider=structure, actor=member, values=offer_values(zone_regions=["53"])
    )
    services.offer_update(offer=offer, actor=member, values=offer_values(zone_departments=["75"]))
    assert [d.code for d in offer.covered_departments.all()] == ["75"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"zone_departments": ["35", "999"]}, "zone_departments", "999"),
        ({"zone_regions": ["99"]}, "zone_regions", "Code de région inconnu : 99"),
        ({"zone_communes": ["99001"]}, "zone_communes", "99001"),
        ({}, "zone_france", "zone d’éligibilité"),
        (
            {
                "zone_france": True,
                "next_cohort_start": dt.date(2030, 5, 1),
                "next_cohort_end": dt.date(2030, 4, 1),
            },
            "next_cohort_end",
            "précède",
        ),
        ({"zone_france": True, "is_free": False}, "price_details", "tarifaires"),
        ({"zone_france": True, "apply_mode": ApplyMode.LINK}, "apply_url", "lien"),
        ({"zone_france": True, "on_site": False}, "remote", "présentiel"),
        ({"zone_france": True, "stages": ["lune"]}, "stages", "lune"),
    ],
)
def test_offer_create_rejects_bad_input(territories, structure, member, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        services.offer_create(provider=structure, actor=member, values=offer_values(**overrides))
    assert message in " ".join(error.value.message_dict[field])
    assert not Offer.objects.exists()
    assert not AuditEntry.objects.filter(action="offer_create").exists()


def test_offer_create_checks_member_and_kind(territories, structure, outsider):
    with pytest.raises(PermissionDenied):
        services.offer_create(
            provider=structure, actor=outsider, values=offer_values(zone_france=True)
        )
    holder = PublishedOrganisationFactory.create()  # a project holder
    from ..organisations.factories import member_of

    user = member_of(holder)
    with pytest.raises(ValidationError, match="entreprises engagées"):
        services.offer_create(provider=holder, actor=user, values=offer_values(zone_france=True))
    assert not Offer.objects.exists()


def test_committed_company_may_publish_offers(territories):
    from ..organisations.factories import member_of

    company = PublishedOrganisationFactory.create(kinds=["entreprise_engagee"])
    user = member_of(company)
    offer = services.offer_create(
        provider=company, actor=user, values=offer_values(zone_france=True)
    )
    assert offer.provider == company


def test_suspend_reactivate_archive(territories, structure, member):
    offer = OfferFactory.create(provider=structure)
    with pytest.raises(ValidationError):
        services.offer_suspend(offer=offer, actor=member, until=timezone.localdate())
    until = timezone.localdate() + dt.timedelta(days=10)
    services.offer_suspend(offer=offer, actor=member, until=until)
    offer.refresh_from_db()
    assert (offer.status, offer.suspended_until) == (OfferStatus.SUSPENDED, until)
    assert services.offer_is_suspended(offer)
    assert not services.offer_is_suspended(offer, today=until + dt.timedelta(days=1))
    services.offer_reactivate(offer=offer, actor=member)
    offer.refresh_from_db()
    assert (offer.status, offer.suspended_until) == (OfferStatus.ACTIVE, None)
    services.offer_archive(offer=offer, actor=member)
    with pytest.raises(ValidationError, match="Archivée"):
        services.offer_reactivate(offer=offer, actor=member)
    assert AuditEntry.objects.filter(action__startswith="offer_").count() == 3


def test_support_profile_save(territories, structure, member):
    project = PublishedProjectFactory.create()
    profile = services.support_profile_save(
        organisation=structure,
        actor=member,
        values={
            "typology": "incubateur",
            "presentation": "Bonjour",
            "covers_france": False,
            "contact_email": "contact@ruche.fr",
        },
        region_codes=["53"],
        project_ids=[project.pk],
    )
    assert [r.code for r in profile.regions.all()] == ["53"]
    assert list(profile.supported_projects.all()) == [project]


def test_support_profile_rejects_bad_input(territories, structure, member):
    with pytest.raises(ValidationError) as error:
        services.support_profile_save(
            organisation=structure,
            actor=member,
            values={"typology": "incubateur"},
            department_codes=["35", "00"],
        )
    assert "00" in error.value.message_dict["zone_departments"][0]
    with pytest.raises(ValidationError) as error:
        services.support_profile_save(
            organisation=structure,
            actor=member,
            values={"typology": "incubateur", "covers_france": True},
            project_ids=[424242],
        )
    assert "424242" in error.value.message_dict["supported_projects"][0]
    with pytest.raises(ValidationError) as error:
        services.support_profile_save(
            organisation=structure,
            actor=member,
            values={"typology": "martien", "covers_france": True},
        )
    assert "typologie" in error.value.message_dict["typology"][0]
    assert not SupportProfile.objects.exists()


def test_request_lifecycle_sends_emails(territories, structure, member, outsider):
    offer = OfferFactory.create(provider=structure)
    mail.outbox.clear()
    request = services.offer_request_create(offer=offer, requester=outsider, message="Bonjour !")
    assert [m.to for m in mail.outbox] == [["membre@ruche.fr"]]
    assert "Bonjour !" in mail.outbox[0].body
    services.offer_request_answer(offer_request=request, actor=member, answer="Avec plaisir.")
    assert mail.outbox[-1].to == ["autre@exemple.fr"]
    assert "Avec plaisir." in mail.outbox[-1].body
    services.offer_request_mark_handled(offer_request=request, actor=member)
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLED
    with pytest.raises(ValidationError, match="déjà traitée"):
        services.offer_request_answer(offer_request=request, actor=member, answer="Encore")
    with pytest.raises(PermissionDenied):
        services.offer_request_mark_handled(offer_request=request, actor=outsider)


def test_request_rejected_on_suspended_or_foreign_organisation(territories, structure, outsider):
    offer = OfferFactory.create(
        provider=structure,
        status=OfferStatus.SUSPENDED,
        suspended_until=timezone.localdate() + dt.timedelta(days=3),
    )
    with pytest.raises(ValidationError, match="suspendue jusqu’au"):
        services.offer_request_create(offer=offer, requester=outsider, message="Bonjour")
    other = OfferFactory.create(provider=structure)
    with pytest.raises(ValidationError) as error:
        services.offer_request_create(
            offer=other,
            requester=outsider,
            message="Bonjour",
            organisation=PublishedOrganisationFactory.create(),
        )
    assert "membre" in error.value.message_dict["organisation"][0]
    assert not OfferRequest.objects.exists()


# --- Pages ----------------------------------------------------------------------------------


def test_offers_search_by_department_and_label(client, territories, django_assert_max_num_queries):
    national = OfferFactory.create(name="National")
    breton = set_offer_zone(OfferFactory.create(name="Breton"), regions=["53"])
    ille = set_offer_zone(OfferFactory.create(name="Ille"), departments=["35"])
    set_offer_zone(OfferFactory.create(name="Parisien"), departments=["75"])
    grant_label(breton.provider)
    grant_label(ille.provider, status=LabelStatus.SUSPENDED)
    url = reverse("support:offers")
    response = client.get(url, {"departement": "35"})
    assert [o.name for o in response.context["page"]] == ["Breton", "Ille", "National"]
    response = client.get(url, {"departement": "35", "labellise": "oui"})
    assert [o.name for o in response.context["page"]] == ["Breton"]
    assert "Structure labellisée" in response.content.decode()
    response = client.get(url, {"labellise": "non", "stade": "emergence"})
    assert national.name in [o.name for o in response.context["page"]]
    for i in range(10):
        OfferFactory.create(name=f"Offre {i}")
    with django_assert_max_num_queries(8):
        client.get(url)


def test_offers_search_bad_filter(client, territories):
    response = client.get(reverse("support:offers"), {"type": "voyage"})
    assert response.status_code == 400
    assert "Valeur inconnue pour le filtre « Type d’offre »" in response.content.decode()


def test_offer_detail_suspended_has_no_apply_button(client, territories):
    offer = OfferFactory.create(status=OfferStatus.SUSPENDED, suspended_until=dt.date(2099, 1, 31))
    content = client.get(reverse("support:offer", args=[offer.pk])).content.decode()
    assert "suspendue jusqu’au 31 janvier 2099" in content
    assert reverse("support:offer_request", args=[offer.pk]) not in content
    archived = OfferFactory.create(status=OfferStatus.ARCHIVED)
    assert client.get(reverse("support:offer", args=[archived.pk])).status_code == 404


def test_member_pages_access(client, territories, structure, member, outsider):
    offer = OfferFactory.create(provider=structure)
    urls = [
        reverse("support:offers_manage", args=[structure.pk]),
        reverse("support:offer_create", args=[structure.pk]),
        reverse("support:profile_edit", args=[structure.pk]),
        reverse("support:inbox", args=[structure.pk]),
        reverse("support:offer_edit", args=[offer.pk]),
        reverse("support:offer_suspend", args=[offer.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.force_login(member)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_offer_create_page_rejects_unknown_code(client, territories, structure, member):
    client.force_login(member)
    data = {
        "name": "Offre",
        "description": "Texte",
        "offer_type": "formation",
        "zone_departments": "35, 999",
        "on_site": "on",
        "rolling": "on",
        "is_free": "on",
        "apply_mode": "plateforme",
    }
    response = client.post(reverse("support:offer_create", args=[structure.pk]), data)
    assert response.status_code == 400
    assert "Code de département inconnu : 999." in response.content.decode()
    assert not Offer.objects.exists()
    data["zone_departments"] = "35"
    response = client.post(reverse("support:offer_create", args=[structure.pk]), data)
    assert response.status_code == 302
    assert [d.code for d in Offer.objects.get().covered_departments.all()] == ["35"]


def test_request_page_and_inbox(client, territories, structure, member, outsider):
    offer = OfferFactory.create(provider=structure)
    client.force_login(outsider)
    response = client.post(reverse("support:offer_request", args=[offer.pk]), {"message": ""})
    assert response.status_code == 400
    assert "Écrivez votre message" in response.content.decode()
    response = client.post(
        reverse("support:offer_request", args=[offer.pk]), {"message": "Aidez-nous"}
    )
    assert response.status_code == 302
    request = OfferRequest.objects.get()
    client.force_login(member)
    response = client.get(reverse("support:inbox", args=[structure.pk]), {"statut": "nouvelle"})
    assert "autre@exemple.fr" in response.content.decode()
    response = client.post(
        reverse("support:request", args=[request.pk]), {"action": "answer", "answer": "Oui"}
    )
    assert response.status_code == 302
    response = client.get(reverse("support:inbox", args=[structure.pk]), {"statut": "nouvelle"})
    assert "autre@exemple.fr" not in response.content.decode()


def test_profile_section_include(client, territories):
    profile = SupportProfileFactory.create(covers_france=True)
    from django.template.loader import render_to_string

    from frenchimpact.support.selectors import support_profile_for_display

    html = render_to_string(
        "support/includes/profile_section.html",
        {"support_profile": support_profile_for_display(organisation=profile.organisation)},
    )
    assert "Toute la France" in html and "Incubateur" in html


# --- API ------------------------------------------------------------------------------------


def test_api_list_filters_and_fields(client, territories, django_assert_max_num_queries):
    breton = set_offer_zone(OfferFactory.create(name="Breton"), regions=["53"])
    OfferFactory.create(name="National")
    set_offer_zone(OfferFactory.create(name="Parisien"), departments=["75"])
    grant_label(breton.provider)
    url = "/api/v1/offres/"
    with django_assert_max_num_queries(8):
        data = client.get(url, {"departement": "35"}).json()
    assert [o["nom"] for o in data["results"]] == ["Breton", "National"]
    first = data["results"][0]
    assert first["zone"] == {"france": False, "regions": ["53"], "departements": [], "communes": []}
    assert first["labellise"] is True
    assert first["candidater"] == {"mode": "plateforme", "lien": None, "email": None}
    assert first["structure"]["nom"] == breton.provider.name
    assert set(first) >= {"stades", "defis", "publics", "statut", "suspendue_jusqu_au", "url"}
    assert [o["nom"] for o in client.get(url, {"region": "11"}).json()["results"]] == [
        "National",
        "Parisien",
    ]
    assert [o["nom"] for o in client.get(url, {"labellise": "non"}).json()["results"]] == [
        "National",
        "Parisien",
    ]
    detail = client.get(f"{url}{breton.pk}/")
    assert detail.status_code == 200 and detail["ETag"]
    assert client.get(f"{url}{breton.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


@pytest.mark.parametrize(
    ("params", "parametre", "fragment"),
    [
        ({"type": "voyage"}, "type", "incubation_acceleration"),
        ({"departement": "99"}, "departement", "35"),
        ({"stade": "lune"}, "stade", "emergence"),
        ({"labellise": "peut-etre"}, "labellise", None),
    ],
)
def test_api_rejects_unknown_values(client, territories, params, parametre, fragment):
    response = client.get("/api/v1/offres/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["parametre"] == parametre
    if fragment:
        assert fragment in body["detail"]


def test_api_hides_archived_and_unpublished(client, territories):
    OfferFactory.create(status=OfferStatus.ARCHIVED)
    OfferFactory.create(provider=SupportStructureFactory.create(status="en_attente"))
    assert client.get("/api/v1/offres/").json()["count"] == 0


@pytest.mark.django_db
def test_labelled_follows_the_register_rule_for_renewed_and_ended_labels(client):
    """A label renewed early is still valid until its end; on its end day it no longer counts
    (the register calls it expired): the offers' flag agrees with the register."""
    from ..labels.factories import LabelFactory

    today = timezone.localdate()
    renewed_holder = SupportStructureFactory.create()
    LabelFactory.create(
        holder=renewed_holder,
        status=LabelStatus.RENEWED,
        valid_from=today - dt.timedelta(days=300),
        valid_until=today + dt.timedelta(days=30),
    )
    ended_holder = SupportStructureFactory.create()
    LabelFactory.create(
        holder=ended_holder,
        status=LabelStatus.ACTIVE,
        valid_from=today - dt.timedelta(days=1095),
        valid_until=today,
    )
    OfferFactory.create(provider=renewed_holder, name="Offre renouvelée")
    OfferFactory.create(provider=ended_holder, name="Offre échue")

    results = client.get("/api/v1/offres/").json()["results"]
    flags = {offer["nom"]: offer["labellise"] for offer in results}
    assert flags == {"Offre renouvelée": True, "Offre échue": False}
