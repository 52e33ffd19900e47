"""Email channel against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import ipaddress
import smtplib
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509

from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.channels.bounces import read_reference
from gateway.channels.email import EmailChannel, Security, check_address
from tests.channels.certificates import write_self_signed

LOOPBACK = "127.0.0.1"
MAIL_FROM = "peringatan@kentongan.example"
RESIDENT = "warga@contoh.example"
SUBJECT = "Peringatan banjir — Kampung Melayu 🌊"
TEXT = "Air naik cepat.\nSegera mengungsi ke tempat yang lebih tinggi — sekarang.\n"
HTML = "<p>Air naik cepat.</p>\n<p><strong>Segera mengungsi</strong> — sekarang.</p>\n"
DELIVERY_ID = "delivery-0001"
UNSUBSCRIBE_URL = "https://kentongan.example/unsubscribe/abc123?token=xyz"
STALL_SECONDS = 1.0
USER, PASSWORD = "gateway", "correct horse battery staple"


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the loopback server took it."""

    peer: tuple[str, int]
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass(slots=True)
class Mailbox:
    """The server's handler: records sessions and messages, answers as scripted."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    one_time_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    stalled_recipients: set[str] = field(default_factory=set)
    ehlo_peers: list[tuple[str, int]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    @property
    def connections(self) -> int:
        """Client connections that greeted the server (EHLO again after TLS)."""
        return len(set(self.ehlo_peers))

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        self.ehlo_peers.append(session.peer)
        return responses

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.stalled_recipients:
            await asyncio.sleep(STALL_SECONDS)
        if address in self.one_time_replies:
            return self.one_time_replies.pop(address)
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply is not None:
            return self.data_reply
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                session.peer, str(envelope.mail_from), envelope.rcpt_tos, raw, parsed
            )
        )
        return "250 2.0.0 Queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(mailbox: Mailbox, port: int, **options: Any) -> Iterator[None]:
    controller = Controller(mailbox, hostname=LOOPBACK, port=port, **options)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


def make_channel(port: int, **overrides: Any) -> EmailChannel:
    settings: dict[str, Any] = {
        "host": LOOPBACK,
        "port": port,
        "mail_from": MAIL_FROM,
        "security": Security.NONE,
        "timeout": 5.0,
        "helo_name": "gateway.test",
    }
    settings.update(overrides)
    return EmailChannel(**settings)


def send(channel: EmailChannel, **overrides: str) -> Sent:
    fields = {
        "to": RESIDENT,
        "subject": SUBJECT,
        "text": TEXT,
        "html": HTML,
        "message_id": DELIVERY_ID,
        "unsubscribe_url": UNSUBSCRIBE_URL,
    }
    fields.update(overrides)
    return channel.send(**fields)


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def port(mailbox: Mailbox) -> Iterator[int]:
    chosen = free_port()
    with running_server(mailbox, chosen):
        yield chosen


@pytest.fixture
def channel(port: int) -> Iterator[EmailChannel]:
    with make_channel(port) as opened:
        yield opened


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    address = x509.IPAddress(ipaddress.ip_address(LOOPBACK))
    return write_self_signed(folder, "loopback-mail", address)


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def check_password(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    accepted = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=accepted, handled=False)


def test_message_arrives_with_both_parts_and_all_headers(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    sent = send(channel)

    [received] = mailbox.received
    message = received.message
    assert received.mail_from == MAIL_FROM
    assert received.rcpt_tos == [RESIDENT]
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert text_part.get_content_charset() == "utf-8"
    assert text_part.get_content().splitlines() == TEXT.splitlines()
    assert html_part.get_content_type() == "text/html"
    assert html_part.get_content_charset() == "utf-8"
    assert html_part.get_content().splitlines() == HTML.splitlines()
    assert message["Subject"] == SUBJECT
    assert message["From"] == MAIL_FROM
    assert message["To"] == RESIDENT
    assert message["Message-ID"] == "<delivery-0001@kentongan.example>"
    assert sent == Sent(provider_reference="<delivery-0001@kentongan.example>")
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE_URL}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    date = parsedate_to_datetime(message["Date"])
    assert date.tzinfo is not None
    assert abs(datetime.now(UTC) - date) < timedelta(hours=1)


def test_sender_display_name_is_in_from_header(port: int, mailbox: Mailbox) -> None:
    with make_channel(port, from_name="BPBD Kota Contoh") as channel:
        send(channel)

    assert mailbox.received[0].message["From"] == f"BPBD Kota Contoh <{MAIL_FROM}>"


def test_long_unsubscribe_url_is_written_on_one_unencoded_line(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    url = "https://kentongan.example/unsubscribe/" + "a1b2c3" * 50 + "?token=xyz"

    send(channel, unsubscribe_url=url)

    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in mailbox.received[0].raw


def test_message_id_is_the_same_on_every_retry(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    first = send(channel)
    retry = send(channel)
    other = send(channel, message_id="delivery-0002")

    ids = [received.message["Message-ID"] for received in mailbox.received]
    assert ids[0] == ids[1] == first.provider_reference == retry.provider_reference
    assert ids[2] == other.provider_reference != ids[0]


def test_internationalised_domain_is_sent_as_idna(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    send(channel, to="warga@bücher.example")

    assert mailbox.received[0].rcpt_tos == ["warga@xn--bcher-kva.example"]


def test_twenty_sends_share_one_connection(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    for number in range(20):
        send(channel, message_id=f"delivery-{number:04}")

    assert len(mailbox.received) == 20
    assert mailbox.connections == 1


def test_sends_from_many_threads_take_turns_on_one_connection(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(
            pool.map(lambda n: send(channel, message_id=f"d-{n}"), range(40))
        )

    assert all(isinstance(outcome, Sent) for outcome in outcomes)
    ids = {received.message["Message-ID"] for received in mailbox.received}
    assert len(ids) == 40
    assert mailbox.connections == 1


def test_server_restart_is_survived_by_reconnecting(mailbox: Mailbox) -> None:
    port = free_port()
    channel = make_channel(port)
    with running_server(mailbox, port):
        send(channel, message_id="before-restart")

    with running_server(mailbox, port):
        sent = send(channel, message_id="after-restart")
        channel.close()

    assert sent.provider_reference == "<after-restart@kentongan.example>"
    assert len(mailbox.received) == 2
    assert mailbox.connections == 2


def test_connection_the_server_closed_when_idle_is_reopened(mailbox: Mailbox) -> None:
    port = free_port()
    with running_server(mailbox, port, timeout=0.2), make_channel(port) as channel:
        send(channel, message_id="first")
        time.sleep(0.6)
        send(channel, message_id="after-idle")

    assert [r.message["Message-ID"] for r in mailbox.received] == [
        "<first@kentongan.example>",
        "<after-idle@kentongan.example>",
    ]
    assert mailbox.connections == 2


def test_server_closing_with_421_is_answered_by_reconnecting(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    send(channel, message_id="first")
    mailbox.one_time_replies[RESIDENT] = "421 4.3.2 Service shutting down"

    sent = send(channel, message_id="after-421")

    assert sent.provider_reference == "<after-421@kentongan.example>"
    assert len(mailbox.received) == 2
    assert mailbox.connections == 2


def test_timeout_on_a_reused_connection_is_not_sent_again(
    port: int, mailbox: Mailbox
) -> None:
    mailbox.stalled_recipients.add("lambat@contoh.example")

    with make_channel(port, timeout=0.3) as channel:
        send(channel)
        with pytest.raises(TemporaryFailure) as caught:
            send(channel, to="lambat@contoh.example")

    assert caught.value.code == "timeout"
    assert mailbox.connections == 1


def test_close_ends_the_session_and_the_next_send_opens_another(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    send(channel)
    channel.close()
    channel.close()
    send(channel)

    assert len(mailbox.received) == 2
    assert mailbox.connections == 2


@pytest.mark.parametrize(
    ("stage", "reply", "failure", "code"),
    [
        pytest.param(
            "rcpt",
            "450 4.2.1 Mailbox busy",
            TemporaryFailure,
            "recipient-deferred",
            id="recipient-450-is-temporary",
        ),
        pytest.param(
            "rcpt",
            "550 5.1.1 No such mailbox",
            PermanentFailure,
            "recipient-refused",
            id="recipient-550-is-permanent",
        ),
        pytest.param(
            "data",
            "451 4.3.0 Try again later",
            TemporaryFailure,
            "message-deferred",
            id="data-451-is-temporary",
        ),
        pytest.param(
            "data",
            "554 5.6.0 Message content rejected",
            PermanentFailure,
            "message-refused",
            id="data-554-is-permanent",
        ),
    ],
)
def test_server_reply_decides_temporary_or_permanent(
    channel: EmailChannel,
    mailbox: Mailbox,
    stage: str,
    reply: str,
    failure: type[Exception],
    code: str,
) -> None:
    if stage == "rcpt":
        mailbox.rcpt_replies[RESIDENT] = reply
    else:
        mailbox.data_reply = reply

    with pytest.raises(failure) as caught:
        send(channel)

    assert type(caught.value) is failure
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert reply in caught.value.reason  # type: ignore[attr-defined]
    assert isinstance(caught.value.__cause__, smtplib.SMTPException)
    assert mailbox.received == []


def test_refused_recipient_leaves_the_connection_usable(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    mailbox.rcpt_replies["hilang@contoh.example"] = "550 5.1.1 No such mailbox"

    with pytest.raises(PermanentFailure):
        send(channel, to="hilang@contoh.example")
    send(channel)

    assert [r.rcpt_tos for r in mailbox.received] == [[RESIDENT]]
    assert mailbox.connections == 1


@pytest.mark.parametrize(
    ("field_name", "value", "code"),
    [
        pytest.param(
            "subject",
            "Banjir\r\nBcc: semua@contoh.example",
            "header-injection",
            id="subject-with-crlf",
        ),
        pytest.param(
            "subject", "Banjir\nX-Evil: 1", "header-injection", id="subject-with-lf"
        ),
        pytest.param(
            "subject", "Banjir\rX-Evil: 1", "header-injection", id="subject-with-cr"
        ),
        pytest.param(
            "unsubscribe_url",
            "https://kentongan.example/u\r\nBcc: semua@contoh.example",
            "header-injection",
            id="unsubscribe-url-with-crlf",
        ),
        pytest.param(
            "message_id",
            "delivery-1\r\nBcc: x@y.example",
            "header-injection",
            id="delivery-id-with-crlf",
        ),
        pytest.param(
            "to",
            "warga@contoh.example\r\nBcc: semua@contoh.example",
            "invalid-address",
            id="recipient-with-crlf",
        ),
    ],
)
def test_header_injection_is_refused_before_connecting(
    channel: EmailChannel, mailbox: Mailbox, field_name: str, value: str, code: str
) -> None:
    with pytest.raises(PermanentFailure) as caught:
        send(channel, **{field_name: value})

    assert caught.value.code == code
    assert mailbox.connections == 0


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("warga", id="no-at-sign"),
        pytest.param("warga@", id="no-domain"),
        pytest.param("@contoh.example", id="no-local-part"),
        pytest.param("warga@localhost", id="single-label-domain"),
        pytest.param("wa rga@contoh.example", id="space-in-local-part"),
        pytest.param("warga@@contoh.example", id="two-at-signs"),
        pytest.param("wárga@contoh.example", id="non-ascii-local-part"),
        pytest.param("warga@-contoh.example", id="label-starting-with-hyphen"),
        pytest.param("warga.@contoh.example", id="dot-ending-local-part"),
        pytest.param("Warga <warga@contoh.example>", id="display-name-form"),
    ],
)
def test_address_that_is_not_an_email_address_fails_before_connecting(
    channel: EmailChannel, mailbox: Mailbox, address: str
) -> None:
    with pytest.raises(PermanentFailure) as caught:
        send(channel, to=address)

    assert caught.value.code == "invalid-address"
    assert mailbox.connections == 0


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param("warga@contoh.example", "warga@contoh.example", id="plain"),
        pytest.param(
            "w.a+alert@sub.contoh.id", "w.a+alert@sub.contoh.id", id="dots-and-plus"
        ),
        pytest.param(
            "warga@bücher.example", "warga@xn--bcher-kva.example", id="idn-domain"
        ),
    ],
)
def test_check_address_accepts_real_addresses(address: str, expected: str) -> None:
    assert check_address(address) == expected


@pytest.mark.parametrize(
    ("field_name", "value", "code"),
    [
        pytest.param(
            "unsubscribe_url",
            "http://kentongan.example/u",
            "invalid-unsubscribe-url",
            id="unsubscribe-over-http",
        ),
        pytest.param(
            "unsubscribe_url",
            "mailto:keluar@kentongan.example",
            "invalid-unsubscribe-url",
            id="unsubscribe-mailto",
        ),
        pytest.param(
            "unsubscribe_url",
            "https://kentongan.example/u?a=b c",
            "invalid-unsubscribe-url",
            id="unsubscribe-with-space",
        ),
        pytest.param(
            "message_id",
            "delivery 0001",
            "invalid-message-id",
            id="delivery-id-with-space",
        ),
        pytest.param(
            "message_id",
            "<delivery@x>",
            "invalid-message-id",
            id="delivery-id-with-brackets",
        ),
    ],
)
def test_header_that_cannot_be_written_fails_before_connecting(
    channel: EmailChannel, mailbox: Mailbox, field_name: str, value: str, code: str
) -> None:
    with pytest.raises(PermanentFailure) as caught:
        send(channel, **{field_name: value})

    assert caught.value.code == code
    assert mailbox.connections == 0


@contextmanager
def silent_listener() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind((LOOPBACK, 0))
        listener.listen()
        yield listener.getsockname()[1]


@contextmanager
def closed_port() -> Iterator[int]:
    yield free_port()


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        pytest.param(closed_port, "connection-failed", id="nothing-listening"),
        pytest.param(silent_listener, "timeout", id="server-never-greets"),
    ],
)
def test_unreachable_server_is_a_temporary_failure(endpoint: Any, code: str) -> None:
    with (
        endpoint() as port,
        make_channel(port, timeout=0.3) as channel,
        pytest.raises(TemporaryFailure) as caught,
    ):
        send(channel)

    assert type(caught.value) is TemporaryFailure
    assert caught.value.code == code
    assert isinstance(caught.value.__cause__, OSError)


@pytest.mark.parametrize(
    ("security", "server_options"),
    [
        pytest.param(Security.STARTTLS, "tls_context", id="starttls"),
        pytest.param(Security.TLS, "ssl_context", id="implicit-tls"),
    ],
)
def test_message_goes_over_tls_when_configured(
    mailbox: Mailbox,
    certificate: tuple[Path, Path],
    security: Security,
    server_options: str,
) -> None:
    port = free_port()
    options: dict[str, Any] = {server_options: server_tls(certificate)}
    if security is Security.STARTTLS:
        options["require_starttls"] = True
    channel = make_channel(port, security=security, ssl_context=client_tls(certificate))
    with running_server(mailbox, port, **options), channel:
        send(channel)
        send(channel, message_id="delivery-0002")

    assert len(mailbox.received) == 2
    assert mailbox.connections == 1


def test_untrusted_certificate_is_a_temporary_failure(
    mailbox: Mailbox, certificate: tuple[Path, Path]
) -> None:
    port = free_port()
    trusting_nobody = ssl.create_default_context()
    channel = make_channel(port, security=Security.TLS, ssl_context=trusting_nobody)
    with (
        running_server(mailbox, port, ssl_context=server_tls(certificate)),
        channel,
        pytest.raises(TemporaryFailure) as caught,
    ):
        send(channel)

    assert caught.value.code == "tls-failed"
    assert mailbox.received == []


def test_starttls_required_but_not_offered_is_a_temporary_failure(
    port: int, mailbox: Mailbox
) -> None:
    with (
        make_channel(port, security=Security.STARTTLS) as channel,
        pytest.raises(TemporaryFailure) as caught,
    ):
        send(channel)

    assert caught.value.code == "server-unsupported"
    assert mailbox.received == []


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        pytest.param(PASSWORD, True, id="right-password-sends"),
        pytest.param("wrong", False, id="wrong-password-is-temporary"),
    ],
)
def test_login_uses_the_configured_credentials(
    mailbox: Mailbox, certificate: tuple[Path, Path], password: str, accepted: bool
) -> None:
    port = free_port()
    options = {
        "tls_context": server_tls(certificate),
        "authenticator": check_password,
        "auth_required": True,
    }
    channel = make_channel(
        port,
        security=Security.STARTTLS,
        ssl_context=client_tls(certificate),
        username=USER,
        password=password,
    )
    with running_server(mailbox, port, **options), channel:
        if accepted:
            send(channel)
        else:
            with pytest.raises(TemporaryFailure) as caught:
                send(channel)
            assert caught.value.code == "auth-failed"
            assert "535" in caught.value.reason

    assert len(mailbox.received) == (1 if accepted else 0)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"mail_from": "not an address"}, id="bad-mail-from"),
        pytest.param({"username": USER}, id="username-without-password"),
        pytest.param({"from_name": "BPBD\r\nBcc: x@y.example"}, id="from-name-crlf"),
        pytest.param({"security": "ssl"}, id="unknown-security"),
    ],
)
def test_bad_settings_are_refused_at_construction(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        make_channel(25, **settings)


REFERENCE_SECRET = "a-secret-key-for-bounce-references"
BOUNCE_ADDRESS = "bounces@kentongan.example"


def envelope_reference(address: str) -> str:
    """What follows the + in a VERP envelope sender."""
    return address.partition("@")[0].partition("+")[2]


def test_bounce_address_makes_a_signed_verp_envelope_sender(
    port: int, mailbox: Mailbox
) -> None:
    channel = make_channel(
        port, reference_secret=REFERENCE_SECRET, bounce_address=BOUNCE_ADDRESS
    )
    with channel:
        send(channel)
        send(channel)
        send(channel, message_id="delivery-0002")

    first, retry, other = mailbox.received
    reference = envelope_reference(first.mail_from)
    assert first.mail_from == f"bounces+{reference}@kentongan.example"
    assert read_reference(REFERENCE_SECRET, reference) == DELIVERY_ID
    assert first.message["X-Kentongan-Delivery"] == reference
    assert first.message["From"] == MAIL_FROM
    assert retry.mail_from == first.mail_from
    assert other.mail_from != first.mail_from
    other_reference = envelope_reference(other.mail_from)
    assert read_reference(REFERENCE_SECRET, other_reference) == "delivery-0002"


def test_without_bounce_address_the_reference_rides_only_in_a_header(
    port: int, mailbox: Mailbox
) -> None:
    with make_channel(port, reference_secret=REFERENCE_SECRET) as channel:
        send(channel)

    [received] = mailbox.received
    assert received.mail_from == MAIL_FROM
    reference = received.message["X-Kentongan-Delivery"]
    assert read_reference(REFERENCE_SECRET, reference) == DELIVERY_ID


def test_without_reference_secret_no_reference_is_written(
    channel: EmailChannel, mailbox: Mailbox
) -> None:
    send(channel)

    assert mailbox.received[0].message["X-Kentongan-Delivery"] is None
    assert mailbox.received[0].mail_from == MAIL_FROM


def test_delivery_id_too_long_for_a_reference_fails_before_connecting(
    port: int, mailbox: Mailbox
) -> None:
    with (
        make_channel(port, reference_secret=REFERENCE_SECRET) as channel,
        pytest.raises(PermanentFailure) as caught,
    ):
        send(channel, message_id="d" * 21)

    assert caught.value.code == "invalid-message-id"
    assert mailbox.connections == 0


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"bounce_address": BOUNCE_ADDRESS}, id="bounce-without-secret"),
        pytest.param(
            {"reference_secret": "s", "bounce_address": "b" * 27 + "@x.example"},
            id="bounce-local-part-leaving-no-room",
        ),
        pytest.param(
            {"reference_secret": "s", "bounce_address": "not an address"},
            id="bounce-address-not-an-address",
        ),
    ],
)
def test_bad_bounce_settings_are_refused_at_construction(
    settings: dict[str, Any],
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        make_channel(25, **settings)
