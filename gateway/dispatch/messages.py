"""What a delivery says on its channel, from the CAP message's info block in
the subscriber's language, and the way out each recipient's copy of an SMS or
email carries (``gateway.dispatch.way_out``).

An SMS is rendered as its parts; its text is built once per alert text with
room kept for the longest footer, and each recipient's copy gets their own
footer in that room, so no copy takes more segments than the budget.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from gateway.cap import Alert, Info, MsgType
from gateway.channels.sms_text import SmsText, build_sms_text, with_footer
from gateway.dispatch.way_out import WayOut

# Distinct alert texts a process keeps fitted; a batch needs one per language.
FITTED_TEXTS = 64


def render_message(
    channel: str, alert: Alert, info_index: int, cap_bytes: bytes
) -> dict[str, Any]:
    """The channel's message for one info block (any index falls back to 0)."""
    info = _info(alert, info_index)
    headline = _headline(alert, info)
    instruction = info.instruction if info else None
    if channel == "sms":
        return sms_parts(alert, info_index)
    if channel == "webhook":
        return {"cap": cap_bytes.decode("utf-8")}
    if channel == "webpush":
        return _push_message(alert, info, headline)
    body = "\n\n".join(
        part for part in (headline, info and info.description, instruction) if part
    )
    return {"subject": headline, "text": body, "language": _language(info)}


def sms_parts(alert: Alert, info_index: int) -> dict[str, Any]:
    """An SMS before its recipient's footer: headline, instruction, language."""
    info = _info(alert, info_index)
    return {
        "headline": _headline(alert, info),
        "instruction": info.instruction if info else None,
        "language": _language(info),
    }


def sms_text(alert: Alert, info_index: int, footer: str = "") -> SmsText:
    """The SMS of one info block, ending in ``footer``, with its encoding and
    segments; what the compose preview shows."""
    parts = sms_parts(alert, info_index)
    fitted = fit_sms(parts["headline"], parts["instruction"], footer)
    return with_footer(fitted.text, footer) if footer else fitted


@lru_cache(maxsize=FITTED_TEXTS)
def fit_sms(headline: str, instruction: str | None, footer: str) -> SmsText:
    """The alert's text with room for ``footer``, built once per text."""
    return build_sms_text(headline, instruction, footer=footer)


def personal_sms(
    message: dict[str, Any], way_out: WayOut, subscriber_id: int
) -> dict[str, Any]:
    """One recipient's SMS: the fitted alert text and their own footer."""
    language = message["language"]
    fitted = fit_sms(
        message["headline"],
        message["instruction"],
        way_out.longest_sms_footer(language),
    )
    footer = way_out.sms_footer(language, subscriber_id)
    return {"text": with_footer(fitted.text, footer).text, "language": language}


def personal_email(
    message: dict[str, Any], way_out: WayOut, subscriber_id: int
) -> dict[str, Any]:
    """One recipient's email: the alert, then the link to their manage page."""
    line = way_out.email_line(message["language"], subscriber_id)
    return {
        **message,
        "text": f"{message['text']}\n\n{line}",
        "manage_url": way_out.manage_url(subscriber_id),
    }


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
