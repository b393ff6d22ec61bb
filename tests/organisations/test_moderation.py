"""The staff moderation area: access, queue, transitions, pending changes, reports."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations import services
from frenchimpact.organisations.enums import ModerationStatus, ReportStatus, Source
from frenchimpact.organisations.models import Organisation, OrganisationReport

from ..accounts.factories import UserFactory
from ..accounts.utils import field_errors, page_text
from .factories import (
    ImportedOrganisationFactory,
    OrganisationFactory,
    ProjectFactory,
    PublishedOrganisationFactory,
    department,
    member_of,
    valid_siren,
    valid_siret,
)

pytestmark = pytest.mark.django_db


def test_moderation_is_for_programme_staff(client, organisation, staff):
    urls = [reverse("moderation:queue"), reverse("moderation:organisation", args=[organisation.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/comptes/login/")
    client.force_login(member_of(organisation))
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(staff)
    for url in urls:
        assert client.get(url).status_code == 200


def test_queue_filters(client, staff, territories):
    OrganisationFactory.create(name="Ferme Bretonne", department=territories["ille"])
    OrganisationFactory.create(name="Atelier Parisien", department=territories["paris"])
    PublishedOrganisationFactory.create(name="Déjà Publiée", department=territories["paris"])
    client.force_login(staff)
    url = reverse("moderation:queue")
    text = page_text(client.get(url))
    assert "Ferme Bretonne" in text and "Atelier Parisien" in text and "Déjà Publiée" not in text
    text = page_text(client.get(url, {"region": "53"}))
    assert "Ferme Bretonne" in text and "Atelier Parisien" not in text
    text = page_text(client.get(url, {"q": "atelier"}))
    assert "Atelier Parisien" in text and "Ferme Bretonne" not in text
    text = page_text(client.get(url, {"statut": "publie"}))
    assert "Déjà Publiée" in text and "Ferme Bretonne" not in text
    text = page_text(client.get(url, {"type": "projet"}))
    assert "Rien à modérer" in text


@pytest.mark.parametrize(
    "kind",
    [
        "structure",
        "projet",
        "modification_structure",
        "modification_projet",
        "revendication",
        "signalement",
    ],
)
def test_queue_runs_a_fixed_number_of_queries(client, staff, kind, django_assert_max_num_queries):
    for _ in range(30):
        organisation = PublishedOrganisationFactory.create(
            pending_changes={"name": "x"}, pending_changes_at="2026-01-01T00:00:00Z"
        )
        ProjectFactory.create(
            organisation=organisation,
            pending_changes={"title": "y"},
            pending_changes_at="2026-01-01T00:00:00Z",
        )
        OrganisationReport.objects.create(organisation=organisation, kind="erreur", message="m")
        from frenchimpact.organisations.models import JoinRequest

        JoinRequest.objects.create(organisation=organisation, user=UserFactory.create())
        OrganisationFactory.create()
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("moderation:queue"), {"type": kind, "statut": "tous"})
    assert response.status_code == 200
    assert (
        "30 éléments" in page_text(response)
        or "31 éléments" in page_text(response)
        or "60 éléments" in page_text(response)
    )


def test_approve_publishes_and_e_mails_members(client, staff, organisation, admin_member):
    client.force_login(staff)
    url = reverse("moderation:organisation", args=[organisation.pk])
    response = client.post(url, {"decision": "publier"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == ModerationStatus.PUBLISHED
    assert organisation.published_at is not None
    assert mail.outbox[-1].to == ["admin@jardins.fr"]
    assert "est désormais publiée" in mail.outbox[-1].body
    entry = AuditEntry.objects.get(action="organisation.approve")
    assert (entry.from_state, entry.to_state, entry.actor) == ("en_attente", "publie", staff)
    page = client.get(url)
    content_type = ContentType.objects.get_for_model(Organisation)
    assert (
        reverse("audit:history", args=[content_type.pk, organisation.pk]) in page.content.decode()
    )
    # Publishing again is not a valid transition.
    response = client.post(url, {"decision": "publier"})
    assert response.status_code == 400
    assert "Cette décision n’est pas possible : la fiche est « Publié »" in page_text(response)


def test_reject_needs_a_reason(client, staff, organisation, admin_member):
    client.force_login(staff)
    url = reverse("moderation:organisation", args=[organisation.pk])
    response = client.post(url, {"decision": "refuser", "reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif de la décision : il sera envoyé aux membres." in field_errors(
        response
    )
    organisation.refresh_from_db()
    assert organisation.status == ModerationStatus.PENDING
    assert (
        mail.outbox == [] and not AuditEntry.objects.filter(action="organisation.reject").exists()
    )
    client.post(url, {"decision": "refuser", "reason": "Structure introuvable au répertoire."})
    organisation.refresh_from_db()
    assert organisation.status == ModerationStatus.REJECTED
    assert organisation.moderation_reason == "Structure introuvable au répertoire."
    assert "Structure introuvable au répertoire." in mail.outbox[-1].body
    entry = AuditEntry.objects.get(action="organisation.reject")
    assert entry.reason == "Structure introuvable au répertoire."


def test_unpublish(client, staff):
    organisation = PublishedOrganisationFactory.create()
    client.force_login(staff)
    client.post(
        reverse("moderation:organisation", args=[organisation.pk]),
        {"decision": "depublier", "reason": "Cessée."},
    )
    organisation.refresh_from_db()
    assert organisation.status == ModerationStatus.UNPUBLISHED


def test_a_stale_decision_loses(staff, organisation):
    stale = Organisation.objects.get(pk=organisation.pk)
    services.organisation_reject(organisation=organisation, actor=staff, reason="Doublon.")
    with pytest.raises(ValidationError) as error:
        services.organisation_approve(organisation=stale, actor=staff)
    assert "Cette décision n’est pas possible" in error.value.messages[0]
    assert Organisation.objects.get(pk=organisation.pk).status == ModerationStatus.REJECTED


def test_non_staff_cannot_call_the_services(organisation, admin_member):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.organisation_approve(organisation=organisation, actor=admin_member)
    assert Organisation.objects.get(pk=organisation.pk).status == ModerationStatus.PENDING


def test_pending_changes_side_by_side_then_approved(client, staff):
    organisation = PublishedOrganisationFactory.create(name="Nom publié")
    member = member_of(organisation)
    new_siren = valid_siren(4242)
    services.organisation_update(
        organisation=organisation, actor=member, values={"name": "Nom proposé", "siren": new_siren}
    )
    client.force_login(staff)
    queue = page_text(client.get(reverse("moderation:queue"), {"type": "modification_structure"}))
    assert "Nom publié" in queue
    url = reverse("moderation:organisation", args=[organisation.pk])
    text = page_text(client.get(url))
    assert "Valeur publiée" in text and "Valeur proposée" in text
    assert "Nom publié" in text and "Nom proposé" in text and new_siren in text
    client.post(url, {"decision": "publier_modifications"})
    organisation.refresh_from_db()
    assert (organisation.name, organisation.siren) == ("Nom proposé", new_siren)
    assert organisation.pending_changes == {} and organisation.pending_changes_at is None
    assert organisation.field_sources["name"] == "membre"
    entry = AuditEntry.objects.get(action="organisation.approve_changes")
    assert entry.changes["name"] == {"avant": "Nom publié", "apres": "Nom proposé"}


def test_pending_changes_rejected(client, staff):
    organisation = PublishedOrganisationFactory.create(name="Nom publié")
    member = member_of(organisation)
    services.organisation_update(organisation=organisation, actor=member, values={"name": "Autre"})
    client.force_login(staff)
    url = reverse("moderation:organisation", args=[organisation.pk])
    response = client.post(url, {"decision": "refuser_modifications"})
    assert response.status_code == 400
    client.post(
        url, {"decision": "refuser_modifications", "reason": "Nom commercial non officiel."}
    )
    organisation.refresh_from_db()
    assert organisation.name == "Nom publié" and organisation.pending_changes == {}
    assert "Nom commercial non officiel." in mail.outbox[-1].body


def test_imports_are_published_at_once():
    organisation = services.organisation_publish_imported(
        values={
            "name": "Régie Nord",
            "siren": valid_siren(31),
            "legal_form_code": "9220",
            "ess_flag": "O",
        },
        source=Source.SIRENE,
    )
    assert organisation.status == ModerationStatus.PUBLISHED and organisation.published_at
    assert organisation.field_sources == {
        "name": "sirene",
        "legal_form_code": "sirene",
        "ess_flag": "sirene",
    }
    assert organisation.ess_family == "association"
    assert not organisation.is_claimed
    assert AuditEntry.objects.for_object(organisation).get().to_state == "publie"


def test_anyone_can_report_a_published_organisation(client, staff):
    organisation = ImportedOrganisationFactory.create(name="Régie <b>Sud</b>")
    url = reverse("organisations:report", args=[organisation.pk])
    response = client.post(
        url,
        {
            "kind": "pas_ma_structure",
            "message": "<script>alert(1)</script> pas nous",
            "reporter_email": "a@b.fr",
        },
    )
    assert response.status_code == 302
    report = OrganisationReport.objects.get()
    assert (report.kind, report.status, report.reporter) == (
        "pas_ma_structure",
        ReportStatus.OPEN,
        None,
    )
    client.force_login(staff)
    queue = client.get(reverse("moderation:queue"), {"type": "signalement"})
    assert "Régie &lt;b&gt;Sud&lt;/b&gt;" in queue.content.decode()
    detail = client.get(reverse("moderation:report", args=[report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;" in detail
    response = client.post(reverse("moderation:report", args=[report.pk]), {"resolution": ""})
    assert "Indiquez la suite donnée au signalement." in field_errors(response)
    client.post(reverse("moderation:report", args=[report.pk]), {"resolution": "Fiche corrigée."})
    report.refresh_from_db()
    assert (report.status, report.handled_by, report.resolution) == (
        "traite",
        staff,
        "Fiche corrigée.",
    )
    assert AuditEntry.objects.for_object(report).filter(to_state="traite").exists()


def test_reports_only_on_published_records(client, organisation):
    assert client.get(reverse("organisations:report", args=[organisation.pk])).status_code == 404


def test_report_honeypot_and_rate_limit(client):
    organisation = PublishedOrganisationFactory.create()
    url = reverse("organisations:report", args=[organisation.pk])
    response = client.post(url, {"kind": "erreur", "message": "m", "website": "spam"})
    assert response.status_code == 400
    assert "un champ destiné à détecter les envois automatiques a été rempli" in page_text(response)
    assert OrganisationReport.objects.count() == 0
    for _ in range(services.REPORT_RATE_LIMIT):
        assert client.post(url, {"kind": "erreur", "message": "m"}).status_code == 302
    response = client.post(url, {"kind": "erreur", "message": "m"})
    assert response.status_code == 429
    assert "trop de signalements ont été envoyés" in page_text(response)
    assert OrganisationReport.objects.count() == services.REPORT_RATE_LIMIT


def test_report_needs_csrf(organisation):
    from django.test import Client

    organisation = PublishedOrganisationFactory.create()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("organisations:report", args=[organisation.pk]), {"kind": "erreur", "message": "m"}
    )
    assert response.status_code == 403
    assert OrganisationReport.objects.count() == 0


def test_department_helper_is_consistent():
    assert department("35", "Ille-et-Vilaine", "53").region.code == "53"


def test_a_rejected_organisation_corrected_by_a_member_goes_back_to_the_queue(staff):
    organisation = OrganisationFactory.create(name="Brouillon")
    member = member_of(organisation)
    services.organisation_reject(organisation=organisation, actor=staff, reason="Incomplète")
    organisation.refresh_from_db()
    assert organisation.status == ModerationStatus.REJECTED

    services.organisation_update(
        organisation=organisation, actor=member, values={"description": "Complétée"}
    )

    organisation.refresh_from_db()
    assert organisation.status == ModerationStatus.PENDING
    assert organisation.description == "Complétée"
    entry = AuditEntry.objects.get(action="organisation.resubmit")
    assert (entry.from_state, entry.to_state) == ("refuse", "en_attente")


def test_the_siret_of_a_published_organisation_waits_with_its_siren():
    organisation = PublishedOrganisationFactory.create()
    member = member_of(organisation)
    assert organisation.siren is not None
    new_siret = valid_siret(organisation.siren, nic=2)
    services.organisation_update(
        organisation=organisation, actor=member, values={"siret": new_siret}
    )
    organisation.refresh_from_db()
    assert organisation.siret != new_siret
    assert organisation.pending_changes == {"siret": new_siret}


def test_a_failed_save_leaves_no_orphan_logo(monkeypatch):
    from django.core.files.storage import default_storage

    from .utils import image_upload

    organisation = OrganisationFactory.create()
    member = member_of(organisation)
    stored_before = (
        set(default_storage.listdir("logos")[1]) if default_storage.exists("logos") else set()
    )

    def fail(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        services.organisation_update(
            organisation=organisation, actor=member, values={"logo": image_upload()}
        )

    organisation.refresh_from_db()
    assert not organisation.logo
    year_dirs = default_storage.listdir("logos")[0] if default_storage.exists("logos") else []
    stored_after = {name for d in year_dirs for name in default_storage.listdir(f"logos/{d}")[1]}
    assert stored_after <= stored_before


def test_member_address_edit_drops_the_sirene_position():
    organisation = PublishedOrganisationFactory.create(address_line="1 rue du Port")
    type(organisation).objects.filter(pk=organisation.pk).update(latitude=47.2, longitude=-1.55)
    member = member_of(organisation)
    services.organisation_update(organisation=organisation, actor=member, values={"acronym": "ABC"})
    organisation.refresh_from_db()
    assert (organisation.latitude, organisation.longitude) == (47.2, -1.55)
    services.organisation_update(
        organisation=organisation, actor=member, values={"address_line": "2 place Royale"}
    )
    organisation.refresh_from_db()
    assert organisation.address_line == "2 place Royale"
    assert (organisation.latitude, organisation.longitude) == (None, None)
