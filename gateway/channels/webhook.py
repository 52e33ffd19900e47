"""Webhook channel: POST the CAP XML, signed, to partner and media endpoints.

Speaks Standard Webhooks (https://www.standardwebhooks.com/): ``webhook-id`` is
our message id and stays the same on retries, ``webhook-timestamp`` is fresh
Unix seconds, ``webhook-signature`` is ``v1,`` + base64 HMAC-SHA256 of
``id.timestamp.body`` keyed by the secret (``whsec_<base64>`` is decoded first).

Settings: timeout in seconds, ``allow_private_addresses`` (off by default), the
User-Agent, an optional CA bundle. Limits: http and https only; redirects are
never followed; a host with any private, loopback, link-local, multicast,
reserved or unspecified address is refused; environment proxies are ignored so
the request goes to the very address that was checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests
from requests.adapters import HTTPAdapter

from gateway.channels.base import PermanentFailure, Sent, TemporaryFailure
from gateway.channels.http import transport_failure

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
CONTENT_TYPE = "application/cap+xml"
DEFAULT_PORTS = {"http": 80, "https": 443}
# Kept-alive sessions per thread, one per endpoint host and address.
MAX_KEPT_SESSIONS = 256
# An endpoint's answer is read up to this much; a longer one is cut off.
MAX_ANSWER_BYTES = 64 * 1024
ANSWER_CHUNK_BYTES = 16 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def decode_secret(secret: str | bytes) -> bytes:
    """The HMAC key: a ``whsec_<base64>`` secret decoded, anything else as is."""
    if isinstance(secret, bytes):
        return secret
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()

    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise ValueError(
            "A secret starting with whsec_ must continue with base64 "
            "(letters, digits, + and /, padded with =)."
        ) from error


def sign(secret: str | bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message: ``v1,<base64>``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def verify(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether the headers carry a valid, recent signature of ``body``.

    Header names are matched without regard to case. The timestamp must be
    within ``tolerance`` seconds of ``now``; any one of the space-separated
    ``v1`` signatures may match, and each is compared in constant time.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "").split()
    if not message_id or not _is_digits(timestamp) or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False

    expected = sign(secret, message_id, int(timestamp), body)
    return any(
        hmac.compare_digest(candidate.encode(), expected.encode())
        for candidate in signatures
        if candidate.startswith(f"{SIGNATURE_VERSION},")
    )


def is_public_address(address: IPAddress) -> bool:
    """Whether an address is one a public endpoint may have.

    An IPv4-mapped IPv6 address is judged by its IPv4 part; a 6to4 or Teredo
    address must be public itself and carry a public IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return is_public_address(address.ipv4_mapped)
    if not all(is_public_address(inner) for inner in _tunnelled_ipv4(address)):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _tunnelled_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found = [address.sixtofour]
    if address.teredo is not None:
        found.extend(address.teredo)
    return [embedded for embedded in found if embedded is not None]


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if _is_digits(value):
        return float(value)

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    current = datetime.now(UTC) if now is None else now
    return max(0.0, (when - current).total_seconds())


class _PinnedHostAdapter(HTTPAdapter):
    """HTTPS to an address literal, with SNI and certificate checks for ``host``."""

    def __init__(self, host: str) -> None:
        self._host = host
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs.update(server_hostname=self._host, assert_hostname=self._host)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


