"""Web Push against a loopback push service that decrypts what it receives."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.channels.webpush import (
    MAX_PAYLOAD_BYTES,
    WebPushChannel,
    encode_payload,
    fit_payload,
    urgency_for,
)

SUBJECT = "mailto:ops@bpbd-jakarta.example"
PUSH_PATH = "/wpush/v2/gAAAAABk-resident-7"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Answer:
    """What the loopback push service answers to one request."""

    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the loopback push service saw it."""

    path: str
    headers: dict[str, str]
    body: bytes


class PushService(ThreadingHTTPServer):
    """A loopback push service answering each request from a script, in order."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Answer] = []
        self.received: list[Received] = []
        self.release = threading.Event()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def endpoint(self) -> str:
        return self.origin + PUSH_PATH

    def next_answer(self) -> Answer:
        return self.script.pop(0) if self.script else Answer()


class _Handler(BaseHTTPRequestHandler):
    server: PushService

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append(Received(self.path, headers, body))

        answer = self.server.next_answer()
        if answer.delay:
            self.server.release.wait(answer.delay)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # The client gave up waiting, as the timeout test intends.

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A browser's side of a subscription: its key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def keys(self) -> dict[str, str]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> bytes:
        plain: bytes = http_ece.decrypt(
            body,
            private_key=self.private_key,
            auth_secret=self.auth,
            version="aes128gcm",
        )
        return plain


@pytest.fixture
def push_service() -> Iterator[PushService]:
    server = PushService()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def vapid_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def subscriber() -> Subscriber:
    return Subscriber(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def make_channel(
    vapid_key: ec.EllipticCurvePrivateKey, **overrides: Any
) -> WebPushChannel:
    pem = vapid_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    options: dict[str, Any] = {"timeout": 2.0, "allow_insecure_endpoints": True}
    options.update(overrides)
    return WebPushChannel(pem, SUBJECT, **options)


def make_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "alert_id": "a-2026-0042",
        "headline": "Banjir: segera mengungsi",
        "description": "Air Sungai Ciliwung naik. Warga Kampung Melayu mengungsi.",
        "url": "https://kentongan.example/alerts/a-2026-0042",
    }
    payload.update(overrides)
    return payload


def send(
    channel: WebPushChannel,
    push_service: PushService,
    subscriber: Subscriber,
    payload: dict[str, Any] | None = None,
    **overrides: Any,
) -> Sent:
    arguments: dict[str, Any] = {"ttl_seconds": 3600, "urgency": "high"}
    arguments.update(overrides)
    return channel.send(
        push_service.endpoint,
        subscriber.keys,
        make_payload() if payload is None else payload,
        **arguments,
    )


def parse_vapid(header: str) -> tuple[str, str]:
    """The token and key of an ``Authorization: vapid t=…, k=…`` header."""
    scheme, _, rest = header.partition(" ")
    assert scheme.lower() == "vapid"
    parts = dict(part.strip().split("=", 1) for part in rest.split(",") if part.strip())
    return parts["t"], parts["k"]


def verified_claims(
    token: str, public_key: ec.EllipticCurvePublicKey
) -> dict[str, Any]:
    """The JWT's claims, after checking its ES256 signature with ``public_key``."""
    header_part, claims_part, signature_part = token.split(".")
    signature = unb64url(signature_part)
    assert len(signature) == 64
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key.verify(
        der, f"{header_part}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256())
    )
    assert json.loads(unb64url(header_part)) == {"typ": "JWT", "alg": "ES256"}
    claims: dict[str, Any] = json.loads(unb64url(claims_part))
    return claims


