"""Join requests, roles, the last admin, the member space and edits by members."""

import pytest
from django.core import mail
from django.urls import reverse

from frenchimpact.accounts.roles import Role, user_has_role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import JoinRequestStatus, MemberRole, ModerationStatus
from frenchimpact.organisations.models import JoinRequest, Membership, Organisation

from ..accounts.factories import UserFactory
from ..accounts.utils import field_errors, page_text
from .factories import (
    ImportedOrganisationFactory,
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    PublishedOrganisationFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


def test_join_request_e_mails_the_admins(client, user, organisation, admin_member):
    Organisation.objects.filter(pk=organisation.pk).update(status=ModerationStatus.PUBLISHED)
    client.force_login(user)
    response = client.post(
        reverse("organisations:join", args=[organisation.pk]), {"message": "Je suis trésorière."}
    )
    assert response.status_code == 302
    request = JoinRequest.objects.get()
    assert (request.user, request.status) == (user, JoinRequestStatus.PENDING)
    assert [m.to for m in mail.outbox] == [["admin@jardins.fr"]]
    assert (
        "camille@exemple.fr demande à rejoindre la structure « Les Jardins Partagés »"
        in mail.outbox[0].body
    )
    assert "Je suis trésorière." in mail.outbox[0].body
    # A second request while the first waits is not possible.
    again = client.get(reverse("organisations:join", args=[organisation.pk]))
    assert "Vous avez déjà envoyé une demande" in page_text(again)
    assert JoinRequest.objects.count() == 1


def test_admin_accepts_a_join_request(client, user, organisation, admin_member):
    request = JoinRequest.objects.create(organisation=organisation, user=user)
    client.force_login(admin_member)
    response = client.post(
        reverse("organisations:join_request", args=[request.pk]),
        {"decision": "accepter", "role": "editeur"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.role == MemberRole.EDITOR
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (JoinRequestStatus.ACCEPTED, admin_member)
    assert mail.outbox[-1].to == ["camille@exemple.fr"]
    assert "a été acceptée" in mail.outbox[-1].body
    assert user_has_role(user, Role.PROJECT_HOLDER)
    entry = AuditEntry.objects.for_object(request).get()
    assert (entry.from_state, entry.to_state) == ("en_attente", "acceptee")


def test_refusing_needs_a_reason(client, user, organisation, admin_member):
    request = JoinRequest.objects.create(organisation=organisation, user=user)
    client.force_login(admin_member)
    url = reverse("organisations:join_request", args=[request.pk])
    response = client.post(url, {"decision": "refuser", "reason": "  "})
    assert response.status_code == 400
    assert "Indiquez le motif du refus : il sera envoyé à la personne." in field_errors(response)
    request.refresh_from_db()
    assert request.status == JoinRequestStatus.PENDING
    assert mail.outbox == []
    client.post(url, {"decision": "refuser", "reason": "Inconnue de l’équipe."})
    request.refresh_from_db()
    assert (request.status, request.decision_reason) == ("refusee", "Inconnue de l’équipe.")
    assert "Inconnue de l’équipe." in mail.outbox[-1].body
    assert not Membership.objects.filter(user=user).exists()


def test_editors_and_strangers_cannot_decide(client, user, organisation, admin_member):
    request = JoinRequest.objects.create(organisation=organisation, user=user)
    editor = member_of(organisation, MemberRole.EDITOR)
    for person in (editor, UserFactory.create()):
        client.force_login(person)
        response = client.post(
            reverse("organisations:join_request", args=[request.pk]), {"decision": "accepter"}
        )
        assert response.status_code == 403
    assert not Membership.objects.filter(user=user).exists()


def test_claim_of_an_unclaimed_import_is_decided_by_staff(client, user, staff):
    imported = ImportedOrganisationFactory.create(kinds=["porteur_projet"])
    client.force_login(user)
    client.post(
        reverse("organisations:join", args=[imported.pk]), {"message": "Je suis la directrice."}
    )
    request = JoinRequest.objects.get()
    assert mail.outbox == []  # no admin to tell: the request is in the staff queue
    # No admin member may decide it from the member pages.
    assert client.get(reverse("organisations:join_request", args=[request.pk])).status_code == 403
    client.force_login(staff)
    queue = client.get(reverse("moderation:queue"), {"type": "revendication"})
    assert imported.name in page_text(queue)
    response = client.post(
        reverse("moderation:join_request", args=[request.pk]),
        {"decision": "accepter", "role": "admin"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=user).role == MemberRole.ADMIN
    assert imported.is_claimed


def test_last_admin_cannot_leave_nor_be_demoted(client, organisation, admin_member):
    membership = Membership.objects.get(user=admin_member)
    client.force_login(admin_member)
    url = reverse("organisations:members", args=[organisation.pk])
    for action in ("retirer", "editeur"):
        response = client.post(url, {"membership": membership.pk, "action": action}, follow=True)
        assert "La structure doit garder au moins un administrateur" in page_text(response)
        membership.refresh_from_db()
        assert membership.role == MemberRole.ADMIN
    assert not AuditEntry.objects.filter(
        action__in=["organisation.leave", "organisation.change_member_role"]
    ).exists()


def test_admins_hand_over_then_leave(client, organisation, admin_member):
    other = member_of(organisation, MemberRole.EDITOR)
    other_membership = Membership.objects.get(user=other)
    client.force_login(admin_member)
    url = reverse("organisations:members", args=[organisation.pk])
    client.post(url, {"membership": other_membership.pk, "action": "admin"})
    other_membership.refresh_from_db()
    assert other_membership.role == MemberRole.ADMIN
    own = Membership.objects.get(user=admin_member)
    response = client.post(url, {"membership": own.pk, "action": "retirer"})
    assert response.url == reverse("organisations:dashboard")
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_editors_cannot_manage_members(client, organisation, admin_member):
    editor = member_of(organisation, MemberRole.EDITOR)
    client.force_login(editor)
    admin_membership = Membership.objects.get(user=admin_member)
    response = client.post(
        reverse("organisations:members", args=[organisation.pk]),
        {"membership": admin_membership.pk, "action": "retirer"},
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_member_pages_are_for_members(client, organisation, admin_member):
    stranger = UserFactory.create()
    client.force_login(stranger)
    for name in ("detail", "edit", "members", "charter"):
        assert (
            client.get(reverse(f"organisations:{name}", args=[organisation.pk])).status_code == 403
        )
    client.force_login(admin_member)
    for name in ("detail", "edit", "members", "charter"):
        assert (
            client.get(reverse(f"organisations:{name}", args=[organisation.pk])).status_code == 200
        )


def test_dashboard_lists_organisations_and_pending_items(client, django_assert_max_num_queries):
    user = UserFactory.create()
    for _ in range(6):
        organisation = OrganisationFactory.create()
        MembershipFactory.create(organisation=organisation, user=user)
        ProjectFactory.create(organisation=organisation)
        JoinRequest.objects.create(organisation=organisation, user=UserFactory.create())
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("organisations:dashboard"))
    text = page_text(response)
    assert text.count("1 demande d’adhésion") == 6
    assert "souhaite rejoindre" in text


def test_edit_of_a_published_organisation_holds_the_name(client, territories):
    organisation = PublishedOrganisationFactory.create(
        name="Ancien nom", department=territories["paris"]
    )
    member = member_of(organisation)
    client.force_login(member)
    page = client.get(reverse("organisations:edit", args=[organisation.pk]))
    data = {
        k: v
        for k, v in page.context["form"].initial.items()
        if v is not None and k not in ("logo", "creation_date")
    }
    data.update(
        name="Nouveau nom",
        description="Nouvelle présentation",
        kinds=organisation.kinds,
        department=territories["paris"].pk,
        region=territories["idf"].pk,
        creation_date="01/03/2012",
    )
    response = client.post(reverse("organisations:edit", args=[organisation.pk]), data, follow=True)
    assert "sera publié après validation par l’équipe du programme" in page_text(response)
    organisation.refresh_from_db()
    assert organisation.name == "Ancien nom"  # the published version stays
    assert organisation.pending_changes == {"name": "Nouveau nom"}
    assert organisation.description == "Nouvelle présentation"  # published at once
    assert organisation.field_sources.get("name") is None
    assert organisation.status == ModerationStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="organisation.propose_changes").count() == 1

    # A later edit of another field keeps the proposal: the form shows the proposed name.
    page = client.get(reverse("organisations:edit", args=[organisation.pk]))
    assert page.context["form"]["name"].value() == "Nouveau nom"
    data.update(name=page.context["form"]["name"].value(), description="Encore modifiée")
    client.post(reverse("organisations:edit", args=[organisation.pk]), data)
    organisation.refresh_from_db()
    assert organisation.pending_changes == {"name": "Nouveau nom"}
    assert organisation.description == "Encore modifiée"


def test_edit_of_a_pending_organisation_applies_at_once(organisation, admin_member):
    from frenchimpact.organisations.services import organisation_update

    held = organisation_update(
        organisation=organisation, actor=admin_member, values={"name": "Autre"}
    )
    organisation.refresh_from_db()
    assert held == {}
    assert organisation.name == "Autre"
    assert organisation.field_sources["name"] == "membre"


def test_charter_can_be_accepted_later(client, organisation, admin_member):
    client.force_login(admin_member)
    url = reverse("organisations:charter", args=[organisation.pk])
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Cochez la case pour adhérer à la charte." in field_errors(response)
    assert Organisation.objects.get(pk=organisation.pk).charter_accepted_at is None
    client.post(url, {"accept_charter": "on"})
    organisation.refresh_from_db()
    assert organisation.charter_accepted_by == admin_member


@pytest.mark.parametrize(
    "status", [ModerationStatus.PENDING, ModerationStatus.REJECTED, ModerationStatus.UNPUBLISHED]
)
def test_unpublished_records_can_be_neither_joined_nor_named(client, user, status):
    organisation = OrganisationFactory.create(name="Nom Confidentiel", status=status)
    client.force_login(user)
    assert client.get(reverse("organisations:join", args=[organisation.pk])).status_code == 404
    # Declaring its number explains the way forward without revealing the record.
    response = client.post(reverse("organisations:declare"), {"identifier": organisation.siren})
    assert response.status_code == 409
    text = page_text(response)
    assert "n’est pas publiée" in text and "Contact" in text
    assert "Nom Confidentiel" not in text
    assert JoinRequest.objects.count() == 0
    assert Organisation.objects.count() == 1
