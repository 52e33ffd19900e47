"""Where to send a person after a form: only ever a path on this site.

A ``next`` value from a query string or a form is the classic open redirect;
anything that could leave the site (a scheme, a host, ``//host``, a backslash
that browsers read as a slash, control characters) falls back to the default.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_TARGET_LENGTH = 2000


def safe_target(wanted: str | None, default: str) -> str:
    """``wanted`` when it is a path on this site, else ``default``."""
    if not wanted or len(wanted) > MAX_TARGET_LENGTH:
        return default
    if not wanted.startswith("/") or wanted.startswith("//"):
        return default
    if "\\" in wanted or any(ord(char) < 0x21 or ord(char) == 0x7F for char in wanted):
        return default
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc:
        return default
    return wanted
