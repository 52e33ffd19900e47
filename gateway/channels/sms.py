"""SMS providers: Kannel's smsbox ``sendsms`` and a generic HTTP JSON API.

``KannelSms`` calls smsbox's sendsms interface (Kannel 1.4 numbering:
coding 0 is GSM-7, 2 is UCS-2 sent as UTF-16BE); settings are the sendsms URL,
the sendsms-user name and password, an optional sender and SMSC id and our
receipt URL, which gets ``delivery_id`` and Kannel's ``%d``/``%A`` escapes.
POST (the default) carries the credentials in X-Kannel headers; GET puts them
in the URL, where Kannel's access log and a transport error's traceback show
them. Kannel answers no message id and has no idempotency: a timeout after
Kannel took the message, retried, sends it twice. The sendsms-user group must
allow as many parts (``max-messages``) as the segment budget, else Kannel cuts
the text.

``HttpJsonSms`` POSTs ``{"to", "text", "reference"}`` to ``KENTONGAN_SMS_URL``
with an optional bearer token and an ``Idempotency-Key`` derived from the
delivery id; its status callback posts ``{"reference", "status", "error"}``.
Both refuse a number not in E.164 form (``+``, then at most 15 digits).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

import requests

from gateway.channels.base import (
    ChannelError,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from gateway.channels.http import ThreadSessions, transport_failure
from gateway.channels.sms_text import Encoding, encoding_of
from gateway.channels.webhook import parse_retry_after

logger = logging.getLogger(__name__)

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
DELIVERY_ID = re.compile(r"[A-Za-z0-9._~-]{1,128}")
KANNEL_CODING = {Encoding.GSM7: "0", Encoding.UCS2: "2"}
KANNEL_CHARSET = {Encoding.GSM7: "UTF-8", Encoding.UCS2: "UTF-16BE"}
# Delivered, failed, buffered, submitted to the SMSC, rejected by the SMSC.
KANNEL_DLR_MASK = 1 + 2 + 4 + 8 + 16
KANNEL_HEADERS = {
    "username": "X-Kannel-Username",
    "password": "X-Kannel-Password",
    "from": "X-Kannel-From",
    "to": "X-Kannel-To",
    "smsc": "X-Kannel-SMSC",
    "coding": "X-Kannel-Coding",
    "dlr-mask": "X-Kannel-DLR-Mask",
    "dlr-url": "X-Kannel-DLR-Url",
}
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1b3c1e-5a4e-4d8e-9b1a-6b656e746f6e")
MAX_QUOTED = 200


class ReceiptState(StrEnum):
    """Where a receipt leaves a delivery for good."""

    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    """One provider receipt: which delivery, its final state, and why."""

    delivery_id: str
    state: ReceiptState | None
    reason: str | None = None


class ReceiptError(ChannelError):
    """A provider receipt that cannot be read; answer it with 400."""


KANNEL_DLR_TYPES: dict[str, tuple[ReceiptState | None, str]] = {
    "1": (ReceiptState.DELIVERED, "Delivered to the phone."),
    "2": (ReceiptState.FAILED, "The SMSC could not deliver it to the phone."),
    "4": (None, "Buffered at the SMSC; the phone is off or out of reach."),
    "8": (None, "Submitted to the SMSC."),
    "16": (ReceiptState.FAILED, "The SMSC rejected the message."),
}


def idempotency_key(delivery_id: str) -> str:
    """The same UUID for every attempt of one delivery, and only for it."""
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"sms:{delivery_id}"))


def kannel_dlr_url(receipt_url: str, delivery_id: str) -> str:
    """Our receipt URL with the delivery id and Kannel's status escapes."""
    separator = "&" if urlsplit(receipt_url).query else "?"
    return f"{receipt_url}{separator}delivery_id={delivery_id}&type=%d&reply=%A"


def parse_kannel_receipt(query: Mapping[str, str]) -> SmsReceipt:
    """The receipt in the query Kannel fetched from our ``kannel_dlr_url``."""
    delivery_id = query.get("delivery_id", "")
    kind = query.get("type", "").strip()
    if not DELIVERY_ID.fullmatch(delivery_id):
        raise ReceiptError(
            "The Kannel receipt must carry the delivery_id it was sent with.",
            code="receipt-without-reference",
        )
    if kind not in KANNEL_DLR_TYPES:
        raise ReceiptError(
            f"The Kannel receipt type must be one of 1, 2, 4, 8 or 16, not "
            f"{kind[:10]!r}.",
            code="receipt-unknown-status",
        )

    state, meaning = KANNEL_DLR_TYPES[kind]
    reply = query.get("reply", "").strip()[:MAX_QUOTED]
    reason = f"{meaning} SMSC reply: {reply}" if reply else meaning
    return SmsReceipt(delivery_id, state, reason)


