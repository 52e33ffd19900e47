"""Notices: single messages to one address that are no alert, such as the code
or link that confirms a resident's own subscription.

They go through the same providers as alerts, read from the same settings
(``KENTONGAN_SMS_PROVIDER``, ``KENTONGAN_SMTP_HOST`` …): SMS through Kannel or
the HTTP JSON provider, email as a plain notice over SMTP. A channel with no
provider writes them to ``notices/`` in the outbox folder, and the log says
loudly that they reach nobody. A notice is sent at once, in the caller's
request, within the adapter's timeout; it is never queued or retried, so the
caller learns whether the provider took it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.channels.base import Sent
from gateway.channels.outbox import OutboxChannel
from gateway.dispatch.senders import email_channel, sms_adapter

logger = logging.getLogger(__name__)

NOTICE_CHANNELS = ("sms", "email")
OUTBOX_FOLDER = "notices"


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one address; ``subject`` is for email only."""

    channel: str
    to: str
    text: str
    subject: str = ""


# A carrier takes the notice and a reference of its own for the provider.
Carrier = Callable[[Notice, str], Sent]


class NoticeSender:
    """Sends notices through each channel's provider, or to the outbox."""

    def __init__(self, carriers: dict[str, Carrier]) -> None:
        self.carriers = carriers

    def send(self, notice: Notice) -> Sent:
        """Hand ``notice`` to its provider; a ``ChannelError`` when it fails."""
        reference = f"notice-{secrets.token_hex(8)}"
        carrier = self.carriers.get(notice.channel)
        if carrier is None:
            raise ValueError(f"notices go by {' or '.join(NOTICE_CHANNELS)} only")
        sent = carrier(notice, reference)
        logger.info("notice sent channel=%s reference=%s", notice.channel, reference)
        return sent


def build_notice_sender(config: Any, instance_path: str) -> NoticeSender:
    """The sender of notices for these settings."""
    folder = Path(config.get("OUTBOX_DIR") or Path(instance_path) / "outbox")
    outbox = OutboxChannel(folder / OUTBOX_FOLDER)
    carriers = {channel: _to_outbox(outbox, channel) for channel in NOTICE_CHANNELS}
    sms = _sms_carrier(config)
    if sms is not None:
        carriers["sms"] = sms
    email = _email_carrier(config)
    if email is not None:
        carriers["email"] = email
    return NoticeSender(carriers)


def _to_outbox(outbox: OutboxChannel, channel: str) -> Carrier:
    def write(notice: Notice, reference: str) -> Sent:
        logger.warning(
            "NO %s PROVIDER IS CONFIGURED: notice %s goes to the outbox folder %s "
            "and reaches nobody",
            channel.upper(),
            reference,
            outbox.folder,
        )
        message = {
            "channel": notice.channel,
            "to": notice.to,
            "subject": notice.subject,
            "text": notice.text,
            "reference": reference,
        }
        return outbox.send(time.time_ns(), message)

    return write


def _sms_carrier(config: Any) -> Carrier | None:
    """The SMS provider the alerts use, with the same settings."""
    adapter = sms_adapter(config)
    if adapter is None:
        return None

    def to_sms(notice: Notice, reference: str) -> Sent:
        # Known gap: the provider's receipt for a notice names no delivery and
        # is answered as unknown — harmless, the notice is not tracked.
        return adapter.send(notice.to, notice.text, reference)

    return to_sms


def _email_carrier(config: Any) -> Carrier | None:
    """Plain notices over the SMTP server the alerts use."""
    if not config.get("SMTP_HOST"):
        return None
    channel = email_channel(config)

    def to_email(notice: Notice, reference: str) -> Sent:
        return channel.send_notice(notice.to, notice.subject, notice.text, reference)

    return to_email
