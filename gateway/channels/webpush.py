"""Web Push channel: encrypted messages to browsers through their push service.

Speaks RFC 8030 (one POST per message to the subscription's endpoint, with
``TTL``, ``Urgency`` and an optional ``Topic``), encrypts with RFC 8291
(``aes128gcm``, via pywebpush) and authenticates with RFC 8292 VAPID
(``Authorization: vapid t=<ES256 JWT>, k=<public key>``, via py-vapid).

Settings: the VAPID private key (PEM, or URL-safe base64 of the raw 32-byte
key or of its DER), the VAPID subject (``mailto:`` or an https URL), a timeout
and ``allow_insecure_endpoints``, which admits http endpoints and exists only
for loopback tests. Limits: the payload's JSON is at most 3072 bytes before
encryption (``fit_payload`` trims a description to fit); TTL is whole seconds,
never negative; redirects are never followed. 404 and 410 mean the browser
dropped the subscription: delete it, never retry.

``urgency_for`` maps CAP to the ``Urgency`` header: urgency Immediate or
severity Extreme → ``high``; urgency Expected or severity Severe → ``normal``;
anything else → ``low``. ``very-low`` is never chosen for an alert.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

import http_ece  # type: ignore[import-untyped]
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, VapidException  # type: ignore[import-untyped]
from pywebpush import WebPusher, WebPushException  # type: ignore[import-untyped]

from gateway.channels.base import (
    ChannelError,
    PermanentFailure,
    Sent,
    TemporaryFailure,
)
from gateway.channels.http import ThreadSessions, transport_failure
from gateway.channels.webhook import is_public_address, parse_retry_after

logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 3072
URGENCIES = ("very-low", "low", "normal", "high")
CONTENT_ENCODING = "aes128gcm"
# RFC 8292 allows a token to live at most 24 hours; renew well before that.
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
TOKEN_RENEWAL_MARGIN_SECONDS = 60 * 60
# RFC 8030 section 5.4: at most 32 characters of the URL-safe base64 alphabet.
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
ELLIPSIS = "…"


def urgency_for(cap_urgency: str | None, cap_severity: str | None) -> str:
    """The ``Urgency`` header for an alert's CAP urgency and severity."""
    if cap_urgency == "Immediate" or cap_severity == "Extreme":
        return "high"
    if cap_urgency == "Expected" or cap_severity == "Severe":
        return "normal"
    return "low"


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The payload as compact UTF-8 JSON, the bytes that get encrypted."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def fit_payload(
    payload: Mapping[str, Any], *, field: str = "description"
) -> dict[str, Any]:
    """A copy of ``payload`` whose ``field`` is cut, with an ellipsis, to fit.

    Raises ``PermanentFailure`` when even an empty ``field`` leaves the payload
    over the limit, or when the payload is too large and has no such text field.
    """
    fitted = dict(payload)
    if len(encode_payload(fitted)) <= MAX_PAYLOAD_BYTES:
        return fitted
    text = fitted.get(field)
    if not isinstance(text, str):
        raise _too_large(len(encode_payload(fitted)))

    def trimmed(length: int) -> dict[str, Any]:
        return {**fitted, field: text[:length].rstrip() + ELLIPSIS}

    shortest, longest = 0, len(text) - 1
    if len(encode_payload(trimmed(shortest))) > MAX_PAYLOAD_BYTES:
        raise _too_large(len(encode_payload(trimmed(shortest))))
    while shortest < longest:
        middle = (shortest + longest + 1) // 2
        if len(encode_payload(trimmed(middle))) <= MAX_PAYLOAD_BYTES:
            shortest = middle
        else:
            longest = middle - 1
    return trimmed(shortest)


