"""The public call pages: the list of published calls with their state and closing time in
Paris, a call's page (rules in plain French, co-pilots, "Candidater") and its laureates, listed
only once the results are published."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from frenchimpact.calls.enums import ApplicationStatus, CallStatus

from ..accounts.utils import page_text
from ..organisations.factories import (
    OrganisationFactory,
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    member_of,
)
from .factories import make_application, make_call

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def _block(text: str, slug: str) -> str:
    """The text of one call's card on the list page."""
    match = re.search(rf'data-appel="{slug}">(.*?)</li>', text, re.S)
    assert match, f"no card for {slug}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_list_shows_published_calls_with_state_and_paris_closing_time(client):
    now = timezone.now()
    make_call(
        slug="ouvert",
        title="Appel ouvert",
        opens_at=now - dt.timedelta(days=2),
        closes_at=dt.datetime(2099, 5, 31, 12, 0, tzinfo=PARIS),
    )
    make_call(
        slug="avenir",
        title="Appel à venir",
        opens_at=dt.datetime(2098, 1, 18, 9, 0, tzinfo=PARIS),
        closes_at=dt.datetime(2098, 3, 1, 12, 0, tzinfo=PARIS),
    )
    make_call(
        slug="clos",
        title="Appel clos",
        opens_at=dt.datetime(2018, 1, 18, 9, 0, tzinfo=PARIS),
        closes_at=dt.datetime(2018, 5, 31, 12, 0, tzinfo=PARIS),
    )
    published = make_call(
        slug="resultats",
        title="Appel aux résultats publiés",
        opens_at=dt.datetime(2017, 1, 18, 9, 0, tzinfo=PARIS),
        closes_at=dt.datetime(2017, 3, 1, 12, 0, tzinfo=PARIS),
    )
    published.results_published_at = now
    published.save(update_fields=["results_published_at"])
    make_call(slug="brouillon", title="Appel en préparation", status=CallStatus.DRAFT)
    make_call(slug="archive", title="Appel archivé", status=CallStatus.ARCHIVED)

    response = client.get(reverse("calls:call_list"))

    assert response.status_code == 200
    text = page_text(response)
    # 31 May 2099 12:00 in Paris is 10:00 UTC: the page states the Paris time.
    assert "Clôture le 31 mai 2099 à 12:00, heure de Paris" in _block(text, "ouvert")
    assert "Ouvert" in _block(text, "ouvert")
    assert "À venir" in _block(text, "avenir")
    assert "Ouverture le 18 janvier 2098 à 09:00" in _block(text, "avenir")
    assert "Clos le 31 mai 2018 à 12:00, heure de Paris" in _block(text, "clos")
    assert "Résultats publiés" in _block(text, "resultats")
    assert "Appel en préparation" not in text
    assert "Appel archivé" not in text


def test_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for index in range(6):
        make_call(slug=f"appel-{index}", title=f"Appel {index}")
    with django_assert_max_num_queries(2):
        response = client.get(reverse("calls:call_list"))
    assert page_text(response).count("data-appel=") == 6


def test_header_links_to_the_calls(client):
    response = client.get(reverse("pages:home"))
    assert f'href="{reverse("calls:call_list")}"' in response.content.decode()
    assert "Appels à projets" in page_text(response)


