"""SMS providers against loopback servers standing in for Kannel and an API."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit

import pytest

from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.channels.sms import (
    HttpJsonSms,
    KannelSms,
    ReceiptError,
    ReceiptState,
    SmsReceipt,
    idempotency_key,
    kannel_dlr_url,
    parse_http_json_receipt,
    parse_kannel_receipt,
)

TO = "+6281234567890"
DELIVERY_ID = "4711"
GSM_TEXT = "Banjir di Kampung Melayu. Segera mengungsi ke {posko} 3!"
UCS2_TEXT = "Gempa M6,1 — evakuasi ke tempat tinggi 🌊"
RECEIPT_URL = "https://kentongan.example/receipts/kannel"
PASSWORD = "rahasia-kannel"
ACCEPTED = b"0: Accepted for delivery"
QUEUED = b"3: Queued for later delivery"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the loopback provider answers to one request."""

    status: int = 202
    body: bytes = ACCEPTED
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the loopback provider saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def fields(self) -> dict[str, bytes]:
        """The query's fields, each value as the bytes that were sent."""
        pairs = (pair.partition("=") for pair in self.query.split("&") if pair)
        return {name: unquote_to_bytes(value) for name, _, value in pairs}


class Provider(ThreadingHTTPServer):
    """A loopback HTTP server answering each request from a script, in order."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Answer] = []
        self.received: list[Received] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/sendsms"

    def answer_with(self, *answers: Answer) -> None:
        self.script.extend(answers)


class _Handler(BaseHTTPRequestHandler):
    server: Provider

    def do_GET(self) -> None:
        self._record_and_answer()

    def do_POST(self) -> None:
        self._record_and_answer()

    def _record_and_answer(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        target = urlsplit(self.path)
        self.server.received.append(
            Received(
                self.command,
                target.path,
                target.query,
                dict(self.headers),
                self.rfile.read(length),
            )
        )
        answer = self.server.script.pop(0) if self.server.script else Answer()
        if answer.delay:
            self.server.release.wait(answer.delay)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def make_kannel(provider: Provider, **overrides: Any) -> KannelSms:
    settings: dict[str, Any] = {
        "username": "kentongan",
        "password": PASSWORD,
        "receipt_url": RECEIPT_URL,
        "sender": "BPBD-DKI",
        "timeout": 2.0,
    }
    settings.update(overrides)
    return KannelSms(provider.url, **settings)


def make_http_json(provider: Provider, **overrides: Any) -> HttpJsonSms:
    settings: dict[str, Any] = {"token": "sms-token", "timeout": 2.0}
    settings.update(overrides)
    return HttpJsonSms(provider.url, **settings)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# Kannel: what goes on the wire


def test_kannel_post_carries_gsm_text_and_fields_in_kannel_headers(
    provider: Provider,
) -> None:
    sent = make_kannel(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert sent == Sent(provider_reference=None)
    [request] = provider.received
    assert request.method == "POST"
    assert request.path == "/cgi-bin/sendsms"
    assert request.headers["X-Kannel-Username"] == "kentongan"
    assert request.headers["X-Kannel-Password"] == PASSWORD
    assert request.headers["X-Kannel-From"] == "BPBD-DKI"
    assert request.headers["X-Kannel-To"] == TO
    assert request.headers["X-Kannel-Coding"] == "0"
    assert request.headers["X-Kannel-DLR-Mask"] == "31"
    assert request.headers["X-Kannel-DLR-Url"] == (
        f"{RECEIPT_URL}?delivery_id={DELIVERY_ID}&type=%d&reply=%A"
    )
    assert request.headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert request.body == GSM_TEXT.encode()
    assert PASSWORD not in request.query


def test_kannel_post_sends_ucs2_text_as_utf16be_with_coding_2(
    provider: Provider,
) -> None:
    make_kannel(provider).send(TO, UCS2_TEXT, DELIVERY_ID)

    [request] = provider.received
    assert request.headers["X-Kannel-Coding"] == "2"
    assert request.headers["Content-Type"] == "text/plain; charset=UTF-16BE"
    assert request.body == UCS2_TEXT.encode("utf-16-be")


@pytest.mark.parametrize(
    ("text", "charset", "coding"),
    [
        pytest.param(GSM_TEXT, "UTF-8", b"0", id="gsm7-as-utf8-coding-0"),
        pytest.param(UCS2_TEXT, "UTF-16BE", b"2", id="ucs2-as-utf16be-coding-2"),
    ],
)
def test_kannel_get_puts_every_field_in_the_query(
    provider: Provider, text: str, charset: str, coding: bytes
) -> None:
    make_kannel(provider, method="GET", smsc="telkomsel").send(TO, text, "d-9")

    [request] = provider.received
    assert request.method == "GET"
    assert request.fields() == {
        "username": b"kentongan",
        "password": PASSWORD.encode(),
        "from": b"BPBD-DKI",
        "to": TO.encode(),
        "smsc": b"telkomsel",
        "charset": charset.encode(),
        "coding": coding,
        "dlr-mask": b"31",
        "dlr-url": f"{RECEIPT_URL}?delivery_id=d-9&type=%d&reply=%A".encode(),
        "text": text.encode(charset),
    }


def test_kannel_without_sender_leaves_from_to_kannels_default(
    provider: Provider,
) -> None:
    make_kannel(provider, method="GET", sender=None).send(TO, GSM_TEXT, DELIVERY_ID)

    [request] = provider.received
    assert "from" not in request.fields()
    assert "to" in request.fields()


def test_receipt_url_with_a_query_gets_the_delivery_id_appended() -> None:
    url = kannel_dlr_url("https://gw.example/receipts/kannel?token=abc", "17")

    assert url == (
        "https://gw.example/receipts/kannel?token=abc&delivery_id=17&type=%d&reply=%A"
    )


def test_dlr_url_sent_to_kannel_parses_back_into_a_receipt(
    provider: Provider,
) -> None:
    make_kannel(provider).send(TO, GSM_TEXT, "row-123")
    dlr_url = provider.received[0].headers["X-Kannel-DLR-Url"]

    fetched = dlr_url.replace("%d", "1").replace("%A", "id%3A7%20stat%3ADELIVRD")
    query = dict(parse_qsl(urlsplit(fetched).query))

    receipt = parse_kannel_receipt(query)
    assert receipt.delivery_id == "row-123"
    assert receipt.state is ReceiptState.DELIVERED
    assert receipt.reason is not None
    assert "stat:DELIVRD" in receipt.reason


# Kannel: how its answers are mapped


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(Answer(202, ACCEPTED), id="202-accepted-for-delivery"),
        pytest.param(Answer(202, QUEUED), id="202-queued-for-later-delivery"),
    ],
)
def test_kannel_accepted_or_queued_is_sent(provider: Provider, answer: Answer) -> None:
    provider.answer_with(answer)

    assert make_kannel(provider).send(TO, GSM_TEXT, DELIVERY_ID) == Sent(None)


@pytest.mark.parametrize(
    ("answer", "code", "quoted"),
    [
        pytest.param(
            Answer(403, b"Authorization failed for sendsms"),
            "provider-auth-failed",
            "Authorization failed for sendsms",
            id="403-authorization-failed",
        ),
        pytest.param(
            Answer(400, b"Missing receiver number, rejected"),
            "provider-refused",
            "Missing receiver number, rejected",
            id="400-bad-parameter",
        ),
        pytest.param(
            Answer(403, b"Number(s) has/have been denied."),
            "provider-refused",
            "Number(s) has/have been denied.",
            id="403-number-denied-is-not-an-auth-error",
        ),
    ],
)
def test_kannel_refusals_are_permanent_and_quote_kannel(
    provider: Provider, answer: Answer, code: str, quoted: str
) -> None:
    provider.answer_with(answer)

    with pytest.raises(PermanentFailure) as failure:
        make_kannel(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == code
    assert quoted in failure.value.reason


@pytest.mark.parametrize(
    ("answer", "code", "retry_after"),
    [
        pytest.param(
            Answer(503, b"4: Temporal failure, try again later."),
            "provider-unavailable",
            None,
            id="503-temporal-failure",
        ),
        pytest.param(
            Answer(503, b"Sending failed.", {"Retry-After": "30"}),
            "provider-unavailable",
            30.0,
            id="503-with-retry-after",
        ),
        pytest.param(
            Answer(500, b"Internal error"),
            "provider-unavailable",
            None,
            id="500-internal-error",
        ),
    ],
)
def test_kannel_unavailable_is_temporary(
    provider: Provider, answer: Answer, code: str, retry_after: float | None
) -> None:
    provider.answer_with(answer)

    with pytest.raises(TemporaryFailure) as failure:
        make_kannel(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == code
    assert failure.value.retry_after == retry_after


def test_kannel_slow_answer_is_a_temporary_timeout_without_the_password(
    provider: Provider,
) -> None:
    provider.answer_with(Answer(delay=2.0))
    kannel = make_kannel(provider, method="GET", timeout=0.2)

    with pytest.raises(TemporaryFailure) as failure:
        kannel.send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == "timeout"
    assert PASSWORD not in failure.value.reason
    assert len(provider.received) == 1


def test_kannel_unreachable_is_a_temporary_connection_failure() -> None:
    kannel = KannelSms(
        f"http://127.0.0.1:{unused_port()}/cgi-bin/sendsms",
        username="kentongan",
        password=PASSWORD,
        receipt_url=RECEIPT_URL,
        method="GET",
        timeout=2.0,
    )

    with pytest.raises(TemporaryFailure) as failure:
        kannel.send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == "connection-failed"
    assert PASSWORD not in failure.value.reason
    assert isinstance(failure.value.__cause__, Exception)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        pytest.param("sender", "BPBD–DKI", id="non-ascii-sender"),
        pytest.param("password", "kata\r\nsandi", id="password-with-line-break"),
        pytest.param("receipt_url", "https://gw.example/tanda-terima/ü", id="url"),
    ],
)
def test_kannel_post_refuses_settings_that_cannot_be_headers(
    provider: Provider, setting: str, value: str
) -> None:
    with pytest.raises(ValueError, match=setting):
        make_kannel(provider, **{setting: value})


def test_kannel_get_takes_non_ascii_sender_in_the_query(provider: Provider) -> None:
    make_kannel(provider, method="GET", sender="BPBD–DKI").send(TO, GSM_TEXT, "1")

    assert provider.received[0].fields()["from"] == "BPBD–DKI".encode()


def test_http_json_refuses_a_token_that_cannot_be_a_header() -> None:
    with pytest.raises(ValueError, match="token"):
        HttpJsonSms("http://127.0.0.1:9/sms", token="tok\nen")


# Both providers: refusals before any request


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("081234567890", id="national-format"),
        pytest.param("6281234567890", id="missing-plus"),
        pytest.param("+62 812 3456 7890", id="with-spaces"),
        pytest.param("+0812345678", id="country-code-starting-with-0"),
        pytest.param("+6281234567890123", id="longer-than-15-digits"),
        pytest.param("+62812345678\n", id="trailing-newline"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("make", [make_kannel, make_http_json], ids=["kannel", "json"])
def test_number_not_in_e164_is_refused_before_any_request(
    provider: Provider, make: Any, number: str
) -> None:
    with pytest.raises(PermanentFailure) as failure:
        make(provider).send(number, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == "invalid-number"
    assert provider.received == []


@pytest.mark.parametrize(
    ("text", "delivery_id", "code"),
    [
        pytest.param("", DELIVERY_ID, "empty-text", id="empty-text"),
        pytest.param(GSM_TEXT, "a&type=1", "invalid-delivery-id", id="url-unsafe-id"),
        pytest.param(GSM_TEXT, "", "invalid-delivery-id", id="empty-id"),
    ],
)
def test_unsendable_message_is_refused_before_any_request(
    provider: Provider, text: str, delivery_id: str, code: str
) -> None:
    with pytest.raises(PermanentFailure) as failure:
        make_kannel(provider).send(TO, text, delivery_id)

    assert failure.value.code == code
    assert provider.received == []


# http-json: what goes on the wire


def test_http_json_posts_to_text_and_reference_with_idempotency_key(
    provider: Provider,
) -> None:
    provider.answer_with(Answer(201, b'{"id": "msg-77"}'))

    sent = make_http_json(provider).send(TO, UCS2_TEXT, DELIVERY_ID)

    assert sent == Sent(provider_reference="msg-77")
    [request] = provider.received
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Bearer sms-token"
    assert request.headers["Idempotency-Key"] == idempotency_key(DELIVERY_ID)
    assert json.loads(request.body) == {
        "to": TO,
        "text": UCS2_TEXT,
        "reference": DELIVERY_ID,
    }


def test_http_json_without_token_sends_no_authorization(provider: Provider) -> None:
    make_http_json(provider, token=None).send(TO, GSM_TEXT, DELIVERY_ID)

    assert "Authorization" not in provider.received[0].headers


def test_idempotency_key_is_stable_across_retries_and_unique_per_delivery(
    provider: Provider,
) -> None:
    provider.answer_with(Answer(503, b""), Answer(202, b""))
    sms = make_http_json(provider)

    with pytest.raises(TemporaryFailure):
        sms.send(TO, GSM_TEXT, DELIVERY_ID)
    sms.send(TO, GSM_TEXT, DELIVERY_ID)
    sms.send(TO, GSM_TEXT, "4712")

    first, retry, other = (r.headers["Idempotency-Key"] for r in provider.received)
    assert first == retry
    assert other != first


@pytest.mark.parametrize(
    ("answer", "reference"),
    [
        pytest.param(Answer(200, b'{"id": "abc"}'), "abc", id="200-with-string-id"),
        pytest.param(Answer(202, b'{"id": 981}'), "981", id="202-with-numeric-id"),
        pytest.param(Answer(202, b'{"queued": true}'), None, id="json-without-id"),
        pytest.param(Answer(204, b""), None, id="204-no-content"),
        pytest.param(Answer(200, b"OK"), None, id="200-plain-text"),
        pytest.param(Answer(200, b'["abc"]'), None, id="200-json-array"),
    ],
)
def test_http_json_any_2xx_is_sent(
    provider: Provider, answer: Answer, reference: str | None
) -> None:
    provider.answer_with(answer)

    sent = make_http_json(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert sent == Sent(provider_reference=reference)


# http-json: how its answers are mapped


@pytest.mark.parametrize(
    ("answer", "code", "retry_after"),
    [
        pytest.param(
            Answer(429, b"", {"Retry-After": "7"}),
            "rate-limited",
            7.0,
            id="429-retry-after-seconds",
        ),
        pytest.param(
            Answer(429, b"", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
            "rate-limited",
            0.0,
            id="429-retry-after-past-date",
        ),
        pytest.param(Answer(500, b""), "provider-unavailable", None, id="500"),
        pytest.param(
            Answer(503, b"", {"Retry-After": "120"}),
            "provider-unavailable",
            120.0,
            id="503-retry-after",
        ),
    ],
)
def test_http_json_overload_is_temporary_and_honours_retry_after(
    provider: Provider, answer: Answer, code: str, retry_after: float | None
) -> None:
    provider.answer_with(answer)

    with pytest.raises(TemporaryFailure) as failure:
        make_http_json(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == code
    assert failure.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        pytest.param(Answer(400, b"unknown field"), "provider-refused", id="400"),
        pytest.param(Answer(401, b"bad token"), "provider-auth-failed", id="401"),
        pytest.param(Answer(403, b"forbidden"), "provider-auth-failed", id="403"),
        pytest.param(Answer(422, b"number barred"), "provider-refused", id="422"),
        pytest.param(
            Answer(302, b"", {"Location": "/elsewhere"}),
            "provider-refused",
            id="302-redirect-not-followed",
        ),
    ],
)
def test_http_json_other_answers_are_permanent(
    provider: Provider, answer: Answer, code: str
) -> None:
    provider.answer_with(answer)

    with pytest.raises(PermanentFailure) as failure:
        make_http_json(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == code
    assert str(answer.status) in failure.value.reason
    assert len(provider.received) == 1


def test_http_json_refusal_quotes_the_provider(provider: Provider) -> None:
    provider.answer_with(Answer(422, b"number barred by operator\nmore detail"))

    with pytest.raises(PermanentFailure) as failure:
        make_http_json(provider).send(TO, GSM_TEXT, DELIVERY_ID)

    assert "number barred by operator" in failure.value.reason
    assert "more detail" not in failure.value.reason


def test_http_json_slow_answer_is_a_temporary_timeout(provider: Provider) -> None:
    provider.answer_with(Answer(delay=2.0))

    with pytest.raises(TemporaryFailure) as failure:
        make_http_json(provider, timeout=0.2).send(TO, GSM_TEXT, DELIVERY_ID)

    assert failure.value.code == "timeout"


# Receipts


@pytest.mark.parametrize(
    ("kind", "state", "meaning"),
    [
        pytest.param("1", ReceiptState.DELIVERED, "Delivered", id="1-delivered"),
        pytest.param("2", ReceiptState.FAILED, "could not deliver", id="2-failed"),
        pytest.param("4", None, "Buffered", id="4-buffered-is-intermediate"),
        pytest.param("8", None, "Submitted", id="8-submitted-is-intermediate"),
        pytest.param("16", ReceiptState.FAILED, "rejected", id="16-smsc-rejected"),
    ],
)
def test_kannel_receipt_types_map_to_final_states(
    kind: str, state: ReceiptState | None, meaning: str
) -> None:
    receipt = parse_kannel_receipt({"delivery_id": "55", "type": kind, "reply": ""})

    assert receipt.delivery_id == "55"
    assert receipt.state is state
    assert receipt.reason is not None
    assert meaning in receipt.reason


def test_kannel_receipt_reason_carries_the_smsc_reply() -> None:
    receipt = parse_kannel_receipt(
        {"delivery_id": "55", "type": "2", "reply": "id:9 stat:UNDELIV err:001"}
    )

    assert receipt.reason is not None
    assert receipt.reason.endswith("SMSC reply: id:9 stat:UNDELIV err:001")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        pytest.param({"type": "1"}, "receipt-without-reference", id="no-delivery-id"),
        pytest.param(
            {"delivery_id": "a b", "type": "1"},
            "receipt-without-reference",
            id="malformed-delivery-id",
        ),
        pytest.param({"delivery_id": "55"}, "receipt-unknown-status", id="no-type"),
        pytest.param(
            {"delivery_id": "55", "type": "%d"},
            "receipt-unknown-status",
            id="placeholder-not-substituted",
        ),
        pytest.param(
            {"delivery_id": "55", "type": "3"},
            "receipt-unknown-status",
            id="type-not-a-single-bit",
        ),
    ],
)
def test_unreadable_kannel_receipt_is_refused(query: dict[str, str], code: str) -> None:
    with pytest.raises(ReceiptError) as error:
        parse_kannel_receipt(query)

    assert error.value.code == code


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            {"reference": "55", "status": "delivered"},
            SmsReceipt("55", ReceiptState.DELIVERED),
            id="delivered",
        ),
        pytest.param(
            {"reference": "55", "status": "failed", "error": "absent subscriber"},
            SmsReceipt("55", ReceiptState.FAILED, "absent subscriber"),
            id="failed-with-error",
        ),
        pytest.param(
            '{"reference": "55", "status": "delivered"}',
            SmsReceipt("55", ReceiptState.DELIVERED),
            id="json-text",
        ),
        pytest.param(
            b'{"reference": "55", "status": "failed", "error": "barred"}',
            SmsReceipt("55", ReceiptState.FAILED, "barred"),
            id="json-bytes",
        ),
    ],
)
def test_http_json_receipt_is_read(
    payload: dict[str, str] | str | bytes, expected: SmsReceipt
) -> None:
    assert parse_http_json_receipt(payload) == expected


def test_http_json_failure_without_error_still_has_a_reason() -> None:
    receipt = parse_http_json_receipt({"reference": "55", "status": "failed"})

    assert receipt.state is ReceiptState.FAILED
    assert receipt.reason is not None
    assert "no reason" in receipt.reason


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        pytest.param(b"not json", "receipt-not-json", id="not-json"),
        pytest.param("[1, 2]", "receipt-not-json", id="json-array"),
        pytest.param(
            {"status": "delivered"}, "receipt-without-reference", id="no-reference"
        ),
        pytest.param(
            {"reference": 55, "status": "delivered"},
            "receipt-without-reference",
            id="numeric-reference",
        ),
        pytest.param(
            {"reference": "55", "status": "sent"},
            "receipt-unknown-status",
            id="unknown-status",
        ),
        pytest.param({"reference": "55"}, "receipt-unknown-status", id="no-status"),
    ],
)
def test_unreadable_http_json_receipt_is_refused(
    payload: dict[str, Any] | str | bytes, code: str
) -> None:
    with pytest.raises(ReceiptError) as error:
        parse_http_json_receipt(payload)

    assert error.value.code == code
