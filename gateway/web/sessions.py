"""Cookie sessions only where a person signs in: the feeds, the API and the
health check never read one, so they skip the cost of opening it."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface

SESSIONLESS_PREFIXES = ("/feeds/", "/api/", "/receipts/", "/healthz")


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> Any:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)
