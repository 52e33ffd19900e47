"""Email channel: one message per resident over SMTP, with one-click unsubscribe.

Speaks SMTP (RFC 5321) through ``smtplib``: STARTTLS, implicit TLS or plain,
optional AUTH. One connection is kept open and reused for every send, guarded
by a lock, so sends from several threads take turns on it; for parallel sending
give each worker thread its own ``EmailChannel``. A connection the server has
closed is reopened once, on the spot.

Settings: host, port, mail-from address (and display name), optional user name
and password, ``security``, timeout in seconds, EHLO name, TLS context, and for
bounces the reference secret and an optional bounce address.
Each message is multipart/alternative (text and HTML, UTF-8, quoted-printable)
with ``Message-ID: <delivery id@mail-from domain>``, the same on every retry,
and RFC 8058 ``List-Unsubscribe`` / ``List-Unsubscribe-Post``. With a reference
secret it carries its signed delivery reference (see ``channels.bounces``) in an
``X-Kentongan-Delivery`` header and, with a bounce address, in the envelope
sender (VERP: ``bounces+<reference>@domain``), so bounces name their delivery.
``send_notice`` sends a plain-text message that is no alert (a subscription's
confirmation link) with none of those headers.

Limits: one recipient per message; ASCII addresses only (no SMTPUTF8 local
parts; an internationalised domain is sent as IDNA); the unsubscribe URL must
be https, ASCII and at most 900 characters, since it is written unfolded. A 5xx
answer to the message (MAIL, RCPT, DATA) is permanent; any failure to open the
session (connect, TLS, EHLO, AUTH, even with 5xx) is temporary, because it is
the gateway's setup or the server that is wrong, not the message.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from enum import StrEnum
from types import TracebackType
from urllib.parse import urlsplit

from gateway.channels.base import ChannelError, PermanentFailure, Sent, TemporaryFailure
from gateway.channels.bounces import (
    REFERENCE_HEADER,
    REFERENCE_LENGTH,
    make_reference,
    verp_address,
)

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_LOCAL_PART = 64
MAX_DOMAIN = 253
MAX_UNSUBSCRIBE_URL = 900
ONE_CLICK = "List-Unsubscribe=One-Click"
UNFOLDED_HEADERS = frozenset({"list-unsubscribe"})

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class Security(StrEnum):
    """How the SMTP session is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


class _MailPolicy(EmailPolicy):
    """SMTP policy that writes URL-carrying headers on one line, never encoded.

    The standard folder turns a long URL with no spaces into RFC 2047 encoded
    words, which no mail client would read back as a URL.
    """

    def fold(self, name: str, value: str) -> str:
        if name.lower() in UNFOLDED_HEADERS:
            return f"{name}: {value}{self.linesep}"
        folded: str = super().fold(name, value)
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in UNFOLDED_HEADERS:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        folded: bytes = super().fold_binary(name, value)
        return folded


MAIL_POLICY = _MailPolicy(linesep="\r\n")


