"""Webhook channel against a real HTTP server on loopback, and its signatures."""

from __future__ import annotations

import base64
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509

from gateway.channels.base import (
    ChannelError,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from gateway.channels.webhook import (
    WebhookChannel,
    decode_secret,
    is_public_address,
    parse_retry_after,
    sign,
    verify,
)
from tests.channels.certificates import write_self_signed
from tests.loopback import Answer as LoopbackAnswer
from tests.loopback import loopback_server

KEY = b"kentongan webhook test key 32 b!"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
CAP_XML = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>'
MESSAGE_ID = "delivery-0001"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the loopback endpoint answers on one path."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the loopback endpoint saw it."""

    path: str
    headers: dict[str, str]
    body: bytes


class Endpoint(ThreadingHTTPServer):
    """A loopback HTTP server that records requests and answers from a script."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: dict[str, Answer] = {}
        self.received: list[Received] = []
        self.release = threading.Event()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.received.append(Received(self.path, dict(self.headers), body))
        self._answer(self.server.answers.get(self.path, Answer()))

    def _answer(self, answer: Answer) -> None:
        if answer.delay:
            self.server.release.wait(answer.delay)
        if answer.raw is not None:
            self.wfile.write(answer.raw)
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running(server: Endpoint) -> Iterator[Endpoint]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    with running(Endpoint()) as server:
        yield server


def make_channel(**overrides: object) -> WebhookChannel:
    settings: dict[str, object] = {
        "timeout": 2.0,
        "allow_private_addresses": True,
        "user_agent": "Kentongan-test",
    }
    settings.update(overrides)
    return WebhookChannel(**settings)  # type: ignore[arg-type]


def send_to(endpoint: Endpoint, path: str = "/hook", **settings: object) -> Sent:
    channel = make_channel(**settings)
    return channel.send(endpoint.url(path), SECRET, CAP_XML, MESSAGE_ID)


# Signing


def test_signature_matches_the_published_standard_webhooks_vector() -> None:
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_whsec_secret_is_base64_decoded_into_the_key() -> None:
    assert decode_secret(SECRET) == KEY
    assert sign(SECRET, "id", 1, b"body") == sign(KEY, "id", 1, b"body")
    assert sign(SECRET, "id", 1, b"body") != sign(SECRET.encode(), "id", 1, b"body")


def test_secret_without_prefix_is_used_as_its_utf8_bytes() -> None:
    assert decode_secret("rahasia") == b"rahasia"


def test_whsec_secret_that_is_not_base64_is_rejected() -> None:
    with pytest.raises(ValueError, match="base64"):
        decode_secret("whsec_not*base64!")


def test_send_with_a_malformed_secret_is_a_permanent_failure(
    endpoint: Endpoint,
) -> None:
    channel = make_channel()

    with pytest.raises(PermanentFailure) as failure:
        channel.send(endpoint.url("/hook"), "whsec_%%%", CAP_XML, MESSAGE_ID)

    assert failure.value.code == "invalid-secret"
    assert endpoint.received == []


NOW = 1_800_000_000
GENUINE = sign(SECRET, MESSAGE_ID, NOW, CAP_XML)


def signed_headers(**overrides: str) -> dict[str, str]:
    headers = {
        "webhook-id": MESSAGE_ID,
        "webhook-timestamp": str(NOW),
        "webhook-signature": GENUINE,
    }
    headers.update(overrides)
    return headers


@pytest.mark.parametrize(
    ("headers", "body", "secret", "valid"),
    [
        pytest.param(signed_headers(), CAP_XML, SECRET, True, id="genuine"),
        pytest.param(
            {k.title(): v for k, v in signed_headers().items()},
            CAP_XML,
            SECRET,
            True,
            id="header-names-in-other-case",
        ),
        pytest.param(
            signed_headers(**{"webhook-signature": "v1,bm9wZQ== " + GENUINE}),
            CAP_XML,
            SECRET,
            True,
            id="one-of-several-signatures-matches",
        ),
        pytest.param(
            signed_headers(), CAP_XML + b" ", SECRET, False, id="tampered-body"
        ),
        pytest.param(
            signed_headers(), CAP_XML, "other-secret", False, id="wrong-secret"
        ),
        pytest.param(
            signed_headers(**{"webhook-id": "delivery-0002"}),
            CAP_XML,
            SECRET,
            False,
            id="other-message-id",
        ),
        pytest.param(
            signed_headers(**{"webhook-timestamp": str(NOW - 301)}),
            CAP_XML,
            SECRET,
            False,
            id="timestamp-too-old",
        ),
        pytest.param(
            signed_headers(**{"webhook-timestamp": str(NOW + 301)}),
            CAP_XML,
            SECRET,
            False,
            id="timestamp-too-far-ahead",
        ),
        pytest.param(
            signed_headers(**{"webhook-timestamp": "soon"}),
            CAP_XML,
            SECRET,
            False,
            id="timestamp-not-a-number",
        ),
        pytest.param(
            signed_headers(**{"webhook-signature": GENUINE.replace("v1,", "v2,")}),
            CAP_XML,
            SECRET,
            False,
            id="unknown-signature-version",
        ),
        pytest.param(
            {"webhook-id": MESSAGE_ID, "webhook-timestamp": str(NOW)},
            CAP_XML,
            SECRET,
            False,
            id="signature-header-missing",
        ),
    ],
)
def test_verify(headers: dict[str, str], body: bytes, secret: str, valid: bool) -> None:
    assert verify(secret, headers, body, now=NOW) is valid


def test_timestamp_just_inside_the_tolerance_is_accepted() -> None:
    headers = signed_headers()

    assert verify(SECRET, headers, CAP_XML, now=NOW + 300)
    assert not verify(SECRET, headers, CAP_XML, now=NOW + 300, tolerance=299)


# Delivery to a real endpoint


def test_endpoint_receives_the_cap_xml_signed(endpoint: Endpoint) -> None:
    before = int(time.time())

    outcome = send_to(endpoint)

    assert outcome == Sent(provider_reference=None)
    [request] = endpoint.received
    assert request.path == "/hook"
    assert request.body == CAP_XML
    assert request.headers["Content-Type"] == "application/cap+xml"
    assert request.headers["User-Agent"] == "Kentongan-test"
    assert request.headers["webhook-id"] == MESSAGE_ID
    assert before <= int(request.headers["webhook-timestamp"]) <= int(time.time())
    assert verify(SECRET, request.headers, request.body)
    other_secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert not verify(other_secret, request.headers, request.body)


def test_retries_keep_the_webhook_id(endpoint: Endpoint) -> None:
    send_to(endpoint)
    send_to(endpoint)

    ids = [request.headers["webhook-id"] for request in endpoint.received]
    assert ids == [MESSAGE_ID, MESSAGE_ID]


def test_host_name_is_sent_in_the_host_header(endpoint: Endpoint) -> None:
    port = endpoint.server_address[1]
    channel = make_channel()

    channel.send(endpoint.url("/hook", host="localhost"), SECRET, CAP_XML, MESSAGE_ID)

    [request] = endpoint.received
    assert request.headers["Host"] == f"localhost:{port}"


@pytest.mark.parametrize(
    ("answer", "failure", "code", "retry_after"),
    [
        pytest.param(Answer(200), None, None, None, id="200-is-sent"),
        pytest.param(Answer(202), None, None, None, id="202-is-sent"),
        pytest.param(
            Answer(410), PermanentFailure, "endpoint-gone", None, id="410-disables"
        ),
        pytest.param(
            Answer(429, {"Retry-After": "7"}),
            TemporaryFailure,
            "rate-limited",
            7.0,
            id="429-retry-after-seconds",
        ),
        pytest.param(
            Answer(500), TemporaryFailure, "endpoint-error", None, id="500-is-retried"
        ),
        pytest.param(
            Answer(404), PermanentFailure, "endpoint-refused", None, id="404-is-final"
        ),
        pytest.param(
            Answer(401), PermanentFailure, "endpoint-refused", None, id="401-is-final"
        ),
        pytest.param(
            Answer(delay=5),
            TemporaryFailure,
            "timeout",
            None,
            id="slow-answer-times-out",
        ),
        pytest.param(
            Answer(raw=b"not http at all\r\n\r\n"),
            TemporaryFailure,
            "connection-failed",
            None,
            id="garbled-answer-is-retried",
        ),
    ],
)
def test_outcome(
    endpoint: Endpoint,
    answer: Answer,
    failure: type[ChannelError] | None,
    code: str | None,
    retry_after: float | None,
) -> None:
    endpoint.answers["/hook"] = answer

    if failure is None:
        assert send_to(endpoint, timeout=0.5) == Sent()
        return
    with pytest.raises(failure) as raised:
        send_to(endpoint, timeout=0.5)

    assert raised.value.code == code
    assert getattr(raised.value, "retry_after", None) == retry_after


def test_retry_after_as_an_http_date_is_honoured(endpoint: Endpoint) -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    endpoint.answers["/hook"] = Answer(
        503, {"Retry-After": format_datetime(later, usegmt=True)}
    )

    with pytest.raises(TemporaryFailure) as failure:
        send_to(endpoint)

    assert failure.value.code == "endpoint-error"
    assert failure.value.retry_after is not None
    assert 110 <= failure.value.retry_after <= 120


def test_redirect_is_not_followed(endpoint: Endpoint) -> None:
    endpoint.answers["/old"] = Answer(302, {"Location": endpoint.url("/new")})

    with pytest.raises(PermanentFailure) as failure:
        send_to(endpoint, "/old")

    assert failure.value.code == "redirect-not-followed"
    assert "Configure the final URL" in failure.value.reason
    assert [request.path for request in endpoint.received] == ["/old"]


def test_closed_port_is_a_temporary_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = make_channel()

    with pytest.raises(TemporaryFailure) as failure:
        channel.send(f"http://127.0.0.1:{port}/hook", SECRET, CAP_XML, MESSAGE_ID)

    assert failure.value.code == "connection-failed"
    assert failure.value.__cause__ is not None


# Address safety


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_reachable_only_when_allowed(endpoint: Endpoint, host: str) -> None:
    url = endpoint.url("/hook", host=host)

    with pytest.raises(PermanentFailure) as failure:
        WebhookChannel().send(url, SECRET, CAP_XML, MESSAGE_ID)
    refused = list(endpoint.received)
    outcome = make_channel(allow_private_addresses=True).send(
        url, SECRET, CAP_XML, MESSAGE_ID
    )

    assert failure.value.code == "address-not-allowed"
    assert refused == []
    assert outcome == Sent()
    assert len(endpoint.received) == 1


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://127.0.0.1/hook", id="ftp"),
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("http:///no-host", id="no-host"),
        pytest.param("http://127.0.0.1:99999/hook", id="port-out-of-range"),
        pytest.param("http://user:pass@127.0.0.1/hook", id="credentials-in-url"),
    ],
)
def test_unusable_url_is_refused(url: str) -> None:
    with pytest.raises(PermanentFailure) as failure:
        make_channel().send(url, SECRET, CAP_XML, MESSAGE_ID)

    assert failure.value.code == "invalid-url"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        pytest.param("10.1.2.3", False, id="ipv4-private-10"),
        pytest.param("172.16.0.1", False, id="ipv4-private-172"),
        pytest.param("192.168.1.1", False, id="ipv4-private-192"),
        pytest.param("100.64.0.1", False, id="ipv4-carrier-grade-nat"),
        pytest.param("127.0.0.1", False, id="ipv4-loopback"),
        pytest.param("169.254.169.254", False, id="ipv4-link-local-metadata"),
        pytest.param("224.0.0.1", False, id="ipv4-multicast"),
        pytest.param("240.0.0.1", False, id="ipv4-reserved"),
        pytest.param("0.0.0.0", False, id="ipv4-unspecified"),
        pytest.param("::1", False, id="ipv6-loopback"),
        pytest.param("::", False, id="ipv6-unspecified"),
        pytest.param("fe80::1", False, id="ipv6-link-local"),
        pytest.param("fd00::1", False, id="ipv6-unique-local"),
        pytest.param("ff02::1", False, id="ipv6-multicast"),
        pytest.param("::ffff:127.0.0.1", False, id="ipv4-mapped-loopback"),
        pytest.param("::ffff:10.0.0.1", False, id="ipv4-mapped-private"),
        pytest.param("2002:7f00:1::", False, id="6to4-of-loopback"),
        pytest.param("8.8.8.8", True, id="ipv4-public"),
        pytest.param("::ffff:8.8.8.8", True, id="ipv4-mapped-public"),
        pytest.param("2606:4700:4700::1111", True, id="ipv6-public"),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


# Retry-After

FIXED_NOW = datetime(2026, 12, 4, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("120", 120.0, id="delay-seconds"),
        pytest.param(" 5 ", 5.0, id="delay-seconds-with-spaces"),
        pytest.param("Fri, 04 Dec 2026 01:01:30 GMT", 90.0, id="http-date-ahead"),
        pytest.param("Fri, 04 Dec 2026 00:59:00 GMT", 0.0, id="http-date-past"),
        pytest.param("-3", None, id="negative"),
        pytest.param("soon", None, id="garbage"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=FIXED_NOW) == seconds


# HTTPS: the checked address is dialled, the certificate checked for the name


def write_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    return write_self_signed(directory, name, x509.DNSName(name))


@pytest.fixture
def tls_endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    """A loopback endpoint behind TLS with a certificate for ``localhost``."""
    cert_path, key_path = write_certificate(tmp_path, "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    server = Endpoint()
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with running(server):
        yield server


def test_https_checks_the_certificate_for_the_host_name(
    tls_endpoint: Endpoint, tmp_path: Path
) -> None:
    port = tls_endpoint.server_address[1]
    channel = make_channel(ca_bundle=str(tmp_path / "localhost.pem"))

    outcome = channel.send(
        f"https://localhost:{port}/hook", SECRET, CAP_XML, MESSAGE_ID
    )

    [request] = tls_endpoint.received
    assert outcome == Sent()
    assert request.headers["Host"] == f"localhost:{port}"
    assert verify(SECRET, request.headers, request.body)


def test_https_certificate_for_another_name_is_refused(
    tls_endpoint: Endpoint, tmp_path: Path
) -> None:
    port = tls_endpoint.server_address[1]
    channel = make_channel(ca_bundle=str(tmp_path / "localhost.pem"))

    with pytest.raises(TemporaryFailure) as failure:
        channel.send(f"https://127.0.0.1:{port}/hook", SECRET, CAP_XML, MESSAGE_ID)

    assert failure.value.code == "tls-failed"
    assert tls_endpoint.received == []


def test_sends_to_one_endpoint_reuse_its_connection() -> None:
    channel = make_channel()
    with loopback_server() as server:
        for _ in range(3):
            channel.send(server.url("/hook"), SECRET, CAP_XML, MESSAGE_ID)

        ports = {request.client_port for request in server.received}
    assert len(server.received) == 3
    assert len(ports) == 1


def test_a_long_answer_does_not_keep_its_connection() -> None:
    channel = make_channel()
    long_answer = LoopbackAnswer(200, {}, b"x" * (200 * 1024))
    with loopback_server(long_answer) as server:
        for _ in range(2):
            channel.send(server.url("/hook"), SECRET, CAP_XML, MESSAGE_ID)

        ports = {request.client_port for request in server.received}
    assert len(ports) == 2
