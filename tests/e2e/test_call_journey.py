"""The call-for-projects journey in a real browser, from the application to the published
laureates (issue 5, point 14):

1. an applicant creates a draft, fills part of it (automatic save), leaves, comes back from
   "Mes candidatures", completes it, attaches the accounts, submits and reads the receipt;
2. staff confirm admissibility and request a completion with a deadline; the applicant
   answers it and the application is admissible again;
3. staff add a reviewer to the jury and assign them in bulk; the reviewer declares no link,
   no conflict, scores every criterion with comments and hands the review in;
4. staff freeze the ranking, shortlist, create a panel and a slot, schedule and record the
   audition; the panel member scores the interview grid; staff deliberate: laureate;
5. the signatory of each co-pilot signs the decisions off;
6. staff publish the results (the laureates API is empty until then);
7. the laureate reads the decision and the per-criterion feedback, the public call page and
   the API list exactly them.

Data the issue does not ask to go through the browser (the call, the people, a second,
already decided application) come from the factories. axe runs on the public call page, the
application form, the receipt, the scoring page, the ranking, the deliberation, the sign-off
page and the laureate's application page.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Locator, Page, expect

from frenchimpact.accounts.roles import Role
from frenchimpact.calls.enums import ApplicationStatus, AssignmentStatus
from frenchimpact.calls.models import Assignment, Call, CallApplication

from ..accounts.factories import PASSWORD, user_with_role
from ..calls.factories import PDF, make_application, make_call
from ..organisations.factories import (
    MembershipFactory,
    PublishedOrganisationFactory,
    PublishedProjectFactory,
)
from .test_account_journeys import EMAIL_LABEL, PASSWORD_LABEL, h1

pytestmark = pytest.mark.e2e

SLUG = "pionniers"
ORGANISATION = "Réseau Emploi Solidaire"
PROJECT = "Ateliers vers l’emploi durable"
REVIEWER = "Alix Jurée"
COMMENTS = {
    "Impact social": "Un impact mesuré sur trois ans, convaincant.",
    "Potentiel de changement d’échelle": "Essaimage réaliste dans deux régions.",
    "Solidité du modèle": "Modèle économique équilibré.",
}
INTERVIEW_COMMENTS = {
    "Équipe": "Une équipe soudée et expérimentée.",
    "Vision": "Une vision claire de l’essaimage.",
}


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    """The role groups: the live server's database is flushed after each test, which also
    removes the groups that a data migration created."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


# --- Helpers ---------------------------------------------------------------------------------


def sign_in(page: Page, email: str, target: str) -> None:
    """Start a fresh session as ``email`` and land on ``target`` (through the login page)."""
    page.context.clear_cookies()
    page.goto(f"/comptes/login/?next={target}")
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def tick(scope: Page | Locator, role: str, name: str | re.Pattern[str]) -> None:
    """Check a DSFR checkbox or radio as a person does: by clicking its label (the styled
    label covers the input). A label holding only text for screen readers has no size: the
    person then clicks the box the label draws, over the input."""
    box = scope.get_by_role(role, name=name)  # type: ignore[arg-type]
    label = box.page.locator(f'label[for="{box.get_attribute("id")}"]')
    visible_text = label.evaluate(
        "el => [...el.childNodes].some(n => n.nodeType === 3 ? n.textContent.trim() !== ''"
        " : !n.classList.contains('fr-sr-only') && n.textContent.trim() !== '')"
    )
    if visible_text:
        label.click()
    else:
        # Only text for screen readers: the label has no box of its own for Playwright, so
        # its visibility flickers while styles load. Check the input itself.
        box.set_checked(True, force=True)
    expect(box).to_be_checked()