def check_address(address: str) -> str:
    """``address`` with its domain in IDNA form; ``ValueError`` if it is not one."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{address!r} is not an email address (name@domain).")
    if len(local) > MAX_LOCAL_PART or not DOT_ATOM.fullmatch(local):
        raise ValueError(
            f"The part before @ in {address!r} must be at most {MAX_LOCAL_PART} "
            "ASCII letters, digits, dots or !#$%&'*+/=?^_`{|}~- characters."
        )

    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"The domain in {address!r} is not valid.") from error
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > MAX_DOMAIN
        or len(labels) < 2
        or not all(DOMAIN_LABEL.fullmatch(label) for label in labels)
    ):
        raise ValueError(
            f"The domain in {address!r} must be a host name such as example.org."
        )
    return f"{local}@{ascii_domain}"


def make_message_id(delivery_id: str, domain: str) -> str:
    """The Message-ID for a delivery: the same on every retry."""
    if not DOT_ATOM.fullmatch(delivery_id):
        raise ValueError(
            f"The delivery id {delivery_id!r} cannot be used in a Message-ID; it "
            "may hold ASCII letters, digits, dots and !#$%&'*+/=?^_`{|}~-."
        )
    return f"<{delivery_id}@{domain}>"


class EmailChannel:
    """Delivers alert emails through one SMTP server over a reused connection."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        mail_from: str,
        from_name: str | None = None,
        username: str | None = None,
        password: str | None = None,
        security: Security = Security.STARTTLS,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        helo_name: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        reference_secret: str | None = None,
        bounce_address: str | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("Give both the SMTP user name and password, or neither.")
        if bounce_address is not None and not reference_secret:
            raise ValueError("A bounce address needs a reference secret to sign with.")
        if from_name is not None and ("\r" in from_name or "\n" in from_name):
            raise ValueError("The sender's display name must be one line.")
        self.host = host
        self.port = port
        self.mail_from = check_address(mail_from)
        self.from_name = from_name
        self.username = username
        self.password = password
        self.security = Security(security)
        self.timeout = timeout
        self.helo_name = helo_name
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.reference_secret = reference_secret
        self.bounce_address = _checked_bounce_address(bounce_address)
        self._lock = threading.Lock()
        self._smtp: smtplib.SMTP | None = None

    def send(
        self,
        to: str,
        subject: str,
        text: str,
        html: str,
        message_id: str,
        unsubscribe_url: str,
    ) -> Sent:
        """Hand one message to the server; raises a ``ChannelError`` on failure.

        ``message_id`` is the delivery id; the Message-ID header and the bounce
        reference are made from it.
        """
        recipient = _checked(check_address, to, code="invalid-address")
        message = self._build(recipient, subject, text, html, message_id)
        _add_unsubscribe(message, unsubscribe_url)
        sender = self._add_reference(message, message_id)
        data = message.as_bytes(policy=MAIL_POLICY)

        started = time.monotonic()
        with self._lock:
            self._deliver(sender, recipient, data)
        logger.info(
            "email accepted channel=%s message_id=%s duration_ms=%s",
            self.name,
            message_id,
            round((time.monotonic() - started) * 1000),
        )
        return Sent(provider_reference=message["Message-ID"])

    def send_notice(self, to: str, subject: str, text: str, message_id: str) -> Sent:
        """Hand one plain-text notice to the server, such as a subscription's
        confirmation link: no HTML part, no unsubscribe headers and no bounce
        reference, since it is no alert and no delivery."""
        recipient = _checked(check_address, to, code="invalid-address")
        message = self._headed(recipient, subject, message_id)
        message.set_content(text, charset="utf-8", cte="quoted-printable")
        data = message.as_bytes(policy=MAIL_POLICY)

        started = time.monotonic()
        with self._lock:
            self._deliver(self.mail_from, recipient, data)
        logger.info(
            "email notice accepted channel=%s message_id=%s duration_ms=%s",
            self.name,
            message_id,
            round((time.monotonic() - started) * 1000),
        )
        return Sent(provider_reference=message["Message-ID"])

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        with self._lock:
            self._disconnect(polite=True)

    def __enter__(self) -> EmailChannel:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _build(
        self, recipient: str, subject: str, text: str, html: str, delivery_id: str
    ) -> EmailMessage:
        message = self._headed(recipient, subject, delivery_id)
        message.set_content(text, charset="utf-8", cte="quoted-printable")
        message.add_alternative(
            html, subtype="html", charset="utf-8", cte="quoted-printable"
        )
        return message

    def _headed(self, recipient: str, subject: str, message_id: str) -> EmailMessage:
        """A message with its Message-ID, Date, From, To and Subject."""
        _refuse_line_breaks(subject=subject, message_id=message_id)
        domain = self.mail_from.rpartition("@")[2]
        message = EmailMessage(policy=MAIL_POLICY)
        message["Message-ID"] = _checked(
            make_message_id, message_id, domain, code="invalid-message-id"
        )
        message["Date"] = format_datetime(datetime.now(UTC))
        message["From"] = Address(self.from_name or "", addr_spec=self.mail_from)
        message["To"] = recipient
        message["Subject"] = subject
        return message

    def _add_reference(self, message: EmailMessage, delivery_id: str) -> str:
        """Sign the delivery into the message; the envelope sender to use."""
        if not self.reference_secret:
            return self.mail_from
        reference = _checked(
            make_reference,
            self.reference_secret,
            delivery_id,
            code="invalid-message-id",
        )
        message[REFERENCE_HEADER] = reference
        if self.bounce_address is None:
            return self.mail_from
        return verp_address(self.bounce_address, reference)

    def _deliver(self, sender: str, recipient: str, data: bytes) -> None:
        """Send over the open connection, reopening it once if the server closed it."""
        # Known gap: a server that drops the connection after taking the whole
        # message but before answering gets it again, with the same Message-ID —
        # bites only when the server dies in the middle of DATA.
        attempts = 2 if self._smtp is not None else 1
        for attempt in range(1, attempts + 1):
            try:
                self._transmit(sender, recipient, data)
                return
            except (smtplib.SMTPException, OSError) as error:
                self._forget_broken_connection(error)
                if attempt < attempts and _is_closed_by_server(error):
                    logger.info("smtp connection closed by server, reconnecting")
                    continue
                raise _translate(error) from error

    def _transmit(self, sender: str, recipient: str, data: bytes) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.sendmail(sender, [recipient], data)

    def _connect(self) -> smtplib.SMTP:
        """A new session, greeted, secured and authenticated as configured."""
        try:
            smtp = self._open_socket()
        except (smtplib.SMTPException, OSError) as error:
            raise _translate_session(error) from error

        try:
            smtp.ehlo()
            if self.security is Security.STARTTLS:
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise _translate_session(error) from error
        logger.info(
            "smtp connected channel=%s host=%s port=%s security=%s",
            self.name,
            self.host,
            self.port,
            self.security,
        )
        return smtp

    def _open_socket(self) -> smtplib.SMTP:
        if self.security is Security.TLS:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.helo_name,
                timeout=self.timeout,
                context=self.ssl_context,
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self.helo_name, timeout=self.timeout
        )

    def _forget_broken_connection(self, error: Exception) -> None:
        """Drop the connection unless the server merely refused this message."""
        if self._smtp is None:
            return
        refused = isinstance(
            error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
        )
        if not refused or self._smtp.sock is None:
            self._disconnect(polite=False)

    def _disconnect(self, *, polite: bool) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if polite:
            try:
                smtp.quit()
                return
            except (smtplib.SMTPException, OSError) as error:
                logger.debug("smtp quit failed error=%s", type(error).__name__)
        smtp.close()


