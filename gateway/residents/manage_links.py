"""Manage links: a short signed token naming one subscriber, for the way out
that every message carries.

The token is the subscriber id in base 36, a dot, and the first 12 characters
of an HMAC-SHA256 of it in base 32 (60 bits), so it fits in an SMS beside the
alert and cannot be made for someone else without the app's secret key. It
names no address. The page that reads it is ``/s/<token>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

SALT = b"kentongan-manage:"
SIGNATURE_LENGTH = 12
TOKEN_SHAPE = re.compile(r"([0-9a-z]{1,7})\.([a-z2-7]{12})")
# Subscriber ids are SQL INTEGERs; a larger number names nobody.
MAX_ID = 2**31 - 1
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def make_manage_token(secret_key: str, subscriber_id: int) -> str:
    """The token for ``subscriber_id``, e.g. ``2n9c.k3q7w2mdx4pa``."""
    if not 1 <= subscriber_id <= MAX_ID:
        raise ValueError(f"subscriber ids run from 1 to {MAX_ID}, not {subscriber_id}")
    shown = _base36(subscriber_id)
    return f"{shown}.{_signature(secret_key, shown)}"


def read_manage_token(secret_key: str, token: str) -> int | None:
    """The subscriber a token names, or None when it is not one of ours."""
    found = TOKEN_SHAPE.fullmatch(token)
    if found is None:
        return None
    shown, signature = found.groups()
    if not hmac.compare_digest(signature, _signature(secret_key, shown)):
        return None
    subscriber_id = int(shown, 36)
    return subscriber_id if 1 <= subscriber_id <= MAX_ID else None


def manage_path(token: str) -> str:
    return f"/s/{token}"


def manage_url(public_url: str, secret_key: str, subscriber_id: int) -> str:
    """The absolute address of the subscriber's manage page."""
    token = make_manage_token(secret_key, subscriber_id)
    return public_url.rstrip("/") + manage_path(token)


def _signature(secret_key: str, shown: str) -> str:
    digest = hmac.new(secret_key.encode(), SALT + shown.encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode().lower()[:SIGNATURE_LENGTH]


def _base36(number: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 36)
        digits.append(DIGITS[remainder])
    return "".join(reversed(digits)) or "0"