def parse_http_json_receipt(payload: Mapping[str, Any] | str | bytes) -> SmsReceipt:
    """The receipt in an http-json status callback, as JSON text or parsed."""
    document = _load_json_object(payload)
    reference = document.get("reference")
    status = document.get("status")
    if not isinstance(reference, str) or not reference:
        raise ReceiptError(
            'The status callback must carry the "reference" we sent, as a string.',
            code="receipt-without-reference",
        )
    if status not in {"delivered", "failed"}:
        raise ReceiptError(
            f'The status callback\'s "status" must be "delivered" or "failed", '
            f"not {str(status)[:20]!r}.",
            code="receipt-unknown-status",
        )

    if status == "delivered":
        return SmsReceipt(reference, ReceiptState.DELIVERED)
    error = document.get("error")
    reason = str(error).strip()[:MAX_QUOTED] if error else ""
    return SmsReceipt(
        reference,
        ReceiptState.FAILED,
        reason or "The provider reported the message failed and gave no reason.",
    )


class _HttpProvider:
    """What both providers share: checks, one session per thread, translation."""

    name = "sms"
    provider = ""

    def __init__(self, *, timeout: float, user_agent: str) -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self._sessions = ThreadSessions()

    def _check(self, to: str, text: str, delivery_id: str) -> None:
        """Refuse what no provider could send, before any request."""
        if not E164.fullmatch(to):
            raise PermanentFailure(
                "The recipient's phone number is not in E.164 form: a + then the "
                "country code and number, at most 15 digits (+6281234567890). "
                "Correct the subscription.",
                code="invalid-number",
            )
        if not text:
            raise PermanentFailure("The message text is empty.", code="empty-text")
        if not DELIVERY_ID.fullmatch(delivery_id):
            raise PermanentFailure(
                "The delivery id must be 1 to 128 letters, digits, '.', '_', '~' "
                "or '-' to travel in a receipt URL.",
                code="invalid-delivery-id",
            )

    def _request(
        self,
        method: str,
        url: str,
        delivery_id: str,
        *,
        headers: Mapping[str, str],
        **options: Any,
    ) -> requests.Response:
        """One request without redirects; transport errors become failures."""
        started = time.monotonic()
        try:
            response = self._session().request(
                method,
                url,
                headers={"User-Agent": self.user_agent, **headers},
                timeout=self.timeout,
                allow_redirects=False,
                **options,
            )
        except requests.RequestException as error:
            raise _translate(error, self.provider) from error
        logger.info(
            "sms provider answered channel=%s provider=%s delivery_id=%s "
            "status=%s duration_ms=%s",
            self.name,
            self.provider,
            delivery_id,
            response.status_code,
            round((time.monotonic() - started) * 1000),
        )
        return response

    def _session(self) -> requests.Session:
        return self._sessions.get()


class KannelSms(_HttpProvider):
    """Sends through Kannel's smsbox ``sendsms`` HTTP interface."""

    provider = "kannel"

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        receipt_url: str,
        sender: str | None = None,
        smsc: str | None = None,
        method: Literal["GET", "POST"] = "POST",
        timeout: float = 10.0,
        user_agent: str = "Kentongan",
    ) -> None:
        super().__init__(timeout=timeout, user_agent=user_agent)
        self.url = url
        self.username = username
        self.password = password
        self.receipt_url = receipt_url
        self.sender = sender
        self.smsc = smsc
        self.method = method
        if method == "POST":
            fields = {"username": username, "password": password, "sender": sender}
            _require_header_safe({**fields, "smsc": smsc, "receipt_url": receipt_url})

    def send(self, to: str, text: str, delivery_id: str) -> Sent:
        """Hand one message to Kannel; raises a ``ChannelError`` on failure."""
        self._check(to, text, delivery_id)
        encoding = encoding_of(text)
        fields = self._fields(to, encoding, delivery_id)
        body = text.encode(KANNEL_CHARSET[encoding])

        if self.method == "GET":
            query = urlencode({**fields, "text": body}, quote_via=quote)
            response = self._request(
                "GET", self.url, delivery_id, headers={}, params=query
            )
        else:
            response = self._request(
                "POST",
                self.url,
                delivery_id,
                data=body,
                headers=_as_kannel_headers(fields),
            )
        return _kannel_outcome(response)

    def _fields(self, to: str, encoding: Encoding, delivery_id: str) -> dict[str, str]:
        fields = {
            "username": self.username,
            "password": self.password,
            "to": to,
            "charset": KANNEL_CHARSET[encoding],
            "coding": KANNEL_CODING[encoding],
            "dlr-mask": str(KANNEL_DLR_MASK),
            "dlr-url": kannel_dlr_url(self.receipt_url, delivery_id),
        }
        if self.sender:
            fields["from"] = self.sender
        if self.smsc:
            fields["smsc"] = self.smsc
        return fields


