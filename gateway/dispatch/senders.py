"""Which adapter carries each channel, built from the settings.

Webhooks go to each subscriber's own endpoint, signed with its secret. A
channel with no provider configured writes to the outbox folder, and the log
says loudly that those messages reach nobody.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from gateway.channels.base import PermanentFailure, Sent
from gateway.channels.outbox import OutboxChannel
from gateway.channels.webhook import WebhookChannel
from gateway.dispatch.worker import Recipient, Sender

logger = logging.getLogger(__name__)

CHANNELS = ("sms", "email", "webpush", "webhook")


def build_senders(config: Any, instance_path: str) -> dict[str, Sender]:
    """One sender per channel; unconfigured channels write to the outbox."""
    outbox = OutboxChannel(config.get("OUTBOX_DIR") or Path(instance_path) / "outbox")
    webhooks = WebhookChannel(
        allow_private_addresses=bool(config.get("WEBHOOK_ALLOW_PRIVATE"))
    )

    warned: list[bool] = []

    def to_outbox(
        delivery_id: int, recipient: Recipient, message: dict[str, Any]
    ) -> Sent:
        if not warned:
            warned.append(True)
            logger.warning(
                "NO SMS, EMAIL OR WEB PUSH PROVIDER IS CONFIGURED: those messages "
                "go to the outbox folder %s and reach no phone or inbox",
                outbox.folder,
            )
        return outbox.send(
            delivery_id,
            {"channel": recipient.channel, "to": recipient.address, **message},
        )

    def to_webhook(
        delivery_id: int, recipient: Recipient, message: dict[str, Any]
    ) -> Sent:
        if not recipient.webhook_secret:
            raise PermanentFailure(
                "the webhook subscription has no secret to sign with",
                code="no-webhook-secret",
            )
        return webhooks.send(
            recipient.address,
            recipient.webhook_secret,
            message["cap"].encode("utf-8"),
            f"delivery-{delivery_id}",
        )

    # Known gap: the SMS, email and Web Push adapters are not wired in yet;
    # until they are, those channels reach only the outbox folder.
    return {
        "sms": to_outbox,
        "email": to_outbox,
        "webpush": to_outbox,
        "webhook": to_webhook,
    }
