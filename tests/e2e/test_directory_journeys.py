"""Directory journeys in a real browser: register an organisation and a project, moderation,
public search by word and facet, joining an organisation, the region map; axe on every page.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from frenchimpact.accounts.roles import Role
from frenchimpact.organisations.demo import luhn_check_digit
from frenchimpact.organisations.enums import JoinRequestStatus, ModerationStatus
from frenchimpact.organisations.models import JoinRequest, Membership, Organisation
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department, Region

from ..accounts.factories import PASSWORD as FACTORY_PASSWORD
from ..accounts.factories import UserFactory, user_with_role
from ..organisations.factories import MembershipFactory, PublishedOrganisationFactory
from .test_account_journeys import (
    CONFIRMATION_LABEL,
    EMAIL_LABEL,
    PASSWORD,
    PASSWORD_LABEL,
    h1,
    link_in_last_email,
    log_in,
)

pytestmark = pytest.mark.e2e

COMMUNITY_BADGE = "Membre de la communauté French IMPACT"


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The reference territories, and the role groups: the live server's database is flushed
    after each test, which also removes the groups that a data migration created."""
    call_command("load_territories", stdout=io.StringIO())
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def valid_siret(body: str = "81234567") -> str:
    """A SIRET with correct Luhn keys for the SIREN and the whole number."""
    siren = body + luhn_check_digit(body)
    nic = "0001"
    return siren + nic + luhn_check_digit(siren + nic)


def sign_up(page: Page, email: str) -> None:
    page.goto("/comptes/signup/")
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label(CONFIRMATION_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(h1(page)).to_have_text("Confirmez votre adresse e-mail")
    page.goto(link_in_last_email(r"https?://\S+/comptes/confirm-email/\S+/"))
    page.get_by_role("button", name="Confirmer mon adresse e-mail").click()
    expect(page).to_have_url(re.compile(r"/comptes/profil/$"))


def tick(scope: Page | Locator, role: str, name: str | re.Pattern[str]) -> None:
    """Check a DSFR checkbox or radio as a person does: by clicking its label (the styled
    label covers the input, so Playwright's check() would not reach it)."""
    box = scope.get_by_role(role, name=name)  # type: ignore[arg-type]
    box.page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def log_out(page: Page) -> None:
    page.goto("/comptes/logout/")
    page.get_by_role("main").get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


def decide(page: Page, decision: str) -> None:
    """On a moderation page: choose the decision and save it."""
    page.get_by_label("Décision").select_option(label=decision)
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--success, .fr-alert--info").first).to_contain_text(
        "Décision enregistrée"
    )