def _checked(check: Callable[..., str], *args: str, code: str) -> str:
    """``check(*args)``, its ``ValueError`` raised as a permanent failure."""
    try:
        return check(*args)
    except ValueError as error:
        raise PermanentFailure(str(error), code=code) from error


def _checked_bounce_address(address: str | None) -> str | None:
    """The bounce address in IDNA form, refused if a reference would not fit."""
    if address is None:
        return None
    checked = check_address(address)
    room = MAX_LOCAL_PART - 1 - REFERENCE_LENGTH
    if len(checked.rpartition("@")[0]) > room:
        raise ValueError(
            f"The part before @ in the bounce address {address!r} must be at most "
            f"{room} characters, to leave room for the delivery reference."
        )
    return checked


def _refuse_line_breaks(**values: str) -> None:
    for field, value in values.items():
        if "\r" in value or "\n" in value:
            raise PermanentFailure(
                f"The {field.replace('_', ' ')} must be one line: it holds a "
                "line break, which would let it add mail headers.",
                code="header-injection",
            )


def _add_unsubscribe(message: EmailMessage, url: str) -> None:
    """RFC 8058 one-click unsubscribe headers, refusing a URL they cannot carry."""
    _refuse_line_breaks(unsubscribe_url=url)
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or not parts.netloc
        or not url.isascii()
        or len(url) > MAX_UNSUBSCRIBE_URL
        or any(character in url for character in " \t<>")
    ):
        raise PermanentFailure(
            f"The unsubscribe URL must be an https:// URL of at most "
            f"{MAX_UNSUBSCRIBE_URL} ASCII characters without spaces or <>; "
            f"got {url[:80]!r}.",
            code="invalid-unsubscribe-url",
        )
    message["List-Unsubscribe"] = f"<{url}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK


def _is_closed_by_server(error: Exception) -> bool:
    """Whether a reused connection had been closed, so a fresh one may succeed."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return not isinstance(error.__context__, TimeoutError)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 421


def _translate(error: smtplib.SMTPException | OSError) -> ChannelError:
    """A failed mail transaction as a temporary or permanent failure."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return _by_reply(code, text, "recipient")
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _by_reply(error.smtp_code, error.smtp_error, "sender")
    if isinstance(error, smtplib.SMTPDataError):
        return _by_reply(error.smtp_code, error.smtp_error, "message")
    return _translate_session(error)


def _by_reply(code: int, text: bytes | str, subject: str) -> ChannelError:
    """Permanent for a 5xx reply, temporary for anything else."""
    reply = f"{code} {_decode(text)}".strip()
    if 500 <= code < 600:
        return PermanentFailure(
            f"The mail server refused the {subject} with {reply}.",
            code=f"{subject}-refused",
        )
    return TemporaryFailure(
        f"The mail server deferred the {subject} with {reply}; it will be sent again.",
        code=f"{subject}-deferred",
    )


def _translate_session(error: smtplib.SMTPException | OSError) -> TemporaryFailure:
    """A failure to open or keep a session: always worth another try."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return TemporaryFailure(
            f"The mail server refused the SMTP user name or password with "
            f"{error.smtp_code} {_decode(error.smtp_error)}. Check the SMTP "
            "credentials; messages wait and are sent again.",
            code="auth-failed",
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return TemporaryFailure(
            f"The mail server answered {error.smtp_code} "
            f"{_decode(error.smtp_error)}; the message will be sent again.",
            code="server-unavailable",
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return TemporaryFailure(
            f"The mail server lacks what the settings require ({error}). Change "
            "the SMTP security or credentials settings, or the server.",
            code="server-unsupported",
        )
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return TemporaryFailure(
            "The mail server did not answer in time; the message will be sent again.",
            code="timeout",
        )
    if isinstance(error, ssl.SSLError):
        return TemporaryFailure(
            f"The TLS session with the mail server failed ({error}); check its "
            "certificate and the security setting.",
            code="tls-failed",
        )
    return TemporaryFailure(
        f"The mail server could not be reached or dropped the connection "
        f"({type(error).__name__}: {error}); the message will be sent again.",
        code="connection-failed",
    )


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
