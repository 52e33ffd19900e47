"""Failed console sign-ins, counted per account and per client address with
the ``limits`` library's moving window: in Redis when ``KENTONGAN_REDIS_URL``
is set, so every process shares the count, and in memory otherwise.

When either count is used up, sign-in is refused without checking the
password until the oldest failure leaves the window
(``KENTONGAN_CONSOLE_LOGIN_ACCOUNT_LIMIT``,
``KENTONGAN_CONSOLE_LOGIN_ADDRESS_LIMIT``). Accounts are counted by a digest
of the address typed, known or not, so the lockout says nothing about which
accounts exist, and no email address is written to Redis.
"""

from __future__ import annotations

import hashlib

from flask import Flask, current_app
from limits import RateLimitItem

from gateway.windows import open_windows, read_limit

EXTENSION = "kentongan.console_lockout"


# Known gap: anyone who knows a staff address can keep that account locked by
# failing five times per window (an admin's Unlock or `kentongan users unlock`
# lifts it only until the next failures); behind a reverse proxy every client
# shares the proxy's address (there is no ProxyFix), so raise
# KENTONGAN_CONSOLE_LOGIN_ADDRESS_LIMIT there.
class SignInLockout:
    """The two failure counts of one app and the storage that holds them."""

    def __init__(self, app: Flask) -> None:
        self.windows = open_windows(app.config)
        self.per_account = read_limit(app.config, "CONSOLE_LOGIN_ACCOUNT_LIMIT")
        self.per_address = read_limit(app.config, "CONSOLE_LOGIN_ADDRESS_LIMIT")

    def wait_seconds(self, email: str, address: str) -> int:
        """How long sign-in stays refused for this account or address; 0 if not."""
        waits = [
            self.windows.seconds_left(limit, scope, key)
            for limit, scope, key in self._counts(email, address)
            if not self.windows.test(limit, scope, key)
        ]
        return max(waits, default=0)

    def count_failure(self, email: str, address: str) -> None:
        for limit, scope, key in self._counts(email, address):
            self.windows.hit(limit, scope, key)

    def forget_account(self, email: str) -> None:
        """After a good sign-in the account starts afresh (its address does not)."""
        self.windows.clear(self.per_account, "console-account", _account_key(email))

    def _counts(self, email: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (self.per_account, "console-account", _account_key(email)),
            (self.per_address, "console-address", address),
        ]


def install_lockout(app: Flask) -> None:
    app.extensions[EXTENSION] = SignInLockout(app)


def lockout() -> SignInLockout:
    found: SignInLockout = current_app.extensions[EXTENSION]
    return found


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