def load_vapid_key(key: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 private key from PEM, or URL-safe base64 of raw or DER bytes."""
    try:
        if "-----BEGIN" in key:
            loaded = serialization.load_pem_private_key(key.encode(), password=None)
        else:
            raw = _b64url_decode(key)
            loaded = (
                ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
                if len(raw) == 32
                else serialization.load_der_private_key(raw, password=None)
            )
    except (ValueError, TypeError, binascii.Error) as error:
        raise ValueError(
            "The VAPID private key must be a PEM key, or URL-safe base64 of the "
            f"raw 32-byte key or of its DER encoding ({error})."
        ) from error
    if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(
        loaded.curve, ec.SECP256R1
    ):
        raise ValueError(
            "The VAPID private key must be an elliptic-curve key on P-256 "
            "(prime256v1); generate one with `openssl ecparam -name prime256v1 "
            "-genkey`."
        )
    return loaded


class WebPushChannel:
    """Delivers encrypted alert payloads to browsers' Web Push subscriptions."""

    name = "webpush"

    def __init__(
        self,
        vapid_private_key_pem_or_b64: str,
        vapid_subject: str,
        timeout: float = 10.0,
        *,
        allow_insecure_endpoints: bool = False,
        user_agent: str = "Kentongan",
    ) -> None:
        _require_subject(vapid_subject)
        # py-vapid's own subject check refuses https URLs with a path; ours
        # above follows RFC 8292 instead.
        self._vapid = Vapid02(
            private_key=load_vapid_key(vapid_private_key_pem_or_b64),
            conf={"no-strict": True},
        )
        self.vapid_subject = vapid_subject
        self.timeout = timeout
        self.allow_insecure_endpoints = allow_insecure_endpoints
        self.user_agent = user_agent
        self._tokens: dict[str, tuple[str, float]] = {}
        self._tokens_lock = threading.Lock()
        self._sessions = ThreadSessions()

    def send(
        self,
        endpoint: str,
        keys: Mapping[str, str],
        payload: Mapping[str, Any],
        ttl_seconds: int,
        urgency: str,
        topic: str | None = None,
    ) -> Sent:
        """Encrypt and POST ``payload``; raises a ``ChannelError`` on failure."""
        target = self._check_endpoint(endpoint)
        headers = _push_headers(ttl_seconds, urgency, topic)
        data = encode_payload(payload)
        if len(data) > MAX_PAYLOAD_BYTES:
            raise _too_large(len(data))

        body = _encrypt(endpoint, keys, data)
        headers["Authorization"] = self._authorization(_origin(target))
        headers["User-Agent"] = self.user_agent
        response = self._post(endpoint, _origin(target), headers, body)
        return _outcome(response)

    def _check_endpoint(self, endpoint: str) -> SplitResult:
        """The endpoint's parts, refusing anything but https (or http if allowed)."""
        try:
            target = urlsplit(endpoint)
            target.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError as error:
            raise _invalid_subscription(f"its endpoint is malformed ({error})") from (
                error
            )
        allowed = {"https", "http"} if self.allow_insecure_endpoints else {"https"}
        if target.scheme not in allowed or not target.hostname:
            raise PermanentFailure(
                "A Web Push endpoint must be an https URL naming a host; "
                f"{target.scheme or 'no'} scheme is not accepted. Remove the "
                "subscription, or allow insecure endpoints for loopback tests.",
                code="insecure-endpoint",
            )
        if not self.allow_insecure_endpoints:
            _refuse_private_host(target.hostname, target.port or 443)
        return target

    def _authorization(self, audience: str) -> str:
        """The VAPID header for ``audience``, signed anew when near expiry."""
        now = time.time()
        with self._tokens_lock:
            cached = self._tokens.get(audience)
            if cached is not None and cached[1] - TOKEN_RENEWAL_MARGIN_SECONDS > now:
                return cached[0]
            expires = int(now) + TOKEN_LIFETIME_SECONDS
            claims = {"aud": audience, "sub": self.vapid_subject, "exp": expires}
            try:
                header = str(self._vapid.sign(claims)["Authorization"])
            except VapidException as error:
                raise PermanentFailure(
                    f"The VAPID token for {audience} could not be signed ({error}).",
                    code="vapid-invalid",
                ) from error
            self._tokens[audience] = (header, expires)
            return header

    def _post(
        self, endpoint: str, origin: str, headers: dict[str, str], body: bytes
    ) -> requests.Response:
        """One POST without redirects; transport errors become failures."""
        started = time.monotonic()
        try:
            response = self._session().post(
                endpoint,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise _translate(error, origin) from error
        # The endpoint is a capability for one browser: log its origin only.
        logger.info(
            "push service answered channel=%s origin=%s status=%s duration_ms=%s",
            self.name,
            origin,
            response.status_code,
            round((time.monotonic() - started) * 1000),
        )
        return response

    def _session(self) -> requests.Session:
        return self._sessions.get()


def _refuse_private_host(host: str, port: int) -> None:
    """Refuse an endpoint whose host has a private or loopback address, so a
    forged subscription cannot aim the gateway at an internal service.

    Known gap: the connection resolves the name again, so a host that changes
    its answer between the two lookups (DNS rebinding) is not caught, as it
    is for webhooks, which connect to the address they checked.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TemporaryFailure(
            f"The push service host {host!r} could not be resolved ({error}).",
            code="host-unresolvable",
        ) from error
    for info in found:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not is_public_address(address):
            raise PermanentFailure(
                f"The push service host {host!r} resolves to {address}, a private "
                "or loopback address; a real push service is public. Remove the "
                "subscription, or allow insecure endpoints for loopback tests.",
                code="address-not-allowed",
            )


def _require_subject(subject: str) -> None:
    """Refuse a VAPID subject that is neither ``mailto:`` nor an https URL."""
    parts = urlsplit(subject)
    if subject.startswith("mailto:") and "@" in subject:
        return
    if parts.scheme == "https" and parts.hostname:
        return
    raise ValueError(
        "The VAPID subject must be a mailto: address (mailto:ops@bpbd.example) "
        f"or an https URL (https://bpbd.example/contact), not {subject!r}; "
        "push services use it to reach the operator."
    )


def _push_headers(ttl_seconds: int, urgency: str, topic: str | None) -> dict[str, str]:
    """The RFC 8030 headers; the TTL clamped to zero, never negative."""
    if urgency not in URGENCIES:
        raise PermanentFailure(
            f"The Web Push urgency must be one of {', '.join(URGENCIES)}, "
            f"not {urgency!r}.",
            code="invalid-urgency",
        )
    if topic is not None and not TOPIC.fullmatch(topic):
        raise PermanentFailure(
            "A Web Push topic must be 1 to 32 letters, digits, '-' or '_'.",
            code="invalid-topic",
        )

    headers = {
        "TTL": str(max(0, int(ttl_seconds))),
        "Urgency": urgency,
        "Content-Encoding": CONTENT_ENCODING,
        "Content-Type": "application/octet-stream",
    }
    if topic is not None:
        headers["Topic"] = topic
    return headers


def _encrypt(endpoint: str, keys: Mapping[str, str], data: bytes) -> bytes:
    """``data`` encrypted for the subscriber's keys (RFC 8291, aes128gcm)."""
    subscription = {"endpoint": endpoint, "keys": dict(keys)}
    try:
        encoded = WebPusher(subscription).encode(data, CONTENT_ENCODING)
    except (WebPushException, http_ece.ECEException, ValueError, TypeError) as error:
        raise _invalid_subscription(
            "its p256dh or auth key is missing or malformed"
        ) from error
    body: bytes = encoded["body"]
    return body


def _origin(target: SplitResult) -> str:
    """The endpoint's origin, the VAPID audience: scheme, host and port."""
    host = target.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{target.port}" if target.port is not None else ""
    return f"{target.scheme}://{host}{port}"


def _b64url_decode(text: str) -> bytes:
    compact = "".join(text.split())
    return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))


