"""The deliberation, sign-off, publication and reopening pages: who gets in, what they
show, the forms and their refusals, and query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frenchimpact.calls import deliberation
from frenchimpact.calls.enums import ApplicationStatus, ReopenStatus, SignOffPosition
from frenchimpact.calls.models import Call, ReopenRequest, SignOff

from ..accounts.utils import field_errors, page_text
from .test_selection_helpers import applicant, in_state, review, reviewer, signatories

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def _url(name, call):
    return reverse(f"calls_staff:{name}", args=[call.slug])


def _decided(call, staff, laureates=2):
    apps = [applicant(call, S.DELIBERATED)[0] for _ in range(laureates)]
    for application in apps:
        deliberation.decide(application=application, decision=S.LAUREATE, actor=staff)
    return apps


def _sign_all(call):
    for copilot, user in signatories(call):
        deliberation.sign_off(call=call, copilot=copilot, actor=user, position="approuve")


@pytest.mark.parametrize("name", ["deliberation", "publication"])
def test_staff_pages_access(client, call, staff, stranger, name):
    url = _url(name, call)
    assert client.get(url).status_code == 302
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    (_copilot, signatory), _other = signatories(call)
    client.force_login(reviewer())
    assert client.get(url).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert client.get(reverse(f"calls_staff:{name}", args=["inconnu"])).status_code == 404
    assert signatory  # signatories are programme staff too: covered by the staff rule


def test_signoff_page_is_for_the_calls_signatories_only(client, call, staff, stranger):
    url = _url("signoff", call)
    assert client.get(url).status_code == 302
    for user in (stranger, staff, reviewer()):
        client.force_login(user)
        assert client.get(url).status_code == 403
    from .factories import make_call

    other_call = make_call(slug="autre")
    (_c, other_signatory), _o = signatories(other_call)
    client.force_login(other_signatory)
    assert client.get(url).status_code == 403
    (_c, signatory), _o = signatories(call)
    client.force_login(signatory)
    assert client.get(url).status_code == 200
    assert client.put(url).status_code == 405


def test_signatory_reads_the_exact_list_and_its_hash_then_signs(client, call, staff):
    first, second = _decided(call, staff)
    (copilot, signatory), (other, _u) = signatories(call)
    client.force_login(signatory)
    url = _url("signoff", call)
    text = page_text(client.get(url))
    digest = deliberation.decisions_hash(call)
    assert digest in text
    assert first.reference in text and second.organisation.name in text
    assert "Pas encore de visa" in text
    response = client.post(
        url, {"copilot": copilot.pk, "position": "refuse", "decisions_hash": digest}
    )
    assert response.status_code == 400
    assert "Exposez vos réserves ou votre désaccord." in field_errors(response)
    assert not SignOff.objects.exists()
    response = client.post(
        url, {"copilot": other.pk, "position": "approuve", "decisions_hash": digest}
    )
    assert response.status_code == 400  # not this signatory's co-pilot: not a choice
    response = client.post(
        url,
        {
            "copilot": copilot.pk,
            "position": "approuve_reserves",
            "dissent": "Au-delà de la cible",
            "decisions_hash": digest,
        },
    )
    assert response.status_code == 302
    signoff = SignOff.objects.get()
    assert signoff.signatory == signatory and signoff.decisions_hash == digest
    text = page_text(client.get(url))
    assert "Visa valide" in text and "Au-delà de la cible" in text


def test_signing_a_stale_page_is_refused(client, call, staff):
    _decided(call, staff)
    (copilot, signatory), _o = signatories(call)
    client.force_login(signatory)
    read = deliberation.decisions_hash(call)
    _decided(call, staff, laureates=1)
    response = client.post(
        _url("signoff", call),
        {"copilot": copilot.pk, "position": "approuve", "decisions_hash": read},
    )
    assert response.status_code == 400
    assert "Les décisions ont changé depuis que vous avez ouvert la page" in page_text(response)
    assert not SignOff.objects.exists()


def test_deliberation_page_shows_written_and_interview_scores_and_the_target(client, call, staff):
    application, _m = applicant(call, S.AUDITIONED)
    review(call.rounds.get(number=1), application, reviewer(), {"impact": 4})  # 80
    client.force_login(staff)
    text = page_text(client.get(_url("deliberation", call)))
    assert application.reference in text and "80,0" in text
    assert "Lauréats : 0 (cible : 10 à 15)" in text and "hors de la cible" in text
    response = client.post(
        _url("deliberation_open", call), {"deliberation-applications": [application.pk]}
    )
    assert response.status_code == 302
    assert in_state(application) == S.DELIBERATED
    decide = reverse("calls_staff:deliberation_decide", args=[call.slug, application.pk])
    prefix = f"decision-{application.pk}"
    response = client.post(decide, {f"{prefix}-decision": S.WAITING_LIST})
    assert response.status_code == 400
    assert "Indiquez le rang sur la liste d’attente." in field_errors(response)
    assert in_state(application) == S.DELIBERATED
    response = client.post(decide, {f"{prefix}-decision": S.LAUREATE})
    assert response.status_code == 302
    assert in_state(application) == S.LAUREATE
    text = page_text(client.get(_url("deliberation", call)))
    assert "Lauréats : 1 (cible : 10 à 15)" in text
    assert "Demander la réouverture de " + application.reference in text
    # Deciding again on a decided file: refused, shown as a message.
    response = client.post(
        decide, {f"{prefix}-decision": S.NOT_SELECTED, f"{prefix}-reason": "x"}, follow=True
    )
    assert "Lauréate" in page_text(response)
    assert in_state(application) == S.LAUREATE


def test_deliberation_page_runs_a_fixed_number_of_queries(
    client, call, staff, django_assert_max_num_queries
):
    judges = [reviewer(), reviewer()]
    for n in range(15):
        application, _m = applicant(call, [S.AUDITIONED, S.DELIBERATED, S.LAUREATE][n % 3])
        for judge in judges:
            review(call.rounds.get(number=1), application, judge, {"impact": n % 6})
    client.force_login(staff)
    with django_assert_max_num_queries(16):
        response = client.get(_url("deliberation", call))
    assert response.status_code == 200


def test_publication_page_lists_what_blocks_then_publishes(client, call, staff, mailoutbox):
    _decided(call, staff)
    client.force_login(staff)
    url = _url("publication", call)
    text = page_text(client.get(url))
    assert "n’a pas visé les décisions" in text
    assert "Publier les résultats" not in text
    response = client.post(url)
    assert response.status_code == 400
    assert "Les résultats n’ont pas été publiés" in page_text(response)
    assert Call.objects.get(pk=call.pk).results_published_at is None
    _sign_all(call)
    assert "Publier les résultats" in page_text(client.get(url))
    response = client.post(url, follow=True)
    assert "Résultats publiés ; 2 candidat(s) prévenu(s) par e-mail." in page_text(response)
    assert Call.objects.get(pk=call.pk).results_published_at is not None
    assert len(mailoutbox) == 2
    assert client.post(url).status_code == 400  # a second click publishes nothing
    assert len(mailoutbox) == 2


def test_publication_page_runs_a_fixed_number_of_queries(
    client, call, staff, django_assert_max_num_queries
):
    _decided(call, staff, laureates=12)
    _sign_all(call)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        assert client.get(_url("publication", call)).status_code == 200


def test_reopen_pages_access(client, call, staff, stranger):
    [application] = _decided(call, staff, laureates=1)
    request = deliberation.reopen_request(application=application, actor=staff, reason="Erreur")
    listing = _url("reopen_list", call)
    answer = reverse("calls_staff:reopen_answer", args=[request.pk])
    assert client.get(listing).status_code == 302
    assert client.get(answer).status_code == 302
    client.force_login(stranger)
    assert client.get(listing).status_code == 403
    assert client.get(answer).status_code == 403
    client.force_login(staff)
    assert client.get(listing).status_code == 200
    assert client.get(answer).status_code == 403  # staff who are not signatories
    assert client.get(reverse("calls_staff:reopen_answer", args=[999])).status_code == 404
    (_c, signatory), _o = signatories(call)
    client.force_login(signatory)
    assert client.get(listing).status_code == 200
    assert client.get(answer).status_code == 200


def test_request_and_answer_a_reopening_through_the_pages(client, call, staff):
    [application] = _decided(call, staff, laureates=1)
    _sign_all(call)
    deliberation.publish_results(call=call, actor=staff)
    client.force_login(staff)
    listing = _url("reopen_list", call)
    text = page_text(client.get(f"{listing}?candidature={application.pk}"))
    assert "Les résultats sont déjà publiés" in text
    response = client.post(listing, {"application": application.pk, "reason": ""})
    assert response.status_code == 400
    assert "Indiquez pourquoi la décision doit être rouverte." in field_errors(response)
    assert not ReopenRequest.objects.exists()
    response = client.post(listing, {"application": application.pk, "reason": "Fraude"})
    assert response.status_code == 302
    request = ReopenRequest.objects.get()
    (first, first_user), (second, second_user) = signatories(call)
    client.force_login(first_user)
    answer = reverse("calls_staff:reopen_answer", args=[request.pk])
    text = page_text(client.get(answer))
    assert "Les résultats sont déjà publiés" in text and "Fraude" in text
    response = client.post(answer, {"copilot": first.pk, "agrees": "non"})
    assert response.status_code == 400
    assert "Expliquez votre désaccord." in field_errors(response)
    assert client.post(answer, {"copilot": first.pk, "agrees": "oui"}).status_code == 302
    assert in_state(application) == S.LAUREATE
    client.force_login(second_user)
    assert client.post(answer, {"copilot": second.pk, "agrees": "oui"}).status_code == 302
    assert ReopenRequest.objects.get().status == ReopenStatus.APPLIED
    assert in_state(application) == S.DELIBERATED
    assert "Appliquée" in page_text(client.get(listing))


def test_reopen_list_runs_a_fixed_number_of_queries(
    client, call, staff, django_assert_max_num_queries
):
    apps = _decided(call, staff, laureates=8)
    for application in apps:
        request = deliberation.reopen_request(application=application, actor=staff, reason="x")
        copilot, user = signatories(call)[0]
        deliberation.reopen_answer(request=request, copilot=copilot, actor=user, agrees=True)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        assert client.get(_url("reopen_list", call)).status_code == 200


def test_signoff_page_with_a_refusal_shows_it(client, call, staff):
    _decided(call, staff)
    (copilot, signatory), _o = signatories(call)
    deliberation.sign_off(
        call=call,
        copilot=copilot,
        actor=signatory,
        position=SignOffPosition.REFUSE,
        dissent="Liste trop longue",
    )
    client.force_login(staff)
    text = page_text(client.get(_url("publication", call)))
    assert "refuse les décisions" in text and "Liste trop longue" in text
