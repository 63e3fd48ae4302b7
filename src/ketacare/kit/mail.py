"""Outgoing e-mail over SMTP (stdlib smtplib): plain text, one message per call."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from ketacare.config import Settings


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message."""


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailNotSent(
            f"could not send e-mail through {settings.smtp_host}:{settings.smtp_port}: {error}"
        ) from error
