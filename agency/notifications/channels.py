"""Where outbox messages leave Agency: an SMS gateway and an SMTP server.

Each backend sends one message or raises ``DeliveryError``; retries, back-off and dead letters are
``delivery``'s. A backend knows nothing of the database: it gets an ``Outgoing`` message.
SMS goes to a logging backend unless a gateway URL is configured (the embedded default has none);
e-mail goes to the log as well until an SMTP URL is configured.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Protocol
from urllib.parse import unquote, urlsplit

import httpx

from agency.notifications.links import masked
from agency.privacy import mask_phone
from agency.settings import Settings

log = logging.getLogger("agency.notifications")

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SMTP_TIMEOUT = 15.0
# The gateway says the message itself is wrong: sending it again cannot succeed.
_PERMANENT_HTTP = frozenset({400, 404, 410, 413, 422})


class DeliveryError(Exception):
    """One message could not be handed over. ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as a backend sees it: ``key`` is the outbox dedupe key, stable across retries."""

    id: int
    key: str
    to: str
    name: str
    subject: str
    body: str


class SmsGateway(Protocol):
    async def send(self, message: Outgoing) -> None: ...


class Mailer(Protocol):
    async def send(self, message: Outgoing) -> None: ...


@dataclass(frozen=True, slots=True)
class Channels:
    sms: SmsGateway
    email: Mailer


def idempotency_key(key: str) -> str:
    """The dedupe key when it fits an HTTP header as it is, its sha256 otherwise."""
    if key.isascii() and key.isprintable() and len(key) <= 200:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def mask_email(address: str | None) -> str | None:
    if not address or "@" not in address:
        return address
    local, domain = address.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


class LoggingSmsGateway:
    """No gateway configured: the message is written to the log (number masked) and counts as sent."""

    async def send(self, message: Outgoing) -> None:
        log.info("短信（未配置短信网关，仅记录）→ %s：%s", mask_phone(message.to), masked(message.body))


class HttpSmsGateway:
    """POSTs ``{to, text, id}`` as JSON; the dedupe key goes in ``Idempotency-Key`` so a gateway
    that receives a retry of a message it already took can drop it."""

    def __init__(self, url: str, key: str | None, *, timeout: httpx.Timeout = HTTP_TIMEOUT) -> None:
        self.url = url
        self.key = key
        self.timeout = timeout

    async def send(self, message: Outgoing) -> None:
        headers = {"Idempotency-Key": idempotency_key(message.key)}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        payload = {"to": message.to, "text": message.body, "id": str(message.id)}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                response = await client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"短信网关不可达（{type(error).__name__}: {error}）") from error
        if not response.is_success:
            raise DeliveryError(f"短信网关返回 HTTP {response.status_code}：{masked(response.text[:200])}",
                                permanent=response.status_code in _PERMANENT_HTTP)


class LoggingMailer:
    """No SMTP server configured: the message is written to the log (address masked)."""

    async def send(self, message: Outgoing) -> None:
        log.info("邮件（未配置邮件服务器，仅记录）→ %s：%s", mask_email(message.to), message.subject)


class SmtpMailer:
    """E-mail over SMTP with the standard library, in a worker thread, with a timeout.

    ``smtp://user:password@host:25`` upgrades with STARTTLS when the server offers it;
    ``smtps://host:465`` speaks TLS from the start. The Message-ID derives from the dedupe key, so a
    receiving system can recognise a retry of a message it already has.
    """

    def __init__(self, smtp_url: str, mail_from: str, *, timeout: float = SMTP_TIMEOUT) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("smtp_url must look like smtp://user:password@host:25 or smtps://host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.mail_from = mail_from
        self.timeout = timeout

    def build(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = formataddr((message.name, message.to)) if message.name else message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.mail_from.rsplit("@", 1)[-1] or "agency.localhost"
        mail["Message-ID"] = f"<{hashlib.sha256(message.key.encode('utf-8')).hexdigest()[:40]}@{domain}>"
        mail.set_content(message.body, charset="utf-8")
        return mail

    async def send(self, message: Outgoing) -> None:
        if "@" not in message.to:
            raise DeliveryError(f"收件地址无效（invalid e-mail address {mask_email(message.to)!r}）", permanent=True)
        mail = self.build(message)
        try:
            await asyncio.to_thread(self._send_blocking, mail, message.to)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"邮件服务器拒收该地址（{error.recipients}）", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"邮件发送失败（{type(error).__name__}: {error}）") from error

    def _send_blocking(self, mail: EmailMessage, to: str) -> None:
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if self.implicit_tls:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with server:
            server.ehlo()
            if not self.implicit_tls and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            if self.username:
                server.login(self.username, self.password)
            server.send_message(mail, from_addr=self.mail_from, to_addrs=[to])


def channels_from_settings(settings: Settings) -> Channels:
    sms: SmsGateway = (HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_key)
                       if settings.sms_gateway_url else LoggingSmsGateway())
    email: Mailer = SmtpMailer(settings.smtp_url, settings.mail_from) if settings.smtp_url else LoggingMailer()
    return Channels(sms=sms, email=email)