def test_register_declare_create_moderate_and_find_a_project(page: Page, assert_accessible):
    # 1. A project holder signs up and confirms the address from the e-mail.
    sign_up(page, "nadia@jardins-belleville.example")

    # 2. Declares the organisation by its SIRET; the number is carried to the creation form.
    siret = valid_siret()
    page.goto("/structures/declarer/")
    expect(h1(page)).to_have_text("Déclarer une structure")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^SIRET, SIREN ou numéro RNA")).fill(siret)
    page.get_by_role("button", name="Continuer").click()
    expect(h1(page)).to_have_text("Créer la fiche de la structure")
    expect(page.get_by_label(re.compile(r"^SIRET du siège"))).to_have_value(siret)
    page.get_by_role("textbox", name="Nom de la structure", exact=True).fill(
        "Les Jardins Suspendus de Belleville"
    )
    tick(page, "checkbox", "Porteur de projet")
    page.get_by_label(re.compile(r"^Région")).select_option(label="Île-de-France (11)")
    page.get_by_label(re.compile(r"^Département")).select_option(label="Paris (75)")
    page.get_by_label(re.compile(r"^Présentation")).fill(
        "Association de quartier qui cultive des potagers sur les toits."
    )
    tick(page, "checkbox", re.compile("j’adhère à la charte"))
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer la structure").click()
    expect(h1(page)).to_contain_text("Les Jardins Suspendus de Belleville")
    organisation = Organisation.objects.get(siret=siret)
    assert organisation.status == ModerationStatus.PENDING
    assert organisation.siren == siret[:9] and organisation.is_community_member
    assert_accessible(page)

    # 3. Adds a project to it.
    page.get_by_role("link", name="Ajouter un projet").click()
    expect(h1(page)).to_contain_text("Nouveau projet")
    page.get_by_label("Titre du projet").fill("Potagers perchés pour les familles")
    page.get_by_label("Résumé en une phrase").fill(
        "Des potagers sur les toits, cultivés et récoltés par les familles du quartier."
    )
    tick(page, "checkbox", str(Challenge.FOOD.label))
    page.get_by_label(re.compile(r"^Stade du projet")).select_option(label=str(Stage.SEED.label))
    tick(page, "checkbox", "Île-de-France")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer le projet").click()
    expect(page.locator(".fr-alert--success").first).to_contain_text("Le projet est enregistré")
    project = Project.objects.get(title="Potagers perchés pour les familles")
    assert project.status == ModerationStatus.PENDING and project.organisation == organisation

    # Nothing is public before moderation.
    log_out(page)
    page.goto("/annuaire/?q=perchés")
    expect(page.get_by_role("heading", name=re.compile("aucun projet"))).to_be_visible()

    # 4. Programme staff publishes the organisation, then the project.
    staff = user_with_role(Role.PROGRAMME_STAFF, email="equipe@frenchimpact.example")
    log_in(page, staff.email, FACTORY_PASSWORD)
    page.goto("/gestion/moderation/")
    expect(h1(page)).to_have_text("Modération")
    assert_accessible(page)
    page.get_by_role("link", name="Les Jardins Suspendus de Belleville").click()
    assert_accessible(page)
    decide(page, "Publier")
    page.goto("/gestion/moderation/?type=projet")
    page.get_by_role("link", name="Potagers perchés pour les familles").click()
    decide(page, "Publier")
    project.refresh_from_db()
    assert project.status == ModerationStatus.PUBLISHED
    log_out(page)

    # 5. A visitor finds the project by a word of its title…
    page.goto("/annuaire/")
    page.get_by_role("searchbox", name="Rechercher un projet").fill("perchés")
    page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    result = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name="Potagers perchés pour les familles")
    )
    expect(result).to_be_visible()
    expect(result).to_contain_text(COMMUNITY_BADGE)
    assert_accessible(page)

    # … and by a facet, without a word.
    page.goto("/annuaire/")
    tick(
        page.get_by_role("group", name="Défi"),
        "checkbox",
        re.compile(rf"^{Challenge.FOOD.label} \("),
    )
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(re.compile(rf"defi={Challenge.FOOD.value}"))
    expect(page.get_by_role("link", name="Potagers perchés pour les familles")).to_be_visible()

    # 6. Its page shows the community badge of the organisation.
    page.get_by_role("link", name="Potagers perchés pour les familles").click()
    expect(h1(page)).to_have_text("Potagers perchés pour les familles")
    expect(page.get_by_role("main").get_by_text(COMMUNITY_BADGE)).to_be_visible()
    expect(page.get_by_role("link", name="Les Jardins Suspendus de Belleville")).to_be_visible()
    assert_accessible(page)


def test_join_an_existing_organisation(page: Page, assert_accessible):
    organisation = PublishedOrganisationFactory.create(name="Recyclerie du Canal")
    admin = MembershipFactory.create(organisation=organisation, user=UserFactory.create()).user
    newcomer = UserFactory.create(email="karim@exemple.fr")

    # The newcomer finds the organisation in the directory and asks to join it.
    log_in(page, newcomer.email, FACTORY_PASSWORD)
    page.goto(f"/annuaire/structures/{organisation.pk}/")
    expect(h1(page)).to_contain_text("Recyclerie du Canal")
    page.get_by_role("link", name="Rejoindre cette structure").click()
    expect(h1(page)).to_have_text("Rejoindre « Recyclerie du Canal »")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Message aux administrateurs")).fill(
        "Je coordonne l’atelier de réparation depuis mars."
    )
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator(".fr-alert--success").first).to_contain_text("Votre demande a été envoyée")
    join_request = JoinRequest.objects.get(organisation=organisation, user=newcomer)
    assert join_request.status == JoinRequestStatus.PENDING
    assert [m.to for m in mail.outbox][-1] == [admin.email]

    # The organisation's admin follows the e-mail and accepts.
    log_out(page)
    log_in(page, admin.email, FACTORY_PASSWORD)
    # The platform's e-mails link to SITE_URL: keep the path, on the live server.
    page.goto(urlsplit(link_in_last_email(r"https?://\S+/structures/demandes/\d+/")).path)
    assert_accessible(page)
    tick(page, "radio", "Accepter")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--success").first).to_contain_text("a rejoint la structure")
    assert Membership.objects.filter(organisation=organisation, user=newcomer).exists()