def said(page: Page, text: str | re.Pattern[str]) -> None:
    """A message of the page (success or information, role="status") says ``text``."""
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def autosaved(page: Page, field: Locator) -> None:
    """Leave ``field``: a changed draft is saved at once (autosave.js); wait for the
    confirmation. Clicking a button that posts the whole form then starts no automatic save
    that would race it."""
    field.blur()
    status = page.get_by_role("status").filter(has_text=re.compile(r"^Brouillon enregistré à"))
    expect(status).to_be_visible()


def laureates_api(page: Page, call: Call) -> list[dict]:
    response = page.request.get(f"/api/v1/appels/{call.pk}/laureats/")
    assert response.status == 200, response.text()
    return response.json()["results"]


def score(page: Page, marks: dict[str, tuple[str, str]]) -> None:
    """On a cleared assignment: a mark and a comment per criterion, then hand the review in."""
    for criterion, (mark, comment) in marks.items():
        group = page.get_by_role("group", name=criterion)
        group.get_by_label(re.compile(r"^Note de")).fill(mark)
        group.get_by_label("Commentaire").fill(comment)
    page.get_by_role("button", name="Remettre mon évaluation (définitif)").click()
    said(page, "Votre évaluation est remise.")


def paris_input(moment: dt.datetime) -> str:
    """The value of a datetime-local field for ``moment``, in Paris time."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- The journey -----------------------------------------------------------------------------


def test_call_from_application_to_published_laureates(
    page: Page, assert_accessible, tmp_path: Path
):
    call = make_call(slug=SLUG)
    organisation = PublishedOrganisationFactory.create(
        name=ORGANISATION, creation_date=dt.date(2012, 3, 1)
    )
    PublishedProjectFactory.create(organisation=organisation, title=PROJECT)
    applicant = MembershipFactory.create(organisation=organisation).user
    staff = user_with_role(Role.PROGRAMME_STAFF, email="equipe@frenchimpact.example")
    reviewer = user_with_role(
        Role.REVIEWER, email="alix@jury.example", first_name="Alix", last_name="Jurée"
    )
    # Another applicant, already decided "not selected": the public lists must leave it out.
    other = make_application(call, status=ApplicationStatus.NOT_SELECTED)
    accounts = tmp_path / "comptes-2023.pdf"
    accounts.write_bytes(PDF)

    # 1. The applicant opens the call, creates the draft and fills part of it.
    sign_in(page, applicant.email, f"/appels/{SLUG}/")
    expect(h1(page)).to_have_text(call.title)
    assert_accessible(page)
    main(page).get_by_role("link", name="Candidater").click()
    expect(h1(page)).to_contain_text("Candidater à")
    tick(main(page), "checkbox", PROJECT)
    page.get_by_role("button", name="Créer le brouillon").click()
    said(page, "Brouillon créé")
    application = CallApplication.objects.get(call=call, organisation=organisation)
    expect(h1(page)).to_have_text(f"Candidature à « {call.title} »")
    summary = "Des emplois durables pour les personnes éloignées de l’emploi."
    page.get_by_label("Résumé du projet").fill(summary)
    impact = page.get_by_label("Impact social attendu")
    impact.fill("1 200 personnes accompagnées vers un emploi durable chaque année.")
    autosaved(page, impact)
    assert_accessible(page)

    # The applicant leaves, and comes back through "Mes candidatures": the answers are kept.
    page.goto("/appels/")
    main(page).get_by_role("link", name="Mes candidatures").click()
    expect(h1(page)).to_have_text("Mes candidatures aux appels à projets")
    main(page).get_by_role("link", name=f"Reprendre {application.reference}").click()
    expect(page.get_by_label("Résumé du projet")).to_have_value(summary)
    expect(impact).to_have_value(
        "1 200 personnes accompagnées vers un emploi durable chaque année."
    )

    # It completes the form, attaches the accounts and submits.
    page.get_by_label("Nombre de bénéficiaires").fill("1200")
    page.get_by_label("Budget du dernier exercice clos").fill("750000")
    tick(main(page), "radio", "Emploi")
    tick(main(page), "checkbox", "Jeunes")
    autosaved(page, page.get_by_role("checkbox", name="Jeunes"))
    page.get_by_label("Joindre un fichier").set_input_files(accounts)
    page.get_by_role("button", name="Joindre ce fichier — Comptes du dernier exercice").click()
    said(page, "« comptes-2023.pdf » est joint au dossier.")
    expect(main(page).get_by_role("link", name="comptes-2023.pdf")).to_be_visible()
    expect(page.get_by_label("Nombre de bénéficiaires")).to_have_value("1200")
    page.get_by_role("button", name="Déposer la candidature").click()
    expect(h1(page)).to_have_text("Accusé de réception de candidature")
    said(page, "Candidature déposée le")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    submission = application.submissions.get()
    stamp = date_format(timezone.localtime(submission.submitted_at), "j F Y \\à H:i:s")
    expect(main(page)).to_contain_text(f"{stamp} (heure de Paris)")
    expect(main(page)).to_contain_text(submission.receipt_code)
    expect(main(page)).to_contain_text("Fichier « comptes-2023.pdf »")
    assert_accessible(page)

    # 2. Staff confirm the admissibility, then request a completion with a deadline.
    staff_page = f"/gestion/appels/candidatures/{application.pk}/"
    sign_in(page, staff.email, staff_page)
    tick(main(page), "radio", re.compile("^Recevable$"))
    page.get_by_role("button", name="Enregistrer la recevabilité").click()
    said(page, "Candidature déclarée recevable.")
    request = "Joignez le rapport d’activité 2023 et précisez le nombre de bénéficiaires."
    page.get_by_label("Ce que la structure doit compléter").fill(request)
    deadline = timezone.now() + dt.timedelta(days=10)
    page.get_by_label("À compléter avant le").fill(paris_input(deadline))
    page.get_by_role("button", name="Envoyer la demande").click()
    said(page, "Demande de complément envoyée")
    assert CallApplication.objects.get(pk=application.pk).status == (
        ApplicationStatus.AWAITING_COMPLETION
    )

    # The applicant answers it: edits the form, writes the response, submits again.
    sign_in(page, applicant.email, "/appels/candidatures/")
    main(page).get_by_role("link", name=application.reference, exact=True).click()
    expect(main(page)).to_contain_text(request)
    main(page).get_by_role("link", name="Compléter le dossier").click()
    page.get_by_label("Nombre de bénéficiaires").fill("1350")
    response = page.get_by_label("Votre réponse à la demande de complément")
    response.fill(
        "1 350 bénéficiaires en 2023 ; le rapport d’activité est dans les comptes joints."
    )
    autosaved(page, response)
    page.get_by_role("button", name="Déposer le complément").click()
    expect(h1(page)).to_have_text("Accusé de réception de candidature")
    expect(main(page)).to_contain_text("Dépôt n° 2 (complément)")
    expect(main(page)).to_contain_text("1 350 bénéficiaires en 2023")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    assert application.answers["beneficiaires"] == "1350"

    # 3. Staff add the reviewer to the jury and assign them in bulk.
    sign_in(page, staff.email, f"/gestion/appels/{SLUG}/jury/")
    page.get_by_label("Adresse e-mail de l’évaluateur").fill(reviewer.email)
    page.get_by_role("button", name="Ajouter au jury").click()
    said(page, f"{REVIEWER} rejoint le jury")
    page.goto(f"/gestion/appels/{SLUG}/affectations/1/")
    tick(main(page), "checkbox", re.compile(f"^{REVIEWER}"))
    tick(main(page), "checkbox", application.reference)
    page.get_by_role("button", name="Affecter", exact=True).click()
    said(page, "1 affectation créée.")
    assert CallApplication.objects.get(pk=application.pk).status == ApplicationStatus.IN_REVIEW

    # The reviewer declares no link, then no conflict, and scores every criterion.
    sign_in(page, reviewer.email, "/jury/")
    main(page).get_by_role("link", name="Déclarer mes liens").click()
    tick(main(page), "checkbox", re.compile("Je n’ai aucun lien à déclarer"))
    page.get_by_role("button", name="Enregistrer ma déclaration").click()
    said(page, "Votre déclaration de liens est enregistrée.")
    main(page).get_by_role("link", name=application.reference).click()
    expect(h1(page)).to_contain_text("votre déclaration")
    page.get_by_role(
        "button", name="Je n’ai pas de conflit d’intérêts avec cette structure"
    ).click()
    said(page, "Déclaration enregistrée : le dossier vous est ouvert.")
    expect(main(page)).to_contain_text(summary)
    assert_accessible(page)
    score(
        page,
        {
            "Impact social": ("4,5", COMMENTS["Impact social"]),
            "Potentiel de changement d’échelle": (
                "4",
                COMMENTS["Potentiel de changement d’échelle"],
            ),
            "Solidité du modèle": ("8", COMMENTS["Solidité du modèle"]),
        },
    )
    own = page.get_by_role("table", name="Vos notes (évaluation remise)")
    expect(own.get_by_role("columnheader", name="Note", exact=True)).to_be_visible()
    expect(own.get_by_role("row").filter(has_text="Impact social")).to_contain_text("4,50 / 5")

    # 4. Staff freeze the ranking and shortlist the application.
    sign_in(page, staff.email, f"/gestion/appels/{SLUG}/tours/1/classement/")
    assert_accessible(page)
    page.get_by_role("button", name="Figer le classement").click()
    said(page, "Classement figé")
    tick(main(page), "checkbox", f"Cocher {application.reference}")
    tick(main(page), "radio", "Présélectionner (pour l’audition)")
    page.get_by_role("button", name="Appliquer aux candidatures cochées").click()
    said(page, "1 candidature(s) présélectionnée(s).")

    # A panel with the reviewer, a slot that has begun, the audition scheduled and held.
    page.goto(f"/gestion/appels/{SLUG}/auditions/")
    page.get_by_label("Nom du panel").fill("Panel A")
    tick(main(page), "checkbox", REVIEWER)
    page.get_by_role("button", name="Créer le panel").click()
    said(page, "Panel « Panel A » créé.")
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    page.get_by_label("Panel", exact=True).select_option(label="Panel A")
    page.get_by_label("Début (heure de Paris)").fill(paris_input(start))
    page.get_by_label("Fin (heure de Paris)").fill(paris_input(start + dt.timedelta(hours=1)))
    page.get_by_label("Lieu ou lien de visioconférence").fill("Caisse des Dépôts, salle 2")
    page.get_by_role("button", name="Ajouter le créneau").click()
    said(page, "Créneau ajouté.")
    local_start = timezone.localtime(start)
    slot_label = (
        f"Panel A — {date_format(local_start, 'l j F Y, H:i')}–"
        f"{date_format(local_start + dt.timedelta(hours=1), 'H:i')}"
    )
    page.get_by_label("Créneau libre").select_option(label=slot_label)
    page.get_by_label("Candidature présélectionnée").select_option(
        label=f"{application.reference} — {ORGANISATION}"
    )
    page.get_by_role("button", name="Programmer et prévenir le candidat").click()
    said(page, "Audition programmée")
    page.get_by_role("button", name=f"Audition de {application.reference} tenue").click()
    said(page, f"Audition de {application.reference} enregistrée comme tenue.")
    assert CallApplication.objects.get(pk=application.pk).status == ApplicationStatus.AUDITIONED

    # The panel member scores the interview grid from their jury pages.
    sign_in(page, reviewer.email, "/jury/")
    main(page).get_by_role("table", name="Mes dossiers — Auditions").get_by_role(
        "link", name=application.reference
    ).click()
    score(
        page,
        {
            "Équipe": ("5", INTERVIEW_COMMENTS["Équipe"]),
            "Vision": ("4", INTERVIEW_COMMENTS["Vision"]),
        },
    )
    assert not Assignment.objects.filter(application=application).exclude(
        status=AssignmentStatus.SUBMITTED
    )

    # Staff deliberate: laureate.
    sign_in(page, staff.email, f"/gestion/appels/{SLUG}/deliberation/")
    tick(main(page), "checkbox", f"{application.reference} — {ORGANISATION}")
    page.get_by_role("button", name="Mettre en délibération").click()
    said(page, "1 candidature(s) mise(s) en délibération.")
    tick(main(page), "radio", "Lauréate")
    page.get_by_role("button", name=f"Enregistrer la décision pour {application.reference}").click()
    said(page, f"Décision enregistrée pour {application.reference} (non publiée).")
    expect(page.get_by_role("table", name=re.compile("^Décisions prises"))).to_contain_text(
        "Lauréate"
    )
    assert_accessible(page)

    # 5. The signatory of each co-pilot signs the list of decisions off.
    for copilot in call.copilots.order_by("order"):
        signatory = copilot.signatories.get()
        sign_in(page, signatory.email, f"/gestion/appels/{SLUG}/visa/")
        expect(page.get_by_role("radio", name=copilot.organisation.name)).to_be_checked()
        tick(main(page), "radio", re.compile("^Approuve$"))
        if copilot.order == 0:
            assert_accessible(page)
        page.get_by_role("button", name="Enregistrer mon visa sur cette liste").click()
        said(page, "Votre visa est enregistré.")

    # Decided but not published: the public page and the API show no laureate yet.
    page.goto(f"/appels/{SLUG}/")
    expect(main(page)).to_contain_text("Les lauréats seront publiés ici à l’annonce des résultats.")
    assert laureates_api(page, call) == []

    # 6. Staff publish the results.
    sign_in(page, staff.email, f"/gestion/appels/{SLUG}/publication/")
    expect(main(page)).to_contain_text("Tout est prêt : 1 lauréat")
    page.get_by_role("button", name="Publier les résultats").click()
    said(page, "Résultats publiés")
    outcome = [m for m in mail.outbox if applicant.email in m.to and "est lauréate" in str(m.body)]
    assert outcome, [m.subject for m in mail.outbox]

    # 7. The laureate reads the decision and the per-criterion feedback.
    sign_in(page, applicant.email, "/appels/candidatures/")
    main(page).get_by_role("link", name=application.reference, exact=True).click()
    expect(page.get_by_role("region", name="Décision")).to_contain_text("Lauréate")
    feedback = page.get_by_role("table", name=re.compile("^Note moyenne et commentaires"))
    for criterion, comment in {**COMMENTS, **INTERVIEW_COMMENTS}.items():
        row = feedback.get_by_role("row").filter(has_text=criterion)
        expect(row).to_contain_text(comment)
    expect(feedback.get_by_role("row").filter(has_text="Impact social")).to_contain_text(
        "4,5 (de 0 à 5)"
    )
    expect(main(page)).not_to_contain_text(REVIEWER)  # reviewers stay anonymous
    assert_accessible(page)

    # The public call page and the API list exactly the laureate.
    page.goto(f"/appels/{SLUG}/")
    laureates = page.get_by_role("table", name="1 lauréat")
    expect(laureates.get_by_role("row")).to_have_count(2)  # the header and the laureate
    expect(laureates).to_contain_text(ORGANISATION)
    expect(laureates).to_contain_text(PROJECT)
    expect(laureates).not_to_contain_text(other.organisation.name)
    results = laureates_api(page, call)
    assert [(r["id"], r["nom"]) for r in results] == [(organisation.pk, ORGANISATION)]
    assert [p["titre"] for p in results[0]["projets"]] == [PROJECT]
