"""The abuse guard of residents' self-subscription, with no CAPTCHA: counts per
client address, per resident address and for the whole office.

Each count is a ``limits`` moving window, in Redis when ``KENTONGAN_REDIS_URL``
is set (so every process shares it) and in memory otherwise:

- ``KENTONGAN_SUBSCRIBE_CLIENT_LIMIT``: subscription attempts from one client
  address (the form, a code typed, a browser's push subscription);
- ``KENTONGAN_SUBSCRIBE_ADDRESS_LIMIT``: confirmation messages to one phone
  number or email address, so nobody can use the form to flood someone else;
- ``KENTONGAN_SUBSCRIBE_DAILY_LIMIT``: confirmation messages in all, a ceiling
  on what a crowd of addresses can cost the office in SMS;
- ``KENTONGAN_SMS_HELP_REPLY_LIMIT``: help replies to one number that sent us
  an SMS that was no STOP, so an auto-responder cannot keep a conversation
  with the gateway going.

Resident addresses are counted by a digest, never written to Redis as typed.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app
from limits import RateLimitItem

from gateway.windows import open_windows, read_limit

EXTENSION = "kentongan.subscribe_guard"


# Known gap: behind a reverse proxy every client shares the proxy's address
# (there is no ProxyFix), so raise KENTONGAN_SUBSCRIBE_CLIENT_LIMIT there.
class SubscribeGuard:
    """The counts of one app and the storage that holds them."""

    def __init__(self, app: Flask) -> None:
        self.windows = open_windows(app.config)
        self.per_client = read_limit(app.config, "SUBSCRIBE_CLIENT_LIMIT")
        self.per_address = read_limit(app.config, "SUBSCRIBE_ADDRESS_LIMIT")
        self.per_office = read_limit(app.config, "SUBSCRIBE_DAILY_LIMIT")
        self.help_replies = read_limit(app.config, "SMS_HELP_REPLY_LIMIT")

    def take_client(self, client: str) -> int:
        """Count one attempt from ``client``: 0 when allowed, else the seconds
        until the next one is."""
        return self._take(self.per_client, "subscribe-client", client)

    def take_message(self, channel: str, address: str) -> int:
        """Count one confirmation message to ``address`` and to the office's
        budget: 0 when allowed, else the seconds until one would be."""
        key = _address_key(channel, address)
        if not self.windows.test(self.per_address, "subscribe-address", key):
            return self.windows.seconds_left(self.per_address, "subscribe-address", key)
        waiting = self._take(self.per_office, "subscribe-office", "all")
        if waiting:
            return waiting
        return self._take(self.per_address, "subscribe-address", key)

    def take_help_reply(self, number: str) -> bool:
        """Count one help reply to ``number``; False when it has had enough."""
        key = _address_key("sms", number)
        return self.windows.hit(self.help_replies, "sms-help", key)

    def _take(self, limit: RateLimitItem, scope: str, key: str) -> int:
        if self.windows.hit(limit, scope, key):
            return 0
        return self.windows.seconds_left(limit, scope, key)


def install_subscribe_guard(app: Flask) -> None:
    app.extensions[EXTENSION] = SubscribeGuard(app)


def subscribe_guard() -> SubscribeGuard:
    found: SubscribeGuard = current_app.extensions[EXTENSION]
    return found


def _address_key(channel: str, address: str) -> str:
    text = f"{channel}:{address.strip().lower()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
