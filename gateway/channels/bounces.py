"""Email bounces: the delivery reference alert emails carry, and reading the
delivery status notifications (RFC 3464) that come back.

Every alert email carries ``<delivery id>-<16 hex digits of HMAC-SHA256>``,
keyed with the app's secret key, in an ``X-Kentongan-Delivery`` header and,
when a bounce address is configured, in a VERP envelope sender
``bounces+<reference>@domain``. A bounce is matched to a delivery only by a
reference whose HMAC verifies: a Message-ID or an address alone is never
trusted, since anyone can mail the bounce address. A reference is only shown
to the resident it was sent to, so at worst a resident forges a bounce of
their own delivery. Changing the secret key orphans the bounces of mail sent
before the change: they are ignored.

``parse_bounce`` reads ``multipart/report; report-type=delivery-status``: each
recipient's ``Action`` (failed, delayed, delivered, relayed, expanded),
``Status`` (RFC 3463: 5.x.x permanent, 4.x.x temporary) and
``Diagnostic-Code``. A bounce of another shape (no delivery-status part, as
qmail and some webmail services send) is ``unknown`` with the reason. Only
``BounceError`` escapes, for bytes that are no mail message or too large.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from enum import StrEnum

from gateway.channels.base import ChannelError

MAX_BOUNCE_BYTES = 1024 * 1024
MAX_REASON = 300
MAC_DIGITS = 16
REFERENCE_HEADER = "X-Kentongan-Delivery"
REFERENCE_ID = re.compile(r"[A-Za-z0-9_-]{1,20}")
REFERENCE_LENGTH = 20 + 1 + MAC_DIGITS
MAC_LABEL = b"kentongan-email-bounce\x00"

_REFERENCE = rf"[A-Za-z0-9_-]{{1,20}}-[0-9A-Fa-f]{{{MAC_DIGITS}}}"
VERP_REFERENCE = re.compile(rf"\+({_REFERENCE})@")
HEADER_REFERENCE = re.compile(
    rf"^{REFERENCE_HEADER}:[ \t]*(?:\r?\n[ \t]+)?({_REFERENCE})(?![0-9A-Za-z])",
    re.IGNORECASE | re.MULTILINE,
)
ENVELOPE_HEADERS = (
    "To",
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "Return-Path",
)
STATUS_CODE = re.compile(r"(?<![0-9.])([245])\.([0-9]{1,3})\.([0-9]{1,3})(?![0-9])")
STATUS_PART_TYPES = ("message/delivery-status", "message/global-delivery-status")
# RFC 3463 codes that say the recipient's address does not exist: bad mailbox
# or system, bad syntax, moved with no forwarding address, a domain with null
# MX. 5.1.7 and 5.1.8 are about the sender's address, so they are not here.
ADDRESS_GONE = frozenset({"5.1.0", "5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"})


class BounceError(ChannelError):
    """The bytes are no mail message that could be a bounce; answer with 400."""


class BounceKind(StrEnum):
    """What a bounce says happened to the message."""

    FAILED = "failed"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    RELAYED = "relayed"
    UNKNOWN = "unknown"


ACTIONS = {
    "failed": BounceKind.FAILED,
    "delayed": BounceKind.DELAYED,
    "delivered": BounceKind.DELIVERED,
    "relayed": BounceKind.RELAYED,
    "expanded": BounceKind.RELAYED,
}
STATUS_CLASSES = {
    "5": BounceKind.FAILED,
    "4": BounceKind.DELAYED,
    "2": BounceKind.DELIVERED,
}
# Of several recipients in one report, the one that says the most.
PRECEDENCE = (
    BounceKind.FAILED,
    BounceKind.DELAYED,
    BounceKind.DELIVERED,
    BounceKind.RELAYED,
    BounceKind.UNKNOWN,
)


@dataclass(frozen=True, slots=True)
class Bounce:
    """One bounce read: its delivery (None unless a reference verified), what
    happened, the RFC 3463 status, and a sentence for a person."""

    kind: BounceKind
    delivery_id: str | None
    status: str | None
    reason: str

    @property
    def is_hard(self) -> bool:
        """Whether the recipient's address does not exist, so never try it again."""
        return self.kind is BounceKind.FAILED and self.status in ADDRESS_GONE


