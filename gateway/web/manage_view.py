"""What a resident's manage page shows of their subscription: the channel, the
address masked so a forwarded link gives little away, the language, the place
and whether alerts are on.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
from flask_babel import LazyString, lazy_gettext
from sqlalchemy.orm import Session

from gateway.places.queries import areas_by_codes
from gateway.residents.models import Subscriber
from gateway.residents.subscriptions import describe

MASK = "••••"
SHORT_MASK = "•••"
CHANNEL_NAMES: dict[str, LazyString] = {
    "sms": lazy_gettext("SMS"),
    "email": lazy_gettext("Email"),
    "webpush": lazy_gettext("Web Push notifications"),
    "webhook": lazy_gettext("Webhook of a partner system"),
}
# The languages a resident may choose, by the tag stored with the subscriber.
LANGUAGE_CHOICES = {"id-ID": "Bahasa Indonesia", "en-US": "English"}


@dataclass(frozen=True, slots=True)
class ManageView:
    """Everything the manage page says about one subscriber."""

    channel: str
    channel_name: str | LazyString
    address: str | LazyString
    language: str
    language_name: str
    area_names: tuple[str, ...]
    point: tuple[float, float] | None
    alerts_on: bool


def manage_view(session: Session, subscriber: Subscriber) -> ManageView:
    codes = describe(session, subscriber).areas
    known = {area.code: area.name for area in areas_by_codes(session, codes)}
    point = None
    if subscriber.lat is not None and subscriber.lon is not None:
        point = (subscriber.lat, subscriber.lon)
    language = chosen_language(subscriber.language)
    return ManageView(
        channel=subscriber.channel,
        channel_name=CHANNEL_NAMES.get(subscriber.channel, subscriber.channel),
        address=masked_address(subscriber.channel, subscriber.address),
        language=language,
        language_name=LANGUAGE_CHOICES[language],
        area_names=tuple(known.get(code, code) for code in codes),
        point=point,
        alerts_on=subscriber.verified and subscriber.opted_out_at is None,
    )


def chosen_language(language: str | None) -> str:
    """The choice a stored tag stands for: English for ``en*``, else Indonesian."""
    primary = (language or "").lower().split("-")[0]
    return "en-US" if primary == "en" else "id-ID"


def masked_address(channel: str, address: str) -> str | LazyString:
    """Enough of the address to recognise it, not enough to learn it; words
    are left lazy, to be written in the page's language."""
    if channel == "sms":
        return masked_phone(address)
    if channel == "email":
        return masked_email(address)
    if channel == "webpush":
        return lazy_gettext("this browser")
    return urlsplit(address).hostname or SHORT_MASK


def masked_phone(number: str) -> str:
    """``+6281234567890`` as ``+62 812 •••• 7890``."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return f"{MASK} {number[-2:]}"
    national = str(parsed.national_number)
    if len(national) < 8:
        return f"+{parsed.country_code} {MASK} {national[-2:]}"
    return f"+{parsed.country_code} {national[:3]} {MASK} {national[-4:]}"


def masked_email(address: str) -> str:
    """``warga@example.org`` as ``w•••@example.org``."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}{SHORT_MASK}@{domain}"
