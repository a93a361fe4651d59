"""Outgoing e-mail through a configurable backend (``MAIL_BACKEND``).

- ``console`` (default, the demo): the message is written to the log and stdout.
- ``memory`` (tests): the message is appended to ``app.extensions["mail_outbox"]``.
- ``smtp``: sent with :mod:`smtplib` using ``MAIL_SMTP_HOST``, ``MAIL_SMTP_PORT`` (587),
  ``MAIL_SMTP_USER``, ``MAIL_SMTP_PASSWORD``, ``MAIL_SMTP_STARTTLS`` (True) and
  ``MAIL_SMTP_TIMEOUT`` (10 seconds).

Messages carry no personal data beyond a case reference: e-mail is not a safe channel
for special-category data, so the text points to the case in the tool instead.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

BACKENDS = ("console", "memory", "smtp")


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str
    sender: str


class MailError(Exception):
    """The backend could not send the message."""


def send(to, subject: str, body: str) -> Mail:
    """Send one plain-text message to ``to`` (an address or a list of addresses)."""
    recipients = (to,) if isinstance(to, str) else tuple(to)
    app = current_app
    mail = Mail(recipients, subject, body, app.config.get("MAIL_FROM", "noreply@reintegration.local"))
    backend = app.config.get("MAIL_BACKEND", "console")
    if backend == "memory":
        app.extensions.setdefault("mail_outbox", []).append(mail)
    elif backend == "smtp":
        _send_smtp(app.config, mail)
    elif backend == "console":
        text = f"--- mail to {', '.join(recipients)}: {subject}\n{body}\n---"
        app.logger.info(text)
        print(text, file=sys.stdout, flush=True)
    else:
        raise MailError(f"unknown MAIL_BACKEND {backend!r}; use one of {', '.join(BACKENDS)}")
    return mail


def outbox() -> list[Mail]:
    """The messages sent with the ``memory`` backend (tests)."""
    return current_app.extensions.setdefault("mail_outbox", [])


def _send_smtp(config, mail: Mail) -> None:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    host = config.get("MAIL_SMTP_HOST")
    if not host:
        raise MailError("MAIL_SMTP_HOST is not set")
    try:
        with smtplib.SMTP(host, int(config.get("MAIL_SMTP_PORT", 587)),
                          timeout=float(config.get("MAIL_SMTP_TIMEOUT", 10))) as smtp:
            if config.get("MAIL_SMTP_STARTTLS", True):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_SMTP_USER"):
                smtp.login(config["MAIL_SMTP_USER"], config.get("MAIL_SMTP_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error
