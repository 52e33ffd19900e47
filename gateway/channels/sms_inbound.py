"""Inbound SMS: a resident's reply to an alert, as Kannel or the http-json
provider hands it to us, and whether it asks to stop.

Kannel's smsbox fetches the ``get-url`` of an ``sms-service`` group for each
message it receives and sends the answer's body back as the reply (at most
``max-messages`` parts; 0 sends none). A catch-all service for the alert
number:

    group = sms-service
    keyword = default
    catch-all = true
    max-messages = 1
    get-url = "https://peringatan.example.go.id/receipts/kannel/inbound?secret=SECRET&from=%p&to=%P&text=%a"

``%p`` is the sender, ``%P`` our number, ``%a`` every word of the message.
The http-json provider POSTs ``{"from", "to", "text", "id"?}`` with
``Authorization: Bearer <KENTONGAN_SMS_RECEIPT_SECRET>`` and sends the
``reply`` of our JSON answer.

A stop is a message whose first word, ignoring case, spaces and punctuation,
is STOP, STOPALL, BERHENTI, UNSUBSCRIBE or UNREG ("stop.", "Stop all",
"*BERHENTI*"); anything else is not.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.channels.base import ChannelError

# Known gap: Kannel hands %a on in the coding the message came in; a reply
# sent in UCS-2 (a STOP typed beside an emoji) arrives as UTF-16 bytes unless
# the smsbox is told to convert it, and is then read as no stop.
STOP_WORDS = frozenset({"stop", "stopall", "berhenti", "unsubscribe", "unreg"})
# The first run of letters and digits: what comes before it (spaces, "*",
# quotes) is not part of the word, nor what follows it ("stop." or "stop!").
FIRST_WORD = re.compile(r"[^\W_]+")
MAX_SENDER_LENGTH = 32
MAX_TEXT_LENGTH = 2000
MAX_ID_LENGTH = 128


class InboundError(ChannelError):
    """An inbound message that cannot be read; answer it with 400."""


@dataclass(frozen=True, slots=True)
class InboundSms:
    """One message a resident sent us; the number is as the provider wrote it."""

    sender: str
    recipient: str | None
    text: str
    message_id: str | None = None

    @property
    def is_stop(self) -> bool:
        return is_stop(self.text)


def is_stop(text: str) -> bool:
    """Whether the message's first word asks to stop alerts."""
    return first_word(text) in STOP_WORDS


def first_word(text: str) -> str:
    """The message's first word of letters and digits, case-folded (NFKC, so full-width
    letters count), without the spaces and punctuation around it."""
    plain = unicodedata.normalize("NFKC", text[:MAX_TEXT_LENGTH]).casefold()
    found = FIRST_WORD.search(plain)
    return found.group(0) if found else ""


def parse_kannel_inbound(query: Mapping[str, str]) -> InboundSms:
    """The message in the query Kannel fetched from our ``get-url``."""
    return _inbound(
        query.get("from"), query.get("to"), query.get("text", ""), query.get("id")
    )


def parse_http_json_inbound(payload: bytes | str) -> InboundSms:
    """The message the http-json provider posted, as JSON text."""
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise InboundError(
            f"The inbound message is not JSON ({error}).", code="inbound-not-json"
        ) from error
    if not isinstance(document, dict):
        raise InboundError(
            'The inbound message must be a JSON object with "from" and "text".',
            code="inbound-not-json",
        )
    text = document.get("text", "")
    if not isinstance(text, str):
        raise InboundError(
            'The inbound message\'s "text" must be a string.', code="inbound-bad-text"
        )
    return _inbound(document.get("from"), document.get("to"), text, document.get("id"))


def _inbound(sender: Any, recipient: Any, text: str, message_id: Any) -> InboundSms:
    if not isinstance(sender, str) or not sender.strip():
        raise InboundError(
            'The inbound message must name its sender ("from", Kannel\'s %p).',
            code="inbound-without-sender",
        )
    if len(sender) > MAX_SENDER_LENGTH:
        raise InboundError(
            f"The sender has {len(sender)} characters; a phone number has at most "
            f"{MAX_SENDER_LENGTH}.",
            code="inbound-bad-sender",
        )
    return InboundSms(
        sender=sender.strip(),
        recipient=_short(recipient, MAX_SENDER_LENGTH),
        text=text[:MAX_TEXT_LENGTH],
        message_id=_short(message_id, MAX_ID_LENGTH),
    )


def _short(value: Any, limit: int) -> str | None:
    """A provider's optional text field, or None when absent or unusable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]
