"""The applicant's pages: creating a draft, the generated form (saved by its button and
automatically), attachments, the eligibility preview, submission and its receipt, answering a
correction request, withdrawal, following the status under embargo, and file downloads."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from frenchimpact.accounts.roles import Role
from frenchimpact.calls import services
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    GridKind,
    QuestionKind,
)
from frenchimpact.calls.forms import FORM_MARKER
from frenchimpact.calls.models import (
    ApplicationFile,
    Assignment,
    AuditionPanel,
    AuditionSlot,
    Call,
    CallApplication,
    Question,
    Score,
    Submission,
)
from frenchimpact.organisations.enums import ModerationStatus

from ..accounts.factories import UserFactory, user_with_role
from ..accounts.utils import field_errors, page_text
from ..organisations.factories import (
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    member_of,
)
from .factories import PDF, complete_answers, make_application, make_call

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LOGIN = "/comptes/login/"
pytestmark = pytest.mark.django_db


# --- Helpers ---------------------------------------------------------------------------------


def _draft(call, *, created=dt.date(2010, 1, 1)):
    """A draft created through the service by a member of a published organisation."""
    organisation = PublishedOrganisationFactory.create(creation_date=created)
    project = PublishedProjectFactory.create(organisation=organisation)
    member = member_of(organisation)
    application = services.application_create(
        call=call, organisation=organisation, actor=member, projects=[project]
    )
    return application, member


def _form_data(application, answers=None, **extra):
    """What the edit page posts: every answer field ("q-<key>"), the projects, the marker."""
    data = {FORM_MARKER: "1", "projets": [p.pk for p in application.projects.all()]}
    for key, value in (answers if answers is not None else complete_answers()).items():
        data[f"q-{key}"] = value
    data.update(extra)
    return data


def _attach(application, member):
    return services.application_attach(
        application=application,
        actor=member,
        question_key="comptes",
        upload=SimpleUploadedFile("comptes-2017.pdf", PDF, content_type="application/pdf"),
    )


def _url(name, application, *args):
    return reverse(f"calls:{name}", args=[application.pk, *args])


def _close(call):
    """Move the call's closing time one second into the past."""
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(seconds=1)
    )
    call.refresh_from_db()


def _is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- Creating a draft --------------------------------------------------------------------------


def test_create_needs_a_signed_in_user(client, call):
    response = client.get(reverse("calls:application_create", args=[call.slug]))
    assert _is_login_redirect(response)


def test_create_of_a_draft_call_is_not_found(client, stranger):
    draft = make_call(slug="brouillon", status="brouillon")
    client.force_login(stranger)
    assert client.get(reverse("calls:application_create", args=[draft.slug])).status_code == 404


