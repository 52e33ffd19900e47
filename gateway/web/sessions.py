"""Cookie sessions only where a person signs in: the feeds, the API and the
health check never read one, so they skip the cost of opening it.

The cookie is HttpOnly and SameSite=Lax always, and Secure whenever the
gateway is served over https (see ``served_over_https``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

SESSIONLESS_PREFIXES = ("/feeds/", "/api/", "/receipts/", "/healthz")


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> Any:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or served_over_https()

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True

    def get_cookie_samesite(self, app: Flask) -> str:
        return str(app.config.get("SESSION_COOKIE_SAMESITE") or "Lax")


def served_over_https() -> bool:
    """Whether this request came over https, or the public address is https
    (a proxy in front terminates TLS and speaks plain http to us)."""
    if has_request_context() and request.is_secure:
        return True
    return str(current_app.config.get("PUBLIC_URL", "")).startswith("https://")