class HttpJsonSms(_HttpProvider):
    """Sends to a provider taking ``{"to", "text", "reference"}`` as JSON."""

    provider = "http-json"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        user_agent: str = "Kentongan",
    ) -> None:
        super().__init__(timeout=timeout, user_agent=user_agent)
        self.url = url
        self.token = token
        _require_header_safe({"token": token})

    def send(self, to: str, text: str, delivery_id: str) -> Sent:
        """POST one message to the provider; raises a ``ChannelError`` on failure."""
        self._check(to, text, delivery_id)
        headers = {"Idempotency-Key": idempotency_key(delivery_id)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"

        payload = {"to": to, "text": text, "reference": delivery_id}
        response = self._request(
            "POST", self.url, delivery_id, json=payload, headers=headers
        )
        return _http_json_outcome(response)


def _require_header_safe(settings: Mapping[str, str | None]) -> None:
    """Refuse settings that cannot travel in an HTTP header (ASCII, one line)."""
    for name, value in settings.items():
        if value is not None and not (value.isascii() and value.isprintable()):
            raise ValueError(
                f"The SMS setting {name} must be printable ASCII on one line, "
                "because it is sent in an HTTP header."
            )


def _as_kannel_headers(fields: Mapping[str, str]) -> dict[str, str]:
    """The sendsms fields as Kannel's POST headers; the charset goes in the type."""
    headers = {
        KANNEL_HEADERS[name]: value
        for name, value in fields.items()
        if name in KANNEL_HEADERS
    }
    headers["Content-Type"] = f"text/plain; charset={fields['charset']}"
    return headers


def _kannel_outcome(response: requests.Response) -> Sent:
    """Sent for an accepted or queued message; the matching failure otherwise."""
    status = response.status_code
    said = _quoted(response)
    if 200 <= status < 300:
        return Sent(provider_reference=None)
    if status == 429 or status >= 500:
        raise TemporaryFailure(
            f"Kannel answered {status} ({said}); the message will be sent again.",
            code="rate-limited" if status == 429 else "provider-unavailable",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status in {401, 403} and "authori" in said.lower():
        raise PermanentFailure(
            f"Kannel refused our credentials ({said}). Check the username and "
            "password against the sendsms-user group.",
            code="provider-auth-failed",
        )
    raise PermanentFailure(
        f"Kannel refused the message with {status} ({said}). Check the sendsms "
        "settings and the number's routing.",
        code="provider-refused",
    )


def _http_json_outcome(response: requests.Response) -> Sent:
    """Sent for any 2xx, with the provider's ``id``; the matching failure else."""
    status = response.status_code
    if 200 <= status < 300:
        return Sent(provider_reference=_json_id(response))
    if status == 429 or status >= 500:
        raise TemporaryFailure(
            f"The SMS provider answered {status}; the message will be sent again.",
            code="rate-limited" if status == 429 else "provider-unavailable",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status in {401, 403}:
        raise PermanentFailure(
            f"The SMS provider refused our credentials with {status} "
            f"({_quoted(response)}). Check the token.",
            code="provider-auth-failed",
        )
    raise PermanentFailure(
        f"The SMS provider refused the message with {status} ({_quoted(response)}).",
        code="provider-refused",
    )


def _json_id(response: requests.Response) -> str | None:
    try:
        document = response.json()
    except ValueError:
        return None
    found = document.get("id") if isinstance(document, dict) else None
    return None if found is None or found == "" else str(found)


def _quoted(response: requests.Response) -> str:
    """The first line of the provider's answer, short, or a note that it was empty."""
    lines = response.text.strip().splitlines()
    return lines[0][:MAX_QUOTED] if lines else "no explanation given"


def _load_json_object(payload: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    try:
        document = json.loads(payload)
    except ValueError as error:
        raise ReceiptError(
            f"The status callback is not JSON ({error}).", code="receipt-not-json"
        ) from error
    if not isinstance(document, dict):
        raise ReceiptError(
            "The status callback must be a JSON object.", code="receipt-not-json"
        )
    return document


def _translate(error: requests.RequestException, provider: str) -> TemporaryFailure:
    """A transport error as a temporary failure; its text may hold a password."""
    return transport_failure(error, f"The {provider} SMS provider")
