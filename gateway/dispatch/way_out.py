"""The way out that every alert SMS and email carries: a link to the
recipient's own manage page (``/s/<token>``, see
``gateway.residents.manage_links``), and in an SMS a short footer saying how
to stop, in the language of the message.

Web Push and webhooks carry none: a browser gets its manage link when it
subscribes, and webhooks carry CAP to partner systems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.channels.sms_text import DEFAULT_MAX_SEGMENTS, count_segments
from gateway.config import ConfigError
from gateway.residents.manage_links import manage_path, manage_url

# Known gap: the footer offers "reply STOP" even when inbound SMS is not set
# up (no KENTONGAN_SMS_RECEIPT_SECRET, no Kannel get-url); the link still works.
SMS_FOOTERS = {
    "id": "Berhenti: balas STOP atau {url}",
    "en": "To stop, reply STOP or {url}",
}
EMAIL_LINES = {
    "id": "Atur atau hapus langganan Anda: {url}",
    "en": "Manage or delete your subscription: {url}",
}
# What a reply by SMS gets back: the same whether the number was subscribed
# or not, so the answer tells nobody who is.
STOP_REPLIES = {
    "id": "Peringatan ke nomor ini dihentikan. Untuk berlangganan lagi: {url}",
    "en": "Alerts to this number are stopped. To subscribe again: {url}",
}
HELP_REPLIES = {
    "id": (
        "Balas STOP untuk berhenti menerima peringatan. Atur atau hapus langganan "
        "lewat tautan di akhir setiap peringatan. Info: {url}"
    ),
    "en": (
        "Reply STOP to stop the alerts. Manage or delete your subscription with "
        "the link at the end of every alert. Info: {url}"
    ),
}
SUBSCRIBE_PATH = "/subscribe"
# The longest token a manage link may have: an id of 7 base-36 digits and a
# 12-character signature, all of them one GSM-7 septet each.
LONGEST_TOKEN = "z" * 7 + "." + "a" * 12
# The costliest start an alert can have: one character outside the BMP and an
# ellipsis, which make the whole SMS UCS-2.
COSTLIEST_START = "\U0001f6a8…"


@dataclass(frozen=True, slots=True)
class WayOut:
    """Where manage links point and what signs them."""

    public_url: str
    secret_key: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WayOut:
        """The app's way out; a public address too long to leave an alert room
        in the SMS beside its footer is refused."""
        built = cls(str(config["PUBLIC_URL"]).rstrip("/"), str(config["SECRET_KEY"]))
        for language in SMS_FOOTERS:
            footer = built.longest_sms_footer(language)
            if count_segments(f"{COSTLIEST_START}\n{footer}") > DEFAULT_MAX_SEGMENTS:
                raise ConfigError(
                    f"KENTONGAN_PUBLIC_URL is {len(built.public_url)} characters "
                    "long; every alert SMS ends in a link to it and would have no "
                    "room left for the alert. Use a shorter public address."
                )
        return built

    def manage_url(self, subscriber_id: int) -> str:
        return manage_url(self.public_url, self.secret_key, subscriber_id)

    def sms_footer(self, language: str | None, subscriber_id: int) -> str:
        """The last line of this subscriber's alert SMS."""
        return _footer_words(language).format(url=self.manage_url(subscriber_id))

    def longest_sms_footer(self, language: str | None) -> str:
        """A footer as long as any subscriber's may be, to keep room for it;
        its link names nobody."""
        return _footer_words(language).format(url=self.sample_url())

    def email_line(self, language: str | None, subscriber_id: int) -> str:
        """The closing paragraph of this subscriber's alert email."""
        words = EMAIL_LINES[footer_language(language)]
        return words.format(url=self.manage_url(subscriber_id))

    def sample_email_line(self, language: str | None) -> str:
        """The closing paragraph as a preview shows it, naming nobody."""
        return EMAIL_LINES[footer_language(language)].format(url=self.sample_url())

    def sample_url(self) -> str:
        """A manage address of the longest shape, whose token is no one's."""
        return self.public_url + manage_path(LONGEST_TOKEN)

    def reply(self, language: str | None, *, stopped: bool) -> str:
        """What an SMS sent to us gets back: a stop is confirmed, anything
        else is told how to stop and where to manage; Indonesian unless the
        sender's language is known."""
        tongue = footer_language(language or "id")
        if stopped:
            url = self.public_url + SUBSCRIBE_PATH
            return STOP_REPLIES[tongue].format(url=url)
        return HELP_REPLIES[tongue].format(url=self.public_url)


def footer_language(language: str | None) -> str:
    """Indonesian for an ``id`` language tag, English for any other."""
    primary = (language or "").lower().replace("_", "-").split("-")[0]
    return "id" if primary == "id" else "en"


def _footer_words(language: str | None) -> str:
    return SMS_FOOTERS[footer_language(language)]
