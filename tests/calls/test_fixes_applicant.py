"""Applicant side: the internal decision reason is never shown nor sent (the inadmissibility
reason is), and no applicant response names a state still under embargo — not even a
service's refusal message."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from frenchimpact.calls import deliberation, services
from frenchimpact.calls.enums import ApplicationStatus, SignOffPosition
from frenchimpact.calls.forms import FORM_MARKER
from frenchimpact.calls.models import ApplicationFile, AuditionSlot, CallApplication

from ..accounts.utils import page_text
from .factories import PDF, complete_answers
from .test_selection_helpers import applicant, in_state, panel, reviewer, signatories, slot

pytestmark = pytest.mark.django_db
S = ApplicationStatus
FORBIDDEN = ("Lauréate", "Non retenue", "Liste d’attente", "En délibération", "Présélectionnée")
INTERNAL = "Motif interne du comité : budget jugé fragile."


def _url(name, application, *args):
    return reverse(f"calls:{name}", args=[application.pk, *args])


def _form_data(application, **extra):
    data = {FORM_MARKER: "1", "projets": [p.pk for p in application.projects.all()]}
    for key, value in complete_answers().items():
        data[f"q-{key}"] = value
    data.update(extra)
    return data


def _pdf():
    return SimpleUploadedFile("bilan.pdf", PDF, content_type="application/pdf")


# --- The decision reason is internal ---------------------------------------------------------------


def test_the_decision_reason_is_neither_shown_nor_sent_to_the_applicant(
    client, call, staff, mailoutbox
):
    laureate, laureate_member = applicant(call, S.LAUREATE)
    declined, declined_member = applicant(call, S.NOT_SELECTED)
    CallApplication.objects.filter(pk=laureate.pk).update(
        decision_reason="Motif interne : modèle solide.", decided_at=timezone.now()
    )
    CallApplication.objects.filter(pk=declined.pk).update(
        decision_reason=INTERNAL, decided_at=timezone.now()
    )
    for copilot, user in signatories(call):
        deliberation.sign_off(
            call=call, copilot=copilot, actor=user, position=SignOffPosition.APPROVE
        )
    deliberation.publish_results(call=call, actor=staff)

    bodies = "\n".join(message.body for message in mailoutbox)
    assert "n’a pas été retenue" in bodies  # the outcome is sent
    assert INTERNAL not in bodies
    assert "Motif interne" not in bodies
    for application, member, outcome in (
        (declined, declined_member, "Non retenue"),
        (laureate, laureate_member, "Lauréate"),
    ):
        client.force_login(member)
        for url in (_url("application_detail", application), reverse("calls:application_list")):
            text = page_text(client.get(url))
            assert outcome in text  # published: the outcome shows
            assert "Motif interne" not in text, url


def test_the_inadmissibility_reason_is_for_the_applicant(client, call):
    application, member = applicant(call, S.INADMISSIBLE)
    CallApplication.objects.filter(pk=application.pk).update(
        admissibility_reason="Les comptes joints ne sont pas ceux du dernier exercice clos."
    )
    client.force_login(member)
    text = page_text(client.get(_url("application_detail", application)))
    assert "Motif de l’irrecevabilité" in text
    assert "Les comptes joints ne sont pas ceux du dernier exercice clos." in text


# --- No state under embargo in any applicant response ----------------------------------------------


def _embargoed(call, status, with_audition):
    application, member = applicant(call, status)
    if status == S.WAITING_LIST:
        CallApplication.objects.filter(pk=application.pk).update(waiting_list_rank=1)
    if with_audition:
        booked = slot(panel(call, [reviewer()]), timezone.now())
        AuditionSlot.objects.filter(pk=booked.pk).update(application=application)
    return application, member


def _every_applicant_response(client, application):
    """The text of every page and answer the applicant can reach, the withdrawal last."""
    texts = [
        page_text(client.get(_url("application_detail", application))),
        page_text(client.get(reverse("calls:application_list"))),
        page_text(client.get(_url("application_edit", application), follow=True)),
        page_text(client.post(_url("application_edit", application), _form_data(application))),
    ]
    autosave = client.post(_url("application_autosave", application), _form_data(application))
    texts.append(json.dumps(autosave.json(), ensure_ascii=False))
    upload = _url("application_upload", application, "comptes")
    texts.append(page_text(client.post(upload, {"fichier": _pdf()}, follow=True)))
    with_form = _form_data(application, **{"fichier-comptes": _pdf()})
    texts.append(page_text(client.post(upload, with_form, follow=True)))
    submit = _url("application_submit", application)
    texts.append(page_text(client.post(submit, _form_data(application), follow=True)))
    withdraw = _url("application_withdraw", application)
    texts.append(page_text(client.post(withdraw, {"reason": "Nous renonçons."}, follow=True)))
    texts.append(page_text(client.get(_url("application_detail", application))))
    return texts


@pytest.mark.parametrize(
    ("status", "with_audition"),
    [
        (S.LAUREATE, False),
        (S.LAUREATE, True),
        (S.NOT_SELECTED, False),
        (S.WAITING_LIST, True),
        (S.DELIBERATED, True),
        (S.SHORTLISTED, False),
    ],
)
def test_no_applicant_response_names_a_state_under_embargo(client, call, status, with_audition):
    application, member = _embargoed(call, status, with_audition)
    client.force_login(member)

    texts = _every_applicant_response(client, application)

    for index, text in enumerate(texts):
        for word in FORBIDDEN:
            assert word not in text, (index, word)
    assert ApplicationFile.objects.filter(application=application).count() == 1
    if status in (S.LAUREATE, S.NOT_SELECTED, S.WAITING_LIST):
        assert in_state(application) == status  # a decision is not withdrawn


def test_the_withdrawal_of_a_decided_application_is_refused_in_neutral_words(client, call):
    application, member = applicant(call, S.NOT_SELECTED)
    client.force_login(member)
    detail = page_text(client.get(_url("application_detail", application)))
    # The form stays, as for any application in review: its absence would tell.
    assert "Retirer la candidature" in detail

    response = client.post(
        _url("application_withdraw", application), {"reason": "Nous renonçons."}, follow=True
    )

    text = page_text(response)
    assert (
        "Cette action n’est plus possible : votre candidature est « En cours d’évaluation »."
        in text
    )
    assert "Non retenue" not in text
    assert in_state(application) == S.NOT_SELECTED


LEAK = "Cette action n’est pas possible : la candidature est « Lauréate »."


def _leaking(*args, **kwargs):
    raise ValidationError(LEAK, code="invalid_state")


def test_the_views_neutralise_a_service_message_that_names_the_decision(client, call, monkeypatch):
    """The second line of defence: even if a service's message named the internal state,
    the applicant views would not show it under embargo."""
    for name in ("application_save_draft", "application_attach", "application_withdraw"):
        monkeypatch.setattr(services, name, _leaking)
    application, member = applicant(call, S.LAUREATE)
    client.force_login(member)
    neutral = "Cette action n’est plus possible : votre candidature est « En cours d’évaluation »."

    autosave = client.post(_url("application_autosave", application), _form_data(application))
    assert autosave.status_code == 400
    assert autosave.json() == {"erreur": neutral}
    upload = _url("application_upload", application, "comptes")
    for data in ({"fichier": _pdf()}, _form_data(application, **{"fichier-comptes": _pdf()})):
        text = page_text(client.post(upload, data, follow=True))
        assert neutral in text and "Lauréate" not in text
    withdraw = _url("application_withdraw", application)
    text = page_text(client.post(withdraw, {"reason": "x"}, follow=True))
    assert neutral in text and "Lauréate" not in text

    # Not under embargo (a draft; or once results are published), the message is the
    # service's own.
    draft, draft_member = applicant(call, S.DRAFT)
    client.force_login(draft_member)
    assert client.post(_url("application_autosave", draft), _form_data(draft)).json() == {
        "erreur": LEAK
    }
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at"])
    client.force_login(member)
    text = page_text(client.post(withdraw, {"reason": "x"}, follow=True))
    assert LEAK in text