def test_payload_arrives_encrypted_and_decrypts_to_what_was_sent(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    payload = make_payload(headline="Gempa M6,1 — evakuasi ke tempat tinggi 🌊")

    send(make_channel(vapid_key), push_service, subscriber, payload)

    [request] = push_service.received
    assert request.path == PUSH_PATH
    assert request.headers["content-encoding"] == "aes128gcm"
    assert encode_payload(payload) not in request.body
    assert json.loads(subscriber.decrypt(request.body)) == payload


def test_vapid_token_is_signed_for_the_endpoint_origin(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    before = int(time.time())

    send(make_channel(vapid_key), push_service, subscriber)

    token, key = parse_vapid(push_service.received[0].headers["authorization"])
    public = vapid_key.public_key()
    assert unb64url(key) == public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    claims = verified_claims(token, public)
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == SUBJECT
    assert before < claims["exp"] <= before + 24 * 60 * 60


def test_vapid_token_from_another_key_fails_verification(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    send(make_channel(vapid_key), push_service, subscriber)

    token, _ = parse_vapid(push_service.received[0].headers["authorization"])
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(InvalidSignature):
        verified_claims(token, stranger)


def test_base64_raw_vapid_key_signs_like_its_pem(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    raw = vapid_key.private_numbers().private_value.to_bytes(32, "big")
    channel = WebPushChannel(b64url(raw), SUBJECT, allow_insecure_endpoints=True)

    send(channel, push_service, subscriber)

    token, _ = parse_vapid(push_service.received[0].headers["authorization"])
    assert verified_claims(token, vapid_key.public_key())["sub"] == SUBJECT


@pytest.mark.parametrize(
    ("ttl_seconds", "urgency", "topic", "expected"),
    [
        pytest.param(3600, "high", None, {"ttl": "3600", "urgency": "high"}, id="hour"),
        pytest.param(-90, "low", None, {"ttl": "0", "urgency": "low"}, id="expired"),
        pytest.param(
            60,
            "normal",
            "a-2026-0042",
            {"ttl": "60", "urgency": "normal", "topic": "a-2026-0042"},
            id="with-topic",
        ),
    ],
)
def test_ttl_urgency_and_topic_headers(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
    ttl_seconds: int,
    urgency: str,
    topic: str | None,
    expected: dict[str, str],
) -> None:
    send(
        make_channel(vapid_key),
        push_service,
        subscriber,
        ttl_seconds=ttl_seconds,
        urgency=urgency,
        topic=topic,
    )

    headers = push_service.received[0].headers
    assert {name: headers.get(name) for name in ("ttl", "urgency", "topic")} == {
        "topic": None,
        **expected,
    }


def test_location_header_becomes_the_provider_reference(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    location = push_service.origin + "/message/m-93"
    push_service.script.append(Answer(201, {"Location": location}))

    sent = send(make_channel(vapid_key), push_service, subscriber)

    assert sent == Sent(provider_reference=location)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(Answer(201), Sent(), id="created-is-sent"),
        pytest.param(Answer(202), Sent(), id="accepted-is-sent"),
        pytest.param(
            Answer(404), PermanentFailure("", code="subscription-gone"), id="404-gone"
        ),
        pytest.param(
            Answer(410), PermanentFailure("", code="subscription-gone"), id="410-gone"
        ),
        pytest.param(
            Answer(413), PermanentFailure("", code="payload-too-large"), id="413"
        ),
        pytest.param(
            Answer(403), PermanentFailure("", code="vapid-rejected"), id="403-vapid"
        ),
        pytest.param(Answer(400), PermanentFailure("", code="push-refused"), id="400"),
        pytest.param(
            Answer(429, {"Retry-After": "30"}),
            TemporaryFailure("", code="rate-limited", retry_after=30.0),
            id="429-honours-retry-after",
        ),
        pytest.param(
            Answer(503, {"Retry-After": "120"}),
            TemporaryFailure("", code="push-service-error", retry_after=120.0),
            id="503-honours-retry-after",
        ),
        pytest.param(
            Answer(500),
            TemporaryFailure("", code="push-service-error"),
            id="500-without-retry-after",
        ),
        pytest.param(
            Answer(201, delay=3.0),
            TemporaryFailure("", code="timeout"),
            id="slow-answer-times-out",
        ),
    ],
)
def test_push_service_answers_become_outcomes(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
    answer: Answer,
    expected: Sent | PermanentFailure | TemporaryFailure,
) -> None:
    push_service.script.append(answer)
    channel = make_channel(vapid_key, timeout=0.5)

    if isinstance(expected, Sent):
        assert send(channel, push_service, subscriber) == expected
        return
    with pytest.raises(type(expected)) as raised:
        send(channel, push_service, subscriber)
    assert raised.value.code == expected.code
    if isinstance(expected, TemporaryFailure):
        assert isinstance(raised.value, TemporaryFailure)
        assert raised.value.retry_after == expected.retry_after


def test_timeout_keeps_the_requests_error_as_cause(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    push_service.script.append(Answer(201, delay=3.0))

    with pytest.raises(TemporaryFailure) as raised:
        send(make_channel(vapid_key, timeout=0.3), push_service, subscriber)

    assert type(raised.value.__cause__).__module__.startswith("requests")


def test_refused_connection_is_temporary(
    vapid_key: ec.EllipticCurvePrivateKey, subscriber: Subscriber
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(TemporaryFailure) as raised:
        make_channel(vapid_key).send(
            f"http://127.0.0.1:{closed_port}{PUSH_PATH}",
            subscriber.keys,
            make_payload(),
            ttl_seconds=60,
            urgency="high",
        )

    assert raised.value.code == "connection-failed"


def test_http_endpoint_is_refused_unless_insecure_endpoints_are_allowed(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    channel = make_channel(vapid_key, allow_insecure_endpoints=False)

    with pytest.raises(PermanentFailure) as raised:
        send(channel, push_service, subscriber)

    assert raised.value.code == "insecure-endpoint"
    assert push_service.received == []


def test_payload_of_exactly_the_limit_is_sent(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    payload = make_payload(description="")
    padding = MAX_PAYLOAD_BYTES - len(encode_payload(payload))
    payload["description"] = "a" * padding
    assert len(encode_payload(payload)) == MAX_PAYLOAD_BYTES

    send(make_channel(vapid_key), push_service, subscriber, payload)

    assert json.loads(subscriber.decrypt(push_service.received[0].body)) == payload


def test_payload_one_byte_over_the_limit_is_refused_before_sending(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    payload = make_payload(description="")
    padding = MAX_PAYLOAD_BYTES - len(encode_payload(payload)) + 1
    payload["description"] = "a" * padding

    with pytest.raises(PermanentFailure) as raised:
        send(make_channel(vapid_key), push_service, subscriber, payload)

    assert raised.value.code == "payload-too-large"
    assert str(MAX_PAYLOAD_BYTES) in raised.value.reason
    assert push_service.received == []


def test_fit_payload_trims_the_description_to_the_limit() -> None:
    payload = make_payload(description="Hujan deras di hulu, air naik. " * 400)

    fitted = fit_payload(payload)

    size = len(encode_payload(fitted))
    assert MAX_PAYLOAD_BYTES - 4 <= size <= MAX_PAYLOAD_BYTES
    assert fitted["description"].endswith("…")
    assert payload["description"].startswith(fitted["description"][:-1])
    assert {k: v for k, v in fitted.items() if k != "description"} == {
        k: v for k, v in payload.items() if k != "description"
    }


def test_fit_payload_counts_bytes_not_characters() -> None:
    payload = make_payload(description="🌊" * 2000)

    fitted = fit_payload(payload)

    assert len(encode_payload(fitted)) <= MAX_PAYLOAD_BYTES
    assert len(fitted["description"]) < MAX_PAYLOAD_BYTES // 4


def test_fit_payload_leaves_a_small_payload_alone() -> None:
    payload = make_payload()

    assert fit_payload(payload) == payload


def test_fit_payload_refuses_when_other_fields_alone_are_too_large() -> None:
    payload = make_payload(headline="x" * MAX_PAYLOAD_BYTES)

    with pytest.raises(PermanentFailure) as raised:
        fit_payload(payload)

    assert raised.value.code == "payload-too-large"


def test_malformed_subscription_keys_are_a_permanent_failure(
    push_service: PushService, vapid_key: ec.EllipticCurvePrivateKey
) -> None:
    with pytest.raises(PermanentFailure) as raised:
        make_channel(vapid_key).send(
            push_service.endpoint,
            {"p256dh": b64url(b"\x04" + b"\x00" * 64), "auth": b64url(os.urandom(16))},
            make_payload(),
            ttl_seconds=60,
            urgency="high",
        )

    assert raised.value.code == "invalid-subscription"
    assert push_service.received == []


def test_unknown_urgency_is_refused(
    push_service: PushService,
    vapid_key: ec.EllipticCurvePrivateKey,
    subscriber: Subscriber,
) -> None:
    with pytest.raises(PermanentFailure) as raised:
        send(make_channel(vapid_key), push_service, subscriber, urgency="urgent")

    assert raised.value.code == "invalid-urgency"
    assert push_service.received == []


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param("ops@bpbd.example", id="bare-address"),
        pytest.param("http://bpbd.example/contact", id="plain-http"),
    ],
)
def test_vapid_subject_must_be_mailto_or_https(
    vapid_key: ec.EllipticCurvePrivateKey, subject: str
) -> None:
    with pytest.raises(ValueError, match="mailto"):
        WebPushChannel(b64url(os.urandom(32)), subject)


def test_vapid_key_on_another_curve_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()

    with pytest.raises(ValueError, match="P-256"):
        WebPushChannel(pem, SUBJECT)


@pytest.mark.parametrize(
    ("cap_urgency", "cap_severity", "expected"),
    [
        pytest.param("Immediate", "Minor", "high", id="immediate"),
        pytest.param("Future", "Extreme", "high", id="extreme"),
        pytest.param("Expected", "Moderate", "normal", id="expected"),
        pytest.param("Past", "Severe", "normal", id="severe"),
        pytest.param("Future", "Moderate", "low", id="future-moderate"),
        pytest.param("Unknown", "Unknown", "low", id="unknown"),
    ],
)
def test_urgency_for_cap_urgency_and_severity(
    cap_urgency: str, cap_severity: str, expected: str
) -> None:
    assert urgency_for(cap_urgency, cap_severity) == expected


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "[::1]", "localhost"])
def test_endpoint_on_a_private_address_is_refused_before_sending(
    vapid_key: ec.EllipticCurvePrivateKey, subscriber: Subscriber, host: str
) -> None:
    channel = make_channel(vapid_key, allow_insecure_endpoints=False)

    with pytest.raises(PermanentFailure) as raised:
        channel.send(
            f"https://{host}:8443{PUSH_PATH}",
            subscriber.keys,
            make_payload(),
            ttl_seconds=60,
            urgency="high",
        )

    assert raised.value.code == "address-not-allowed"