def _too_large(size: int) -> PermanentFailure:
    return PermanentFailure(
        f"The Web Push payload is {size} bytes of JSON; at most "
        f"{MAX_PAYLOAD_BYTES} fit. Shorten the description (fit_payload does).",
        code="payload-too-large",
    )


def _invalid_subscription(problem: str) -> PermanentFailure:
    return PermanentFailure(
        f"The Web Push subscription cannot be used: {problem}. Ask the resident "
        "to subscribe again.",
        code="invalid-subscription",
    )


def _outcome(response: requests.Response) -> Sent:
    """Sent for an accepted message; the matching failure raised otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return Sent(provider_reference=response.headers.get("Location"))
    if status in {404, 410}:
        raise PermanentFailure(
            f"The push service answered {status}: the browser dropped this "
            "subscription. Remove it; it is never retried.",
            code="subscription-gone",
        )
    if status == 413:
        raise _too_large_at_service()
    if status == 429 or status >= 500:
        raise TemporaryFailure(
            f"The push service answered {status}; the message will be sent again.",
            code="rate-limited" if status == 429 else "push-service-error",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status in {401, 403}:
        raise PermanentFailure(
            f"The push service refused our VAPID token with {status}. Check the "
            "VAPID key is the one the subscription was made with, and the subject.",
            code="vapid-rejected",
        )
    raise PermanentFailure(
        f"The push service refused the message with {status}.",
        code="push-refused",
    )


def _too_large_at_service() -> PermanentFailure:
    return PermanentFailure(
        "The push service answered 413: the encrypted message is larger than it "
        f"takes. Keep the payload under {MAX_PAYLOAD_BYTES} bytes of JSON.",
        code="payload-too-large",
    )


def _translate(error: requests.RequestException, origin: str) -> ChannelError:
    """A transport error as a failure with a stable code; only a bad URL is final."""
    if isinstance(error, requests.exceptions.InvalidURL | requests.URLRequired):
        return _invalid_subscription(f"its endpoint is not a usable URL ({error})")
    return transport_failure(error, f"The push service at {origin}")
