"""The reviewers' pages (/jury/): access, the open-mode declaration before seeing a file, the
blind-mode list and anonymised file, scoring through the form, confidentiality, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frenchimpact.calls import review
from frenchimpact.calls.enums import ApplicationStatus, AssignmentStatus, LinkKind
from frenchimpact.calls.models import Assignment, JuryMember, Score

from ..accounts.utils import page_text
from ..organisations.factories import PublishedOrganisationFactory, PublishedProjectFactory
from .factories import make_application, make_call
from .test_review_services import (
    add_juror,
    assigned,
    cleared,
    criteria,
    first_round,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

IMPACT_ANSWER = "1 200 personnes accompagnées vers un emploi durable chaque année."
RESUME_ANSWER = "Des emplois pour les personnes éloignées de l’emploi."


def _urls(assignment):
    return {
        "dashboard": reverse("jury:dashboard"),
        "links": reverse("jury:links", args=[assignment.round.call.slug]),
        "assignment": reverse("jury:assignment", args=[assignment.pk]),
    }


# --- Access -------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_login_page(client, call, staff):
    assignment, _user = assigned(call, staff)
    for url in [
        *_urls(assignment).values(),
        reverse("jury:blind_declaration", args=[assignment.round_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/login/")
    declare = reverse("jury:assignment_declare", args=[assignment.pk])
    assert client.post(declare, {"action": "sans_conflit"}).status_code == 302


def test_people_without_the_reviewer_role_get_403(client, call, staff, stranger):
    assignment, _user = assigned(call, staff)
    for person in (stranger, staff):
        client.force_login(person)
        for url in _urls(assignment).values():
            assert client.get(url).status_code == 403
        response = client.post(
            reverse("jury:assignment_declare", args=[assignment.pk]), {"action": "sans_conflit"}
        )
        assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_another_reviewers_file_is_not_found(client, call, staff):
    assignment, _user = cleared(call, staff)
    other = add_juror(call, staff)
    client.force_login(other)
    assert client.get(reverse("jury:assignment", args=[assignment.pk])).status_code == 404
    declare = reverse("jury:assignment_declare", args=[assignment.pk])
    assert client.post(declare, {"action": "deport", "reason": "x"}).status_code == 404
    score = criteria(call)["impact"]
    response = client.post(
        reverse("jury:assignment", args=[assignment.pk]),
        {f"note_{score.pk}": "3", "action": "enregistrer"},
    )
    assert response.status_code == 404
    assert not Score.objects.exists()


def test_pages_of_a_jury_one_is_not_on_are_not_found(client, call, staff):
    outsider = make_reviewer()
    client.force_login(outsider)
    assert client.get(reverse("jury:links", args=[call.slug])).status_code == 404
    assert (
        client.get(reverse("jury:blind_declaration", args=[first_round(call).pk])).status_code
        == 404
    )


def test_declare_is_post_only(client, call, staff):
    assignment, user = assigned(call, staff)
    client.force_login(user)
    assert client.get(reverse("jury:assignment_declare", args=[assignment.pk])).status_code == 405


# --- Dashboard and links ------------------------------------------------------------------


def test_dashboard_lists_only_my_assignments(client, call, staff, django_assert_max_num_queries):
    mine, user = assigned(call, staff)
    for _ in range(4):
        assigned(call, staff, user=user)
    theirs, _other = assigned(call, staff)
    other_call = make_call(slug="autre-appel", title="Un autre appel")
    assigned(other_call, staff, user=add_juror(other_call, staff, user=user))
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("jury:dashboard"))
    text = page_text(response)
    assert response.status_code == 200
    assert mine.application.organisation.name in text
    assert "Un autre appel" in text
    assert theirs.application.organisation.name not in text
    assert theirs.application.reference not in text


def test_declaring_links_through_the_page(client, call, staff):
    user = make_reviewer()
    review.jury_join(call=call, user=user, actor=staff)
    directory = PublishedOrganisationFactory.create(siren="552100554", name="Les Jardins")
    client.force_login(user)
    url = reverse("jury:links", args=[call.slug])
    response = client.post(url, {})
    assert response.status_code == 400
    assert "ou cochez « aucun lien »" in page_text(response)
    response = client.post(url, {"nom_1": "Inconnue", "lien_1": "", "siren_2": "123456789"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Choisissez la nature du lien." in text
    assert "Aucune structure de l’annuaire n’a ce SIREN." in text
    assert JuryMember.objects.get(user=user).links_declared_at is None
    response = client.post(
        url,
        {
            "siren_1": "552 100 554",
            "lien_1": LinkKind.FUND,
            "nom_2": "Association du coin",
            "lien_2": LinkKind.MEMBER,
        },
    )
    assert response.status_code == 302
    member = JuryMember.objects.get(user=user)
    assert [(link.organisation, link.organisation_name) for link in member.links.all()] == [
        (directory, "Les Jardins"),
        (None, "Association du coin"),
    ]
    # "no link" is a declaration too
    response = client.post(url, {"no_link": "on"})
    assert response.status_code == 302
    assert not member.links.exists()


# --- Open mode ----------------------------------------------------------------------------


def test_open_mode_shows_only_the_name_and_projects_before_the_declaration(client, call, staff):
    assignment, user = assigned(call, staff)
    project = PublishedProjectFactory.create(organisation=assignment.application.organisation)
    assignment.application.projects.add(project)
    client.force_login(user)
    url = reverse("jury:assignment", args=[assignment.pk])
    text = page_text(client.get(url))
    assert assignment.application.organisation.name in text
    assert project.title in text
    assert IMPACT_ANSWER not in text
    assert RESUME_ANSWER not in text
    assert "comptes.pdf" not in text
    assert "Je n’ai pas de conflit d’intérêts" in text

    response = client.post(
        reverse("jury:assignment_declare", args=[assignment.pk]), {"action": "sans_conflit"}
    )
    assert response.status_code == 302
    text = page_text(client.get(url))
    assert IMPACT_ANSWER in text
    assert RESUME_ANSWER in text
    assert "comptes.pdf" in text
    assert assignment.application.reference in text
    assert "Impact social" in text  # the scoring form


def test_open_mode_without_links_declared_shows_no_buttons(client, call, staff):
    user = make_reviewer()
    review.jury_join(call=call, user=user, actor=staff)
    app = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    review.assign_bulk(round=first_round(call), reviewers=[user], applications=[app], actor=staff)
    assignment = Assignment.objects.get()
    client.force_login(user)
    text = page_text(client.get(reverse("jury:assignment", args=[assignment.pk])))
    assert "Déclarez d’abord vos liens" in text
    assert "Je n’ai pas de conflit d’intérêts" not in text
    response = client.post(
        reverse("jury:assignment_declare", args=[assignment.pk]), {"action": "sans_conflit"}
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_recusal_through_the_page(client, call, staff):
    assignment, user = assigned(call, staff)
    client.force_login(user)
    declare = reverse("jury:assignment_declare", args=[assignment.pk])
    response = client.post(declare, {"action": "deport", "reason": ""}, follow=True)
    assert "Indiquez le motif de votre déport." in page_text(response)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    response = client.post(declare, {"action": "deport", "reason": "Ancienne salariée"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.recusal_reason) == (
        AssignmentStatus.RECUSED,
        "Ancienne salariée",
    )
    text = page_text(client.get(reverse("jury:assignment", args=[assignment.pk])))
    assert IMPACT_ANSWER not in text
    assert "Ancienne salariée" in text


# --- Scoring through the page -------------------------------------------------------------


def test_scoring_form_refuses_out_of_scale_and_writes_nothing(client, call, staff):
    assignment, user = cleared(call, staff)
    c = criteria(call)
    client.force_login(user)
    url = reverse("jury:assignment", args=[assignment.pk])
    response = client.post(
        url,
        {f"note_{c['impact'].pk}": "9", f"note_{c['solidite'].pk}": "7", "action": "enregistrer"},
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "La note de « Impact social » doit être comprise entre 0 et 5." in text
    assert f'href="#id_note_{c["impact"].pk}"' in text  # the error is linked to its field
    assert not Score.objects.exists()


def test_save_draft_then_submit_through_the_page(client, call, staff):
    assignment, user = cleared(call, staff)
    c = criteria(call)
    client.force_login(user)
    url = reverse("jury:assignment", args=[assignment.pk])
    response = client.post(
        url,
        {
            f"note_{c['impact'].pk}": "4,5",
            f"commentaire_{c['impact'].pk}": "Très bon ancrage",
            "action": "enregistrer",
        },
        follow=True,
    )
    text = page_text(response)
    assert "Vos notes sont enregistrées (brouillon)." in text
    assert "Critères pas encore notés" in text
    assert "Très bon ancrage" in text
    assert Score.objects.get().value == 45 / 10
    response = client.post(
        url, {f"note_{c['impact'].pk}": "4,5", "action": "remettre"}, follow=True
    )
    text = page_text(response)
    assert "Votre évaluation est remise." in text
    assert "Critères non notés, qui ne compteront pas" in text
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    # the submitted review is read-only
    response = client.post(url, {f"note_{c['impact'].pk}": "1", "action": "enregistrer"})
    assert response.status_code == 400
    assert "elle ne se modifie plus" in page_text(response)
    assert Score.objects.get().value == 45 / 10


def test_submit_without_any_score_is_refused_on_the_page(client, call, staff):
    assignment, user = cleared(call, staff)
    client.force_login(user)
    response = client.post(reverse("jury:assignment", args=[assignment.pk]), {"action": "remettre"})
    assert response.status_code == 400
    assert "Notez au moins un critère" in page_text(response)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED


def test_scoring_before_declaring_is_refused_on_the_page(client, call, staff):
    assignment, user = assigned(call, staff)
    client.force_login(user)
    response = client.post(
        reverse("jury:assignment", args=[assignment.pk]),
        {f"note_{criteria(call)['impact'].pk}": "3", "action": "enregistrer"},
    )
    assert response.status_code == 400
    assert "Déclarez d’abord l’absence de conflit" in page_text(response)
    assert not Score.objects.exists()


def test_a_reviewer_never_sees_another_reviewers_scores(client, call, staff):
    alice, bob = add_juror(call, staff), add_juror(call, staff)
    app = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    review.assign_bulk(
        round=first_round(call), reviewers=[alice, bob], applications=[app], actor=staff
    )
    c = criteria(call)
    for user, comment in ((alice, "Avis d’Alice"), (bob, "Avis secret de Bob")):
        assignment = Assignment.objects.get(reviewer=user)
        review.declare_no_conflict(assignment=assignment, actor=user)
        review.score_save(
            assignment=assignment,
            actor=user,
            scores={c["impact"].pk: ("2" if user == alice else "5", comment)},
        )
    review.review_submit(assignment=Assignment.objects.get(reviewer=bob), actor=bob)
    client.force_login(alice)
    for url in (
        reverse("jury:assignment", args=[Assignment.objects.get(reviewer=alice).pk]),
        reverse("jury:dashboard"),
    ):
        text = page_text(client.get(url))
        assert "Avis secret de Bob" not in text
        assert 'value="5"' not in text


# --- Blind mode ---------------------------------------------------------------------------


@pytest.fixture
def blind(db):
    return make_call(slug="anonyme", blind_review=True)


def test_blind_list_is_not_tied_to_the_files(client, blind, staff):
    assignment, user = assigned(blind, staff)
    others = [make_application(blind, status=ApplicationStatus.ADMISSIBLE) for _ in range(2)]
    client.force_login(user)
    # Before declaring: no file at all, on the dashboard or the assignment page.
    for url in (reverse("jury:dashboard"), reverse("jury:assignment", args=[assignment.pk])):
        text = page_text(client.get(url))
        assert assignment.application.anonymous_code not in text
        assert assignment.application.reference not in text
        assert assignment.application.organisation.name not in text
        assert IMPACT_ANSWER not in text
    url = reverse("jury:blind_declaration", args=[assignment.round_id])
    text = page_text(client.get(url))
    for application in [assignment.application, *others]:
        assert application.organisation.name in text
        assert application.anonymous_code not in text
        assert application.reference not in text
    response = client.post(url, {"organisations": [others[0].organisation_id]})
    assert response.status_code == 400
    assert "Confirmez avoir lu toute la liste." in page_text(response)
    response = client.post(url, {"organisations": [others[0].organisation_id], "confirm": "on"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED
    text = page_text(client.get(url))
    assert "Vous avez fait votre déclaration" in text
    assert assignment.application.anonymous_code not in text


def test_anonymised_file_hides_identifying_answers_and_the_organisation(client, blind, staff):
    assignment, user = assigned(blind, staff)
    review.blind_declare(
        round=assignment.round, reviewer=user, conflicting_organisations=[], actor=user
    )
    client.force_login(user)
    text = page_text(client.get(reverse("jury:assignment", args=[assignment.pk])))
    application = assignment.application
    assert application.anonymous_code in text
    assert application.reference not in text
    assert application.organisation.name not in text
    assert "Résumé du projet" not in text  # an identifying question
    assert RESUME_ANSWER not in text
    assert IMPACT_ANSWER in text
    # No attached file at all in a blind written round (accounts carry the name).
    assert "comptes.pdf" not in text
    assert "Les pièces jointes ne sont pas communiquées en évaluation anonymisée." in text
    assert "/appels/pieces/" not in text
    dashboard = page_text(client.get(reverse("jury:dashboard")))
    assert application.anonymous_code in dashboard
    assert application.organisation.name not in dashboard


def test_blind_file_hides_files_of_identifying_questions(blind, staff):
    from frenchimpact.calls.models import ApplicationFile, Question

    Question.objects.filter(form__call=blind, key="comptes").update(identifying=True)
    assignment, user = assigned(blind, staff)
    review.blind_declare(
        round=assignment.round, reviewer=user, conflicting_organisations=[], actor=user
    )
    assignment = Assignment.objects.select_related("round__call", "application__form").get(
        pk=assignment.pk
    )
    file = review.reviewer_file(assignment)
    assert all(row.label != "Comptes du dernier exercice" for row in file["answers"])
    attachment = ApplicationFile.objects.get(application=assignment.application)
    assert not review.reviewer_may_see_file(user, attachment)


def test_reviewer_may_see_file_only_once_cleared(call, staff):
    from frenchimpact.calls.models import ApplicationFile

    assignment, user = assigned(call, staff)
    attachment = ApplicationFile.objects.get(application=assignment.application)
    assert not review.reviewer_may_see_file(user, attachment)
    review.declare_no_conflict(assignment=assignment, actor=user)
    assert review.reviewer_may_see_file(user, attachment)
    assert not review.reviewer_may_see_file(add_juror(call, staff), attachment)
    review.recuse(assignment=assignment, actor=user, reason="Finalement, conflit")
    assert not review.reviewer_may_see_file(user, attachment)
