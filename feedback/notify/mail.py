"""E-mail through SMTP (aiosmtplib): the settings, composing a plain-text message, sending.

Settings (read with the app's others, `app.settings`; `mail_settings_from_env` here):

| variable | meaning |
|---|---|
| SUARA_SMTP_HOST | the SMTP server; unset or empty: no e-mail is sent at all |
| SUARA_SMTP_PORT | its port (default 587 for starttls, 465 for tls, 25 for none) |
| SUARA_SMTP_SECURITY | `starttls` (default), `tls` (TLS from the first byte) or `none` |
| SUARA_SMTP_USER, SUARA_SMTP_PASSWORD | sign-in (both or neither) |
| SUARA_SMTP_FROM | the sender address (required with a host) |
| SUARA_SMTP_TIMEOUT | seconds per SMTP step (default 10) |
| SUARA_PUBLIC_URL | the address in the links of the mails (as for QR codes) |

A bad value is a `ValueError` with one line naming the variable (the app turns it into a
one-line exit at start). Certificates are checked against the system's trust store.

`Mailer.send(messages)` sends messages in order over one connection and stops at the first
failure: it returns how many went out and the error (None when all did), so a caller knows
exactly which recipients got theirs and retries only the others. Messages are plain text
(UTF-8), marked `Auto-Submitted: auto-generated` (RFC 3834) so auto-replies are not sent
back.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORT = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_TIMEOUT = 10.0
SENDER_NAME = "Suara Layanan"
MAX_ERROR = 500


@dataclass(frozen=True)
class MailSettings:
    host: str
    sender: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    public_url: str = "http://localhost:8000"

    def __repr__(self) -> str:  # never print the password
        return (f"MailSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"sender={self.sender!r}, user={self.user!r})")


def check_address(value: str, name: str = "the address") -> str:
    """One plain e-mail address (`local@domain.tld`), stripped; ValueError otherwise."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if (not at or not local or "." not in domain or len(value) > 254
            or any(c.isspace() or c in "<>,;\"" for c in value)):
        raise ValueError(f"{name} must be one e-mail address, got {value!r}")
    return value


def mail_settings_from_env(environ: Mapping[str, str] | None = None) -> MailSettings | None:
    """The SMTP settings, or None when SUARA_SMTP_HOST is unset (no e-mail). ValueError with
    one line for a bad value."""
    env = os.environ if environ is None else environ
    host = env.get("SUARA_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("SUARA_SMTP_SECURITY", "").strip().lower() or "starttls"
    if security not in SECURITY:
        raise ValueError(f"SUARA_SMTP_SECURITY must be one of {', '.join(SECURITY)}, "
                         f"got {security!r}")
    raw_port = env.get("SUARA_SMTP_PORT", "").strip()
    if raw_port and not (raw_port.isdigit() and 0 < int(raw_port) < 65536):
        raise ValueError(f"SUARA_SMTP_PORT must be a port number (1-65535), got {raw_port!r}")
    port = int(raw_port) if raw_port else DEFAULT_PORT[security]
    raw_timeout = env.get("SUARA_SMTP_TIMEOUT", "").strip()
    try:
        timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 300:
        raise ValueError(f"SUARA_SMTP_TIMEOUT must be a number of seconds (0-300], "
                         f"got {raw_timeout!r}")
    sender = env.get("SUARA_SMTP_FROM", "").strip()
    if not sender:
        raise ValueError("SUARA_SMTP_FROM (the sender address) must be set with "
                         "SUARA_SMTP_HOST")
    user = env.get("SUARA_SMTP_USER", "").strip() or None
    password = env.get("SUARA_SMTP_PASSWORD", "") or None
    if (user is None) != (password is None):
        raise ValueError("SUARA_SMTP_USER and SUARA_SMTP_PASSWORD go together (both or "
                         "neither)")
    public_url = (env.get("SUARA_PUBLIC_URL", "").strip() or "http://localhost:8000").rstrip("/")
    return MailSettings(host=host, port=port, security=security,
                        sender=check_address(sender, "SUARA_SMTP_FROM"), user=user,
                        password=password, timeout=timeout, public_url=public_url)


def compose(settings: MailSettings, to: str, subject: str, body: str,
            now: datetime | None = None) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender to one address."""
    message = EmailMessage()
    domain = settings.sender.rpartition("@")[2]
    message["From"] = Address(SENDER_NAME, addr_spec=settings.sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


class Mailer:
    """Sends messages with the settings (see the module doc). `tls_context` replaces the
    system's trust store (a test server's own certificate)."""

    def __init__(self, settings: MailSettings, *, tls_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.tls_context = tls_context

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.host, port=s.port, timeout=s.timeout, username=s.user,
            password=s.password, use_tls=s.security == "tls",
            start_tls=s.security == "starttls", tls_context=self.tls_context)

    async def send(self, messages: Sequence[EmailMessage]) -> tuple[int, str | None]:
        """Send `messages` in order over one connection; stop at the first failure. Returns
        (how many were sent, the error in one line or None)."""
        if not messages:
            return 0, None
        client = self._client()
        sent = 0
        try:
            await client.connect()
            for message in messages:
                await client.send_message(message)
                sent += 1
        except (aiosmtplib.SMTPException, OSError) as exc:
            return sent, f"{type(exc).__name__}: {exc}".replace("\n", " ")[:MAX_ERROR]
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
        return sent, None


def mailer_from_env(environ: Mapping[str, str] | None = None) -> Mailer | None:
    """A Mailer for the environment's settings, None when no SMTP host is set."""
    settings = mail_settings_from_env(environ)
    return None if settings is None else Mailer(settings)