def test_click_a_region_on_the_map_to_land_on_the_filtered_directory(page: Page, assert_accessible):
    brittany = Region.objects.get(code="53")
    finistere = Department.objects.get(code="29")
    breton = PublishedOrganisationFactory.create(
        name="Ressourcerie des Abers", department=finistere, region=brittany
    )
    parisian = PublishedOrganisationFactory.create(name="Épicerie Solidaire du Marais")
    for organisation, title in ((breton, "Repair café des îles"), (parisian, "Paniers du Marais")):
        project = Project.objects.create(
            organisation=organisation,
            title=title,
            summary="Un projet publié.",
            challenges=[Challenge.ECOLOGICAL_TRANSITION.value],
            sdgs=[12],
            stage=Stage.DEVELOPMENT,
            status=ModerationStatus.PUBLISHED,
            published_at=organisation.published_at,
        )
        assert organisation.region is not None
        project.regions.set([organisation.region])

    page.goto("/annuaire/carte/")
    expect(h1(page)).to_have_text("Les projets par région")
    assert_accessible(page)
    page.locator("svg").get_by_role("link", name=re.compile(r"^Bretagne : 1 projet")).click()

    expect(page).to_have_url(re.compile(r"/annuaire/\?region=53$"))
    expect(page.get_by_role("link", name="Repair café des îles")).to_be_visible()
    expect(page.get_by_role("link", name="Paniers du Marais")).to_have_count(0)
    assert_accessible(page)

    # The organisations' map leads to the organisations' directory the same way.
    page.goto("/annuaire/carte/?objet=structures")
    page.locator("svg").get_by_role("link", name=re.compile(r"^Bretagne : 1 structure")).click()
    expect(page).to_have_url(re.compile(r"/annuaire/structures/\?region=53$"))
    expect(page.get_by_role("link", name="Ressourcerie des Abers")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Épicerie Solidaire du Marais"))).to_have_count(
        0
    )


def test_directory_and_detail_pages_are_accessible(page: Page, assert_accessible):
    organisation = PublishedOrganisationFactory.create(
        name="Atelier Vélo Solidaire", acronym="AVS", website="https://avs.example"
    )
    project = Project.objects.create(
        organisation=organisation,
        title="Vélos pour l’emploi",
        summary="Des vélos prêtés aux personnes qui reprennent un emploi.",
        description="Un atelier répare des vélos donnés et les prête.",
        challenges=[Challenge.MOBILITY.value],
        sdgs=[8, 11],
        stage=Stage.SCALE_UP,
        needs=["financement"],
        status=ModerationStatus.PUBLISHED,
        published_at=organisation.published_at,
        beneficiaries_count=120,
        beneficiaries_unit="salariés",
    )
    assert organisation.region is not None
    project.regions.set([organisation.region])

    for url, heading in (
        ("/annuaire/", "Annuaire de l’innovation sociale"),
        ("/annuaire/?q=vélos&defi=mobilite", "Annuaire de l’innovation sociale"),
        ("/annuaire/?q=introuvable", "Annuaire de l’innovation sociale"),
        ("/annuaire/structures/", "Annuaire de l’innovation sociale"),
        ("/annuaire/structures/?q=atelier", "Annuaire de l’innovation sociale"),
        (f"/annuaire/structures/{organisation.pk}/", "Atelier Vélo Solidaire"),
        (f"/annuaire/projets/{project.pk}/", "Vélos pour l’emploi"),
        ("/annuaire/carte/", "Les projets par région"),
        ("/annuaire/carte/?objet=structures", "Les structures par région"),
    ):
        page.goto(url)
        expect(h1(page)).to_contain_text(heading)
        assert_accessible(page)