def make_reference(secret: str, delivery_id: str) -> str:
    """The signed reference of a delivery; ``ValueError`` if the id cannot carry one."""
    if not REFERENCE_ID.fullmatch(delivery_id):
        raise ValueError(
            f"The delivery id {delivery_id[:40]!r} cannot be used in a bounce "
            "reference; it may hold at most 20 ASCII letters, digits, _ and -."
        )
    return f"{delivery_id}-{_mac(secret, delivery_id)}"


def read_reference(secret: str, reference: str) -> str | None:
    """The delivery id a reference names, or None when its HMAC does not verify."""
    delivery_id, _, mac = reference.rpartition("-")
    if not REFERENCE_ID.fullmatch(delivery_id) or len(mac) != MAC_DIGITS:
        return None
    if not hmac.compare_digest(mac.lower(), _mac(secret, delivery_id)):
        return None
    return delivery_id


def verp_address(bounce_address: str, reference: str) -> str:
    """``local+reference@domain``: the envelope sender that brings bounces back."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{reference}@{domain}"


def parse_bounce(data: bytes, secret: str) -> Bounce:
    """Read a bounce's delivery and outcome; ``BounceError`` for what is no mail."""
    message = _parse_message(data)
    try:
        parts = list(message.walk())
    except RecursionError as error:
        raise _too_deep() from error

    delivery_id, problem = _find_delivery(parts, secret)
    status_part = next(
        (part for part in parts if part.get_content_type() in STATUS_PART_TYPES), None
    )
    if status_part is None:
        return Bounce(
            BounceKind.UNKNOWN,
            delivery_id,
            None,
            "The message is not a delivery status notification (it has no "
            "message/delivery-status part), so it says nothing certain; nothing "
            "was changed.",
        )
    kind, status, reason = _read_report(status_part)
    if delivery_id is None:
        return Bounce(kind, None, status, f"{problem} Nothing was changed.")
    return Bounce(kind, delivery_id, status, reason)


def _mac(secret: str, delivery_id: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), MAC_LABEL + delivery_id.encode("ascii"), hashlib.sha256
    )
    return digest.hexdigest()[:MAC_DIGITS]


def _parse_message(data: bytes) -> Message:
    if len(data) > MAX_BOUNCE_BYTES:
        raise BounceError(
            f"The bounce is {len(data):,} bytes; at most {MAX_BOUNCE_BYTES:,} are "
            "read. Have the mail server return only the headers of the original "
            "(Postfix does unless bounce_size_limit is raised).",
            code="bounce-too-large",
        )
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(data)
    except RecursionError as error:
        raise _too_deep() from error
    if not message.keys():
        raise BounceError(
            "The body is not a mail message: it does not start with header "
            "fields such as 'From: …'. Send the whole bounce as the MTA received "
            "it, headers included.",
            code="not-a-message",
        )
    return message


def _too_deep() -> BounceError:
    return BounceError(
        "The message nests its parts too deeply to be a bounce.", code="too-deep"
    )


def _find_delivery(parts: list[Message], secret: str) -> tuple[str | None, str]:
    """The one delivery the bounce's verified references name, or why there is none."""
    found = _candidates(parts)
    verified = {read_reference(secret, reference) for reference in found}
    verified.discard(None)
    if len(verified) == 1:
        return verified.pop(), ""
    if len(verified) > 1:
        return None, "The bounce names several deliveries, so none is trusted."
    if found:
        return None, (
            "The bounce carries a delivery reference whose signature does not "
            "verify, so it was ignored."
        )
    return None, "The bounce names no delivery sent by this gateway."


