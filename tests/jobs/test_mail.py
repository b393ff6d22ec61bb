import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from frenchimpact.jobs.mail import deserialize_message, serialize_message

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "emails"]}
}


def test_message_survives_serialisation_with_html_and_attachment():
    message = EmailMultiAlternatives(
        subject="Bienvenue",
        body="Texte brut é",
        from_email="plateforme@example.org",
        to=["a@example.org"],
        cc=["b@example.org"],
        bcc=["c@example.org"],
        reply_to=["d@example.org"],
        headers={"X-Test": "1"},
    )
    message.attach_alternative("<p>HTML é</p>", "text/html")
    message.attach("recu.txt", b"\x00\x01binaire", "application/octet-stream")

    copy = deserialize_message(serialize_message(message))

    assert copy.subject == "Bienvenue"
    assert copy.body == "Texte brut é"
    assert copy.recipients() == ["a@example.org", "b@example.org", "c@example.org"]
    assert copy.reply_to == ["d@example.org"]
    assert copy.extra_headers == {"X-Test": "1"}
    assert copy.alternatives[0][0] == "<p>HTML é</p>"
    assert copy.attachments[0][1] == b"\x00\x01binaire"


@pytest.mark.django_db
def test_send_mail_goes_through_a_task_and_is_delivered():
    sent = send_mail("Sujet", "Corps", None, ["destinataire@example.org"])
    assert sent == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Sujet"


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_with_the_database_backend_an_email_waits_for_the_worker():
    send_mail("En attente", "Corps", None, ["destinataire@example.org"])
    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert queued.queue_name == "emails"
    assert queued.task_path == "frenchimpact.jobs.tasks.send_email"


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_an_email_queued_in_a_rolled_back_transaction_is_never_sent():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Annulé", "Corps", None, ["destinataire@example.org"])
        raise RuntimeError("the business change failed")
    assert DBTaskResult.objects.count() == 0
