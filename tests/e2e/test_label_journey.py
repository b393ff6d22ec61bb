"""The label journey in a real browser: a support structure applies, staff asks for changes,
the structure answers, the committee grants, the public register and the verification page
show the label valid, staff revokes it, the verification page says so; axe on the register,
verification and certificate pages."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from frenchimpact.accounts.roles import Role
from frenchimpact.labels.enums import ApplicationStatus
from frenchimpact.labels.models import Label, LabelApplication
from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.territories.models import Department

from ..accounts.factories import PASSWORD, user_with_role
from ..organisations.factories import MembershipFactory, PublishedOrganisationFactory
from .test_account_journeys import h1, log_in
from .test_directory_journeys import log_out, tick

pytestmark = pytest.mark.e2e
NAME = "Ruche d’Armor"


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    call_command("load_territories", stdout=io.StringIO())
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def save(page: Page, action: str, success: str, **fields: str) -> None:
    """On a staff page: choose the action, fill the fields, save, see the success message."""
    tick(page.get_by_role("main"), "radio", action)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-alert--success").first).to_contain_text(success)


def test_apply_grant_verify_revoke(page: Page, assert_accessible):
    organisation = PublishedOrganisationFactory.create(
        name=NAME,
        kinds=[OrganisationKind.SUPPORT_STRUCTURE.value],
        department=Department.objects.get(code="22"),
    )
    member = MembershipFactory.create(organisation=organisation).user
    staff = user_with_role(Role.PROGRAMME_STAFF, email="equipe@frenchimpact.example")

    # 1. The structure applies: a draft, then the submitted application.
    log_in(page, member.email, PASSWORD)
    page.goto("/labels/candidatures/nouvelle/")
    page.get_by_label("Structure candidate").select_option(label=NAME)
    tick(page.get_by_role("main"), "radio", "Structure d’accompagnement")
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(h1(page)).to_contain_text(NAME)
    page.get_by_label("Typologie de la structure").select_option(
        label="Incubateur, ruche, accélérateur régional"
    )
    page.get_by_label("Programme d’innovation sociale").fill("Deux promotions par an.")
    page.get_by_label("Références et résultats").fill("40 projets accompagnés.")
    page.get_by_label("Ancrage territorial").fill("Côtes-d’Armor et Finistère.")
    tick(page.get_by_role("main"), "checkbox", re.compile("J’accepte les engagements"))
    page.get_by_role("button", name="Déposer la candidature").click()
    application = LabelApplication.objects.get(organisation=organisation)
    expect(page.locator(".fr-alert--success").first).to_be_visible()
    assert LabelApplication.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    log_out(page)

    # 2. Staff starts the review and asks for changes.
    log_in(page, staff.email, PASSWORD)
    page.goto(f"/gestion/labels/candidatures/{application.pk}/")
    save(page, "Commencer l’instruction", "Instruction commencée")
    save(
        page,
        "Demander des modifications",
        "Modifications demandées",
        **{"Motif, ou modifications demandées": "Précisez vos résultats à trois ans."},
    )
    log_out(page)

    # 3. The structure answers with a new version.
    log_in(page, member.email, PASSWORD)
    page.goto(f"/labels/candidatures/{application.pk}/")
    expect(page.get_by_role("main")).to_contain_text("Précisez vos résultats à trois ans.")
    page.get_by_label("Votre réponse aux modifications demandées").fill(
        "30 des 40 projets sont actifs à trois ans."
    )
    page.get_by_role("button", name="Déposer la nouvelle version").click()
    expect(page.locator(".fr-alert--success").first).to_be_visible()
    log_out(page)

    # 4. Staff sends it to the committee, which grants the label.
    log_in(page, staff.email, PASSWORD)
    page.goto(f"/gestion/labels/candidatures/{application.pk}/")
    if page.get_by_role("radio", name="Commencer l’instruction").count():
        save(page, "Commencer l’instruction", "Instruction commencée")
    save(page, "Envoyer en comité", "Candidature envoyée en comité")
    tick(page.get_by_role("main"), "radio", re.compile("Accorder le label"))
    page.get_by_label("Date du comité").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-alert--success").first).to_contain_text("accordé")
    label = Label.objects.get(application=application)
    log_out(page)

    # 5. The public register and the verification page show it valid.
    page.goto("/labels/")
    expect(h1(page)).to_have_text("Registre des labels French IMPACT")
    row = page.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text("Valide")
    assert_accessible(page)
    row.get_by_role("link", name=label.number).click()
    expect(page).to_have_url(re.compile(rf"/labels/verifier/{label.verification_token}/$"))
    expect(page.locator(".fr-alert__title")).to_have_text("Valide")
    expect(page.get_by_role("main")).to_contain_text("Ce label est valide aujourd’hui")
    assert_accessible(page)
    page.get_by_role("link", name="Certificat à imprimer").click()
    expect(h1(page)).to_have_text("Certificat de labellisation French IMPACT")
    expect(page.locator(".fi-certificate__qr svg")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/annuaire/structures/{organisation.pk}/")
    expect(page.get_by_text("Labellisé French IMPACT")).to_be_visible()

    # 6. Staff revokes it; the verification page says so at once.
    log_in(page, staff.email, PASSWORD)
    page.goto(f"/gestion/labels/labels/{label.pk}/")
    save(
        page,
        "Retirer (révoquer)",
        "Décision enregistrée",
        Motif="Engagements de la charte non respectés.",
    )
    log_out(page)
    page.goto(f"/labels/verifier/{label.verification_token}/")
    expect(page.locator(".fr-alert__title")).to_have_text("Révoqué")
    expect(page.get_by_role("main")).to_contain_text("Ce label a été révoqué le")
    expect(page.get_by_role("main")).to_contain_text("Engagements de la charte non respectés.")
    assert_accessible(page)
