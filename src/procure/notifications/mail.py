"""Sending one e-mail through the configured SMTP server (aiosmtplib), from a job only."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from procure.settings import get_settings

TIMEOUT_SECONDS = 30


class MailNotConfigured(RuntimeError):
    pass


def email_enabled() -> bool:
    """Whether e-mail is on (PROCURE_SMTP_URL is set); off, the inbox works alone."""
    return bool(get_settings().smtp_url)


async def send(*, to: str, subject: str, body: str) -> None:
    """Hand the message to the SMTP server; raises when it refuses or cannot be reached (the
    job's event is then retried later)."""
    settings = get_settings()
    if not settings.smtp_url:
        raise MailNotConfigured("PROCURE_SMTP_URL is not set")
    url = urlsplit(settings.smtp_url)
    tls = url.scheme == "smtps"
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    await aiosmtplib.send(
        message,
        hostname=url.hostname,
        port=url.port or (465 if tls else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=tls,
        start_tls=None if not tls else False,
        timeout=TIMEOUT_SECONDS,
    )
