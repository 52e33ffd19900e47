"""Which adapter carries each channel, built from the settings.

SMS goes to Kannel or an HTTP JSON provider (``KENTONGAN_SMS_PROVIDER``),
email over SMTP (``KENTONGAN_SMTP_HOST``, ``KENTONGAN_MAIL_FROM``), Web Push
with VAPID (``KENTONGAN_WEBPUSH_VAPID_PRIVATE_KEY``), webhooks
to each subscriber's own endpoint, signed with its secret. A channel with no
provider configured writes to the outbox folder, and the log says loudly
that those messages reach nobody. Every SMS and email, sent or written to
the outbox, carries its recipient's way out (``gateway.dispatch.way_out``).
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.channels.base import PermanentFailure, Sent
from gateway.channels.email import EmailChannel, Security
from gateway.channels.outbox import OutboxChannel
from gateway.channels.sms import HttpJsonSms, KannelSms
from gateway.channels.webhook import WebhookChannel
from gateway.channels.webpush import WebPushChannel, fit_payload, urgency_for
from gateway.config import ConfigError
from gateway.db import utc_now
from gateway.dispatch.messages import personal_email, personal_sms
from gateway.dispatch.way_out import WayOut
from gateway.dispatch.worker import Recipient, Sender
from gateway.residents.unsubscribe import make_token

logger = logging.getLogger(__name__)

CHANNELS = ("sms", "email", "webpush", "webhook")
SMS_PROVIDERS = ("kannel", "http-json")
DEFAULT_PUSH_TTL_SECONDS = 24 * 3600
# What makes a channel's message one recipient's own.
Personalise = Callable[[dict[str, Any], WayOut, int], dict[str, Any]]
PERSONALISED: dict[str, Personalise] = {"sms": personal_sms, "email": personal_email}


def build_senders(config: Any, instance_path: str) -> dict[str, Sender]:
    """One sender per channel; unconfigured channels write to the outbox."""
    outbox = OutboxChannel(config.get("OUTBOX_DIR") or Path(instance_path) / "outbox")
    senders = {channel: _outbox_sender(outbox, channel) for channel in CHANNELS}
    senders["webhook"] = _webhook_sender(config)
    sms = _sms_sender(config)
    if sms is not None:
        senders["sms"] = sms
    email = _email_sender(config)
    if email is not None:
        senders["email"] = email
    push = _push_sender(config)
    if push is not None:
        senders["webpush"] = push
    way_out = WayOut.from_config(config)
    for channel, personalise in PERSONALISED.items():
        senders[channel] = _with_way_out(senders[channel], personalise, way_out)
    return senders


def _with_way_out(sender: Sender, personalise: Personalise, way_out: WayOut) -> Sender:
    """``sender``, handed each recipient's own copy with their way out."""

    def with_way_out(
        delivery_id: int, recipient: Recipient, message: dict[str, Any]
    ) -> Sent:
        own = personalise(message, way_out, recipient.subscriber_id)
        return sender(delivery_id, recipient, own)

    return with_way_out


def _outbox_sender(outbox: OutboxChannel, channel: str) -> Sender:
    warned: list[bool] = []

    def to_outbox(
        delivery_id: int, recipient: Recipient, message: dict[str, Any]
    ) -> Sent:
        if not warned:
            warned.append(True)
            logger.warning(
                "NO %s PROVIDER IS CONFIGURED: its messages go to the outbox folder "
                "%s and reach nobody",
                channel.upper(),
                outbox.folder,
            )
        return outbox.send(
            delivery_id,
            {"channel": recipient.channel, "to": recipient.address, **message},
        )

    return to_outbox


