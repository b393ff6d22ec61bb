"""E-mail through a background job.

Django (and allauth) send through EMAIL_BACKEND; this backend only serialises each message and
enqueues a task, so that a slow or failing SMTP server never slows a page down, and a message
enqueued inside a transaction that rolls back is never sent. The task delivers through
EMAIL_DELIVERY_BACKEND.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend


def serialize_message(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple) or hasattr(attachment, "filename"):
            filename, content, mimetype = attachment
            raw = content.encode() if isinstance(content, str) else bytes(content)
            attachments.append([filename, base64.b64encode(raw).decode("ascii"), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def deserialize_message(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


class TaskEmailBackend(BaseEmailBackend):
    """Queue each message for the worker instead of sending it in the request."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from .tasks import send_email

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            send_email.enqueue(serialize_message(message))
            count += 1
        return count