class WebhookChannel:
    """Delivers CAP XML to webhook endpoints, signed per Standard Webhooks."""

    name = "webhook"
    allowed_schemes = frozenset(DEFAULT_PORTS)

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        allow_private_addresses: bool = False,
        user_agent: str = "Kentongan",
        ca_bundle: str | None = None,
    ) -> None:
        self.timeout = timeout
        self.allow_private_addresses = allow_private_addresses
        self.user_agent = user_agent
        self.ca_bundle = ca_bundle
        self._sessions = threading.local()

    def send(
        self, url: str, secret: str | bytes, cap_xml: bytes, message_id: str
    ) -> Sent:
        """POST ``cap_xml`` to ``url``; raises a ``ChannelError`` on failure."""
        target = _split_url(url)
        port = target.port or DEFAULT_PORTS[target.scheme]
        addresses = self._resolve(target.hostname or "", port)
        headers = self._sign_headers(secret, cap_xml, message_id)
        headers["Host"] = target.netloc

        started = time.monotonic()
        response = self._post_to_first_reachable(target, addresses, headers, cap_xml)
        logger.info(
            "webhook answered channel=%s message_id=%s status=%s duration_ms=%s",
            self.name,
            message_id,
            response.status_code,
            round((time.monotonic() - started) * 1000),
        )
        return _outcome(response)

    def _sign_headers(
        self, secret: str | bytes, body: bytes, message_id: str
    ) -> dict[str, str]:
        try:
            timestamp = int(time.time())
            signature = sign(secret, message_id, timestamp, body)
        except ValueError as error:
            raise PermanentFailure(str(error), code="invalid-secret") from error
        return {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": self.user_agent,
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` has, refusing all if one is not allowed."""
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise TemporaryFailure(
                f"The webhook host {host!r} could not be resolved ({error}). "
                "Check the endpoint URL, or wait if DNS is failing.",
                code="host-unresolvable",
            ) from error
        addresses = list(dict.fromkeys(_address_of(str(info[4][0])) for info in found))

        refused = [a for a in addresses if not is_public_address(a)]
        if refused and not self.allow_private_addresses:
            raise PermanentFailure(
                f"The webhook host {host!r} resolves to {refused[0]}, a private, "
                "loopback or otherwise non-public address. Use a public endpoint, "
                "or allow private addresses in the webhook settings.",
                code="address-not-allowed",
            )
        return addresses

    def _post_to_first_reachable(
        self,
        target: SplitResult,
        addresses: list[IPAddress],
        headers: dict[str, str],
        body: bytes,
    ) -> requests.Response:
        """POST to each address in turn until one accepts the connection."""
        for address in addresses[:-1]:
            try:
                return self._post(target, address, headers, body)
            except TemporaryFailure as failure:
                if failure.code != "connection-failed":
                    raise
                logger.info("webhook address unreachable address=%s", address)
        return self._post(target, addresses[-1], headers, body)

    def _post(
        self,
        target: SplitResult,
        address: IPAddress,
        headers: dict[str, str],
        body: bytes,
    ) -> requests.Response:
        """One POST to ``address``, never following redirects nor env proxies."""
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = literal if target.port is None else f"{literal}:{target.port}"
        session = self._session_for(target, literal)
        try:
            response = session.post(
                target._replace(netloc=netloc).geturl(),
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as error:
            raise _translate(error) from error
        _finish(response)
        return response

    def _session_for(self, target: SplitResult, literal: str) -> requests.Session:
        """This thread's session for one host at one checked address, so its
        connection is kept alive between sends."""
        sessions: dict[tuple[str, str, str], requests.Session] | None = getattr(
            self._sessions, "by_peer", None
        )
        if sessions is None or len(sessions) >= MAX_KEPT_SESSIONS:
            for stale in (sessions or {}).values():
                stale.close()
            sessions = self._sessions.by_peer = {}
        key = (target.scheme, target.hostname or "", literal)
        session = sessions.get(key)
        if session is None:
            session = sessions[key] = requests.Session()
            # Known gap: no egress proxy support — an installation whose outbound
            # traffic must pass an HTTP proxy cannot deliver webhooks, because a
            # proxy would connect to an address this module never checked.
            session.trust_env = False
            session.verify = self.ca_bundle or True
            if target.scheme == "https":
                session.mount("https://", _PinnedHostAdapter(target.hostname or ""))
        return session


def _finish(response: requests.Response) -> None:
    """Read a short answer to its end, so the connection can serve the next
    send; a long one is cut off and its connection closed."""
    read = 0
    try:
        for chunk in response.iter_content(ANSWER_CHUNK_BYTES):
            read += len(chunk)
            if read > MAX_ANSWER_BYTES:
                break
    except requests.RequestException:
        pass
    response.close()


def _split_url(url: str) -> SplitResult:
    """The URL's parts, refusing schemes other than http and https."""
    try:
        target = urlsplit(url)
        target.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as error:
        raise PermanentFailure(
            f"The webhook URL {url!r} is malformed ({error}).", code="invalid-url"
        ) from error
    if target.scheme not in WebhookChannel.allowed_schemes or not target.hostname:
        raise PermanentFailure(
            f"The webhook URL {url!r} must start with http:// or https:// and "
            "name a host.",
            code="invalid-url",
        )
    if target.username is not None or target.password is not None:
        raise PermanentFailure(
            "The webhook URL must not carry a user name or password; the "
            "signature already proves the message is ours.",
            code="invalid-url",
        )
    return target


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _address_of(text: str) -> IPAddress:
    return ipaddress.ip_address(text.partition("%")[0])


def _outcome(response: requests.Response) -> Sent:
    """Sent for a 2xx answer; the matching failure raised for anything else."""
    status = response.status_code
    if 200 <= status < 300:
        return Sent(provider_reference=None)
    if status == 410:
        raise PermanentFailure(
            "The endpoint answered 410 Gone: it no longer takes webhooks. "
            "It is disabled; re-enable it once the partner fixes it.",
            code="endpoint-gone",
        )
    if status == 429 or status >= 500:
        raise TemporaryFailure(
            f"The endpoint answered {status}; the message will be sent again.",
            code="rate-limited" if status == 429 else "endpoint-error",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if 300 <= status < 400:
        location = response.headers.get("Location", "an unnamed location")
        raise PermanentFailure(
            f"The endpoint answered {status} redirecting to {location}; redirects "
            "are not followed. Configure the final URL for this endpoint.",
            code="redirect-not-followed",
        )
    raise PermanentFailure(
        f"The endpoint refused the message with {status}. Check the endpoint "
        "URL and the secret with the partner.",
        code="endpoint-refused",
    )


def _translate(error: requests.RequestException) -> TemporaryFailure:
    """A transport error as a temporary failure with a stable code."""
    if isinstance(error, requests.exceptions.SSLError):
        return TemporaryFailure(
            "The endpoint's TLS certificate was not accepted for its host name "
            "(expired, self-signed or for another name); the message will be "
            "sent again, and keeps failing until the partner fixes it.",
            code="tls-failed",
        )
    return transport_failure(error, "The endpoint")
