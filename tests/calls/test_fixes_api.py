"""The public API keeps the embargo in its validators too: deciding a laureate before the
results are published changes neither the list's ETag nor the detail's Last-Modified or body."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from frenchimpact.calls import deliberation
from frenchimpact.calls.enums import ApplicationStatus
from frenchimpact.calls.models import CallApplication

from .factories import make_application

pytestmark = pytest.mark.django_db
URL = "/api/v1/appels/"


def _deliberated(call):
    application = make_application(call)
    # Written an hour ago, like the call: a later write is the decision itself.
    earlier = timezone.now() - dt.timedelta(hours=1)
    CallApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.DELIBERATED, updated_at=earlier
    )
    type(call).objects.filter(pk=call.pk).update(updated_at=earlier)
    application.refresh_from_db()
    return application


def _snapshot(client, call):
    listing = client.get(URL)
    detail = client.get(f"{URL}{call.pk}/")
    assert listing.status_code == detail.status_code == 200
    return {
        "list_etag": listing["ETag"],
        "list_body": listing.json(),
        "detail_etag": detail["ETag"],
        "detail_last_modified": detail["Last-Modified"],
        "detail_body": detail.json(),
    }


def test_deciding_a_laureate_under_embargo_changes_no_validator(client, call, staff):
    application = _deliberated(call)
    before = _snapshot(client, call)

    deliberation.decide(application=application, decision=ApplicationStatus.LAUREATE, actor=staff)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.LAUREATE
    after = _snapshot(client, call)
    assert after == before
    # A client polling with its validators keeps getting 304.
    assert client.get(URL, HTTP_IF_NONE_MATCH=before["list_etag"]).status_code == 304
    detail = client.get(f"{URL}{call.pk}/", HTTP_IF_MODIFIED_SINCE=before["detail_last_modified"])
    assert detail.status_code == 304


def test_after_publication_the_validators_follow_the_laureates(client, call, staff):
    application = _deliberated(call)
    deliberation.decide(application=application, decision=ApplicationStatus.LAUREATE, actor=staff)
    before = _snapshot(client, call)
    # Published (the call row is written by the publication, like publish_results does).
    now = timezone.now()
    type(call).objects.filter(pk=call.pk).update(results_published_at=now, updated_at=now)
    after = _snapshot(client, call)
    assert after["list_etag"] != before["list_etag"]
    assert after["detail_body"]["nombre_laureats"] == 1
    assert before["detail_body"]["nombre_laureats"] is None

    # Once published, a change to a laureate (a reopened decision) shows in the validators.
    later = now + dt.timedelta(seconds=5)
    CallApplication.objects.filter(pk=application.pk).update(updated_at=later)
    again = _snapshot(client, call)
    assert again["detail_last_modified"] != after["detail_last_modified"]
    assert again["list_etag"] != after["list_etag"]
