"""Writes of the pages app: the contact message (sent by e-mail, never stored)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

CONTACT_RATE_LIMIT = 5
CONTACT_RATE_WINDOW_SECONDS = 3600


def contact_rate_limit_consume(*, client_ip: str) -> bool:
    """Count one contact message for this IP address; False once the hourly quota is spent.

    The counter lives in the shared cache, so every web process sees the same count.
    """
    key = f"pages:contact:{client_ip}"
    cache.add(key, 0, timeout=CONTACT_RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=CONTACT_RATE_WINDOW_SECONDS)
        count = 1
    return count <= CONTACT_RATE_LIMIT


def contact_message_send(*, name: str, email: str, subject: str, message: str) -> None:
    """E-mail a visitor's message to the platform team, with reply-to the visitor."""
    body = render_to_string(
        "pages/emails/contact_message.txt",
        {
            "platform_name": settings.PLATFORM_NAME,
            "name": name,
            "email": email,
            "subject": subject,
            "message": message,
        },
    )
    EmailMessage(
        subject=_("[%(platform)s] Contact : %(subject)s")
        % {"platform": settings.PLATFORM_NAME, "subject": subject},
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[settings.PLATFORM_CONTACT_EMAIL],
        reply_to=[email],
    ).send()
