"""Staff pages of the review: access, jury composition, conflicts (filters, confirm and
dismiss), recusals and their CSV export, bulk assignment and workload, query counts."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from frenchimpact.calls import review
from frenchimpact.calls.enums import (
    ApplicationStatus,
    AssignmentStatus,
    ConflictSource,
    ConflictStatus,
)
from frenchimpact.calls.models import Assignment, CallApplication, ConflictFlag, JuryMember

from ..accounts.utils import page_text
from ..organisations.factories import PublishedOrganisationFactory
from .factories import make_application
from .test_review_services import add_juror, assigned, cleared, first_round, make_reviewer

pytestmark = pytest.mark.django_db


def _pages(call):
    return [
        reverse("calls_staff:jury", args=[call.slug]),
        reverse("calls_staff:conflicts", args=[call.slug]),
        reverse("calls_staff:recusals", args=[call.slug]),
        reverse("calls_staff:recusals_csv", args=[call.slug]),
        reverse("calls_staff:assignments", args=[call.slug, 1]),
    ]


def test_staff_pages_access(client, call, staff, stranger):
    pages = _pages(call)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")
    for person in (stranger, make_reviewer()):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 403
        flag_url = reverse("calls_staff:conflicts_detect", args=[call.slug])
        assert client.post(flag_url).status_code == 403
    client.force_login(staff)
    for url in pages:
        assert client.get(url).status_code == 200
    assert client.get(reverse("calls_staff:jury", args=["inconnu"])).status_code == 404
    assert client.get(reverse("calls_staff:assignments", args=[call.slug, 9])).status_code == 404
    for name, args in (
        ("calls_staff:conflicts_detect", [call.slug]),
        ("calls_staff:conflict_decide", [call.slug, 1]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 405


def test_adding_a_jury_member_by_email(client, call, staff, stranger):
    client.force_login(staff)
    url = reverse("calls_staff:jury", args=[call.slug])
    response = client.post(url, {"email": "personne@inconnue.fr"})
    assert response.status_code == 400
    assert "Aucun compte actif n’utilise cette adresse e-mail." in page_text(response)
    response = client.post(url, {"email": stranger.email})
    assert response.status_code == 400
    assert "n’a pas le rôle d’évaluateur" in page_text(response)
    assert not JuryMember.objects.exists()
    user = make_reviewer()
    response = client.post(url, {"email": user.email.upper()}, follow=True)
    assert "rejoint le jury" in page_text(response)
    assert JuryMember.objects.get().user == user
    response = client.post(url, {"email": user.email})
    assert "fait déjà partie du jury" in page_text(response)


def test_jury_page_lists_links_and_open_conflicts(
    client, call, staff, django_assert_max_num_queries
):
    for index in range(5):
        add_juror(call, staff, links=[(None, f"Structure {index}", "conseil")])
    flagged_user = JuryMember.objects.order_by("pk")[0].user
    ConflictFlag.objects.create(
        application=make_application(call),
        reviewer=flagged_user,
        source=ConflictSource.SAME_ORGANISATION,
    )
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("calls_staff:jury", args=[call.slug]))
    text = page_text(response)
    for index in range(5):
        assert f"Structure {index}" in text
    assert f"evaluateur={flagged_user.pk}" in text


def _flag(call, staff, **kwargs):
    user = kwargs.pop("reviewer", None) or add_juror(call, staff)
    application = kwargs.pop("application", None) or make_application(
        call, status=ApplicationStatus.ADMISSIBLE
    )
    return ConflictFlag.objects.create(
        application=application,
        reviewer=user,
        source=kwargs.pop("source", ConflictSource.DECLARED_LINK),
        **kwargs,
    )


def test_conflicts_list_filters_and_query_count(client, call, staff, django_assert_max_num_queries):
    flags = [_flag(call, staff) for _ in range(6)]
    ConflictFlag.objects.filter(pk=flags[0].pk).update(status=ConflictStatus.DISMISSED)
    ConflictFlag.objects.filter(pk=flags[1].pk).update(source=ConflictSource.SHARED_MEMBER)
    client.force_login(staff)
    url = reverse("calls_staff:conflicts", args=[call.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "6 conflits possibles" in text
    text = page_text(client.get(url, {"statut": ConflictStatus.DISMISSED}))
    assert "1 conflit possible" in text
    assert flags[0].application.reference in text
    assert flags[2].application.reference not in text
    text = page_text(client.get(url, {"origine": ConflictSource.SHARED_MEMBER}))
    assert "1 conflit possible" in text and flags[1].application.reference in text
    text = page_text(client.get(url, {"evaluateur": flags[3].reviewer_id}))
    assert "1 conflit possible" in text and flags[3].application.reference in text


def test_confirm_and_dismiss_through_the_page(client, call, staff):
    assignment, user = cleared(call, staff)
    flag = _flag(call, staff, reviewer=user, application=assignment.application)
    other = _flag(call, staff)
    client.force_login(staff)
    url = reverse("calls_staff:conflict_decide", args=[call.slug, other.pk])
    response = client.post(url, {"decision": "ecarter", "reason": "", "statut": "signale"})
    assert response.status_code == 302
    assert response["Location"].endswith("?statut=signale")
    text = page_text(client.get(response["Location"]))
    assert "Indiquez pourquoi ce conflit d’intérêts est écarté." in text
    other.refresh_from_db()
    assert other.status == ConflictStatus.FLAGGED
    client.post(url, {"decision": "ecarter", "reason": "Lien terminé en 2015"})
    other.refresh_from_db()
    assert (other.status, other.reason) == (ConflictStatus.DISMISSED, "Lien terminé en 2015")
    response = client.post(
        reverse("calls_staff:conflict_decide", args=[call.slug, flag.pk]),
        {"decision": "confirmer", "reason": ""},
        follow=True,
    )
    assert "1 affectation est passée en déport" in page_text(response)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED


def test_a_conflict_of_another_call_is_not_found(client, call, staff):
    from .factories import make_call

    other_call = make_call(slug="autre")
    flag = _flag(other_call, staff)
    client.force_login(staff)
    response = client.post(
        reverse("calls_staff:conflict_decide", args=[call.slug, flag.pk]),
        {"decision": "confirmer"},
    )
    assert response.status_code == 404


def test_detection_button(client, call, staff):
    from frenchimpact.organisations.models import Membership

    user = add_juror(call, staff)
    application = make_application(call)
    Membership.objects.create(organisation=application.organisation, user=user, role="admin")
    client.force_login(staff)
    response = client.post(reverse("calls_staff:conflicts_detect", args=[call.slug]), follow=True)
    assert "1 nouveau conflit possible signalé." in page_text(response)
    assert ConflictFlag.objects.filter(application=application, reviewer=user).exists()


def test_recusals_list_and_csv_export(client, call, staff, django_assert_max_num_queries):
    for index in range(4):
        assignment, user = assigned(call, staff)
        review.recuse(assignment=assignment, actor=user, reason=f"Motif {index}")
    evil, evil_user = assigned(call, staff)
    review.recuse(assignment=evil, actor=evil_user, reason='=HYPERLINK("http://x")')
    CallApplication.objects.filter(pk=evil.application_id).update(reference="-REF")
    evil.application.organisation.name = "@Structure"
    evil.application.organisation.save()
    cleared(call, staff)  # not a recusal
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("calls_staff:recusals", args=[call.slug]))
    text = page_text(response)
    assert "5 déports" in text
    assert "Motif 3" in text
    response = client.get(reverse("calls_staff:recusals_csv", args=[call.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Tour", "Numéro de dossier", "Structure candidate"]
    assert len(rows) == 6
    evil_row = next(row for row in rows if "HYPERLINK" in row[5])
    assert evil_row[5] == '\'=HYPERLINK("http://x")'
    assert evil_row[1] == "'-REF"
    assert evil_row[2] == "'@Structure"
    assert {row[5] for row in rows[1:]} >= {"Motif 0", "Motif 3"}


def test_bulk_assignment_page_pairs(client, call, staff, django_assert_max_num_queries):
    alice, bob = add_juror(call, staff), add_juror(call, staff)
    apps = [make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(5)]
    make_application(call, status=ApplicationStatus.SUBMITTED)  # not assignable: not listed
    client.force_login(staff)
    url = reverse("calls_staff:assignments", args=[call.slug, 1])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert "5 candidatures affichées" in page_text(response)
    response = client.post(
        url,
        {
            "mode": "paires",
            "evaluateurs": [alice.pk, bob.pk],
            "candidatures": [apps[0].pk, apps[1].pk],
        },
        follow=True,
    )
    text = page_text(response)
    assert "4 affectations créées." in text
    assert "2 candidatures passent en évaluation." in text
    assert Assignment.objects.count() == 4


def test_bulk_assignment_page_n_per_application_reports_conflicts(client, call, staff):
    alice, bob, carol = (add_juror(call, staff) for _ in range(3))
    apps = [make_application(call, status=ApplicationStatus.ADMISSIBLE) for _ in range(3)]
    _flag(call, staff, reviewer=alice, application=apps[0])
    client.force_login(staff)
    url = reverse("calls_staff:assignments", args=[call.slug, 1])
    response = client.post(
        url, {"mode": "par_candidature", "nombre": "3", "toutes": "on"}, follow=True
    )
    text = page_text(response)
    assert "8 affectations créées." in text
    assert "Écartées pour conflit d’intérêts signalé ou confirmé" in text
    assert apps[0].reference in text
    assert "Pas assez d’évaluateurs disponibles" in text
    assert not Assignment.objects.filter(application=apps[0], reviewer=alice).exists()
    # the workload view shows the result
    rows = {u.pk: u.total for u in review.round_workload(first_round(call))}
    assert rows == {alice.pk: 2, bob.pk: 3, carol.pk: 3}
    text = page_text(client.get(url))
    for user, total in ((alice, 2), (bob, 3), (carol, 3)):
        row = f"{user.get_full_name()}</th><td>{total}</td><td>0</td><td>0</td><td>0</td><td>{total}</td>"
        assert row in text


def test_bulk_assignment_page_errors(client, call, staff):
    alice = add_juror(call, staff)
    app = make_application(call, status=ApplicationStatus.ADMISSIBLE)
    client.force_login(staff)
    url = reverse("calls_staff:assignments", args=[call.slug, 1])
    response = client.post(url, {"mode": "paires", "candidatures": [app.pk]})
    assert response.status_code == 400
    assert "Choisissez au moins un évaluateur." in page_text(response)
    response = client.post(
        url, {"mode": "par_candidature", "evaluateurs": [alice.pk], "candidatures": [app.pk]}
    )
    assert response.status_code == 400
    assert "Indiquez le nombre d’évaluateurs par candidature." in page_text(response)
    response = client.post(url, {"mode": "paires", "evaluateurs": [alice.pk]})
    assert response.status_code == 400
    assert "Choisissez au moins une candidature." in page_text(response)
    # an application not in the list (e.g. only submitted) cannot be posted
    submitted = make_application(call, status=ApplicationStatus.SUBMITTED)
    response = client.post(
        url, {"mode": "paires", "evaluateurs": [alice.pk], "candidatures": [submitted.pk]}
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_bulk_assignment_filter_by_status(client, call, staff):
    admissible = make_application(
        call,
        status=ApplicationStatus.ADMISSIBLE,
        organisation=PublishedOrganisationFactory.create(name="Recevable SA"),
    )
    in_review = make_application(
        call,
        status=ApplicationStatus.IN_REVIEW,
        organisation=PublishedOrganisationFactory.create(name="En cours SCOP"),
    )
    client.force_login(staff)
    url = reverse("calls_staff:assignments", args=[call.slug, 1])
    text = page_text(client.get(url, {"statut": ApplicationStatus.IN_REVIEW}))
    assert in_review.reference in text and admissible.reference not in text
