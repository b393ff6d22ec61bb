"""Who reaches each selection URL: anonymous visitors are sent to the login page, people
without the programme-staff role get a 403, and the sign-off and reopening-answer pages
are for the call's co-pilot signatories only (other programme staff get a 403)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from frenchimpact.calls import auditions, deliberation
from frenchimpact.calls.enums import ApplicationStatus

from .test_selection_helpers import applicant, panel, reviewer, signatories, slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(call, staff):
    booked = slot(panel(call, [reviewer()]), dt.datetime(2099, 3, 15, 9, tzinfo=dt.UTC))
    shortlisted, _m = applicant(call, ApplicationStatus.SHORTLISTED)
    auditions.schedule(slot=booked, application=shortlisted, actor=staff)
    laureate, _m = applicant(call, ApplicationStatus.DELIBERATED)
    deliberation.decide(application=laureate, decision=ApplicationStatus.LAUREATE, actor=staff)
    request = deliberation.reopen_request(application=laureate, actor=staff, reason="Erreur")
    s, n = call.slug, 1
    staff_get = [
        reverse("calls_staff:round_ranking", args=[s, n]),
        reverse("calls_staff:round_application", args=[s, n, laureate.pk]),
        reverse("calls_staff:auditions", args=[s]),
        reverse("calls_staff:audition_unschedule", args=[s, booked.pk]),
        reverse("calls_staff:deliberation", args=[s]),
        reverse("calls_staff:publication", args=[s]),
    ]
    staff_post = [
        reverse("calls_staff:round_freeze", args=[s, n]),
        reverse("calls_staff:round_unfreeze", args=[s, n]),
        reverse("calls_staff:round_close", args=[s, n]),
        reverse("calls_staff:panel_create", args=[s]),
        reverse("calls_staff:slot_create", args=[s]),
        reverse("calls_staff:slot_delete", args=[s, booked.pk]),
        reverse("calls_staff:audition_schedule", args=[s]),
        reverse("calls_staff:audition_record", args=[s, booked.pk]),
        reverse("calls_staff:deliberation_open", args=[s]),
        reverse("calls_staff:deliberation_decide", args=[s, laureate.pk]),
    ]
    signatory_only = [
        reverse("calls_staff:signoff", args=[s]),
        reverse("calls_staff:reopen_answer", args=[request.pk]),
    ]
    return staff_get, staff_post, signatory_only, reverse("calls_staff:reopen_list", args=[s])


def test_anonymous_visitors_go_to_the_login_page(client, urls):
    staff_get, staff_post, signatory_only, reopen_list = urls
    for url in [*staff_get, *signatory_only, reopen_list]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), url
    for url in staff_post:
        assert client.post(url).status_code == 302, url


@pytest.mark.parametrize("who", ["stranger", "reviewer"])
def test_people_without_the_role_get_a_403_everywhere(client, urls, stranger, who):
    client.force_login(stranger if who == "stranger" else reviewer())
    staff_get, staff_post, signatory_only, reopen_list = urls
    for url in [*staff_get, *signatory_only, reopen_list]:
        assert client.get(url).status_code == 403, url
    for url in [*staff_post, *signatory_only, reopen_list]:
        assert client.post(url).status_code == 403, url


def test_staff_reach_their_pages_but_not_the_signatories(client, urls, staff):
    client.force_login(staff)
    staff_get, staff_post, signatory_only, reopen_list = urls
    for url in [*staff_get, reopen_list]:
        assert client.get(url).status_code == 200, url
    for url in staff_post:
        assert client.get(url).status_code == 405, url
        assert client.post(url).status_code in (302, 400), url
    for url in signatory_only:
        assert client.get(url).status_code == 403, url


def test_signatories_reach_the_signoff_and_answer_pages(client, urls, call):
    (_copilot, signatory), _other = signatories(call)
    client.force_login(signatory)
    _get, _post, signatory_only, reopen_list = urls
    for url in [*signatory_only, reopen_list]:
        assert client.get(url).status_code == 200, url
