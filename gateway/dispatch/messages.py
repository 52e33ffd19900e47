"""What a delivery says on its channel, from the CAP message's info block in
the subscriber's language."""

from __future__ import annotations

from typing import Any

from gateway.cap import Alert, Info, MsgType
from gateway.channels.sms_text import SmsText, build_sms_text


def render_message(
    channel: str, alert: Alert, info_index: int, cap_bytes: bytes
) -> dict[str, Any]:
    """The channel's message for one info block (any index falls back to 0)."""
    info = _info(alert, info_index)
    headline = _headline(alert, info)
    instruction = info.instruction if info else None
    if channel == "sms":
        return {"text": sms_text(alert, info_index).text}
    if channel == "webhook":
        return {"cap": cap_bytes.decode("utf-8")}
    if channel == "webpush":
        return _push_message(alert, info, headline)
    body = "\n\n".join(
        part for part in (headline, info and info.description, instruction) if part
    )
    return {"subject": headline, "text": body, "language": _language(info)}


def sms_text(alert: Alert, info_index: int) -> SmsText:
    """The SMS of one info block, with its encoding and segments."""
    info = _info(alert, info_index)
    return build_sms_text(_headline(alert, info), info.instruction if info else None)


def _info(alert: Alert, info_index: int) -> Info | None:
    return alert.infos[info_index] if info_index < len(alert.infos) else None


def _push_message(alert: Alert, info: Info | None, headline: str) -> dict[str, Any]:
    """The Web Push payload the page's service worker shows as a notification;
    ``url`` is the alert's page, which a tap on the notification opens."""
    expires = info.expires if info else None
    return {
        "title": headline,
        "description": (info.instruction or info.description or "") if info else "",
        "identifier": alert.identifier,
        "language": _language(info),
        "expires": expires.isoformat() if expires else None,
        "urgency": str(info.urgency) if info else None,
        "severity": str(info.severity) if info else None,
        "url": info.web if info else None,
    }


def _headline(alert: Alert, info: Info | None) -> str:
    text = (info.headline or info.event) if info else alert.identifier
    if alert.msg_type is MsgType.CANCEL:
        return f"DICABUT / CANCELLED: {text}"
    if alert.msg_type is MsgType.UPDATE:
        return f"PEMBARUAN / UPDATE: {text}"
    return text


def _language(info: Info | None) -> str:
    return info.effective_language if info else "en-US"