def test_detail_of_a_draft_or_archived_call_is_not_found(client):
    draft = make_call(slug="brouillon", status=CallStatus.DRAFT)
    archived = make_call(slug="archive", status=CallStatus.ARCHIVED)
    assert client.get(reverse("calls:call_detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("calls:call_detail", args=[archived.slug])).status_code == 404
    assert client.get(reverse("calls:call_detail", args=["inconnu"])).status_code == 404


def test_detail_states_rules_targets_copilots_and_offers_to_apply(client, call):
    response = client.get(reverse("calls:call_detail", args=[call.slug]))

    assert response.status_code == 200
    text = page_text(response)
    closing = timezone.localtime(call.closes_at)
    assert call.description in text
    assert "de 10 à 15" in text
    assert "Caisse des Dépôts pionniers" in text
    assert "Haut-commissariat à l’ESS et à l’innovation sociale pionniers" in text
    assert "Plus de 3 ans d’existence au " in text
    assert "SIRENE" in text
    assert "supérieur à 500 000 €" in text
    assert "comptes de l’exercice joints" in text
    assert f"le {closing.day} " in text and closing.strftime("%H:%M") in text
    assert f'href="{reverse("calls:application_create", args=[call.slug])}"' in text
    assert "Candidater" in text
    assert "Les lauréats seront publiés ici à l’annonce des résultats." in text


def test_detail_of_a_closed_call_offers_no_application(client):
    call = make_call(
        opens_at=dt.datetime(2018, 1, 18, 9, 0, tzinfo=PARIS),
        closes_at=dt.datetime(2018, 5, 31, 12, 0, tzinfo=PARIS),
    )
    response = client.get(reverse("calls:call_detail", args=[call.slug]))
    text = page_text(response)
    assert reverse("calls:application_create", args=[call.slug]) not in text
    assert "Les candidatures sont closes." in text
    assert "le 31 mai 2018 à 12:00, heure de Paris" in text


def test_detail_shows_a_members_own_application_instead_of_applying(client, call):
    application = make_application(call, status=ApplicationStatus.DRAFT)
    member = member_of(application.organisation)
    client.force_login(member)
    text = page_text(client.get(reverse("calls:call_detail", args=[call.slug])))
    assert reverse("calls:application_detail", args=[application.pk]) in text
    assert reverse("calls:application_create", args=[call.slug]) not in text


def _decided(call):
    """Two laureates (one of a pending organisation), a waiting list and a not selected."""
    laureate = make_application(
        call,
        status=ApplicationStatus.LAUREATE,
        organisation=PublishedOrganisationFactory.create(
            name="Simplon", contact_email="prive@simplon.fr"
        ),
    )
    pending = OrganisationFactory.create(name="Structure en attente")
    other = make_application(call, status=ApplicationStatus.LAUREATE, organisation=pending)
    make_application(
        call,
        status=ApplicationStatus.WAITING_LIST,
        organisation=PublishedOrganisationFactory.create(name="Sur liste d’attente"),
    )
    make_application(
        call,
        status=ApplicationStatus.NOT_SELECTED,
        organisation=PublishedOrganisationFactory.create(name="Non retenue SAS"),
    )
    return laureate, other


def _laureate_rows(text: str) -> list[str]:
    rows = re.findall(r"<tr data-laureat>(.*?)</tr>", text, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_laureates_are_hidden_until_the_results_are_published(client, call):
    _decided(call)
    text = page_text(client.get(reverse("calls:call_detail", args=[call.slug])))
    assert _laureate_rows(text) == []
    assert "Simplon" not in text
    assert "Structure en attente" not in text
    assert "Les lauréats seront publiés ici à l’annonce des résultats." in text


def test_published_results_list_exactly_the_laureates(client, call):
    laureate, other = _decided(call)
    PublishedProjectFactory.create(organisation=laureate.organisation, title="Projet non présenté")
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at"])

    response = client.get(reverse("calls:call_detail", args=[call.slug]))

    text = page_text(response)
    rows = _laureate_rows(text)
    assert len(rows) == 2
    assert rows[0].startswith("Simplon")
    assert rows[1].startswith("Structure en attente")
    project = laureate.projects.get()
    assert project.title in rows[0]
    assert "Projet non présenté" not in text
    assert rows[0].endswith("Île-de-France")
    # A public page for the published organisation and its project, none for the pending one.
    assert reverse("directory:organisation", args=[laureate.organisation.pk]) in text
    assert reverse("directory:project", args=[project.pk]) in text
    assert reverse("directory:organisation", args=[other.organisation.pk]) not in text
    assert "Sur liste d’attente" not in text
    assert "Non retenue SAS" not in text
    assert "prive@simplon.fr" not in text  # no private data


def test_detail_with_laureates_runs_a_fixed_number_of_queries(
    client, call, django_assert_max_num_queries
):
    for __ in range(5):
        make_application(call, status=ApplicationStatus.LAUREATE)
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at"])
    # The call, its co-pilots, its rules, the laureates and their projects.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("calls:call_detail", args=[call.slug]))
    assert len(_laureate_rows(page_text(response))) == 5