def test_a_user_without_organisation_is_told_how_to_register_one(client, call, stranger):
    client.force_login(stranger)
    response = client.get(reverse("calls:application_create", args=[call.slug]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Vous n’êtes membre d’aucune structure" in text
    assert f'href="{reverse("organisations:declare")}"' in text
    assert "Créer le brouillon" not in text


def test_a_member_creates_a_draft_for_one_of_their_organisations(client, call):
    organisation = PublishedOrganisationFactory.create()
    first = PublishedProjectFactory.create(organisation=organisation, title="Premier")
    PublishedProjectFactory.create(organisation=organisation, title="Second")
    member = member_of(organisation)
    client.force_login(member)
    url = reverse("calls:application_create", args=[call.slug])
    page = page_text(client.get(url))
    assert "Premier" in page and "Second" in page

    response = client.post(url, {"organisation": organisation.pk, "projects": [first.pk]})

    application = CallApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("application_edit", application)
    assert application.organisation == organisation
    assert application.status == ApplicationStatus.DRAFT
    assert list(application.projects.all()) == [first]


def test_create_refusals_are_shown_in_french(client, call):
    organisation = PublishedOrganisationFactory.create(status=ModerationStatus.REJECTED)
    project = PublishedProjectFactory.create(organisation=organisation)
    client.force_login(member_of(organisation))
    url = reverse("calls:application_create", args=[call.slug])

    response = client.post(url, {"organisation": organisation.pk})
    assert response.status_code == 400
    assert "Choisissez au moins un projet." in field_errors(response)

    response = client.post(url, {"organisation": organisation.pk, "projects": [project.pk]})
    assert response.status_code == 400
    assert "Votre structure doit être publiée dans l’annuaire" in page_text(response)
    assert not CallApplication.objects.exists()


def test_another_organisations_project_cannot_be_chosen(client, call):
    organisation = PublishedOrganisationFactory.create()
    PublishedProjectFactory.create(organisation=organisation)
    foreign = PublishedProjectFactory.create()
    client.force_login(member_of(organisation))
    response = client.post(
        reverse("calls:application_create", args=[call.slug]),
        {"organisation": organisation.pk, "projects": [foreign.pk]},
    )
    assert response.status_code == 400
    assert not CallApplication.objects.exists()


def test_a_second_live_application_is_refused(client, call):
    application, member = _draft(call)
    client.force_login(member)
    url = reverse("calls:application_create", args=[call.slug])
    page = page_text(client.get(url))
    assert "Vous avez déjà une candidature à cet appel" in page
    response = client.post(
        url,
        {
            "organisation": application.organisation.pk,
            "projects": [application.projects.get().pk],
        },
    )
    assert response.status_code == 400
    assert "Votre structure a déjà une candidature à cet appel" in page_text(response)
    assert CallApplication.objects.count() == 1


def test_create_after_the_deadline_is_refused(client, monkeypatch):
    closes = dt.datetime(2018, 5, 31, 12, 0, tzinfo=PARIS)
    call = make_call(opens_at=closes - dt.timedelta(days=60), closes_at=closes)
    organisation = PublishedOrganisationFactory.create()
    project = PublishedProjectFactory.create(organisation=organisation)
    client.force_login(member_of(organisation))
    url = reverse("calls:application_create", args=[call.slug])

    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("calls:call_detail", args=[call.slug])
    assert "L’appel est clos depuis le 31 mai 2018 à 12:00 (heure de Paris)" in page_text(response)

    response = client.post(url, {"organisation": organisation.pk, "projects": [project.pk]})
    assert response.status_code == 400
    assert "L’appel est clos depuis le 31 mai 2018 à 12:00" in page_text(response)
    assert not CallApplication.objects.exists()


# --- My applications ---------------------------------------------------------------------------


def test_the_list_shows_only_my_organisations_applications(client, call):
    mine, member = _draft(call)
    other_call = make_call(slug="autre", title="Autre appel")
    second = make_application(
        other_call, status=ApplicationStatus.SUBMITTED, organisation=mine.organisation
    )
    theirs = make_application(call, status=ApplicationStatus.SUBMITTED)
    url = reverse("calls:application_list")
    assert _is_login_redirect(client.get(url))
    client.force_login(member)

    response = client.get(url)

    assert response.status_code == 200
    text = page_text(response)
    assert mine.reference in text
    assert second.reference in text
    assert theirs.reference not in text
    assert _url("application_edit", mine) in text  # a draft can be resumed
    assert _url("application_edit", second) not in text


def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    organisation = PublishedOrganisationFactory.create()
    member = member_of(organisation)
    for index in range(5):
        call = make_call(slug=f"appel-{index}", title=f"Appel {index}")
        make_application(call, status=ApplicationStatus.LAUREATE, organisation=organisation)
    client.force_login(member)
    # Session and user, then the applications with their call, organisation and audition.
    with django_assert_max_num_queries(3):
        response = client.get(reverse("calls:application_list"))
    text = page_text(response)
    assert text.count("En cours d’évaluation") == 5  # embargo: no decision shown


# --- The edit page -----------------------------------------------------------------------------


def test_edit_page_permissions(client, call, staff, stranger):
    application, member = _draft(call)
    url = _url("application_edit", application)
    assert _is_login_redirect(client.get(url))
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    assert client.post(url, _form_data(application)).status_code == 403
    client.force_login(staff)  # staff instruct from their own pages, they do not edit
    assert client.get(url).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 200
    application.refresh_from_db()
    assert application.answers == {}


def test_edit_page_renders_every_kind_of_question(client, call):
    application, member = _draft(call)
    client.force_login(member)
    body = client.get(_url("application_edit", application)).content.decode()
    assert re.search(r'<input type="text" name="q-resume"[^>]*data-compteur="200"', body)
    assert re.search(r'<textarea name="q-impact"[^>]*data-compteur="3000"', body)
    assert re.search(r'<input type="text" name="q-budget"[^>]*inputmode="decimal"', body)
    assert re.search(r'<input type="radio" name="q-secteur" value="Emploi"', body)
    assert re.search(r'<input type="checkbox" name="q-publics" value="Jeunes"', body)
    assert re.search(r'<input type="date" name="q-date_essaimage"', body)
    assert re.search(r'<input class="fr-upload" type="file"[^>]*name="fichier-comptes"', body)
    text = page_text(client.get(_url("application_edit", application)))
    assert "Formats acceptés : PDF, PNG, JPEG, ODT ou DOCX. Taille maximale : 10 Mo." in text
    assert "Entre 20 et 3000 caractères." in text
    assert "Publics (facultatif)" in text
    assert "Résumé du projet (facultatif)" not in text
    assert "Enregistrer le brouillon" in text
    assert "calls/autosave.js" in body


def test_saving_a_draft_keeps_what_was_typed_and_shows_the_errors(client, call):
    application, member = _draft(call)
    client.force_login(member)
    answers = {**complete_answers(), "budget": "cinq cent mille", "impact": "Trop court"}

    response = client.post(_url("application_edit", application), _form_data(application, answers))

    assert response.status_code == 400
    errors = field_errors(response)
    assert "Indiquez un montant en euros, en chiffres (par exemple 520000)." in errors
    assert "10 caractères : le minimum est de 20." in errors
    body = response.content.decode()
    assert 'value="cinq cent mille"' in body
    assert "2 réponses à corriger" in page_text(response)
    application.refresh_from_db()
    assert application.answers["budget"] == "cinq cent mille"  # nothing typed is lost
    assert application.answers["impact"] == "Trop court"
    # Coming back later: the raw values and their errors are still there.
    again = client.get(_url("application_edit", application))
    assert 'value="cinq cent mille"' in again.content.decode()
    assert "Indiquez un montant en euros, en chiffres (par exemple 520000)." in field_errors(again)


def test_a_clean_save_redirects_with_the_time(client, call):
    application, member = _draft(call)
    client.force_login(member)
    response = client.post(
        _url("application_edit", application), _form_data(application), follow=True
    )
    assert response.redirect_chain[0] == (_url("application_edit", application), 302)
    assert "Brouillon enregistré à " in page_text(response)
    application.refresh_from_db()
    assert application.answers["publics"] == ["Jeunes"]
    assert application.answers["budget"] == "750000"


def test_the_draft_can_change_its_projects_but_not_to_none(client, call):
    application, member = _draft(call)
    other = PublishedProjectFactory.create(organisation=application.organisation, title="Autre")
    client.force_login(member)
    url = _url("application_edit", application)
    client.post(url, _form_data(application, projets=[other.pk]))
    assert list(application.projects.all()) == [other]

    response = client.post(url, _form_data(application, projets=[]))
    assert response.status_code == 400
    assert "Choisissez au moins un projet de la structure." in field_errors(response)
    assert list(application.projects.all()) == [other]
    application.refresh_from_db()
    assert application.answers["secteur"] == "Emploi"  # the answers are saved all the same


def test_the_eligibility_preview_shows_each_rule(client, call):
    application, member = _draft(call, created=dt.date.today() - dt.timedelta(days=365))
    client.force_login(member)
    client.post(_url("application_edit", application), _form_data(application))
    _attach(application, member)

    response = client.get(_url("application_edit", application))

    body = response.content.decode()
    assert 'data-regle="anciennete_min" data-respectee="non"' in body
    assert 'data-regle="budget_min" data-respectee="oui"' in body
    text = page_text(response)
    assert "il faut avoir été créée au plus tard le" in text
    assert "Budget déclaré de 750 000 €, supérieur à 500 000 €." in text


def test_before_submitting_the_page_lists_what_is_missing(client, call):
    application, member = _draft(call)
    client.force_login(member)
    text = page_text(client.get(_url("application_edit", application)))
    assert "il reste à compléter" in text
    assert "Résumé du projet : Cette question est obligatoire." in re.sub(r"<[^>]+>", "", text)


def test_a_submitted_application_is_not_edited(client, call):
    application = make_application(call, status=ApplicationStatus.SUBMITTED)
    member = member_of(application.organisation)
    client.force_login(member)
    response = client.get(_url("application_edit", application), follow=True)
    assert response.redirect_chain[0] == (_url("application_detail", application), 302)
    assert "elle ne se modifie plus" in page_text(response)


# --- Autosave --------------------------------------------------------------------------------


def test_autosave_saves_and_answers_json(client, call):
    application, member = _draft(call)
    client.force_login(member)
    answers = {"resume": "Un résumé", "budget": "beaucoup", "publics": ["Jeunes", "Seniors"]}

    response = client.post(
        _url("application_autosave", application), _form_data(application, answers)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["enregistre"] is True
    assert body["erreurs"] == {
        "budget": "Indiquez un montant en euros, en chiffres (par exemple 520000)."
    }
    assert re.fullmatch(
        r"Brouillon enregistré à \d\d:\d\d\. 1 réponse à corriger\.", body["message"]
    )
    application.refresh_from_db()
    assert application.answers["resume"] == "Un résumé"
    assert application.answers["budget"] == "beaucoup"
    assert application.answers["publics"] == ["Jeunes", "Seniors"]


def test_autosave_after_the_deadline_answers_a_json_error(client, call):
    application, member = _draft(call)
    _close(call)
    client.force_login(member)
    response = client.post(
        _url("application_autosave", application), _form_data(application, {"resume": "Tard"})
    )
    assert response.status_code == 400
    assert "L’appel est clos depuis le" in json.loads(response.content)["erreur"]
    application.refresh_from_db()
    assert application.answers == {}


def test_autosave_permissions(client, call, stranger):
    application, member = _draft(call)
    url = _url("application_autosave", application)
    assert _is_login_redirect(client.post(url, _form_data(application)))
    client.force_login(stranger)
    assert client.post(url, _form_data(application)).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert client.post(reverse("calls:application_autosave", args=[999999])).status_code == 404
    application.refresh_from_db()
    assert application.answers == {}


def test_autosave_refuses_a_post_without_csrf_token(call):
    from django.test import Client

    application, member = _draft(call)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(_url("application_autosave", application), _form_data(application))
    assert response.status_code == 403


# --- Files -----------------------------------------------------------------------------------


def test_upload_refuses_a_file_that_is_not_a_document(client, call):
    application, member = _draft(call)
    client.force_login(member)
    fake = SimpleUploadedFile(
        "comptes.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )

    response = client.post(
        _url("application_upload", application, "comptes"), {"fichier": fake}, follow=True
    )

    assert response.redirect_chain[0][0].startswith(_url("application_edit", application))
    assert "Le fichier n’est pas au format PDF, PNG, JPEG, ODT ou DOCX" in page_text(response)
    assert not ApplicationFile.objects.exists()
    application.refresh_from_db()
    assert "comptes" not in application.answers


def test_upload_of_a_pdf_attaches_it(client, call):
    application, member = _draft(call)
    client.force_login(member)
    upload = SimpleUploadedFile("bilan 2017.pdf", PDF, content_type="application/pdf")
    response = client.post(
        _url("application_upload", application, "comptes"), {"fichier": upload}, follow=True
    )
    attachment = ApplicationFile.objects.get()
    assert "« bilan 2017.pdf » est joint au dossier." in page_text(response)
    assert attachment.original_name == "bilan 2017.pdf"
    application.refresh_from_db()
    assert application.answers["comptes"] == attachment.pk
    assert "bilan 2017.pdf" in page_text(client.get(_url("application_edit", application)))


def test_upload_from_the_whole_form_saves_the_answers_first(client, call):
    application, member = _draft(call)
    client.force_login(member)
    data = _form_data(
        application,
        {"resume": "Tapé avant de joindre"},
        **{"fichier-comptes": SimpleUploadedFile("c.pdf", PDF)},
    )
    client.post(_url("application_upload", application, "comptes"), data)
    application.refresh_from_db()
    assert application.answers["resume"] == "Tapé avant de joindre"
    assert application.answers["comptes"] == ApplicationFile.objects.get().pk


def test_upload_without_a_file_or_by_a_stranger(client, call, stranger):
    application, member = _draft(call)
    url = _url("application_upload", application, "comptes")
    client.force_login(stranger)
    assert client.post(url, {"fichier": SimpleUploadedFile("c.pdf", PDF)}).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 405
    response = client.post(url, {}, follow=True)
    assert "Choisissez le fichier à joindre." in page_text(response)
    response = client.post(
        _url("application_upload", application, "resume"),
        {"fichier": SimpleUploadedFile("c.pdf", PDF)},
        follow=True,
    )
    assert "Cette question n’attend pas de fichier." in page_text(response)
    assert not ApplicationFile.objects.exists()


def test_saving_the_form_with_a_bad_file_shows_it_under_the_question(client, call):
    application, member = _draft(call)
    client.force_login(member)
    data = _form_data(
        application, **{"fichier-comptes": SimpleUploadedFile("c.pdf", b"pas un pdf")}
    )
    response = client.post(_url("application_edit", application), data)
    assert response.status_code == 400
    assert any("n’est pas au format PDF" in error for error in field_errors(response))
    assert not ApplicationFile.objects.exists()


# --- Submission --------------------------------------------------------------------------------


def test_submit_from_the_form_saves_then_submits_and_shows_the_receipt(client, call, mailoutbox):
    application, member = _draft(call)
    client.force_login(member)
    data = _form_data(application, **{"fichier-comptes": SimpleUploadedFile("c.pdf", PDF)})

    response = client.post(_url("application_submit", application), data)

    submission = Submission.objects.get(application=application)
    assert response.status_code == 302
    assert response["Location"] == _url("application_receipt", application, submission.number)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert submission.answers["budget"] == "750000"
    assert len(mailoutbox) == 1


def test_a_refused_submission_lists_every_problem(client, call):
    application, member = _draft(call)
    client.force_login(member)
    answers = {**complete_answers(), "resume": "", "budget": "beaucoup"}

    response = client.post(
        _url("application_submit", application), _form_data(application, answers)
    )

    assert response.status_code == 400
    text = page_text(response)
    assert "La candidature n’a pas été déposée" in text
    problems = re.search(r'id="problemes-depot">(.*?)</div>', text, re.S)
    assert problems is not None
    listed = re.findall(r"<li>(.*?)</li>", problems.group(1))
    assert listed == [
        "« Résumé du projet » : Cette question est obligatoire.",
        "« Budget du dernier exercice clos » : Indiquez un montant en euros, en chiffres "
        "(par exemple 520000).",
        "« Comptes du dernier exercice » : Cette question est obligatoire.",
    ]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.answers["budget"] == "beaucoup"  # saved as typed all the same
    assert not Submission.objects.exists()


def test_submission_after_the_deadline_is_refused_through_the_view(client, call):
    application, member = _draft(call)
    client.force_login(member)
    client.post(_url("application_edit", application), _form_data(application))
    _attach(application, member)
    _close(call)

    response = client.post(_url("application_submit", application), {"reponse": ""})

    assert response.status_code == 400
    assert "L’appel est clos depuis le" in page_text(response)
    assert "les candidatures ne sont plus acceptées" in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert not Submission.objects.exists()


def test_submit_permissions(client, call, stranger, staff):
    application, member = _draft(call)
    url = _url("application_submit", application)
    assert _is_login_redirect(client.post(url))
    client.force_login(stranger)
    assert client.post(url).status_code == 403
    client.force_login(staff)
    assert client.post(url).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert not Submission.objects.exists()


def test_a_submitted_application_cannot_be_submitted_again(client, call):
    application = make_application(call, status=ApplicationStatus.SUBMITTED)
    client.force_login(member_of(application.organisation))
    response = client.post(_url("application_submit", application), follow=True)
    assert "elle ne se modifie plus" in page_text(response)
    assert Submission.objects.filter(application=application).count() == 1


def _awaiting(call):
    application = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    member = member_of(application.organisation)
    services.application_request_completion(
        application=application,
        actor=user_with_role(Role.PROGRAMME_STAFF),
        message="Joignez les comptes certifiés.",
        deadline=dt.datetime(2099, 6, 15, 18, 0, tzinfo=PARIS),
    )
    application.refresh_from_db()
    return application, member


def test_answering_a_correction_request(client, call):
    application, member = _awaiting(call)
    client.force_login(member)
    page = client.get(_url("application_edit", application))
    text = page_text(page)
    assert "Joignez les comptes certifiés." in text
    assert "À compléter avant le 15 juin 2099 à 18:00 (heure de Paris)." in text
    assert 'name="reponse"' in page.content.decode()

    refused = client.post(_url("application_submit", application), _form_data(application))
    assert refused.status_code == 400
    assert "Expliquez ce que vous avez complété en réponse à la demande." in page_text(refused)

    response = client.post(
        _url("application_submit", application),
        _form_data(application, reponse="Comptes certifiés joints."),
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    latest = application.submissions.order_by("-number").first()
    assert latest.number == 2
    assert latest.response == "Comptes certifiés joints."
    assert response["Location"] == _url("application_receipt", application, 2)


def test_saving_while_answering_keeps_the_response_on_the_page(client, call):
    application, member = _awaiting(call)
    client.force_login(member)
    response = client.post(
        _url("application_edit", application), _form_data(application, reponse="En cours…")
    )
    assert response.status_code == 200
    assert "En cours…" in page_text(response)
    assert "Brouillon enregistré à " in page_text(response)


# --- Receipt ---------------------------------------------------------------------------------


def test_the_receipt_summarises_the_submission(client, call, staff, stranger, monkeypatch):
    application, member = _draft(call)
    client.force_login(member)
    client.post(_url("application_edit", application), _form_data(application))
    _attach(application, member)
    moment = dt.datetime(2018, 5, 31, 11, 59, 59, tzinfo=PARIS)
    Call.objects.filter(pk=call.pk).update(
        opens_at=moment - dt.timedelta(days=30), closes_at=moment + dt.timedelta(seconds=1)
    )
    monkeypatch.setattr(timezone, "now", lambda: moment)
    client.post(_url("application_submit", application))
    monkeypatch.undo()
    submission = Submission.objects.get()
    url = _url("application_receipt", application, submission.number)

    response = client.get(url)

    assert response.status_code == 200
    text = page_text(response)
    assert submission.receipt_code in text
    assert "31 mai 2018 à 11:59:59 (heure de Paris)" in text
    assert application.organisation.name in text
    assert application.projects.get().title in text
    assert call.title in text
    assert "Fichier « comptes-2017.pdf »" in text
    assert "750 000 €" in text
    assert "1 200" in text  # the number of beneficiaries
    assert "Jeunes" in text
    assert "1 septembre 2019" in text
    assert "Des emplois pour les personnes éloignées de l’emploi." in text
    assert "Budget déclaré de 750 000 €, supérieur à 500 000 €." in text
    assert "data-imprimer" in response.content.decode()
    assert "calls/calls.css" in response.content.decode()
    assert "@media print" in open_static("calls/calls.css")

    client.force_login(staff)
    assert client.get(url).status_code == 200
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    client.logout()
    assert _is_login_redirect(client.get(url))
    client.force_login(member)
    assert client.get(_url("application_receipt", application, 9)).status_code == 404


def open_static(path):
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    assert found, path
    with open(found, encoding="utf-8") as handle:  # noqa: PTH123
        return handle.read()


# --- Following the application -----------------------------------------------------------------


def test_detail_permissions(client, call, staff, stranger):
    application = make_application(call, status=ApplicationStatus.SUBMITTED)
    member = member_of(application.organisation)
    url = _url("application_detail", application)
    assert _is_login_redirect(client.get(url))
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert "Retirer la candidature" not in page_text(response)  # staff do not withdraw
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "Déposée" in text
    assert _url("application_receipt", application, 1) in text
    assert "Retirer la candidature" in text


def test_a_laureate_sees_nothing_of_the_decision_before_publication(client, call):
    application = make_application(call, status=ApplicationStatus.LAUREATE)
    application.decision_reason = "Un modèle solide."
    application.save(update_fields=["decision_reason"])
    _scored(application)
    client.force_login(member_of(application.organisation))

    text = page_text(client.get(_url("application_detail", application)))

    assert "En cours d’évaluation" in text
    assert "Lauréate" not in text
    assert "Un modèle solide." not in text
    assert "Retour de l’évaluation" not in text
    assert "Très convaincant" not in text


def _scored(application):
    """Two submitted reviews with a comment each, on the evaluation grid."""
    grid = application.call.grids.get(kind=GridKind.EVALUATION)
    round_ = application.call.rounds.get(number=1)
    criterion = grid.criteria.get(key="impact")
    reviewers = []
    for value, comment in ((Decimal(4), "Très convaincant"), (Decimal(3), "")):
        reviewer = user_with_role(Role.REVIEWER, first_name="Évaluatrice", last_name="Secrète")
        assignment = Assignment.objects.create(
            round=round_,
            application=application,
            reviewer=reviewer,
            status=AssignmentStatus.SUBMITTED,
        )
        Score.objects.create(
            assignment=assignment, criterion=criterion, value=value, comment=comment
        )
        reviewers.append(reviewer)
    return reviewers


def test_after_publication_the_applicant_reads_the_decision_and_the_feedback(client, call):
    application = make_application(call, status=ApplicationStatus.LAUREATE)
    application.decision_reason = "Un modèle solide."
    application.save(update_fields=["decision_reason"])
    reviewers = _scored(application)
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at"])
    client.force_login(member_of(application.organisation))

    text = page_text(client.get(_url("application_detail", application)))

    assert "Lauréate" in text
    assert "En cours d’évaluation" not in text
    assert "Un modèle solide." not in text  # the decision reason is internal
    assert "Retour de l’évaluation" in text
    assert "Impact social" in text
    assert "3,5 (de 0 à 5)" in text
    assert "Très convaincant" in text
    for reviewer in reviewers:
        assert reviewer.email not in text
    assert "Secrète" not in text  # reviewers stay anonymous


def test_the_detail_shows_the_correction_request_and_the_audition(client, call):
    application, member = _awaiting(call)
    client.force_login(member)
    text = page_text(client.get(_url("application_detail", application)))
    assert "Joignez les comptes certifiés." in text
    assert "À compléter avant le 15 juin 2099 à 18:00 (heure de Paris)." in text
    assert _url("application_edit", application) in text

    shortlisted = make_application(call, status=ApplicationStatus.AUDITION_SCHEDULED)
    panel = AuditionPanel.objects.create(call=call, name="Panel A")
    AuditionSlot.objects.create(
        panel=panel,
        starts_at=dt.datetime(2018, 5, 2, 14, 30, tzinfo=PARIS),
        ends_at=dt.datetime(2018, 5, 2, 15, 0, tzinfo=PARIS),
        location="Caisse des Dépôts, 56 rue de Lille, Paris",
        application=shortlisted,
    )
    client.force_login(member_of(shortlisted.organisation))
    text = page_text(client.get(_url("application_detail", shortlisted)))
    assert "Le mercredi 2 mai 2018, de 14:30 à 15:00 (heure de Paris)." in text
    assert "Caisse des Dépôts, 56 rue de Lille, Paris" in text
    assert "Audition programmée" in text


# --- Withdrawal --------------------------------------------------------------------------------


def test_a_member_withdraws_with_a_reason(client, call):
    application = make_application(call, status=ApplicationStatus.IN_REVIEW)
    client.force_login(member_of(application.organisation))
    response = client.post(
        _url("application_withdraw", application),
        {"reason": "Nous rejoignons un autre programme."},
        follow=True,
    )
    assert response.redirect_chain[0] == (_url("application_detail", application), 302)
    assert "Candidature retirée." in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    from frenchimpact.audit.models import AuditEntry

    entry = AuditEntry.objects.filter(action="call_application.withdraw").get()
    assert entry.reason == "Nous rejoignons un autre programme."


def test_withdrawal_refusals(client, call, stranger, staff):
    application = make_application(call, status=ApplicationStatus.IN_REVIEW)
    url = _url("application_withdraw", application)
    assert _is_login_redirect(client.post(url))
    for user in (stranger, staff):
        client.force_login(user)
        assert client.post(url).status_code == 403
    member = member_of(application.organisation)
    client.force_login(member)
    assert client.get(url).status_code == 405
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW

    decided = make_application(call, status=ApplicationStatus.NOT_SELECTED)
    client.force_login(member_of(decided.organisation))
    response = client.post(_url("application_withdraw", decided), follow=True)
    # Under embargo, the views word the refusal from the status the applicant is shown.
    assert (
        "Cette action n’est plus possible : votre candidature est « En cours d’évaluation »."
        in page_text(response)
    )
    decided.refresh_from_db()
    assert decided.status == ApplicationStatus.NOT_SELECTED


# --- File downloads --------------------------------------------------------------------------


def _accounts(application):
    return application.files.get(question_key="comptes")


def test_file_download_by_members_and_staff(client, call, staff, stranger):
    application = make_application(call)
    attachment = _accounts(application)
    url = reverse("calls:application_file", args=[attachment.pk])
    assert _is_login_redirect(client.get(url))
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    for user in (member_of(application.organisation), staff):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert 'attachment; filename="comptes.pdf"' in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == PDF
    assert client.get(reverse("calls:application_file", args=[999999])).status_code == 404


def _reviewer_on(application, status):
    reviewer = user_with_role(Role.REVIEWER)
    Assignment.objects.create(
        round=application.call.rounds.get(number=1),
        application=application,
        reviewer=reviewer,
        status=status,
    )
    return reviewer


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (AssignmentStatus.ASSIGNED, 403),  # has not declared yet
        (AssignmentStatus.RECUSED, 403),
        (AssignmentStatus.CLEARED, 200),
        (AssignmentStatus.SUBMITTED, 200),
    ],
)
def test_file_download_by_a_reviewer_depends_on_the_assignment(client, call, status, expected):
    application = make_application(call, status=ApplicationStatus.IN_REVIEW)
    client.force_login(_reviewer_on(application, status))
    response = client.get(reverse("calls:application_file", args=[_accounts(application).pk]))
    assert response.status_code == expected


def test_a_reviewer_of_another_application_gets_nothing(client, call):
    application = make_application(call, status=ApplicationStatus.IN_REVIEW)
    other = make_application(call, status=ApplicationStatus.IN_REVIEW)
    client.force_login(_reviewer_on(other, AssignmentStatus.CLEARED))
    response = client.get(reverse("calls:application_file", args=[_accounts(application).pk]))
    assert response.status_code == 403


def test_blind_written_rounds_give_reviewers_no_file(client):
    call = make_call(blind_review=True)
    application = make_application(call, status=ApplicationStatus.IN_REVIEW)
    Question.objects.create(
        form=application.form,
        key="statuts",
        label="Statuts de la structure",
        kind=QuestionKind.FILE,
        required=False,
        identifying=True,
        order=99,
    )
    statutes = ApplicationFile(
        application=application,
        question_key="statuts",
        original_name="statuts-association-simplon.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    statutes.file.save("statuts.pdf", ContentFile(PDF), save=False)
    statutes.save()
    reviewer = _reviewer_on(application, AssignmentStatus.CLEARED)
    client.force_login(reviewer)

    hidden = client.get(reverse("calls:application_file", args=[statutes.pk]))
    accounts = client.get(reverse("calls:application_file", args=[_accounts(application).pk]))

    # Neither the identifying file nor the accounts: in a blind written round, reviewers
    # get no attached file at all (accounts carry the organisation's name).
    assert hidden.status_code == 403
    assert accounts.status_code == 403
    # Staff and members still get everything.
    client.force_login(member_of(application.organisation))
    assert client.get(reverse("calls:application_file", args=[statutes.pk])).status_code == 200


def test_a_user_without_the_reviewer_role_gets_nothing_even_if_assigned(client, call):
    application = make_application(call, status=ApplicationStatus.IN_REVIEW)
    user = UserFactory.create()
    Assignment.objects.create(
        round=call.rounds.get(number=1),
        application=application,
        reviewer=user,
        status=AssignmentStatus.CLEARED,
    )
    client.force_login(user)
    response = client.get(reverse("calls:application_file", args=[_accounts(application).pk]))
    assert response.status_code == 403
