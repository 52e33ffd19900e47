"""Subscription addresses, checked and brought to one canonical form per channel.

The canonical form is what makes two entries of the same person collide on
(channel, address): SMS numbers in E.164, email addresses lower-cased, a Web
Push subscription by its endpoint URL (its keys kept beside it), a webhook by
its URL (its signing secret kept beside it).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import SplitResult, urlsplit

import phonenumbers

from gateway.residents.errors import InvalidSubscription

MAX_ADDRESS_LENGTH = 2000
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
P256DH_BYTES = 65
AUTH_BYTES = 16
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 200
LOOPBACK_NAMES = {"localhost"}
# White space or a control character: never part of a URL or a secret.
UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
MAX_SHOWN = 80

EMAIL_LOCAL_PART = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WEBPUSH = "webpush"
    WEBHOOK = "webhook"


CHANNELS = ", ".join(str(channel) for channel in Channel)


@dataclass(frozen=True, slots=True)
class Address:
    """A canonical address and what a channel needs beside it to reach it."""

    channel: Channel
    address: str
    push_keys: dict[str, str] | None = None
    webhook_secret: str | None = None


def parse_channel(raw: str) -> Channel:
    try:
        return Channel(raw.strip().lower())
    except ValueError:
        raise InvalidSubscription(
            f"Channel '{raw}' is not one of {CHANNELS}.", code="unknown-channel"
        ) from None


def normalise_address(
    channel: Channel, raw: str, *, region: str, allow_loopback: bool = False
) -> Address:
    """The canonical address for ``raw`` on ``channel``, or ``InvalidSubscription``.

    ``region`` (ISO 3166 alpha-2) is where a phone number without ``+`` is
    dialled; ``allow_loopback`` lets webhooks point at this machine (tests).
    """
    text = raw.strip()
    if not text:
        raise InvalidSubscription("The address is empty.", code="empty-address")
    if "\x00" in text:
        raise InvalidSubscription(
            "The address contains a NUL character; give it as plain text.",
            code="invalid-address",
        )
    if len(text) > MAX_ADDRESS_LENGTH:
        raise InvalidSubscription(
            f"The address is {len(text)} characters long; at most "
            f"{MAX_ADDRESS_LENGTH} are allowed.",
            code="address-too-long",
        )

    if channel is Channel.SMS:
        return Address(channel, normalise_phone(text, region))
    if channel is Channel.EMAIL:
        return Address(channel, normalise_email(text))
    if channel is Channel.WEBPUSH:
        return normalise_push_subscription(text)
    return normalise_webhook(text, allow_loopback=allow_loopback)


def normalise_phone(text: str, region: str) -> str:
    """The number in E.164 (``+6281234567890``); national numbers use ``region``."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidSubscription(
            f"'{text}' is not a phone number; write it like +6281234567890 or "
            "081234567890.",
            code="invalid-phone",
        ) from exc
    # number_type is UNKNOWN exactly when is_valid_number is false; one call
    # instead of two halves the cost of an import.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise InvalidSubscription(
            f"'{text}' is not a valid phone number for its country; check the "
            "digits and the country code.",
            code="invalid-phone",
        )
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise InvalidSubscription(
            f"'{text}' is a landline, which cannot receive SMS; give a mobile number.",
            code="landline-phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str) -> str:
    """The address lower-cased, after a check of its shape (not of its mailbox)."""
    address = text.lower()
    local, at, domain = address.rpartition("@")
    labels = domain.split(".")
    well_formed = (
        at == "@"
        and len(address) <= MAX_EMAIL_LENGTH
        and len(local) <= MAX_LOCAL_PART_LENGTH
        and EMAIL_LOCAL_PART.fullmatch(local) is not None
        and len(labels) >= 2
        and all(DOMAIN_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()
    )
    if not well_formed:
        raise InvalidSubscription(
            f"'{text}' is not an email address; write it like warga@example.id.",
            code="invalid-email",
        )
    return address


def normalise_push_subscription(text: str) -> Address:
    """A browser's PushSubscription JSON: an https endpoint and its two keys."""
    return push_address(
        _json_object(text, "Web Push subscription", code="invalid-webpush")
    )


def push_address(document: dict[str, Any]) -> Address:
    """The address of a PushSubscription already read from JSON."""
    endpoint = document.get("endpoint")
    keys = document.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise InvalidSubscription(
            'A Web Push subscription needs "endpoint" and "keys" '
            '({"endpoint": "https://…", "keys": {"p256dh": "…", "auth": "…"}}).',
            code="invalid-webpush",
        )
    parts = _split_url(endpoint)
    if (
        len(endpoint) > MAX_ADDRESS_LENGTH
        or UNSAFE_IN_URL.search(endpoint)
        or parts is None
        or parts.scheme != "https"
        or not parts.hostname
    ):
        raise InvalidSubscription(
            f"The Web Push endpoint '{_shown(endpoint)}' must be an https URL of at "
            f"most {MAX_ADDRESS_LENGTH} characters without spaces.",
            code="invalid-webpush",
        )

    p256dh = _push_key(keys, "p256dh", P256DH_BYTES)
    auth = _push_key(keys, "auth", AUTH_BYTES)
    return Address(
        Channel.WEBPUSH, endpoint, push_keys={"p256dh": p256dh, "auth": auth}
    )


def normalise_webhook(text: str, *, allow_loopback: bool) -> Address:
    """A webhook: ``{"url": …, "secret": …}`` or ``URL SECRET`` in one field."""
    if text.startswith("{"):
        document = _json_object(text, "webhook", code="invalid-webhook")
        url, secret = document.get("url"), document.get("secret")
    else:
        url, _, secret = text.partition(" ")
        secret = secret.strip()
    if not isinstance(url, str) or not isinstance(secret, str) or not secret:
        raise InvalidSubscription(
            "A webhook needs a URL and a signing secret: 'https://… SECRET' or "
            '{"url": "https://…", "secret": "…"}.',
            code="webhook-secret-missing",
        )
    return webhook_address(url, secret, allow_loopback=allow_loopback)


def webhook_address(url: str, secret: str, *, allow_loopback: bool) -> Address:
    """A webhook from its URL and signing secret, given apart."""
    check_webhook_secret(secret)
    check_webhook_url(url, allow_loopback=allow_loopback)
    return Address(Channel.WEBHOOK, url, webhook_secret=secret)


def check_webhook_secret(secret: str) -> None:
    """16 to 200 characters of visible text."""
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise InvalidSubscription(
            f"The webhook secret has {len(secret)} characters; it needs "
            f"{MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH}.",
            code="weak-webhook-secret",
            location="/secret",
        )
    if UNSAFE_IN_URL.search(secret):
        raise InvalidSubscription(
            "The webhook secret may not hold spaces or control characters.",
            code="invalid-webhook-secret",
            location="/secret",
        )


def check_webhook_url(url: str, *, allow_loopback: bool) -> None:
    """https to a public host; http or https to loopback only when allowed."""
    parts = _split_url(url)
    host = (parts.hostname or "").lower() if parts else ""
    if (
        parts is None
        or not host
        or parts.scheme not in ("http", "https")
        or UNSAFE_IN_URL.search(url)
    ):
        raise InvalidSubscription(
            f"The webhook URL '{_shown(url)}' must be an https URL with a host name "
            "and no spaces.",
            code="invalid-webhook",
        )

    loopback = host in LOOPBACK_NAMES or _is_ip(host, "is_loopback")
    if loopback and not allow_loopback:
        raise InvalidSubscription(
            f"The webhook URL '{url}' points at this machine; that is allowed only "
            "when the operator allows loopback webhooks.",
            code="loopback-webhook",
        )
    if not loopback and _is_ip(host, "is_private", "is_link_local", "is_reserved"):
        raise InvalidSubscription(
            f"The webhook URL '{url}' points at a private network address; give a "
            "public host.",
            code="private-webhook",
        )
    if parts.scheme == "http" and not loopback:
        raise InvalidSubscription(
            f"The webhook URL '{url}' must use https; plain http is allowed only "
            "for loopback.",
            code="insecure-webhook",
        )


def _json_object(text: str, what: str, *, code: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSubscription(
            f"The {what} is not valid JSON ({exc.msg} at character {exc.pos}).",
            code=code,
        ) from exc
    if not isinstance(document, dict):
        raise InvalidSubscription(f"The {what} must be a JSON object.", code=code)
    return document


def _push_key(keys: dict[str, Any], name: str, size: int) -> str:
    """A key in URL-safe base64 of ``size`` bytes, returned without padding."""
    value = keys.get(name)
    decoded = b""
    if isinstance(value, str):
        try:
            decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            decoded = b""
    if len(decoded) != size:
        raise InvalidSubscription(
            f'The Web Push key "{name}" must be {size} bytes in URL-safe base64.',
            code="invalid-webpush",
        )
    return base64.urlsafe_b64encode(decoded).rstrip(b"=").decode()


def _is_ip(host: str, *properties: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(getattr(address, name) for name in properties)


def _split_url(url: str) -> SplitResult | None:
    """The parts of ``url``, or None when it cannot be read (a broken IPv6 host)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it checks the port is a number)
    except ValueError:
        return None
    return parts


def _shown(text: str) -> str:
    """``text`` cut short for a message, with control characters escaped."""
    shown = text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}…"
    return UNSAFE_IN_URL.sub(lambda found: repr(found.group())[1:-1], shown)