def _candidates(parts: list[Message]) -> set[str]:
    """Every reference written anywhere in the bounce, verified or not."""
    found: set[str] = set()
    for part in parts:
        for name in ENVELOPE_HEADERS:
            for value in part.get_all(name, []):
                found.update(VERP_REFERENCE.findall(str(value)))
        for value in part.get_all(REFERENCE_HEADER, []):
            found.update(HEADER_REFERENCE.findall(f"{REFERENCE_HEADER}: {value}"))
        text = _leaf_text(part)
        found.update(VERP_REFERENCE.findall(text))
        found.update(HEADER_REFERENCE.findall(text))
    return found


def _leaf_text(part: Message) -> str:
    """A leaf part's body, transfer encoding undone, as text for searching."""
    if part.is_multipart():
        return ""
    payload = part.get_payload(decode=True)
    return payload.decode("latin-1") if isinstance(payload, bytes) else ""


def _read_report(part: Message) -> tuple[BounceKind, str | None, str]:
    """The outcome of the recipient whose report says the most."""
    recipients = [
        fields
        for fields in _field_groups(part)
        if {"action", "status", "final-recipient"} & fields.keys()
    ]
    if not recipients:
        return (
            BounceKind.UNKNOWN,
            None,
            "The delivery status report names no recipient, so it says nothing "
            "certain; nothing was changed.",
        )
    outcomes = [_outcome(fields) for fields in recipients]
    return min(outcomes, key=lambda outcome: PRECEDENCE.index(outcome[0]))


def _field_groups(part: Message) -> list[dict[str, str]]:
    """The report's groups of fields, names lower-cased, first value kept."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _text_groups(_leaf_text(part))
    groups: list[dict[str, str]] = []
    for block in payload:
        if not isinstance(block, Message):
            continue
        groups.append(_first_values(block.items()))
        rest = block.get_payload()
        if isinstance(rest, str):
            groups.extend(_text_groups(rest))
    return groups


def _text_groups(text: str) -> list[dict[str, str]]:
    """Groups of fields from a report's text, blank lines between them."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    return [_first_values(_unfold(block)) for block in blocks]


def _unfold(block: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip(), value.strip()))
    return fields


def _first_values(items: Iterable[tuple[str, object]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in items:
        fields.setdefault(str(name).strip().lower(), str(value))
    return fields


def _outcome(fields: dict[str, str]) -> tuple[BounceKind, str | None, str]:
    action = (fields.get("action", "").strip().split() or [""])[0].lower()
    status = _status_code(fields)
    kind = ACTIONS.get(action) or STATUS_CLASSES.get((status or "")[:1])
    kind = kind or BounceKind.UNKNOWN
    diagnostic = _one_line(fields.get("diagnostic-code", ""))
    return kind, status, _sentence(kind, status, diagnostic)


def _status_code(fields: dict[str, str]) -> str | None:
    """The report's Status, or the finer code of the diagnostic for an x.0.0."""
    found = STATUS_CODE.search(fields.get("status", ""))
    status = ".".join(found.groups()) if found else None
    finer = STATUS_CODE.search(fields.get("diagnostic-code", ""))
    if finer is None or (status is not None and not status.endswith(".0.0")):
        return status
    if status is None or finer.group(1) == status[0]:
        return ".".join(finer.groups())
    return status


def _one_line(text: str) -> str:
    kind, semicolon, rest = text.partition(";")
    detail = rest if semicolon and kind.strip().isalpha() else text
    return " ".join(detail.split())[:MAX_REASON]


def _sentence(kind: BounceKind, status: str | None, diagnostic: str) -> str:
    said = f": {diagnostic}" if diagnostic else ", giving no diagnostic"
    code = f" ({status})" if status else ""
    if kind is BounceKind.FAILED:
        return f"The recipient's mail server gave up on the message{code}{said}."
    if kind is BounceKind.DELAYED:
        return f"The mail server is still trying to deliver the message{code}{said}."
    if kind is BounceKind.DELIVERED:
        return f"The mail server reports the message delivered{code}."
    if kind is BounceKind.RELAYED:
        return (
            f"The message was passed on to a system that sends no reports{code}; "
            "whether it arrived is unknown."
        )
    return (
        "The delivery status report gives no action or status that can be read; "
        "nothing was changed."
    )
