"""Staff pages of the calls (/gestion/appels/): access, the dashboard and the publication of a
call, the applications list with its filters, the detail, admissibility and completion
requests through the pages (refusals included), query counts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from frenchimpact.accounts.roles import Role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls.enums import ApplicationStatus, CallStatus
from frenchimpact.calls.models import Call, CallApplication, FormVersion, ReviewRound
from frenchimpact.calls.staff_application_views import call_pages

from ..accounts.factories import user_with_role
from ..accounts.utils import page_text
from ..organisations.factories import PublishedOrganisationFactory, department
from .factories import make_application, make_call

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture
def application(call):
    return make_application(call)


def _get_urls(call, application):
    return [
        reverse("calls_staff:call_list"),
        reverse("calls_staff:call_dashboard", args=[call.slug]),
        reverse("calls_staff:application_list", args=[call.slug]),
        reverse("calls_staff:application_detail", args=[application.pk]),
        reverse("calls_staff:export", args=[call.slug, "candidatures", "csv"]),
    ]


def _post_urls(call, application):
    return [
        reverse("calls_staff:call_publish", args=[call.slug]),
        reverse("calls_staff:application_admissibility", args=[application.pk]),
        reverse("calls_staff:application_request_completion", args=[application.pk]),
    ]


def test_anonymous_visitors_go_to_the_login_page(client, call, application):
    for url in [*_get_urls(call, application), *_post_urls(call, application)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize(
    "role", [None, Role.PROJECT_HOLDER, Role.REVIEWER, Role.COPILOT_SIGNATORY, Role.HACKER]
)
def test_only_programme_staff_get_in(client, call, application, stranger, role):
    client.force_login(stranger if role is None else user_with_role(role))
    for url in _get_urls(call, application):
        assert client.get(url).status_code == 403, url
    for url in _post_urls(call, application):
        assert client.post(url).status_code == 403, url
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_programme_staff_and_administrators_get_200(client, call, application, staff):
    for user in (staff, user_with_role(Role.ADMINISTRATOR)):
        client.force_login(user)
        for url in _get_urls(call, application):
            assert client.get(url).status_code == 200, url


def test_writes_need_a_post(client, call, application, staff):
    client.force_login(staff)
    for url in _post_urls(call, application):
        assert client.get(url).status_code == 405, url


def test_unknown_call_or_application_is_a_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("calls_staff:call_dashboard", args=["inconnu"])).status_code == 404
    assert client.get(reverse("calls_staff:application_detail", args=[999999])).status_code == 404


# --- Calls ----------------------------------------------------------------------------------


def test_call_list_counts_applications_per_status_in_few_queries(
    client, call, staff, django_assert_max_num_queries
):
    make_application(call)
    make_application(call)
    make_application(call, status=ApplicationStatus.ADMISSIBLE)
    other = make_call(slug="autre", title="Autre appel")
    for _ in range(3):
        make_application(other, status=ApplicationStatus.INADMISSIBLE)
    client.force_login(staff)
    client.get(reverse("calls_staff:call_list"))  # warm the session and content types
    with django_assert_max_num_queries(6):
        response = client.get(reverse("calls_staff:call_list"))
    text = page_text(response)
    assert "Appel aux Pionniers French IMPACT" in text and "Autre appel" in text
    assert "Déposée : 2" in text and "Recevable : 1" in text and "Irrecevable : 3" in text


def test_dashboard_counts_and_links(client, call, staff):
    make_application(call)
    make_application(call, status=ApplicationStatus.LAUREATE)
    client.force_login(staff)
    response = client.get(reverse("calls_staff:call_dashboard", args=[call.slug]))
    text = page_text(response)
    assert "Voir les 2 candidatures" in text
    assert reverse("calls_staff:export", args=[call.slug, "notes", "xlsx"]) in text
    assert "Publier l’appel" not in text  # already published
    # The links to the other staff pages of the call (and of its round) work for staff.
    links = call_pages(call, list(call.rounds.all()))
    for label, url in links:
        assert url.startswith(f"/gestion/appels/{call.slug}/"), url
        assert label in text and url in text
        assert client.get(url).status_code == 200, url


def test_publishing_a_draft_call_from_the_dashboard(client, staff):
    call = make_call(slug="nouveau", status=CallStatus.DRAFT)
    client.force_login(staff)
    dashboard = reverse("calls_staff:call_dashboard", args=[call.slug])
    assert "Publier l’appel" in page_text(client.get(dashboard))
    response = client.post(reverse("calls_staff:call_publish", args=[call.slug]), follow=True)
    assert "L’appel est publié" in page_text(response)
    call.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED
    assert FormVersion.objects.get(call=call).frozen_at is not None
    assert ReviewRound.objects.filter(call=call, number=1).exists()
    assert AuditEntry.objects.filter(action="call.publish", object_id=str(call.pk)).exists()

    # A second click is refused with a clear message, nothing changes.
    response = client.post(reverse("calls_staff:call_publish", args=[call.slug]), follow=True)
    assert "Cet appel est déjà publié." in page_text(response)
    assert AuditEntry.objects.filter(action="call.publish").count() == 1


def test_a_call_with_problems_is_not_published_and_says_why(client, staff):
    call = make_call(slug="incomplet", status=CallStatus.DRAFT, copilots=0)
    client.force_login(staff)
    page = page_text(client.get(reverse("calls_staff:call_dashboard", args=[call.slug])))
    assert "L’appel ne peut pas encore être publié" in page
    assert "Désignez au moins un co-pilote." in page
    response = client.post(reverse("calls_staff:call_publish", args=[call.slug]), follow=True)
    assert "Désignez au moins un co-pilote." in page_text(response)
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
    assert not FormVersion.objects.get(call=call).frozen_at
    assert not ReviewRound.objects.filter(call=call).exists()


# --- Applications list ----------------------------------------------------------------------


def _references(response):
    return {item.reference for item in response.context["page"].object_list}


def test_list_filters_by_status_eligibility_region_and_text(client, call, staff):
    breton = make_application(
        call,
        organisation=PublishedOrganisationFactory.create(
            name="Les Jardins d’Armor", department=department("35", "Ille-et-Vilaine", "53")
        ),
    )
    parisian = make_application(
        call, organisation=PublishedOrganisationFactory.create(name="Recyclerie de Paris")
    )
    CallApplication.objects.filter(pk=parisian.pk).update(
        eligible=False, status=ApplicationStatus.INADMISSIBLE
    )
    admissible = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    other_call = make_application(make_call(slug="autre"))
    url = reverse("calls_staff:application_list", args=[call.slug])
    client.force_login(staff)

    everything = _references(client.get(url))
    assert everything == {breton.reference, parisian.reference, admissible.reference}
    assert other_call.reference not in everything
    assert _references(client.get(url, {"statut": "recevable"})) == {admissible.reference}
    assert _references(client.get(url, {"eligibilite": "non_respectee"})) == {parisian.reference}
    assert parisian.reference not in _references(client.get(url, {"eligibilite": "respectee"}))
    assert _references(client.get(url, {"region": "53"})) == {breton.reference}
    assert breton.reference not in _references(client.get(url, {"region": "11"}))
    assert _references(client.get(url, {"q": "armor"})) == {breton.reference}
    assert _references(client.get(url, {"q": admissible.reference.lower()})) == {
        admissible.reference
    }
    # An unknown filter value is ignored, not an error.
    assert client.get(url, {"statut": "nimporte"}).status_code == 200


def test_list_runs_a_fixed_number_of_queries_and_paginates(
    client, call, staff, django_assert_max_num_queries
):
    for _ in range(55):
        make_application(call)
    client.force_login(staff)
    url = reverse("calls_staff:application_list", args=[call.slug])
    client.get(url)
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 50
    assert "Page suivante" in page_text(response)
    assert len(client.get(url, {"page": 2}).context["page"].object_list) == 5


# --- Application detail ----------------------------------------------------------------------


def test_detail_shows_answers_files_eligibility_submissions_and_history(
    client, application, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    url = reverse("calls_staff:application_detail", args=[application.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    text = page_text(response)
    assert application.reference in text and application.organisation.name in text
    assert "Des emplois pour les personnes éloignées de l’emploi." in text  # an answer
    assert "750000 €" in text
    assert "comptes.pdf" in text
    assert reverse("calls:application_file", args=[application.answers["comptes"]]) in text
    assert "Ancienneté" in text and "respectée" in text
    assert f"{application.reference}-1-TEST" in text  # the receipt of submission 1
    assert "/gestion/historique/" in text
    assert "Enregistrer la recevabilité" in text  # submitted: the admissibility form
    assert "Envoyer la demande" not in text


# --- Admissibility ---------------------------------------------------------------------------


def _admissibility(client, application, **data):
    return client.post(
        reverse("calls_staff:application_admissibility", args=[application.pk]),
        {f"recevabilite-{key}": value for key, value in data.items()},
    )


def test_declaring_admissible(client, application, staff):
    client.force_login(staff)
    response = _admissibility(client, application, decision="recevable")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    assert not application.admissibility_overridden
    entry = AuditEntry.objects.get(action="call_application.admissibility")
    assert (entry.from_state, entry.to_state, entry.actor) == ("deposee", "recevable", staff)


def test_inadmissible_needs_a_reason(client, application, staff):
    client.force_login(staff)
    response = _admissibility(client, application, decision="irrecevable", reason="  ")
    assert response.status_code == 400
    assert "Indiquez le motif de l’irrecevabilité." in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="call_application.admissibility").exists()

    response = _admissibility(
        client, application, decision="irrecevable", reason="Comptes non certifiés."
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INADMISSIBLE
    assert application.admissibility_reason == "Comptes non certifiés."


def test_overriding_the_eligibility_rules_needs_a_reason(client, call, staff):
    application = make_application(call)
    CallApplication.objects.filter(pk=application.pk).update(eligible=False)
    client.force_login(staff)
    response = _admissibility(client, application, decision="recevable")
    assert response.status_code == 400
    assert "Les règles d’éligibilité donnent un autre résultat" in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    response = _admissibility(
        client, application, decision="recevable", reason="Budget consolidé du groupement."
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    assert application.admissibility_overridden is True
    assert application.admissibility_reason == "Budget consolidé du groupement."


def test_admissibility_needs_a_choice_and_a_submitted_application(client, call, staff):
    client.force_login(staff)
    submitted = make_application(call)
    response = _admissibility(client, submitted)
    assert response.status_code == 400
    assert "Indiquez si la candidature est recevable." in page_text(response)

    admissible = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    response = _admissibility(client, admissible, decision="irrecevable", reason="Trop tard")
    assert response.status_code == 400
    assert "la candidature est « Recevable »" in page_text(response)
    admissible.refresh_from_db()
    assert admissible.status == ApplicationStatus.ADMISSIBLE


# --- Completion requests ---------------------------------------------------------------------


def _completion(client, application, **data):
    return client.post(
        reverse("calls_staff:application_request_completion", args=[application.pk]),
        {f"complement-{key}": value for key, value in data.items()},
    )


def test_requesting_a_completion_with_a_deadline_in_paris_time(client, call, staff):
    application = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    client.force_login(staff)
    detail = page_text(client.get(reverse("calls_staff:application_detail", args=[application.pk])))
    assert "Envoyer la demande" in detail
    year = timezone.localdate().year + 2
    response = _completion(
        client,
        application,
        message="Joignez le rapport d’activité.",
        deadline=f"{year}-07-01T18:00",
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_COMPLETION
    assert application.correction_request == "Joignez le rapport d’activité."
    # 18:00 in Paris in summer is 16:00 UTC.
    assert application.correction_deadline == dt.datetime(year, 7, 1, 16, tzinfo=dt.UTC)
    text = page_text(client.get(reverse("calls_staff:application_detail", args=[application.pk])))
    assert "Complément demandé" in text and f"1 juillet {year} à 18:00" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"message": "", "deadline": "2099-01-01T12:00"}, "Indiquez ce que le candidat doit compléter."),
        ({"message": "Le RIB", "deadline": "2001-01-01T12:00"}, "La date limite pour compléter doit être dans le futur."),
        ({"message": "Le RIB", "deadline": "demain"}, "Saisissez une date et une heure valides"),
        ({"message": "Le RIB", "deadline": ""}, "Indiquez la date limite."),
    ],
)  # fmt: skip
def test_completion_requests_refused_write_nothing(client, call, staff, data, message):
    application = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    client.force_login(staff)
    response = _completion(client, application, **data)
    assert response.status_code == 400
    assert message in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMISSIBLE
    assert application.correction_request == ""
    assert not AuditEntry.objects.filter(action="call_application.request_completion").exists()


def test_completion_request_refused_when_not_admissible(client, application, staff):
    client.force_login(staff)
    response = _completion(client, application, message="Le RIB", deadline="2099-01-01T12:00")
    assert response.status_code == 400
    assert "la candidature est « Déposée »" in page_text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_call_pages_skips_names_that_do_not_exist():
    call = Call(slug="x")
    assert all(url.startswith("/gestion/appels/x/") for _label, url in call_pages(call))
