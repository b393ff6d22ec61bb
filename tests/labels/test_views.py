"""Applicant and staff pages: access, forms, messages, query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frenchimpact.labels import services
from frenchimpact.labels.enums import ApplicationStatus, LabelStatus
from frenchimpact.labels.models import ApplicationAttachment, Label, LabelApplication
from frenchimpact.organisations.enums import OrganisationKind

from ..accounts.utils import page_text
from ..organisations.factories import PublishedOrganisationFactory, member_of
from .factories import (
    CommitteeApplicationFactory,
    LabelApplicationFactory,
    LabelFactory,
    SubmittedApplicationFactory,
    UnderReviewApplicationFactory,
)

PDF = b"%PDF-1.7\n%%EOF\n"


def test_applicant_pages_need_membership(client, draft, member, stranger, staff):
    detail = reverse("labels:application_detail", args=[draft.pk])
    assert client.get(detail).status_code == 302
    client.force_login(stranger)
    assert client.get(detail).status_code == 403
    assert client.post(reverse("labels:application_withdraw", args=[draft.pk])).status_code == 403
    client.force_login(staff)  # staff use the staff pages
    assert client.get(detail).status_code == 403
    client.force_login(member)
    assert client.get(detail).status_code == 200
    response = client.get(reverse("labels:application_list"))
    assert draft.organisation.name in page_text(response)


def test_create_edit_and_submit_through_the_pages(client):
    organisation = PublishedOrganisationFactory.create(
        kinds=[OrganisationKind.SUPPORT_STRUCTURE.value]
    )
    member = member_of(organisation)
    client.force_login(member)
    response = client.post(
        reverse("labels:application_create"),
        {"organisation": organisation.pk, "kind": "accompagnateur"},
    )
    application = LabelApplication.objects.get()
    assert response.status_code == 302
    url = reverse("labels:application_detail", args=[application.pk])
    data = {
        "typology": "incubateur",
        "programme": "Programme",
        "references": "Résultats",
        "anchoring": "Ancrage",
        "attachment": SimpleUploadedFile("dossier.pdf", PDF),
        "action": "deposer",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    text = page_text(response)
    assert "Le brouillon est enregistré mais n’a pas été déposé" in text
    assert "Acceptez les engagements de la charte" in text
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert ApplicationAttachment.objects.count() == 1
    response = client.post(url, {**data, "attachment": "", "commitments_accepted": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_bad_attachment_on_the_page_writes_nothing(client, draft, member):
    client.force_login(member)
    response = client.post(
        reverse("labels:application_detail", args=[draft.pk]),
        {
            "typology": "incubateur",
            "programme": "Nouveau programme",
            "attachment": SimpleUploadedFile("page.pdf", b"<html></html>"),
            "action": "enregistrer",
        },
    )
    assert response.status_code == 400
    assert "n’est pas au format PDF, PNG, JPEG, ODT ou DOCX" in page_text(response)
    assert draft.revisions.get().programme != "Nouveau programme"
    assert not ApplicationAttachment.objects.exists()


def test_create_refused_while_label_held_shows_the_reason(client):
    label = LabelFactory.create()
    member = member_of(label.holder)
    client.force_login(member)
    response = client.post(
        reverse("labels:application_create"),
        {"organisation": label.holder.pk, "kind": "accompagnateur"},
    )
    assert response.status_code == 400
    assert "La structure détient déjà ce label" in page_text(response)


def test_staff_pages_are_for_staff(client, draft, member):
    label = LabelFactory.create()
    for url in (
        reverse("label_staff:queue"),
        reverse("label_staff:application", args=[draft.pk]),
        reverse("label_staff:label", args=[label.pk]),
    ):
        client.logout()
        assert client.get(url).status_code == 302
        client.force_login(member)
        assert client.get(url).status_code == 403


def test_queue_filters_counts_and_fixed_queries(client, staff, django_assert_max_num_queries):
    SubmittedApplicationFactory.create_batch(3)
    CommitteeApplicationFactory.create()
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("label_staff:queue"), {"statut": "soumise"})
    text = page_text(response)
    assert "3 candidatures" in text and "Soumise (3)" in text and "En comité (1)" in text
    SubmittedApplicationFactory.create_batch(10)
    with django_assert_max_num_queries(12):
        client.get(reverse("label_staff:queue"), {"statut": "soumise"})


def test_applicant_list_fixed_queries(client, django_assert_max_num_queries):
    organisation = PublishedOrganisationFactory.create()
    member = member_of(organisation)
    client.force_login(member)
    LabelApplicationFactory.create(organisation=organisation)
    with django_assert_max_num_queries(8) as first:
        client.get(reverse("labels:application_list"))
    LabelApplicationFactory.create(organisation=organisation, kind="territoire")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("labels:application_list"))


def test_staff_flow_with_diff_and_decision(client, staff):
    application = UnderReviewApplicationFactory.create()
    member = member_of(application.organisation)
    client.force_login(staff)
    url = reverse("label_staff:application", args=[application.pk])
    # Only the transitions allowed from "under review" are offered.
    text = page_text(client.get(url))
    assert "Demander des modifications" in text and "Accorder le label" not in text
    response = client.post(url, {"action": "demander_modifications", "text": ""})
    assert response.status_code == 400
    assert "Indiquez les modifications demandées." in page_text(response)
    assert (
        client.post(url, {"action": "demander_modifications", "text": "Chiffrez"}).status_code
        == 302
    )
    services.application_update(
        application=application, actor=member, values={"references": "Chiffres 2025"}
    )
    services.application_submit(application=application, actor=member, response="Fait")
    text = page_text(client.get(url))
    assert "Ce qui a changé entre les versions 1 et 2" in text and "Chiffres 2025" in text
    assert client.post(url, {"action": "comite"}).status_code == 302
    response = client.post(url, {"action": "refuser", "text": "", "committee_date": "2026-11-20"})
    assert response.status_code == 400
    assert "Indiquez le motif de la décision." in page_text(response)
    today = dt.date.today().isoformat()
    response = client.post(url, {"action": "accorder", "text": "Bravo", "committee_date": today})
    assert response.status_code == 302
    label = Label.objects.get()
    label_url = reverse("label_staff:label", args=[label.pk])
    response = client.post(label_url, {"action": "retirer", "reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif de la décision." in page_text(response)
    assert client.post(label_url, {"action": "retirer", "reason": "Fraude"}).status_code == 302
    label.refresh_from_db()
    assert label.status == LabelStatus.REVOKED
    assert "Voir l’historique" in page_text(client.get(label_url))


@pytest.mark.parametrize("status", ["accordee", "refusee", "retiree"])
def test_no_actions_offered_in_final_states(client, staff, status):
    application = LabelApplicationFactory.create(status=status)
    client.force_login(staff)
    url = reverse("label_staff:application", args=[application.pk])
    assert "Enregistrer</button>" not in page_text(client.get(url))
    assert client.post(url, {"action": "comite"}).status_code == 400


def test_territory_and_renewal_forms_render(client):
    from .factories import TerritoryApplicationFactory

    application = TerritoryApplicationFactory.create()
    member = member_of(application.organisation)
    client.force_login(member)
    text = page_text(client.get(reverse("labels:application_detail", args=[application.pk])))
    assert "Code COG du territoire" in text and "Typologie" not in text
    assert client.get(reverse("labels:application_create")).status_code == 200
    label = LabelFactory.create(holder=PublishedOrganisationFactory.create())
    client.force_login(member_of(label.holder))
    response = client.get(reverse("labels:application_create") + f"?renouvellement={label.pk}")
    assert f"Renouveler le label n° {label.number}" in page_text(response)