def _webhook_sender(config: Any) -> Sender:
    webhooks = WebhookChannel(
        allow_private_addresses=bool(config.get("WEBHOOK_ALLOW_PRIVATE"))
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

    return to_webhook


def sms_adapter(config: Any) -> KannelSms | HttpJsonSms | None:
    """The adapter of ``KENTONGAN_SMS_PROVIDER``; None when none is set."""
    provider = config.get("SMS_PROVIDER")
    if not provider:
        return None
    if provider == "kannel":
        return KannelSms(
            _required(config, "SMS_URL", "Kannel's sendsms URL"),
            username=_required(config, "SMS_USERNAME", "the sendsms user"),
            password=_required(config, "SMS_PASSWORD", "the sendsms password"),
            receipt_url=_required(config, "SMS_RECEIPT_URL", "where Kannel posts DLRs"),
            sender=config.get("SMS_SENDER"),
        )
    if provider == "http-json":
        return HttpJsonSms(
            _required(config, "SMS_URL", "the provider's send URL"),
            token=config.get("SMS_TOKEN"),
        )
    raise ConfigError(
        f"KENTONGAN_SMS_PROVIDER '{provider}' is unknown; use "
        f"{' or '.join(SMS_PROVIDERS)}, or leave it unset for the outbox"
    )


def email_channel(config: Any, **options: Any) -> EmailChannel:
    """A channel to the SMTP server of ``KENTONGAN_SMTP_*``, with ``options``
    such as the bounce settings; each holds a connection of its own."""
    try:
        return EmailChannel(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            mail_from=_required(config, "MAIL_FROM", "the From address of emails"),
            username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"),
            security=Security(config["SMTP_SECURITY"]),
            **options,
        )
    except ValueError as exc:
        raise ConfigError(f"The SMTP settings are not usable: {exc}") from exc


def _sms_sender(config: Any) -> Sender | None:
    adapter = sms_adapter(config)
    if adapter is None:
        return None

    def to_sms(delivery_id: int, recipient: Recipient, message: dict[str, Any]) -> Sent:
        return adapter.send(recipient.address, message["text"], str(delivery_id))

    return to_sms


def _email_sender(config: Any) -> Sender | None:
    """Email over SMTP; each sending thread keeps a connection of its own, so
    the threads do not take turns on one."""
    if not config.get("SMTP_HOST"):
        return None
    secret = str(config["SECRET_KEY"])

    def new_channel() -> EmailChannel:
        return email_channel(
            config,
            reference_secret=secret,
            bounce_address=config.get("MAIL_BOUNCE_ADDRESS") or None,
        )

    new_channel()
    per_thread = threading.local()
    base = str(config["PUBLIC_URL"]).rstrip("/")

    def to_email(
        delivery_id: int, recipient: Recipient, message: dict[str, Any]
    ) -> Sent:
        channel: EmailChannel | None = getattr(per_thread, "channel", None)
        if channel is None:
            channel = per_thread.channel = new_channel()
        token = make_token(secret, recipient.subscriber_id)
        return channel.send(
            recipient.address,
            message["subject"],
            message["text"],
            _html(message),
            str(delivery_id),
            f"{base}/unsubscribe/{token}",
        )

    return to_email


def _html(message: dict[str, Any]) -> str:
    """The text's paragraphs, the manage page's address as a link."""
    url = message.get("manage_url")
    paragraphs = "".join(
        _paragraph(part, url) for part in message["text"].split("\n\n")
    )
    language = html.escape(message["language"])
    return f'<html lang="{language}"><body>{paragraphs}</body></html>'


def _paragraph(text: str, url: str | None) -> str:
    shown = html.escape(text)
    if url and url in text:
        link = html.escape(url)
        shown = shown.replace(link, f'<a href="{link}">{link}</a>')
    return f"<p>{shown}</p>"


def _push_sender(config: Any) -> Sender | None:
    key = config.get("WEBPUSH_VAPID_PRIVATE_KEY")
    if not key:
        return None
    try:
        adapter = WebPushChannel(
            key,
            _required(config, "WEBPUSH_VAPID_SUBJECT", "mailto: or https contact"),
            allow_insecure_endpoints=bool(config.get("WEBPUSH_ALLOW_INSECURE")),
        )
    except ValueError as exc:
        raise ConfigError(f"The Web Push settings are not usable: {exc}") from exc

    def to_push(
        delivery_id: int, recipient: Recipient, message: dict[str, Any]
    ) -> Sent:
        expires = message.get("expires")
        ttl = DEFAULT_PUSH_TTL_SECONDS
        if expires:
            ttl = int((datetime.fromisoformat(expires) - utc_now()).total_seconds())
        return adapter.send(
            recipient.address,
            recipient.push_keys or {},
            fit_payload(message),
            max(0, ttl),
            urgency_for(message.get("urgency"), message.get("severity")),
        )

    return to_push


def _required(config: Any, name: str, purpose: str) -> str:
    value = config.get(name)
    if not value:
        raise ConfigError(f"KENTONGAN_{name} is needed for this provider: {purpose}")
    return str(value)
